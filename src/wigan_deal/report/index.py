"""Render a report folder's ``index.html``: parameters, verdicts, headline results, links.

Self-contained (inline CSS, no scripts, no external resources); every piece of text is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape
from typing import Any

from wigan_deal import fmt

CLAIMS_TABLE = "claims"
#: recorded by notebook 07: the latest value of each adult social care pathway measure and its comparisons
PATHWAY_TABLE = "pathway"
#: Table recorded by notebook 06: amended claim rules, the previous rule's verdict beside the current one.
AMENDMENTS_TABLE = "amendments"
#: Table recorded by notebook 06: for every rule, the share of all councils that get each verdict.
SHARES_TABLE = "verdict_shares"
#: Values recorded by notebook 04 shown as the index's finance headlines (key -> short label).
FINANCE_NOTEBOOK = "04_adult_social_care_finance"
FINANCE_HEADLINES: dict[str, str] = {
    "asc_variance_pct_first": "ASC outturn minus budget, first year (%)",
    "asc_variance_percentile_first": "... its percentile among all councils",
    "asc_variance_pct_last": "ASC outturn minus budget, last year (%)",
    "asc_variance_percentile_last": "... its percentile among all councils",
    "savings_real_change_gbp000": "Real-terms change, net spending excl. education and public health (GBP thousand)",
    "savings_real_change_pct": "... as % (real terms)",
    "savings_percentile": "... its percentile among all councils (0 = largest fall)",
    "controlled_real_change_pct": "Real-terms change from 2011/12, what the council controls (excl. also housing "
                                  "benefit and levies), %",
    "controlled_percentile_own_type": "... its percentile among councils of its own type (0 = largest fall)",
    "controlled_percentile_neighbours": "... its percentile among its spending-power neighbours",
}

_CSS = """
body { font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; margin: 2rem auto; max-width: 70rem;
       padding: 0 1rem; color: #1b1b1b; line-height: 1.4; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.25rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .92rem; }
th, td { border: 1px solid #c8c8c8; padding: .3rem .55rem; text-align: left; vertical-align: top; }
th { background: #eef1f5; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.params th { width: 12rem; } .meta { color: #555; }
.verdict { font-weight: bold; }
.v-supported { background: #e3f4e3; } .v-not-supported, .v-contradicted { background: #fbe3e3; }
.v-inconclusive, .v-partly-supported, .v-mixed { background: #fdf4d8; }
td { overflow-wrap: break-word; }
header .wd-nav a { display: inline-block; margin: .1rem .9rem .1rem 0; }
#answers { border: 2px solid #1d5fa8; border-radius: 6px; padding: .2rem 1rem .6rem; margin: 1rem 0 1.5rem; }
#answers h2 { margin-top: .6rem; } #answers h3 { font-size: 1.05rem; margin: .9rem 0 .4rem; }
.answers-grid { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 0 2rem; }
ol.answers-claims { padding-left: 1.4rem; margin: 0; } ol.answers-claims li { margin: .25rem 0; }
ol.answers-claims .verdict { display: inline-block; padding: 0 .35rem; border-radius: 3px; font-size: .85rem; }
figure.answer-fig { margin: .3rem 0 1rem; } figure.answer-fig img { width: 100%; max-width: 32rem; height: auto; }
figure.answer-fig figcaption { font-size: .85rem; color: #444; }
details summary { cursor: pointer; font-weight: bold; margin: .3rem 0 .6rem; }
table.claims td:nth-child(1) { min-width: 12rem; } table.claims td:last-child { min-width: 16rem; }
@media (max-width: 700px) {
  body { margin: 1rem auto; padding: 0 .6rem; }
  h1 { font-size: 1.2rem; } #answers { padding: 0 .6rem .4rem; } header .meta { font-size: .85rem; }
  #answers h2 { font-size: 1.15rem; } #answers h3 { font-size: 1rem; margin: .7rem 0 .3rem; }
  .answers-grid { display: block; }
  /* the claim in one or two lines (the full text is in the verdict table below) */
  ol.answers-claims li { font-size: .92rem; line-height: 1.3; }
  ol.answers-claims .claim { display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical;
                             overflow: hidden; }
  #answers ul { padding-left: 1.1rem; font-size: .92rem; margin: .3rem 0; }
  figure.answer-fig { margin: .2rem 0 .5rem; } figure.answer-fig figcaption { font-size: .8rem; line-height: 1.25; }
  /* verdict and result tables become one card per row: label from data-label, no sideways scroll */
  table.claims, table.results { border: 0; width: 100%; }
  table.claims thead, table.results thead { position: absolute; left: -9999px; }
  table.claims tr, table.results tr { display: block; border: 1px solid #c8c8c8; border-radius: 4px;
                                      margin: 0 0 .7rem; padding: .2rem 0; }
  table.claims td, table.results td { display: block; border: 0; padding: .15rem .55rem; min-width: 0;
                                      text-align: left; }
  table.claims td::before, table.results td::before { content: attr(data-label) ": "; font-weight: bold;
                                                     color: #444; }
  table.claims td.verdict { margin: .1rem .4rem; border-radius: 3px; }
  table.params th { width: auto; }
}
"""


def _shared_css() -> str:
    from pathlib import Path

    return Path(__file__).with_name("reader.css").read_text(encoding="utf-8")


@dataclass(frozen=True)
class NotebookEntry:
    """One executed notebook of the report and its run time."""

    name: str
    seconds: float
    #: False when only the reader page was written (the atlas writes no full HTML per council).
    full: bool = True


def unit_digits(unit: Any) -> int | None:
    """Decimals shown for a value in ``unit`` (one format per unit; ``None`` = a p-value, see :func:`fmt.p_value`)."""
    u = str(unit or "").strip().lower()
    if u == "p":
        return None
    if u.startswith(("gbp", "count", "rank", "claims", "percentile")):
        return 0
    if "per year" in u:
        return 2
    if "per 100,000" in u or u.startswith(("%", "percentage points")):
        return 1
    return 2  # years, shares and anything without a unit


def format_value(value: Any, unit: Any = None) -> str:
    """A number (or text) for tables through :mod:`wigan_deal.fmt`: fixed decimals by ``unit``
    (:func:`unit_digits`), never scientific notation; missing values are '–'."""
    if isinstance(value, float) and not math.isnan(value) and unit_digits(unit) is None:
        return fmt.p_value(value)
    if isinstance(value, float):
        return fmt.number(value, unit_digits(unit) or 0)
    return fmt.number(value)


def no_interval_reason(unit: Any, value: Any = None) -> str:
    """Why a headline value has no 95% CI, shown beside its '–'."""
    u = str(unit or "").strip().lower()
    if _missing(value):
        return "no value recorded"
    if isinstance(value, bool):
        return "a yes/no check"
    if isinstance(value, int) or u.startswith(("count", "rank", "claims")):
        return "a count or rank, not an estimate"
    if u == "p":
        return "a p-value"
    if u.startswith("percentile"):
        return "a position among all councils"
    if u.startswith("share"):
        return "a share of specifications"
    return "description: no interval computed for this value"


def _ci(lower: Any, upper: Any, unit: Any = None, value: Any = 0.0) -> str:
    if _missing(lower) or _missing(upper):
        return f"{fmt.MISSING} ({no_interval_reason(unit, value)})"
    return f"{format_value(lower, unit)} to {format_value(upper, unit)}"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _css_class(text: Any) -> str:
    slug = "".join(c if c.isalnum() else "-" for c in str(text).strip().lower()).strip("-")
    return f"verdict v-{slug}" if slug else "verdict"


def _cell(value: Any, *, verdict: bool = False, label: str = "", unit: Any = None) -> str:
    text = escape(format_value(value, unit))
    data = f' data-label="{escape(label)}"' if label else ""
    if verdict:
        return f'<td class="{escape(_css_class(value))}"{data}>{text}</td>'
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    return f'<td class="num"{data}>{text}</td>' if numeric else f"<td{data}>{text}</td>"


def render_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], *, css: str = "") -> str:
    """Generic HTML table; a column named 'verdict' is highlighted; numbers are formatted by the row's
    'unit' column when there is one (:func:`format_value`)."""
    labels = [fmt.header(str(c)) for c in columns]
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in labels)
    unit_at = next((i for i, c in enumerate(columns) if str(c).lower() == "unit"), None)
    body = []
    for row in rows:
        unit = row[unit_at] if unit_at is not None and unit_at < len(row) else None
        cells = "".join(_cell(v, verdict=str(c).lower() == "verdict", label=h, unit=unit)
                        for c, h, v in zip(columns, labels, row, strict=False))
        body.append(f"<tr>{cells}</tr>")
    cls = f' class="{escape(css)}"' if css else ""
    return f"<table{cls}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def claims_tables(results: Mapping[str, Mapping[str, Any]]) -> list[tuple[str, dict[str, list]]]:
    """``(notebook, table)`` for every recorded table named ``claims``."""
    return [
        (name, data["tables"][CLAIMS_TABLE])
        for name, data in results.items()
        if CLAIMS_TABLE in data.get("tables", {})
    ]


def headline_rows(results: Mapping[str, Mapping[str, Any]]) -> list[list[Any]]:
    """Rows ``[notebook, label, value, unit, CI, note]`` of every recorded value; a missing value or interval
    shows '–' with its reason beside it."""
    rows = []
    for name, data in results.items():
        for key, item in data.get("values", {}).items():
            value, note = item.get("value"), item.get("note") or ""
            if _missing(value):
                value = f"{fmt.MISSING} ({'see note' if note else 'no value recorded'})"
            rows.append([
                name, item.get("label") or key, value, item.get("unit") or "",
                _ci(item.get("lower"), item.get("upper"), item.get("unit"), item.get("value")), note,
            ])
    return rows


def with_reasons(rows: Sequence[Sequence[Any]], reason: str, columns: Sequence[int] | None = None) -> list[list[Any]]:
    """``rows`` with each missing cell (in ``columns``, default all) shown as '– (reason)': no bare dash."""
    return [[f"{fmt.MISSING} ({reason})" if _missing(v) and (columns is None or i in columns) else v
             for i, v in enumerate(row)] for row in rows]


def claims_rows(table: Mapping[str, Any]) -> list[list[Any]]:
    """The claims table's rows with a reason beside every missing estimate or interval."""
    cols = [str(c).lower() for c in table["columns"]]
    numeric = [i for i, c in enumerate(cols) if c in ("estimate", "lower", "upper")]
    verdict = cols.index("verdict") if "verdict" in cols else None
    out = []
    for row in table["rows"]:
        untestable = verdict is not None and str(row[verdict]).startswith("not testable")
        reason = "not testable: see evidence" if untestable else "no interval under this claim's rule"
        out += with_reasons([row], reason, numeric)
    return [[v if not _missing(v) else "" for v in row] for row in out]


def claims_vintage_note(parameters: Mapping[str, Any]) -> str | None:
    """When the report's HLE vintage is not the one the claims register grades on, say which vintage the
    verdicts' HLE numbers come from (the page's vintage label must match the numbers under it)."""
    from wigan_deal.claims import get_claim

    chosen = parameters.get("HLE vintage")
    graded = get_claim("hle_increase").spec().vintage
    if not chosen or not graded or str(chosen) == str(graded):
        return None
    return (f"These verdicts grade each claim on the data its pre-specified rule names: the HLE numbers in them "
            f"are vintage {graded} (what the report's authors could see), not this report's HLE vintage {chosen}. "
            "Notebook 06 re-runs the same rules on later vintages.")


def finance_rows(results: Mapping[str, Mapping[str, Any]]) -> list[list[Any]]:
    """Rows ``[measure, value, unit, detail]`` of notebook 04's finance headlines (:data:`FINANCE_HEADLINES`)."""
    finance = results.get(FINANCE_NOTEBOOK, {}).get("values", {})
    return [[label, finance[key].get("value"), finance[key].get("unit"), finance[key].get("label")]
            for key, label in FINANCE_HEADLINES.items() if key in finance]


def render_index(
    *,
    title: str,
    parameters: Mapping[str, Any],
    vintage: str,
    notebooks: Sequence[NotebookEntry],
    results: Mapping[str, Mapping[str, Any]],
    generated: date | None = None,
    code_version: str | None = None,
    claims_note: str | None = None,
    package_version: str | None = None,
    data_section: str | None = None,
    answers: str | None = None,
) -> str:
    """The complete ``index.html`` text; ``answers`` (the answers panel's HTML) opens it."""
    generated = generated or date.today()
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{_shared_css()}{_CSS}</style></head><body>",
        f"<header><h1>{escape(title)}</h1>",
        f'<p class="meta">Generated {escape(generated.isoformat())} &middot; data vintage '
        f"{escape(vintage)} &middot; {len(notebooks)} notebook(s)"
        + (f" &middot; code version {escape(code_version)}" if code_version else "")
        + (f" &middot; wigan_deal {escape(package_version)}" if package_version else "") + "</p>",
        "</header><main>",
    ]
    if answers:
        parts.append(answers)
    parts += _claims_section(results, claims_note, parameters)
    parts += _pathway_sections(results)
    parts += _finance_section(results)
    estimates, descriptive = split_headlines(headline_rows(results))
    parts += _estimates_section(estimates)
    parts.append('<h2 id="parameters">Parameters</h2>')
    param_rows = "".join(
        f'<tr><th scope="row">{escape(str(k))}</th><td>{escape(_param_text(v))}</td></tr>'
        for k, v in parameters.items()
    )
    parts.append(scroll_box(f'<table class="params"><tbody>{param_rows}</tbody></table>', "Parameters"))
    parts += _description_section(descriptive)
    parts += _notebooks_section(notebooks)
    if data_section:
        parts.append(data_section)
    parts.append("</main>")
    if package_version:
        parts.append(f'<footer class="meta"><p>wigan_deal version {escape(package_version)}'
                     + (f" &middot; code version {escape(code_version)}" if code_version else "")
                     + " &middot; code MIT licence; data Open Government Licence v3.0</p></footer>")
    parts.append("</body></html>\n")
    page = "\n".join(parts)
    return page.replace("</header><main>", _contents(page) + "</header><main>", 1)


#: (anchor, text) of the index's sections, in page order (the answers panel first when present)
SECTIONS = (("answers", "Answers"), ("verdicts", "Verdicts"), ("finance", "Finance"), ("estimates", "Estimates"),
            ("parameters", "Parameters"), ("description", "Description"), ("notebooks", "Notebooks"))


def _contents(page: str) -> str:
    """Links to the sections the page has."""
    links = " ".join(f'<a href="#{a}">{t}</a>' for a, t in SECTIONS if f'id="{a}"' in page)
    return f'<nav class="wd-nav" aria-label="contents">{links}</nav>'


def scroll_box(table_html: str, label: str, *, wide: bool = False) -> str:
    """A table in a keyboard-focusable, labelled sideways-scrolling box (scroll cue, first column kept
    in view); ``wide`` adds a written cue on phones."""
    cls = "wd-scroll wd-wide-table" if wide else "wd-scroll"
    return f'<div class="{cls}" tabindex="0" role="region" aria-label="{escape(label)}">{table_html}</div>'


def _claims_section(results: Mapping[str, Mapping[str, Any]], claims_note: str | None,
                    parameters: Mapping[str, Any]) -> list[str]:
    claims = claims_tables(results)
    if not claims:
        return []
    parts = ['<h2 id="verdicts">Verdicts on the report\'s claims</h2>']
    if claims_note:
        parts.append(f'<p class="note">{escape(claims_note)}</p>')
    if (vintage_note := claims_vintage_note(parameters)):
        parts.append(f'<p class="note">{escape(vintage_note)}</p>')
    for name, table in claims:
        parts.append(
            f'<p class="meta">From <a href="{escape(name)}.reader.html">{escape(name)}</a>, which also '
            "shows each claim's decision rule (written before any result was computed).</p>"
        )
        parts.append(render_table(table["columns"], claims_rows(table), css="claims"))
    return parts


def _pathway_sections(results: Mapping[str, Mapping[str, Any]]) -> list[str]:
    parts = []
    for name, data in results.items():
        table = data.get("tables", {}).get(PATHWAY_TABLE)
        if table:
            parts.append('<h2 id="pathway">Outcomes on the Deal\'s pathway (adult social care; description, '
                         "not attribution)</h2>")
            parts.append(
                f'<p class="meta">From <a href="{escape(name)}.reader.html">{escape(name)}</a>: latest year per '
                "measure; comparison groups are means over their councils with data; percentile among English "
                "councils, 100 = best.</p>"
            )
            parts.append(scroll_box(render_table(table["columns"], with_reasons(table["rows"], "no value in the source"),
                                                 css="pathway"), "Outcomes on the Deal's pathway", wide=True))
    for data in results.values():
        amended = data.get("tables", {}).get(AMENDMENTS_TABLE)
        if amended and amended.get("rows"):
            parts.append('<h3 id="amendments">Amended rules: the previous rule\'s verdict beside the current one</h3>')
            parts.append(scroll_box(render_table(amended["columns"], amended["rows"], css="amendments"),
                                    "Amended rules", wide=True))
    parts.extend(verdict_shares_section(results))
    return parts


def _finance_section(results: Mapping[str, Mapping[str, Any]]) -> list[str]:
    fin_rows = finance_rows(results)
    if not fin_rows:
        return []
    return ['<h2 id="finance">Finance headlines</h2>',
            render_table(["measure", "value", "unit", "detail"], fin_rows, css="results")]


def _has_interval(row: Sequence[Any]) -> bool:
    return not str(row[4]).startswith(fmt.MISSING)


def split_headlines(rows: Sequence[Sequence[Any]]) -> tuple[list[Sequence[Any]], list[Sequence[Any]]]:
    """Headline rows with a 95% interval (estimates) and without one (description: its CI cell is '–' with
    the reason beside it)."""
    return [r for r in rows if _has_interval(r)], [r for r in rows if not _has_interval(r)]


def _estimates_section(rows: Sequence[Sequence[Any]]) -> list[str]:
    parts = ['<h2 id="estimates">Estimates with a 95% interval</h2>']
    if not rows:
        return parts + ["<p>No notebook recorded an estimate with an interval.</p>"]
    return parts + [render_table(["notebook", "result", "value", "unit", "95% CI", "note"], rows, css="results")]


def _description_section(rows: Sequence[Sequence[Any]]) -> list[str]:
    parts = ['<h2 id="description">Description: recorded values without an interval</h2>']
    if not rows:
        return parts + ["<p>No notebook recorded a value without an interval.</p>"]
    table = render_table(["notebook", "result", "value", "unit", "why no interval", "note"], rows,
                         css="results description")
    return parts + [
        "<p>These values describe the data (levels, counts, shares, ranks); they carry no interval, so "
        "they are not estimates of an effect.</p>",
        f"<details><summary>Show the {len(rows)} descriptive values</summary>{table}</details>",
    ]


def _notebooks_section(notebooks: Sequence[NotebookEntry]) -> list[str]:
    rows = []
    for nb in notebooks:
        n = escape(nb.name)
        rows.append(
            f'<tr><th scope="row">{n}</th><td><a href="{n}.reader.html">{n}.reader.html</a></td>'
            + (f'<td><a href="{n}.html">{n}.html</a></td>' if nb.full else "<td>not written (atlas run)</td>")
            + f'<td><a href="{n}.ipynb">{n}.ipynb</a></td>'
            f'<td class="num">{nb.seconds:.1f} s</td></tr>'
        )
    head = ('<table class="notebooks"><thead><tr><th scope="col">notebook</th><th scope="col">reader (code '
            'hidden)</th><th scope="col">full (with code)</th><th scope="col">notebook file</th>'
            '<th scope="col">run time</th></tr></thead><tbody>')
    return ['<h2 id="notebooks">Notebooks</h2>', scroll_box(head + "".join(rows) + "</tbody></table>",
                                                            "Notebooks", wide=True)]


def verdict_shares_section(results: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The 'do the rules discriminate?' section: for every rule, the % of all councils per verdict (recorded by
    notebook 06 as ``verdict_shares``); empty if no notebook recorded it."""
    for name, data in results.items():
        table = data.get("tables", {}).get(SHARES_TABLE)
        if table and table.get("rows"):
            return ['<h3 id="verdict-shares">Do the rules discriminate? Share of all councils per verdict</h3>',
                    f'<p class="meta">From <a href="{escape(name)}.reader.html">{escape(name)}</a>: every rule '
                    "applied to every upper-tier council (current rule, and the rule before its latest "
                    "amendment); a rule that gives one verdict to nearly every council cannot tell the area "
                    "apart.</p>",
                    scroll_box(render_table(table["columns"], table["rows"], css="shares"),
                               "Share of all councils per verdict", wide=True)]
    return []


def _param_text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)
