"""Invariants every generated text and page of a report keeps, for any council and any variant (issue 17).

Used by ``tests/test_every_council.py`` on the texts the notebooks' analysis generates for every council
(in-process, fast) and on rendered pages of variant reports (slow). Each check returns a list of problems
(empty = the invariant holds), each naming what was found, so a failing test says where to look.

* no window whose start equals its end ("2015-17 → 2015-17");
* no scientific notation and no "nan" in reader-facing text;
* geography-bound wording only where it applies (GM comparisons for GM boroughs, county and London
  wording for counties and London boroughs);
* a council created after the report names the predecessor code that holds its data;
* in the index, every "–" has its reason beside it; in a notebook page, every table showing "–" says what
  it means there (its caption, :func:`wigan_deal.fmt.explain_missing`).
"""

from __future__ import annotations

import html
import re

from wigan_deal import config
from wigan_deal import data as wd

SCIENTIFIC = re.compile(r"(?<![\w.])[-+−]?\d+(?:\.\d+)?[eE][-+−]?\d+(?![\w.])")
NAN = re.compile(r"\bnan\b", re.IGNORECASE)
#: "2015-17 → 2015-17", "2015-17 to 2015-17", "2011/12 -> 2011/12"
COLLAPSED = re.compile(r"(?<![\d/-])(\d{4}(?:[-/]\d{2})?)\s*(?:->|→|to)\s*\1(?![\d/-])")
#: (wording, the area types or codes it applies to)
GEOGRAPHY: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"other nine GM boroughs|other GM boroughs \((?:mean|sum|n=)"), "gm"),
    (re.compile(r"publishes no counties|a county value cannot be rebuilt"), "County"),
    (re.compile(r"publishes no London boroughs"), "London Borough"),
)


def _applies(area_code: str, where: str) -> bool:
    if where == "gm":
        return area_code in config.GREATER_MANCHESTER
    types = wd.areas().set_index("area_code")["area_type"]
    return types.get(area_code) == where


def text_problems(text: str, area_code: str, where: str = "") -> list[str]:
    """Every invariant broken by one reader-facing ``text`` about ``area_code``."""
    problems = []
    at = f"{where}: " if where else ""
    for found in SCIENTIFIC.findall(text):
        problems.append(f"{at}scientific notation {found!r}")
    if NAN.search(text):
        problems.append(f"{at}'nan' in {_around(text, NAN)!r}")
    for m in COLLAPSED.finditer(text):
        problems.append(f"{at}window from a period to itself {m.group(0)!r}")
    for pattern, applies_to in GEOGRAPHY:
        if pattern.search(text) and not _applies(area_code, applies_to):
            problems.append(f"{at}wording for {applies_to} areas used for {area_code}: {_around(text, pattern)!r}")
    if area_code in wd.CREATED and "was created in" in text:
        missing = [c for c in wd.PREDECESSORS[area_code] if c not in text]
        if missing:
            problems.append(f"{at}created council without its predecessor code(s) {missing}: {text[:160]!r}")
    return problems


def _around(text: str, pattern: re.Pattern[str], width: int = 60) -> str:
    m = pattern.search(text)
    return text[max(0, m.start() - width):m.end() + width] if m else ""


def page_text(page_html: str) -> str:
    """Reader-visible text of an HTML page (no styles, scripts, code inputs or image data)."""
    text = re.sub(r"<(style|script)\b.*?</\1>", " ", page_html, flags=re.S | re.I)
    text = re.sub(r"<[^>]+>", " ", text)
    return html.unescape(text)


def page_problems(page_html: str, area_code: str, where: str = "") -> list[str]:
    """:func:`text_problems` of a rendered page's visible text."""
    return text_problems(page_text(page_html), area_code, where)


def bare_dash_cells(page_html: str) -> list[str]:
    """Table cells of the index that show '–' with no reason beside it (the cell's row)."""
    rows = re.findall(r"<tr>(.*?)</tr>", page_html, flags=re.S)
    return [page_text(r).strip()[:120] for r in rows if re.search(r"<td[^>]*>\s*–\s*</td>", r)]


def bare_dash_tables(page_html: str) -> list[str]:
    """Tables of a notebook page that show a '–' cell without a caption saying what '–' means there (each
    named by its first column headers)."""
    found = []
    for table in re.findall(r"<table\b.*?</table>", page_html, flags=re.S):
        if not re.search(r"<td[^>]*>\s*–\s*</td>", table):
            continue
        caption = re.search(r"<caption\b[^>]*>(.*?)</caption>", table, flags=re.S)
        if caption and "–" in caption.group(1):
            continue
        heads = [page_text(h).strip() for h in re.findall(r"<th\b[^>]*>(.*?)</th>", table, flags=re.S)[:6]]
        found.append(" | ".join(heads))
    return found


def recorded_vintage_problems(results: dict, area_code: str, vintage: str) -> list[str]:
    """Every HLE value notebook 02 recorded names its window and vintage, and the number under the label is
    the one that window and vintage give (recomputed from the extracts)."""
    import math

    from wigan_deal import hle_noise

    values = results.get("02_healthy_life_expectancy", {}).get("values", {})
    problems = []

    def hle(code: str, sex: str, period: str, v: str) -> float:
        f = wd.load_indicator("hle_birth", areas=[code], sex=sex, vintage=v)
        hit = f.loc[f["period"] == period, "value"]
        return float(hit.iloc[0]) if len(hit) else math.nan

    for sex in config.SEXES:
        key = sex.lower()
        own = values.get(f"hle_change_{key}")
        if own:
            text = f"{own.get('label')} {own.get('note')}"
            m = re.search(r"(\d{4}-\d{2}) to (\d{4}-\d{2})", own.get("label") or "")
            if not m or f"vintage {vintage}" not in text:
                problems.append(f"hle_change_{key} does not name its window and vintage {vintage}: {text!r}")
            else:
                expected = hle(area_code, sex, m.group(2), vintage) - hle(area_code, sex, m.group(1), vintage)
                if m.group(1) == m.group(2) or not math.isclose(own["value"], expected, abs_tol=1e-9):
                    problems.append(f"hle_change_{key} {own['value']} is not the {m.group(0)} change in vintage "
                                    f"{vintage} ({expected})")
        noise = values.get(f"hle_diff_{key}_empirical_noise")
        if noise:
            if f"vintage {config.REPORT_VINTAGE}" not in (noise.get("label") or ""):
                problems.append(f"noise-model value without its vintage: {noise.get('label')!r}")
            table = hle_noise.sensitivity(area_code).set_index(["sex", "noise model"])
            if not math.isclose(noise["value"], table.loc[(sex, "sigma_cov"), "difference vs England"], abs_tol=1e-9):
                problems.append(f"noise-model value {noise['value']} is not the vintage {config.REPORT_VINTAGE} change")
        then = values.get(f"hle_gap_then_{key}")
        if then and f"(vintage {vintage})" not in (then.get("label") or ""):
            problems.append(f"gap 'then' not labelled with vintage {vintage}: {then.get('label')!r}")
    return problems
