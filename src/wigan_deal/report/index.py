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
table:not(.claims):not(.results) { display: block; max-width: 100%; overflow-x: auto; }
table.claims td:nth-child(1) { min-width: 12rem; } table.claims td:last-child { min-width: 16rem; }
@media (max-width: 700px) {
  body { margin: 1rem auto; padding: 0 .6rem; }
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
) -> str:
    """The complete ``index.html`` text."""
    generated = generated or date.today()
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{_shared_css()}{_CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">Generated {escape(generated.isoformat())} &middot; data vintage '
        f"{escape(vintage)} &middot; {len(notebooks)} notebook(s)"
        + (f" &middot; code version {escape(code_version)}" if code_version else "")
        + (f" &middot; wigan_deal {escape(package_version)}" if package_version else "") + "</p>",
    ]
    claims = claims_tables(results)
    if claims:
        parts.append('<h2 id="verdicts">Verdicts on the report\'s claims</h2>')
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
            parts.append(render_table(table["columns"], with_reasons(table["rows"], "no value in the source"),
                                      css="pathway"))
    for data in results.values():
        amended = data.get("tables", {}).get(AMENDMENTS_TABLE)
        if amended and amended.get("rows"):
            parts.append('<h3 id="amendments">Amended rules: the previous rule\'s verdict beside the current one</h3>')
            parts.append(render_table(amended["columns"], amended["rows"], css="amendments"))
    fin_rows = finance_rows(results)
    if fin_rows:
        parts.append('<h2 id="finance">Finance headlines</h2>')
        parts.append(render_table(["measure", "value", "unit", "detail"], fin_rows, css="results"))
    parts.append('<h2 id="parameters">Parameters</h2>')
    param_rows = "".join(
        f"<tr><th>{escape(str(k))}</th><td>{escape(_param_text(v))}</td></tr>"
        for k, v in parameters.items()
    )
    parts.append(f'<div class="wd-scroll"><table class="params"><tbody>{param_rows}</tbody></table></div>')
    parts.append('<h2 id="results">Headline results</h2>')
    rows = headline_rows(results)
    if rows:
        parts.append(
            render_table(["notebook", "result", "value", "unit", "95% CI", "note"], rows, css="results")
        )
    else:
        parts.append("<p>No notebook recorded headline values.</p>")
    parts.append('<h2 id="notebooks">Notebooks</h2><table class="notebooks"><thead><tr>'
                 "<th>notebook</th><th>reader (code hidden)</th><th>full (with code)</th>"
                 "<th>notebook file</th><th>run time</th></tr></thead><tbody>")
    for nb in notebooks:
        n = escape(nb.name)
        parts.append(
            f"<tr><td>{n}</td><td><a href=\"{n}.reader.html\">{n}.reader.html</a></td>"
            + (f"<td><a href=\"{n}.html\">{n}.html</a></td>" if nb.full else "<td>not written (atlas run)</td>")
            + f"<td><a href=\"{n}.ipynb\">{n}.ipynb</a></td>"
            f'<td class="num">{nb.seconds:.1f} s</td></tr>'
        )
    parts.append("</tbody></table>")
    if data_section:
        parts.append(data_section)
    if package_version:
        parts.append(f'<footer class="meta"><p>wigan_deal version {escape(package_version)}'
                     + (f" &middot; code version {escape(code_version)}" if code_version else "")
                     + " &middot; code MIT licence; data Open Government Licence v3.0</p></footer>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _param_text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)
