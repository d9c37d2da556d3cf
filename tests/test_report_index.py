"""index.html rendering and the offline notebook HTML exporter."""

import base64
import html
import re
from datetime import date

import nbformat

from wigan_deal.report.html import notebook_to_html
from wigan_deal.report.index import NotebookEntry, format_value, headline_rows, render_index

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
    assert html.index('id="verdicts"') < html.index('id="parameters"') < html.index('id="results"')
    assert html.index('id="results"') < html.index('id="notebooks"')
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
    assert 'id="verdicts"' not in html and 'id="results"' in html
    empty = _render({})
    assert "No notebook recorded headline values." in empty


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


def test_verdicts_under_another_vintage_say_which_vintage_their_numbers_are():
    """Issue 17: Kent with --vintage 2026-05 showed the 2019-05 verdicts under a page labelled 'HLE vintage
    2026-05' with no word; the claims section now names the vintage its HLE numbers come from."""
    results = _results(True)
    other = html.unescape(render_index(title="t", parameters={"HLE vintage": "2026-05"}, vintage="v", notebooks=[],
                                       results=results))
    assert "HLE numbers in them are vintage 2019-05" in other and "this report's HLE vintage 2026-05" in other
    same = render_index(title="t", parameters={"HLE vintage": "2019-05"}, vintage="v", notebooks=[], results=results)
    assert "HLE numbers in them are vintage" not in same
