"""index.html rendering and the offline notebook HTML exporter."""

import base64
import html
import re
from datetime import date

import nbformat

from wigan_deal.fmt import by_unit as format_value
from wigan_deal.report.html import notebook_to_html
from wigan_deal.report.index import NotebookEntry, headline_rows, render_index

# 1x1 transparent PNG
PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
        "0000000d4944415478da63f8ffff3f0005fe02fea7d6a9b00000000049454e44ae426082"
    )
).decode()


def _results(with_claims: bool) -> dict:
    tables = {}
    if with_claims:
        tables["claims"] = {
            "columns": ["claim", "verdict", "estimate", "rule"],
            "rows": [["Healthy life expectancy rose", "supported", 1.5, "CI excludes 0"],
                     ["Budget saved <b>£115m</b>", "not supported", None, "r & d"]],
        }
    return {
        "02_hle": {"notebook": "02_hle", "values": {
            "gap": {"value": -1.234, "label": "HLE gap change", "unit": "years", "lower": -2.5, "upper": 0.25, "note": None},
            "n": {"value": 151, "label": None, "unit": None, "lower": None, "upper": None, "note": "areas"},
        }, "tables": {}},
        "06_claims": {"notebook": "06_claims", "values": {}, "tables": tables},
    }


def _render(results):
    return render_index(
        title="Report: Wigan & co",
        parameters={"area": "Wigan (E08000010)", "comparators": ["england", "gm"], "break year": 2011},
        vintage="HLE 2019-05",
        notebooks=[NotebookEntry("02_hle", 3.25), NotebookEntry("06_claims", 1.0)],
        results=results,
        generated=date(2024, 1, 31),
        code_version="abc1234+dirty",
    )


def test_format_value():
    assert [format_value(v) for v in (None, True, 151, 123456, 0.0, 78.456, 1234.5, 0.01234, float("nan"), "x")] == [
        "–", "yes", "151", "123,456", "0.00", "78.46", "1234.50", "0.01", "–", "x"]


def test_index_numbers_have_fixed_decimals_by_unit_never_scientific_notation():
    """Issue 17: Leeds's index showed -7.11e-15, 0.0828 and -0.0661 (format_value used '.3g')."""
    assert format_value(-7.105427357601002e-15, "years") == "0.00"
    assert format_value(0.08285, "years per year") == "0.08"
    assert format_value(-0.0661, "share") == "-0.07"
    assert format_value(0.0877, "share") == "0.09"
    assert format_value(-0.0114, "years") == "-0.01"
    assert format_value(-1.2049, "per 100,000 per year") == "-1.20"
    assert format_value(1.0712, "per 100,000") == "1.1"
    assert format_value(-156646.2, "GBP thousand (2018/19 prices)") == "-156,646"
    assert format_value(49.67, "percentile (0 = most under)") == "50"
    assert format_value(0.0004, "p") == "< 0.001" and format_value(0.8374, "p") == "0.837"
    results = {"02": {"values": {"tiny": {"value": -7.11e-15, "label": "Leeds minus England", "unit": "years"},
                                 "slope": {"value": -1.20, "unit": "per 100,000 per year", "lower": -2.48,
                                           "upper": 0.0841}}, "tables": {}}}
    html = render_index(title="t", parameters={}, vintage="v", notebooks=[], results=results)
    assert not re.search(r"\d[eE][-+]?\d", html.split("<style>")[0] + html.split("</style>")[1])
    assert ">0.00<" in html and "-2.48 to 0.08" in html and "0.0841" not in html


def test_every_missing_interval_has_its_reason_beside_it():
    rows = headline_rows({"02": {"values": {
        "n": {"value": 151, "unit": "count"}, "p": {"value": 0.2, "unit": "p"},
        "gap": {"value": 0.5, "unit": "years"}, "none": {"value": None, "unit": "years"}}}})
    cis = [r[4] for r in rows]
    assert all(c.startswith("– (") and c.endswith(")") for c in cis), cis
    assert "count" in cis[0] and "p-value" in cis[1] and "no interval" in cis[2] and "no value" in cis[3]


def test_headline_rows_use_key_when_label_missing():
    rows = headline_rows(_results(False))
    assert rows == [["02_hle", "HLE gap change", -1.234, "years", "-2.50 to 0.25", ""],
                    ["02_hle", "n", 151, "", "– (a count or rank, not an estimate)", "areas"]]


def test_index_puts_claims_verdicts_at_the_top_and_escapes_text():
    html = _render(_results(True))
    order = [html.index(f'id="{a}"') for a in ("verdicts", "estimates", "parameters", "description", "notebooks")]
    assert order == sorted(order)
    assert "<title>Report: Wigan &amp; co</title>" in html
    assert "Generated 2024-01-31" in html and "data vintage HLE 2019-05" in html
    assert "code version abc1234+dirty" in html
    assert ('<th scope="col">claim</th><th scope="col">verdict</th><th scope="col">estimate</th>'
            '<th scope="col">rule</th>') in html  # generic columns
    assert '<td class="verdict v-supported" data-label="verdict">supported</td>' in html
    assert "Budget saved &lt;b&gt;£115m&lt;/b&gt;" in html and '<td data-label="rule">r &amp; d</td>' in html
    assert '<td class="num" data-label="value">-1.23</td>' in html
    assert '<td data-label="95% CI">-2.50 to 0.25</td>' in html
    assert "<td>england, gm</td>" in html
    assert '<a href="02_hle.reader.html">' in html and '<td class="num">3.2 s</td>' in html
    assert "<script" not in html and "http" not in html


def test_index_without_claims_has_no_verdict_section():
    html = _render(_results(False))
    assert 'id="verdicts"' not in html and 'id="estimates"' in html
    empty = _render({})
    assert "No notebook recorded an estimate with an interval." in empty
    assert "No notebook recorded a value without an interval." in empty


def test_notebook_html_is_offline_and_reader_hides_code(tmp_path):
    nb = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell("make_plot()  # SECRET_CODE", execution_count=1)
    code.outputs = [nbformat.v4.new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"})]
    nb.cells = [nbformat.v4.new_markdown_cell("# Title with $x^2$"), code]
    full = notebook_to_html(nb, tmp_path / "a.html").read_text()
    reader = notebook_to_html(nb, tmp_path / "a.reader.html", reader=True).read_text()
    for page in (full, reader):
        assert f"data:image/png;base64,{PNG}" in page
        assert not re.search(r"<script[^>]*\bsrc=", page)
        assert "cdnjs" not in page and "mathjax" not in page.lower() and "require.js" not in page
        assert "<title>a</title>" in page
    assert "SECRET_CODE" in full and "SECRET_CODE" not in reader
    assert "Title with" in reader


def test_index_shows_amended_rules_and_finance_headlines():
    results = {
        "06_claims": {"notebook": "06_claims", "values": {}, "tables": {
            "claims": {"columns": ["claim", "verdict"], "rows": [["£140m saved", "supported"]]},
            "amendments": {"columns": ["claim_id", "amended", "verdict (current rule)", "verdict (previous rule)",
                                       "reason"],
                           "rows": [["savings", "2026-11-28", "supported", "partly supported", "cash rule <weak>"]]},
        }},
        "04_adult_social_care_finance": {"notebook": "04_adult_social_care_finance", "tables": {}, "values": {
            "savings_percentile": {"value": 2.65, "label": "Wigan real-terms change, percentile"},
            "asc_variance_pct_last": {"value": -0.58, "label": "Wigan ASC variance 2017/18"},
        }},
    }
    html = render_index(title="t", parameters={}, vintage="v", notebooks=[], results=results)
    assert html.index('id="verdicts"') < html.index('id="amendments"') < html.index('id="finance"')
    assert "partly supported" in html and "cash rule &lt;weak&gt;" in html
    assert "ASC outturn minus budget, last year (%)" in html and "2.65" in html


def test_values_without_an_interval_are_labelled_description_and_sit_below_the_estimates():
    html = _render(_results(True))
    estimates = html[html.index('id="estimates"'):html.index('id="parameters"')]
    description = html[html.index('id="description"'):html.index('id="notebooks"')]
    assert "HLE gap change" in estimates and "areas" not in estimates
    assert "areas" in description and "HLE gap change" not in description
    assert "<details><summary>Show the 1 descriptive values</summary>" in description
    assert "not estimates of an effect" in description


def test_every_scrolling_table_box_is_focusable_and_labelled():
    """axe-core's scrollable-region-focusable: a keyboard user must be able to scroll each box."""
    html = _render(_results(True))
    boxes = re.findall(r'<div class="wd-scroll[^"]*"[^>]*>', html)
    assert len(boxes) == 2  # parameters and notebooks
    assert all('tabindex="0"' in b and 'role="region"' in b and "aria-label=" in b for b in boxes)
    assert "<main>" in html and html.index("<main>") < html.index('id="verdicts"')
    assert "<th></th>" not in html and "<th> </th>" not in html


def test_answers_panel_opens_the_index_with_verdicts_forest_plot_finance_chart_and_hle():
    import pandas as pd

    from wigan_deal.report.answers import primary_estimates, render_answers

    results = _results(True)
    results["02_healthy_life_expectancy"] = {"values": {
        "hle_change_diff_male": {"value": 1.2, "lower": -0.94, "upper": 3.34, "unit": "years",
                                 "label": "Wigan minus England, male HLE change"},
        "hle_diff_male_empirical_noise": {"value": 1.2, "lower": -1.37, "upper": 3.77, "unit": "years"}},
        "tables": {}}
    results["03_its"] = {"values": {
        "its_primary_cancer_level_change": {"value": -3.5, "lower": -9.6, "upper": 2.6, "unit": "per 100,000",
                                            "label": "PRIMARY: Wigan cancer level change"},
        "its_primary_no_interval": {"value": 1.0, "lower": None, "upper": None, "unit": "years"},
        "other": {"value": 1.0, "lower": 0.0, "upper": 2.0, "unit": "years"}}, "tables": {}}
    results["06_report_claims"] = results.pop("06_claims")
    assert [e["key"] for e in primary_estimates(results)] == ["its_primary_cancer_level_change"]
    finance = pd.DataFrame({"area_code": ["E08000010", "E08000010", "E06000001", "E06000001"],
                            "financial_year": ["2011/12", "2012/13"] * 2, "variance_pct": [4.3, 7.5, -2.0, 1.0]})
    panel = render_answers(results, "E08000010", "Wigan", finance_table=finance)
    html = render_index(title="t", parameters={}, vintage="v", notebooks=[], results=results, answers=panel)
    assert html.index('id="answers"') < html.index('id="verdicts"')
    assert html.count('<img src="data:image/png;base64,') == 2  # forest plot and finance chart
    assert "Forest plot of 1 pre-specified primary estimates" in panel
    # forest rows: the lead and tail every label shares are said once, in the caption
    from wigan_deal.report.answers import forest_caption, row_label

    labels = [{"key": "a", "label": "PRIMARY: Wigan minus the pool: level change (male life expectancy at birth), "
               "placebo interval"}, {"key": "b", "label": "PRIMARY: Wigan minus the pool: before/after change "
               "2009-11 to 2015-17 (female healthy life expectancy at birth), placebo interval"}]
    assert row_label("Wigan minus the pool: level change (male life expectancy at 65), placebo interval",
                     "Wigan minus the pool", "placebo interval") == "male LE at 65: level"
    assert row_label(labels[1]["label"].removeprefix("PRIMARY: "), "Wigan minus the pool",
                     "placebo interval") == "female HLE: 2009-11 to 2015-17"
    assert forest_caption(labels).startswith("Wigan minus the pool: each primary estimate (point) and its 95% "
                                             "placebo interval (line)")
    assert "Wigan cancer level change: -3.50 per 100,000 (95% CI -9.60 to +2.60)" in panel
    assert "2011/12 +4.3%; 2012/13 +7.5%" in panel and "for 2 councils" in panel
    assert "Wigan minus England, male HLE change: +1.2 years (95% CI -0.9 to +3.3" in panel
    assert "-1.4 to +3.8 by the empirical noise model" in panel
    assert '<span class="verdict v-not-supported">not supported</span> Budget saved &lt;b&gt;' in panel
    assert "The claims are Wigan" not in panel
    # a council with no budget-and-outturn rows gets a sentence, not an empty chart
    other = render_answers(results, "E06000062", "X", finance)
    assert "has no adult social care budget and outturn" in other and "The claims are Wigan's" in other
    # a missing year is named, not bridged
    gap = render_answers(results, "E06000001", "Hartlepool", finance.iloc[[0, 1, 3]])
    assert "2011/12 no budget and outturn; 2012/13 +1.0%" in gap


def _pixels(png_base64: str):
    import io

    import numpy as np
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(base64.b64decode(png_base64))).convert("RGBA"))


def test_finance_chart_draws_every_council_as_one_line_per_council_would(monkeypatch):
    """Issue 19: the grey councils are one LineCollection, not 150 plot() lines (a third of the time); the picture
    is the same pixel for pixel, including a line broken by a missing value and a council with one year only."""
    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd

    from wigan_deal.report import answers

    years = ["2011/12", "2012/13", "2013/14", "2014/15"]
    rng = np.random.default_rng(19)
    rows = [(f"E06{i:06d}", year, float(rng.normal(0, 6))) for i in range(40) for year in years]
    rows[5] = (rows[5][0], rows[5][1], float("nan"))  # a broken line
    rows = [r for r in rows if not (r[0] == "E06000007" and r[1] != "2013/14")]  # one year only
    table = pd.DataFrame(rows, columns=["area_code", "financial_year", "variance_pct"]).sample(frac=1, random_state=1)
    lines = answers.council_lines(table, years)
    assert len(lines) == 41 and [len(line) for line in lines[:3]] == [4, 1, 2]  # E06000001: 1 point, NaN, 2 points
    assert lines[0].tolist() == [[i, v] for i, v in enumerate(
        table[table["area_code"] == "E06000000"].sort_values("financial_year")["variance_pct"])]

    drawn = answers.finance_chart(table, "E06000003", "Hartlepool")[0]
    original_add = plt.Axes.add_collection

    def add_as_lines(ax, collection, *args, **kwargs):
        for _code, g in table.groupby("area_code"):
            g = g.sort_values("financial_year")
            ax.plot(g["financial_year"].map({y: i for i, y in enumerate(years)}), g["variance_pct"],
                    color="#9aa5b1", lw=0.6, alpha=0.45)
        return collection

    monkeypatch.setattr(plt.Axes, "add_collection", add_as_lines)
    by_lines = answers.finance_chart(table, "E06000003", "Hartlepool")[0]
    monkeypatch.setattr(plt.Axes, "add_collection", original_add)
    assert np.array_equal(_pixels(drawn), _pixels(by_lines))


def test_index_charts_are_drawn_once_each(monkeypatch):
    """savefig after tight_layout would first draw the whole figure without rendering; the charts skip it."""
    import matplotlib.figure
    import pandas as pd

    from wigan_deal.report import answers

    draws = []
    original = matplotlib.figure.Figure.draw
    monkeypatch.setattr(matplotlib.figure.Figure, "draw",
                        lambda fig, renderer: draws.append(fig) or original(fig, renderer))
    estimates = [{"key": "a", "label": "PRIMARY: level", "value": 1.0, "lower": -1.0, "upper": 2.5, "unit": "years"},
                 {"key": "b", "label": "PRIMARY: slope", "value": -3.0, "lower": -9.0, "upper": 1.0,
                  "unit": "per 100,000"}]
    forest = answers.forest_plot(estimates)
    finance = pd.DataFrame({"area_code": ["E08000010", "E08000010", "E06000001"],
                            "financial_year": ["2011/12", "2012/13", "2011/12"], "variance_pct": [4.3, 7.5, -2.0]})
    chart, _ = answers.finance_chart(finance, "E08000010", "Wigan")
    assert len(draws) == 2 and _pixels(forest).shape[1] == 460 and _pixels(chart).shape[:2] == (240, 480)


def test_executed_notebooks_lose_the_runs_absolute_paths_and_reports_record_versions(tmp_path):
    """Issue 17, item 6."""
    from wigan_deal import config
    from wigan_deal.report.records import environment_versions, strip_run_paths

    folder = tmp_path / ".tmp-E08000010-123"
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(f'area_code = "E08000010"\nresults_path = "{folder}/02_x.json"\n')
    cell.metadata["tags"] = ["injected-parameters"]
    nb.cells = [cell]
    nb.metadata["papermill"] = {"input_path": str(config.PROJECT_ROOT / "notebooks" / "02_x.ipynb"),
                                "output_path": f"{folder}/02_x.ipynb",
                                "parameters": {"results_path": f"{folder}/02_x.json", "area_code": "E08000010"}}
    text = nbformat.writes(strip_run_paths(nb, folder))
    assert str(tmp_path) not in text and str(config.PROJECT_ROOT) not in text
    assert 'results_path = \\"02_x.json\\"' in text and nb.metadata["papermill"]["input_path"] == "notebooks/02_x.ipynb"
    env = environment_versions()
    assert re.fullmatch(r"3\.\d+\.\d+", env["python"]) and env["libraries"]["pandas"] and env["libraries"]["numpy"]
    again = environment_versions()  # looked up once per process; each report gets its own dict
    assert again == env and again is not env and again["libraries"] is not env["libraries"]


def test_contents_links_only_to_sections_the_page_has():
    html = _render(_results(False))
    nav = re.search(r'<nav class="wd-nav" aria-label="contents">(.*?)</nav>', html).group(1)
    anchors = re.findall(r'href="#([a-z]+)"', nav)
    assert anchors == ["estimates", "parameters", "description", "notebooks"]
    assert all(f'id="{a}"' in html for a in anchors)

def test_verdicts_under_another_vintage_say_which_vintage_their_numbers_are():
    """Issue 17: Kent with --vintage 2026-05 showed the 2019-05 verdicts under a page labelled 'HLE vintage
    2026-05' with no word; the claims section now names the vintage its HLE numbers come from."""
    results = _results(True)
    other = html.unescape(render_index(title="t", parameters={"HLE vintage": "2026-05"}, vintage="v", notebooks=[],
                                       results=results))
    assert "HLE numbers in them are vintage 2019-05" in other and "this report's HLE vintage 2026-05" in other
    same = render_index(title="t", parameters={"HLE vintage": "2019-05"}, vintage="v", notebooks=[], results=results)
    assert "HLE numbers in them are vintage" not in same


def test_a_forest_plot_of_one_estimate_keeps_its_labels_inside_the_image():
    """One primary estimate (a council with little data): the plot used to be 0.63 in tall, tight_layout gave up
    (a UserWarning) and the row label ran off the image's left edge, the tick labels and axis label off its foot."""
    import io
    import warnings

    import matplotlib.image as mpimg
    import numpy as np

    from wigan_deal.report.answers import FOREST_MIN_HEIGHT, forest_plot

    estimate = {"value": -3.5, "lower": -9.6, "upper": 2.6, "unit": "per 100,000",
                "label": "PRIMARY: Wigan minus the pool: level change (u75 cancer mortality)"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = base64.b64decode(forest_plot([estimate]))
    pixels = mpimg.imread(io.BytesIO(png), format="png")
    assert pixels.shape[0] == round(FOREST_MIN_HEIGHT * 100)
    ink = (pixels[..., :3] < 0.9).any(axis=2)
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    assert cols[0] > 0 and rows[-1] < pixels.shape[0] - 1, "a label touches the image's edge (cut off)"
