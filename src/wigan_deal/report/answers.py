"""The index's answers panel: each claim's verdict, a forest plot of the primary estimates, the adult
social care budget-against-outturn chart (the area among every council) and the HLE change.

Everything is read from what the notebooks recorded (:mod:`wigan_deal.results`), except the finance
chart, which redraws notebook 04's all-council table from :mod:`wigan_deal.finance`. Figures are
embedded as PNG data (the index stays one offline file) and each has an alt text written from its
numbers. Primary estimates are whatever a notebook recorded under a key containing ``primary`` with
a 95% interval, so the plot follows the notebooks' names.
"""

from __future__ import annotations

import base64
import io
import math
import textwrap
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from wigan_deal import config, fmt

HLE_NOTEBOOK = "02_healthy_life_expectancy"
#: recorded HLE changes shown in the panel: (key prefix of the estimate, key prefix of the empirical-noise CI)
HLE_KEYS = ("hle_change_diff_", "hle_diff_{sex}_empirical_noise")
AREA_COLOUR = "#c0392b"


def _finite(*values: Any) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values)


def primary_estimates(results: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every recorded value whose key (or a label starting 'PRIMARY') names it primary and that has a finite
    95% interval."""
    found = []
    for notebook, data in results.items():
        for key, item in data.get("values", {}).items():
            named = "primary" in key.lower() or str(item.get("label") or "").upper().startswith("PRIMARY")
            if named and _finite(item.get("value"), item.get("lower"), item.get("upper")):
                found.append({"notebook": notebook, "key": key, **item})
    return found


def _short_label(item: Mapping[str, Any]) -> str:
    label = str(item.get("label") or item["key"])
    return label.split(":", 1)[1].strip() if label.upper().startswith("PRIMARY:") else label


#: words shortened in the forest plot's row labels (the alt text keeps the full labels)
_ABBREVIATIONS = (("under-75 preventable cancer mortality", "cancer deaths <75"),
                  ("healthy life expectancy", "HLE"), ("life expectancy", "LE"), (" change", ""),
                  ("before/after ", ""), (" at birth", ""))


def _common_parts(labels: Sequence[str]) -> tuple[str, str]:
    """The lead ('Wigan minus the non-GM council average') and the tail (', placebo-in-space interval')
    every label shares, or empty strings."""
    leads = {lab.split(": ", 1)[0] for lab in labels if ": " in lab}
    lead = leads.pop() if len(leads) == 1 and all(": " in lab for lab in labels) else ""
    tails = {lab.rsplit(", ", 1)[1] for lab in labels if ", " in lab}
    tail = tails.pop() if len(tails) == 1 and all(", " in lab for lab in labels) else ""
    return lead, tail


def row_label(label: str, lead: str = "", tail: str = "") -> str:
    """A forest-plot row: the label without the shared lead and tail, 'what (outcome)' as 'outcome:
    what', common words shortened: 'male LE: level'."""
    if lead and label.startswith(lead + ": "):
        label = label[len(lead) + 2:]
    if tail and label.endswith(", " + tail):
        label = label[: -len(tail) - 2]
    if label.endswith(")") and " (" in label:
        what, outcome = label[:-1].split(" (", 1)
        label = f"{outcome}: {what}"
    for long, short in _ABBREVIATIONS:
        label = label.replace(long, short)
    return label


def _png(fig) -> str:
    """Base64 PNG of ``fig`` (laid out already) from one draw: ``tight_layout`` leaves a placeholder layout
    engine behind, and with any engine set savefig first draws the whole figure without rendering (to run the
    engine, which here does nothing). Removing it leaves the pixels as they were."""
    fig.set_layout_engine(None)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


#: Inches: the forest plot's least height, which leaves room for one row with its tick labels and axis label
#: (below it tight_layout gives up and the labels are cut).
FOREST_MIN_HEIGHT = 1.3


def forest_plot(estimates: Sequence[Mapping[str, Any]]) -> str:
    """Base64 PNG: one panel per unit, stacked in one column (readable at phone width), one row per
    estimate (its short label at the left, the point and its 95% interval, zero marked). The lead and
    tail every label shares are said once, in :func:`forest_caption`."""
    plt = _pyplot()
    lead, tail = _common_parts([_short_label(e) for e in estimates])
    units = list(dict.fromkeys(str(e.get("unit") or "") for e in estimates))
    heights = [len([e for e in estimates if str(e.get("unit") or "") == u]) + 0.6 for u in units]
    height = max(0.18 * sum(heights) + 0.34 * len(units), FOREST_MIN_HEIGHT)
    fig, axes = plt.subplots(len(units), 1, figsize=(4.6, height),
                             gridspec_kw={"height_ratios": heights}, squeeze=False)
    for ax, unit in zip(axes[:, 0], units, strict=True):
        rows = [e for e in estimates if str(e.get("unit") or "") == unit]
        for y, e in enumerate(reversed(rows)):
            ax.errorbar(e["value"], y, xerr=[[e["value"] - e["lower"]], [e["upper"] - e["value"]]], fmt="o",
                        color=AREA_COLOUR, ecolor="#555", capsize=2.5, ms=4)
        ax.set_yticks(range(len(rows)), [textwrap.shorten(row_label(_short_label(e), lead, tail), 40,
                                                          placeholder="...") for e in reversed(rows)])
        ax.axvline(0, color="black", lw=0.8)
        ax.set_ylim(-0.6, len(rows) - 0.4)
        ax.set_xlabel(unit or "estimate", fontsize=8.5, labelpad=1)
        ax.tick_params(labelsize=8.5, pad=2)
    fig.tight_layout(h_pad=0.3)
    data = _png(fig)
    plt.close(fig)
    return data


def forest_caption(estimates: Sequence[Mapping[str, Any]]) -> str:
    """The forest plot's caption: what every row estimates (the labels' shared lead) and how to read it."""
    lead, tail = _common_parts([_short_label(e) for e in estimates])
    what = f"{lead}: each primary estimate (point)" if lead else "Each pre-specified primary estimate (point)"
    return f"{what} and its 95% {tail or 'interval'} (line); crossing zero = consistent with no difference."


def forest_alt(estimates: Sequence[Mapping[str, Any]]) -> str:
    parts = [f"{_short_label(e)}: {fmt.number(e['value'], 2, signed=True)} {e.get('unit') or ''} "
             f"(95% CI {fmt.ci(e['lower'], e['upper'], 2, signed=True)})" for e in estimates]
    return (f"Forest plot of {len(estimates)} pre-specified primary estimates with 95% intervals, "
            "one panel per unit, zero marked: " + "; ".join(parts) + ".")


def budget_outturn_table():
    """Every council's adult social care outturn minus budget (% of budget) by year (notebook 04's table)."""
    from wigan_deal import finance

    table = finance.budget_outturn_table()
    return table[table["both"]]


def council_lines(table, years: Sequence[str]) -> list[Any]:
    """Every council's grey line of the finance chart as (year index, variance %) points: councils in code order,
    years in order, a line broken where a value is missing (as ``plot`` draws a NaN)."""
    import numpy as np

    rows = table.sort_values(["area_code", "financial_year"], kind="stable")
    x = np.searchsorted(np.asarray(years, dtype=object), rows["financial_year"].to_numpy(dtype=object))
    y = rows["variance_pct"].to_numpy(dtype=float)
    codes = rows["area_code"].to_numpy(dtype=object)
    finite = np.isfinite(y)
    starts = np.flatnonzero(np.r_[True, (codes[1:] != codes[:-1]) | (finite[1:] != finite[:-1])])
    runs = np.split(np.column_stack([x, y]), starts[1:])
    return [run for run, first in zip(runs, starts, strict=True) if finite[first]]


def finance_chart(table, area_code: str, area_name: str) -> tuple[str, str] | None:
    """Base64 PNG and alt text: every council's ASC variance % per year (grey), the area in red; ``None``
    when the area has no budget-and-outturn rows."""
    years = sorted(table["financial_year"].unique())
    mine = table[table["area_code"] == area_code].set_index("financial_year")["variance_pct"]
    if mine.empty:
        return None
    mine = mine.reindex(years)  # a missing year breaks the line instead of being bridged
    plt = _pyplot()
    from matplotlib.collections import LineCollection

    lo, hi = table["variance_pct"].quantile([0.02, 0.98])
    lo, hi = min(lo, mine.min()) - 2, max(hi, mine.max()) + 2
    fig, ax = plt.subplots(figsize=(4.8, 2.4))
    ax.add_collection(LineCollection(council_lines(table, years), colors="#9aa5b1", linewidths=0.6, alpha=0.45,
                                     capstyle="projecting", joinstyle="round"))  # as 150 plot() lines, one artist
    ax.plot(range(len(years)), mine.to_numpy(), "o-", color=AREA_COLOUR, lw=2.2, ms=5, label=area_name, zorder=5)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(range(len(years)), [y[2:] for y in years], fontsize=8)
    ax.set_ylim(lo, hi)
    ax.set_ylabel("outturn minus budget, %", fontsize=8.5)
    ax.tick_params(labelsize=8)
    ax.legend(fontsize=8, loc="upper right", frameon=False)
    fig.tight_layout()
    data = _png(fig)
    plt.close(fig)
    n = table["area_code"].nunique()
    outside = int(((table["variance_pct"] < lo) | (table["variance_pct"] > hi)).sum())
    alt = (f"Line chart of adult social care outturn minus start-of-year budget, % of budget, for {n} councils "
           f"each year {years[0]} to {years[-1]} (grey), {area_name} in red: "
           + "; ".join(f"{year} {fmt.number(v, 1, signed=True)}%" if _finite(v) else f"{year} no budget and outturn"
                       for year, v in mine.items())
           + (f". {outside} council-years lie outside the plotted range." if outside else "."))
    return data, alt


def _verdict_list(results: Mapping[str, Mapping[str, Any]]) -> str:
    from wigan_deal.report.index import _css_class, claims_tables

    tables = [t for _, t in claims_tables(results) if {"claim", "verdict"} <= set(t["columns"])]
    if not tables:
        return "<p>No claim verdicts were recorded in this report.</p>"
    table = tables[0]
    cols = table["columns"]
    items = [f'<li><span class="claim"><span class="{escape(_css_class(r[cols.index("verdict")]))}">'
             f'{escape(str(r[cols.index("verdict")]))}</span> {escape(str(r[cols.index("claim")]))}</span></li>'
             for r in table["rows"]]
    return f'<ol class="answers-claims">{"".join(items)}</ol>'


def hle_lines(results: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """One sentence per recorded HLE change against England, with its interval(s) and what each assumes."""
    values = results.get(HLE_NOTEBOOK, {}).get("values", {})
    lines = []
    for key, item in values.items():
        if not key.startswith(HLE_KEYS[0]) or not _finite(item.get("value")):
            continue
        sex = key.removeprefix(HLE_KEYS[0])
        text = (f"{item.get('label') or key}: {fmt.number(item['value'], 1, signed=True)} {item.get('unit') or ''}"
                f" (95% CI {fmt.ci(item.get('lower'), item.get('upper'), 1, signed=True)} assuming council CI "
                "widths")
        emp = values.get(HLE_KEYS[1].format(sex=sex), {})
        if _finite(emp.get("lower"), emp.get("upper")):
            text += f"; {fmt.ci(emp['lower'], emp['upper'], 1, signed=True)} by the empirical noise model"
        lines.append(text + ")")
    return lines


def _figure(data: str, alt: str, caption: str) -> str:
    return (f'<figure class="answer-fig"><img src="data:image/png;base64,{data}" alt="{escape(alt)}">'
            f"<figcaption>{escape(caption)}</figcaption></figure>")


def render_answers(results: Mapping[str, Mapping[str, Any]], area_code: str, area_name: str,
                   finance_table: Any = None) -> str:
    """The ``<section id="answers">`` that opens the index."""
    parts = ['<section id="answers" aria-labelledby="answers-h"><h2 id="answers-h">The answers at a glance</h2>',
             '<div class="answers-grid"><div class="answers-col">',
             '<h3>Verdict on each claim</h3>']
    if area_code != config.WIGAN:
        parts.append(f'<p class="meta">The claims are Wigan\'s; each verdict applies the same pre-specified rule '
                     f"to {escape(area_name)}'s data.</p>")
    parts.append(_verdict_list(results))
    hle = hle_lines(results)
    parts.append("<h3>Healthy life expectancy (HLE) change</h3>")
    parts.append("<ul>" + "".join(f"<li>{escape(t)}</li>" for t in hle) + "</ul>" if hle
                 else "<p>No HLE change against England was recorded for this report.</p>")
    parts.append("<h3>Adult social care: outturn against start-of-year budget</h3>")
    chart = finance_chart(finance_table if finance_table is not None else budget_outturn_table(), area_code,
                          area_name)
    if chart:
        parts.append(_figure(*chart, f"{area_name} (red) among every council (grey), each year; above 0 = "
                                     "spent more than the start-of-year budget."))
    else:
        parts.append(f"<p>{escape(area_name)} has no adult social care budget and outturn in these years "
                     "(only councils with both returns are drawn).</p>")
    parts.append('</div><div class="answers-col">')
    estimates = primary_estimates(results)
    parts.append("<h3>Primary estimates with 95% intervals</h3>")
    if estimates:
        parts.append(_figure(forest_plot(estimates), forest_alt(estimates), forest_caption(estimates)))
    else:
        parts.append("<p>No primary estimate with an interval was recorded for this report.</p>")
    parts.append("</div></div></section>")
    return "\n".join(parts)
