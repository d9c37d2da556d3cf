"""One format for readers (wigan_deal.fmt) and figure alt text (wigan_deal.plots -> report HTML)."""

from __future__ import annotations

import base64
import io

import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from wigan_deal import fmt, parameters, plots
from wigan_deal.report.html import MISSING_ALT, notebook_title, notebook_to_html
from wigan_deal.studies import asc_finance, compare


def test_numbers_p_values_and_missing_values_have_one_format():
    assert [fmt.number(v) for v in (2004, 12345, -3.456, 79716.0, None, float("nan"), True)] == [
        "2004", "12,345", "-3.5", "79,716.0", "–", "–", "yes"]
    assert fmt.number(1.25, 2, signed=True) == "+1.25" and fmt.number(-0.001, 1) == "0.0"
    assert [fmt.p_value(p) for p in (0.0004, 0.041, 0.41, None)] == ["< 0.001", "0.041", "0.410", "–"]
    assert fmt.ci(-0.94, 3.34, signed=True) == "-0.9 to +3.3" and fmt.ci(None, 1) == "–"


def test_percent_money_minus_and_rounded_are_fmt_too():
    """The formats that used to be private helpers (finance, claims, lasting, plots, README tables)."""
    assert fmt.number(-3.25, 1, signed=True, minus="−") == "−3.2" and fmt.number(0.04, 1, signed=True) == "0.0"
    assert fmt.number(-0.001, 2, signed=True) == "0.00"  # a value that rounds to zero has no sign
    assert fmt.number("a-b", minus="−") == "a-b" and fmt.number(None, missing="n/a") == "n/a"
    assert [fmt.percent(v, signed=True) for v in (1.234, -5.06, None)] == ["+1.2%", "-5.1%", "–"]
    assert [fmt.money_m(v) for v in (6900, 1234567, -250)] == ["GBP 6.9m", "GBP 1,234.6m", "GBP -0.2m"]
    assert fmt.money_m(6900, signed=True) == "GBP +6.9m" and fmt.money_m(float("nan")) == "–"
    assert [fmt.money_m(v, signed=True, style="£") for v in (-6900, 17500, 20)] == ["−£6.9m", "+£17.5m", "£0.0m"]
    # the minus of the sentence it stands in (notebook text beside fmt.percent's "-")
    assert fmt.money_m(-66343, signed=True, style="£", minus="-") == "-£66.3m"
    assert fmt.money_m(-250, minus="−") == "GBP −0.2m" and fmt.money_m(-20, signed=True, style="£", minus="-") == "£0.0m"
    with pytest.raises(ValueError, match="style"):
        fmt.money_m(1, style="EUR")
    assert [fmt.rounded(v) for v in (12345.6, 123.4, 1.234, 0.01234, None)] == ["12,346", "123", "1.2", "0.012", "–"]
    assert [fmt.significant(v) for v in (0.012345, 12345.6, None)] == ["0.0123", "1.23e+04", "–"]
    assert fmt.significant(-0.5, 4, signed=True) == "-0.5" and fmt.significant(2.5, 2, signed=True) == "+2.5"
    assert fmt.minus_signs("gap -0.5 (2009-11, COVID-19, 5%-10%) -> -2") == "gap −0.5 (2009-11, COVID-19, 5%-10%) -> −2"
    assert [fmt.p_text(0.4467), fmt.p_text(0.0004, "placebo p"), fmt.p_text(None)] == [
        "p = 0.447", "placebo p < 0.001", "p = –"]


def test_display_tables_drop_the_index_spell_out_headers_and_show_no_nan():
    frame = pd.DataFrame({"method": ["ols", "arima"], "level_change": [-3.456, 1.2], "p_value": [0.0004, 0.41],
                          "n_pre": [10, 9], "value_gbp000": [79716.0, np.nan]}, index=[22, 23])
    shown = fmt.table(frame)
    assert list(shown.columns) == ["method", "level change", "p value", "n pre", "value (GBP thousand)"]
    assert shown.to_numpy().tolist() == [["ols", "-3.46", "< 0.001", "10", "79,716"],
                                         ["arima", "1.20", "0.410", "9", "–"]]
    html = fmt.to_html(frame)
    assert "NaN" not in html and ">22<" not in html and "<th scope=\"col\" class=num>p value</th>" in html
    pivot = frame.set_index("method")[["level_change"]]
    assert ">ols<" in fmt.to_html(pivot)  # a meaningful index is kept as a column


def _hle_figure():
    p = parameters.validate(area_code="E08000010")
    groups = compare.comparator_groups(p, "hle_birth", p.vintage)
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5))
    for ax, s in zip(axes, ("Male", "Female"), strict=True):
        plots.trend_plot(compare.trend_frame("hle_birth", "E08000010", groups, sex=s, vintage=p.vintage),
                         "E08000010", ax=ax, title=f"{s} HLE", ylabel="years", break_year=2011)
    return fig


def test_a_table_with_missing_values_says_what_the_dash_means():
    """Issue 17: every '–' has its reason. explain_missing travels with the frame through pandas operations
    and to_html prints it as the table's caption, naming the columns that show '–'."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from invariants import bare_dash_tables
    from wigan_deal.studies import hle

    frame = pd.DataFrame({"diff_vs_england": [np.nan, 0.4], "lower": [np.nan, np.nan], "x": [1.0, 2.0]})
    bare = fmt.to_html(frame)
    assert "<td class=\"num\">–</td>" in bare and "<caption" not in bare
    assert bare_dash_tables(bare) == ["diff vs england | lower | x"]
    fmt.explain_missing(frame, {"diff_vs_england": "not applicable to England", "lower": "no interval"})
    html = fmt.to_html(frame.round(1)[["diff_vs_england", "x"]])  # attrs survive round and selection
    assert '<caption class="wd-missing">– in diff vs england: not applicable to England</caption>' in html
    assert "no interval" not in html  # only the columns that show '–' are explained
    assert bare_dash_tables(html) == []
    one = fmt.to_html(fmt.explain_missing(pd.DataFrame({"a": [np.nan]}), "the period is not in that vintage"))
    assert "<caption class=\"wd-missing\">–: the period is not in that vintage</caption>" in one
    # no '–' shown: no caption, even with a reason
    assert "<caption" not in fmt.to_html(fmt.explain_missing(pd.DataFrame({"a": [1.0]}), "never shown"))
    # real producers carry their reasons
    assert "not applicable to England itself" in fmt.missing_caption(
        hle.change_table("hle_birth", "E08000010", [], "2009-11", "2015-17"),
        fmt.table(hle.change_table("hle_birth", "E08000010", [], "2009-11", "2015-17")))


def test_figures_describe_what_they_show():
    fig = _hle_figure()
    text = plots.describe(fig)
    assert text.startswith("Figure with 2 panels.")
    assert "Line chart 'Male HLE': years by period for Wigan, England" in text
    assert "Wigan goes from 58.9 (2009-11) to 60.5 (2015-17)" in text  # the male series, report vintage
    assert "break year 2011" in text
    plots.alt_text(fig, "A written description")
    assert plots.describe(fig) == "A written description"
    plt.close(fig)
    fig, ax = plt.subplots()
    ax.plot([1, 2, 3], [4, 5, 6])
    ax.set_title("raw")
    ax.set_xlabel("x thing")
    assert plots.describe(fig).startswith("Line chart titled 'raw'. x axis: x thing")
    plt.close(fig)


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return base64.b64encode(buf.getvalue()).decode()


def test_reader_page_has_title_back_link_shared_css_and_alt_text(tmp_path):
    fig = _hle_figure()
    alt = plots.describe(fig)
    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {"parameters": {"area_code": "E08000010"}}
    nb.cells = [nbformat.v4.new_markdown_cell("# 02 · Healthy life expectancy\n\ntext"),
                nbformat.v4.new_code_cell("plt.show()", outputs=[
                    nbformat.v4.new_output("display_data", data={"image/png": _png(fig)},
                                           metadata={"image/png": {"alt": alt, "wide": True}}),
                    nbformat.v4.new_output("display_data", data={"image/png": _png(fig)})])]
    plt.close(fig)
    assert notebook_title(nb, "02_x") == "Wigan – 02 · Healthy life expectancy"
    path = notebook_to_html(nb, tmp_path / "02_x.reader.html", reader=True, title=notebook_title(nb, "02_x"),
                            other=("02_x.html", "Version with code"))
    html = path.read_text(encoding="utf-8")
    assert "<title>Wigan – 02 · Healthy life expectancy</title>" in html
    soup = BeautifulSoup(html, features="html.parser")
    links = {a["href"]: a.get_text() for a in soup.select("nav.wd-nav a")}
    assert links == {"index.html": "← Report index", "02_x.html": "Version with code"}
    images = soup.select("img")
    assert [img["alt"] for img in images] == [alt, MISSING_ALT]  # a figure not drawn via plots is flagged
    assert images[0].get("class") == ["wd-wide"]
    assert "No description has been provided" not in html
    assert ".wd-nav" in html  # the shared reader CSS is inlined


def test_alt_text_survives_missing_values():
    """Bournemouth (abolished 2019) has outturns but no mid-year population under its old code, so its
    per-head spend is missing: the figure's description says so instead of failing (it crashed notebook 04)."""
    table = asc_finance.finance_table("E06000028", {}, "adult_social_care")
    assert table.loc[table["role"] == "area", "per_head_gbp"].isna().any()
    ax = plots.finance_plot(table, "E06000028", value="per_head_gbp", title="per head")
    assert "Bournemouth: not available in 2011/12" in plots.describe(ax.figure)
    plt.close(ax.figure)


def test_wide_multi_panel_figure_gets_a_stacked_phone_variant_shown_below_600px(tmp_path):
    """Issue 17: on phones a figure with panels side by side is drawn as one column of single panels."""
    from PIL import Image

    fig, axes = plt.subplots(1, 3, figsize=(12, 3.5), sharey=True)
    for i, ax in enumerate(axes):
        ax.plot([1, 2, 3], [i, 2, 1])
        ax.set_title(f"panel {i}")
    fig.suptitle("three panels")
    before = [ax.get_position().bounds for ax in axes]
    fig.canvas.draw()
    phone = plots.stacked_png(fig)
    assert [ax.get_position().bounds for ax in axes] == before and list(fig.get_size_inches()) == [12, 3.5]
    # shared y: the inner panels' tick labels are hidden again after the stacked variant showed them
    fig.canvas.draw()
    assert [any(t.get_visible() for t in ax.get_yticklabels()) for ax in axes] == [True, False, False]
    width, height = Image.open(io.BytesIO(phone)).size
    assert height > 2 * width  # three panels above one another
    single, _ = plt.subplots(figsize=(12, 4))
    assert plots.stacked_png(single) is None  # one panel: nothing to stack ...
    narrow = Image.open(io.BytesIO(plots.phone_png(single))).size  # ... so it is drawn at phone width
    assert narrow[0] < 0.6 * 12 * single.dpi and list(single.get_size_inches()) == [12, 4]
    stacked = base64.b64encode(phone).decode()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("plt.show()", outputs=[nbformat.v4.new_output(
        "display_data", data={"image/png": _png(fig)},
        metadata={"image/png": {"alt": plots.describe(fig), "wide": True, "phone_png": stacked}})])]
    plt.close("all")
    html = notebook_to_html(nb, tmp_path / "x.reader.html", reader=True).read_text(encoding="utf-8")
    soup = BeautifulSoup(html, features="html.parser")
    source = soup.select_one("picture source")
    assert source["media"] == "(max-width: 600px)" and source["srcset"] == f"data:image/png;base64,{stacked}"
    assert soup.select_one("picture img").get("class") == ["wd-stacked"]  # not forced to 760 px


#: formatters of things other than reader-facing numbers: CSV text in the build, lists of area codes, the atlas's
#: progress-line durations
NOT_READER_FORMATTERS = {("data/build.py", "_fmt_float"), ("synth.py", "_fmt_codes"), ("report/atlas.py", "format_duration")}
#: files whose formatters their own issue removes (none left: the index's unit-aware format is fmt.by_unit)
FORMATTERS_LEAVING: set[tuple[str, str]] = set()


def test_fmt_is_the_only_number_formatter():
    """No module keeps a private number formatter beside fmt (issue 18: eight of them used to)."""
    import ast
    import re

    from wigan_deal import config

    package = config.PROJECT_ROOT / "src" / "wigan_deal"
    looks_like = re.compile(r"^_?(fmt\w*|num|format_\w+|pct|percent|money\w*|gbp\w*|m|p)$")
    found = set()
    for path in package.rglob("*.py"):
        rel = str(path.relative_to(package))
        if rel == "fmt.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and looks_like.match(node.name):
                found.add((rel, node.name))
    assert found - NOT_READER_FORMATTERS - FORMATTERS_LEAVING == set()
