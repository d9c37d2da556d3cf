"""Render a report folder's ``index.html``: parameters, verdicts, headline results, links.

Self-contained (inline CSS, no scripts, no external resources); from Jinja2 templates (``report/templates/``)
with autoescaping, numbers only through :mod:`wigan_deal.fmt`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
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
    return f"{fmt.by_unit(lower, unit)} to {fmt.by_unit(upper, unit)}"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _css_class(text: Any) -> str:
    slug = "".join(c if c.isalnum() else "-" for c in str(text).strip().lower()).strip("-")
    return f"verdict v-{slug}" if slug else "verdict"


def table_data(columns: Sequence[str], rows: Sequence[Sequence[Any]], *, css: str = "") -> dict[str, Any]:
    """A table for the ``tables.table`` template macro: headers, and per cell its text (by
    :func:`wigan_deal.fmt.by_unit`, with the row's 'unit' column when there is one), class and phone label."""
    labels = [fmt.header(str(c)) for c in columns]
    unit_at = next((i for i, c in enumerate(columns) if str(c).lower() == "unit"), None)
    body = []
    for row in rows:
        unit = row[unit_at] if unit_at is not None and unit_at < len(row) else None
        cells = []
        for c, h, v in zip(columns, labels, row, strict=False):
            numeric = isinstance(v, (int, float)) and not isinstance(v, bool)
            cls = _css_class(v) if str(c).lower() == "verdict" else ("num" if numeric else "")
            cells.append({"text": fmt.by_unit(v, unit), "cls": cls, "label": h})
        body.append(cells)
    return {"css": css, "headers": labels, "rows": body}


def render_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], *, css: str = "") -> str:
    """Generic HTML table; a column named 'verdict' is highlighted; numbers are formatted by the row's
    'unit' column when there is one (:func:`wigan_deal.fmt.by_unit`)."""
    from wigan_deal.report.templates import macro

    return str(macro("tables.html.j2", "table")(table_data(columns, rows, css=css)))


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
    """The complete ``index.html`` text (templates ``index.html.j2`` and ``index_main.html.j2``); ``answers``
    (the answers panel's HTML) opens it."""
    from markupsafe import Markup

    from wigan_deal.report.templates import render

    estimates, descriptive = split_headlines(headline_rows(results))
    claims = claims_tables(results)
    notes = [n for n in (claims_note, claims_vintage_note(parameters)) if n] if claims else []
    fin_rows = finance_rows(results)
    main = render(
        "index_main.html.j2", answers=Markup(answers) if answers else None, claims_notes=notes,
        claims=[(name, table_data(t["columns"], claims_rows(t), css="claims")) for name, t in claims],
        pathway=[(name, table_data(t["columns"], with_reasons(t["rows"], "no value in the source"), css="pathway"))
                 for name, data in results.items() if (t := data.get("tables", {}).get(PATHWAY_TABLE))],
        amendments=[table_data(t["columns"], t["rows"], css="amendments") for data in results.values()
                    if (t := data.get("tables", {}).get(AMENDMENTS_TABLE)) and t.get("rows")],
        shares=Markup("\n".join(verdict_shares_section(results))),
        finance=table_data(["measure", "value", "unit", "detail"], fin_rows, css="results") if fin_rows else None,
        estimates=table_data(["notebook", "result", "value", "unit", "95% CI", "note"], estimates, css="results")
        if estimates else None,
        parameters=[(str(k), _param_text(v)) for k, v in parameters.items()],
        description=table_data(["notebook", "result", "value", "unit", "why no interval", "note"], descriptive,
                               css="results description") if descriptive else None,
        notebooks=notebooks, data_section=Markup(data_section) if data_section else None,
    ).strip("\n")
    return render("index.html.j2", title=title, shared_css=Markup(_shared_css()),
                  generated=(generated or date.today()).isoformat(), vintage=vintage, n_notebooks=len(notebooks),
                  code_version=code_version, package_version=package_version,
                  sections=[(a, t) for a, t in SECTIONS if f'id="{a}"' in main], main=Markup(main))


#: (anchor, text) of the index's sections, in page order (the answers panel first when present)
SECTIONS = (("answers", "Answers"), ("verdicts", "Verdicts"), ("finance", "Finance"), ("estimates", "Estimates"),
            ("parameters", "Parameters"), ("description", "Description"), ("notebooks", "Notebooks"))


def scroll_box(table_html: str, label: str, *, wide: bool = False) -> str:
    """A table in a keyboard-focusable, labelled sideways-scrolling box (scroll cue, first column kept
    in view); ``wide`` adds a written cue on phones."""
    from markupsafe import Markup

    from wigan_deal.report.templates import macro

    return str(macro("tables.html.j2", "scroll_box")(Markup(table_html), label, wide=wide))


def _has_interval(row: Sequence[Any]) -> bool:
    return not str(row[4]).startswith(fmt.MISSING)


def split_headlines(rows: Sequence[Sequence[Any]]) -> tuple[list[Sequence[Any]], list[Sequence[Any]]]:
    """Headline rows with a 95% interval (estimates) and without one (description: its CI cell is '–' with
    the reason beside it)."""
    return [r for r in rows if _has_interval(r)], [r for r in rows if not _has_interval(r)]


def verdict_shares_section(results: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The 'do the rules discriminate?' section: for every rule, the % of all councils per verdict (recorded by
    notebook 06 as ``verdict_shares``); empty if no notebook recorded it."""
    from wigan_deal.report.templates import render

    for name, data in results.items():
        table = data.get("tables", {}).get(SHARES_TABLE)
        if table and table.get("rows"):
            return [render("verdict_shares.html.j2", name=name,
                           table=table_data(table["columns"], table["rows"], css="shares")).strip("\n")]
    return []


def _param_text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)
