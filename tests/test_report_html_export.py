"""The report's HTML exporter (issue 19): nbconvert's page without nbconvert's BeautifulSoup round trips.

nbconvert's ``HTMLExporter`` parses every finished page with BeautifulSoup to give images without alt text a default
one and to make code and output boxes focusable, then re-serialises the whole page, and it parses every HTML block in
markdown to look for images; ours makes the same two changes on the tags and leaves plain HTML blocks as they are.
The pages must parse to the same document: checked here against the stock exporter on a notebook with every kind of
output a report has (markdown with inline and block HTML, a result table in markdown, an HTML block left open across
a blank line, a DataFrame, text, a figure, an HTML image without alt, a wide figure box that already has a
tabindex), in the reader and the full variant.
"""

from __future__ import annotations

import base64
import io

import jinja2
import nbformat
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer

from wigan_deal.report import exporter as report_exporter
from wigan_deal.report import html as report_html
from wigan_deal.report.exporter import (
    NBCONVERT_MISSING_ALT,
    OfflineHTMLExporter,
    ReportMarkdownRenderer,
    accessible_tags,
    plain_html,
)
from wigan_deal.report.html import html_exporter

PNG = base64.b64encode(
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\xbd\xfa\x00\x00\x00\x00IEND\xaeB`\x82"
).decode()


def _notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    frame = pd.DataFrame({"area": ["Wigan", "Bolton & Bury"], "value": [1.5, -0.25]})
    code = nbformat.v4.new_code_cell("show(frame)  # the code", execution_count=1)
    code.outputs = [
        nbformat.v4.new_output("execute_result", data={"text/html": frame.to_html(), "text/plain": str(frame)},
                               execution_count=1),
        nbformat.v4.new_output("stream", name="stdout", text="a < b & c\n"),
        nbformat.v4.new_output("display_data", data={"image/png": PNG}, metadata={"image/png": {"alt": "a figure"}}),
        nbformat.v4.new_output("display_data", data={"image/png": PNG},
                               metadata={"image/png": {"alt": "wide", "wide": True}}),
        nbformat.v4.new_output("display_data", data={"text/html": f'<p>logo <img src="data:image/png;base64,{PNG}">'
                                                                  "</p>"}),
        nbformat.v4.new_output("display_data", data={"text/markdown": "**Verdict** <b>supported</b> &middot; 3 "
                                                                      "<br> of 5 claims\n\n| a | b |\n|---|---|\n| 1 | 2 |"}),
        nbformat.v4.new_output("display_data", data={"text/markdown": (
            '<table class="wd-table"><thead><tr><th scope="col">claim</th></tr></thead><tbody>'
            '<tr><td data-label="claim">Budget &amp; <em>spend</em> &gt; 5</td></tr></tbody></table>\n\n'
            "<details><summary>Evidence</summary>\n\nleft open across a blank line\n\n</details>\n\n"
            '<div class="note" title="a < b">odd attribute</div>')}),
    ]
    nb.cells = [nbformat.v4.new_markdown_cell("# 06 · Claims\n\nSome <em>inline</em> HTML & an entity &rarr;.\n\n"
                                              "<details><summary>More</summary>hidden text</details>"),
                code, nbformat.v4.new_code_cell("x = 1", execution_count=2)]
    return nb


def _stock(reader: bool) -> HTMLExporter:
    """nbconvert's own exporter with the report's template and options."""
    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[jinja2.DictLoader({"wigan_offline.html.j2": report_html._OFFLINE_TEMPLATE})],
        template_file="wigan_offline.html.j2", embed_images=True,
    )
    if reader:
        exporter.exclude_input = exporter.exclude_input_prompt = exporter.exclude_output_prompt = True
    return exporter


def _document(page: str) -> str:
    """The page as parsed (BeautifulSoup's form: attributes sorted, entities decoded)."""
    return str(BeautifulSoup(page, features="html.parser"))


@pytest.mark.parametrize("reader", [True, False])
def test_pages_parse_to_the_same_document_as_nbconvert_makes(reader):
    resources = {"metadata": {"name": "t"}, "wigan_css": "", "wigan_other": None, "wigan_missing_alt": "none"}
    nb = _notebook()
    ours, _ = html_exporter(reader=reader).from_notebook_node(nbformat.from_dict(nb), resources=dict(resources))
    stock, _ = _stock(reader).from_notebook_node(nbformat.from_dict(nb), resources=dict(resources))
    assert isinstance(html_exporter(reader=reader), OfflineHTMLExporter)
    assert _document(ours) == stock  # nbconvert's page is BeautifulSoup's serialisation
    soup = BeautifulSoup(ours, features="html.parser")
    assert [img.get("alt") for img in soup.select("img")] == ["a figure", "wide", NBCONVERT_MISSING_ALT]
    outputs = soup.select("div.jp-OutputArea-output")
    assert len(outputs) == 7 and {d.get("tabindex") for d in outputs} == {"0"}
    assert len(soup.select("div.jp-Cell-inputWrapper[tabindex='0']")) == (1 if reader else 3)  # markdown cells keep theirs
    assert ("the code" in ours) is not reader


def test_accessible_tags_adds_alt_and_tabindex_to_the_body_only():
    page = ('<html><head><div class="jp-OutputArea-output">head</div></head><body>'
            '<img src="a.png"><IMG SRC="b.png" ALT="b"><img src="c.png" alt=""/>'
            '<div class="x jp-OutputArea-output y">1</div><div class="jp-OutputArea-output-like">2</div>'
            "<div class='jp-Cell-inputWrapper' tabindex=\"-1\" data-x=\"a>b\">3</div><divider class=\"jp-Cell-inputWrapper\">"
            "</body></html>")
    fixed, missing = accessible_tags(page)
    assert missing == 1
    assert fixed == ('<html><head><div class="jp-OutputArea-output">head</div></head><body>'
                     f'<img src="a.png" alt="{NBCONVERT_MISSING_ALT}"><IMG SRC="b.png" ALT="b">'
                     '<img src="c.png" alt=""/>'
                     '<div class="x jp-OutputArea-output y" tabindex="0">1</div>'
                     '<div class="jp-OutputArea-output-like">2</div>'
                     "<div class='jp-Cell-inputWrapper' tabindex=\"0\" data-x=\"a>b\">3</div>"
                     '<divider class="jp-Cell-inputWrapper"></body></html>')
    assert accessible_tags("<p>no body</p>") == ("<p>no body</p>", 0)


def test_markdown_is_rendered_once_per_text_but_never_remembered_with_an_image(monkeypatch):
    exporter = html_exporter(reader=True)
    calls = []
    render = OfflineHTMLExporter._render_markdown

    def counting(self, source, attachments, path):
        calls.append(source)
        return render(self, source, attachments, path)

    monkeypatch.setattr(OfflineHTMLExporter, "_render_markdown", counting)
    monkeypatch.setattr(exporter, "_markdown", {})
    context = {"resources": {"metadata": {"path": "/nb"}}, "cell": {}}
    text = "A *claim* <b>supported</b>"
    first = exporter.markdown2html(context, text)
    assert exporter.markdown2html(context, text) == first == HTMLExporter.markdown2html(exporter, context, text)
    assert calls == [text]
    exporter.markdown2html({"resources": {"metadata": {"path": "/other"}}, "cell": {}}, text)
    assert len(calls) == 2  # another folder: images would resolve elsewhere
    for source in ("![x](fig.png)", 'see <IMG src="fig.png">'):
        exporter.markdown2html(context, source)
        exporter.markdown2html(context, source)
    exporter.markdown2html({**context, "cell": {"attachments": {"a.png": {"image/png": PNG}}}}, text)
    assert len(calls) == 7
    monkeypatch.setattr(report_exporter, "MARKDOWN_CACHE_SIZE", 1)
    exporter.markdown2html(context, "another text")
    assert list(exporter._markdown) == [("another text", "/nb")]  # bounded: cleared when full


@pytest.mark.parametrize(("fragment", "plain"), [
    ('<table class="t"><tr><td data-label="a">1 &amp; 2 &gt; 0</td></tr></table>', True),
    ("<p>a<br>b<br/>c <hr></p>", True),
    ("<div>\n<b>x</b>\n</div>", True),
    ('<a href="x" title="a > b">y</a>', True),
    ("<details><summary>open</summary>", False),  # closed by the parser at the end of the block
    ("</details>", False),  # dropped by the parser
    ("<b>", False),
    ("<p><b>x</p></b>", False),
    ('<img src="a.png">', False),  # nbconvert inlines the image
    ("<style>p { }</style>", False), ("<!-- note -->", False), ("<div/>", False),
    ("a < b", False), ('<a href="1" HREF="2">x</a>', False),
])
def test_plain_html_blocks_are_the_ones_beautifulsoup_would_only_respell(fragment, plain):
    assert plain_html(fragment) is plain
    ours = ReportMarkdownRenderer(escape=False, embed_images=True)._html_embed_images(fragment)
    nbconvert = IPythonRenderer(escape=False, embed_images=True)._html_embed_images(fragment)
    assert ours == (fragment if plain else nbconvert)
    assert str(BeautifulSoup(ours, features="html.parser")) == nbconvert  # the document nbconvert's round trip makes


def test_a_figure_page_round_trips_through_notebook_to_html(tmp_path):
    """The whole writer (title, shared CSS, focusable tables) on top of the exporter."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([1, 2], [3, 4])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    nb = _notebook()
    nb.cells[1].outputs[2]["data"]["image/png"] = base64.b64encode(buf.getvalue()).decode()
    page = report_html.notebook_to_html(nb, tmp_path / "x.reader.html", reader=True, title="T",
                                        assets=tmp_path / "_assets").read_text(encoding="utf-8")
    soup = BeautifulSoup(page, features="html.parser")
    assert soup.title.get_text() == "T" and soup.select_one("link[rel=stylesheet]")["href"].startswith("_assets/")
    assert all(t.get("tabindex") == "0" for t in soup.select("table")) and len(soup.select("table")) == 3


def _compiled_while(monkeypatch, action) -> list[str]:
    """The templates jinja2 compiles while ``action()`` runs."""
    compiled, compile_ = [], jinja2.Environment.compile

    def counting(self, source, name=None, *args, **kwargs):
        compiled.append(name)
        return compile_(self, source, name, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    action()
    return compiled


def test_prepared_exporters_leave_no_template_to_compile_for_a_page(monkeypatch, tmp_path):
    """After :func:`prepare_exporters`, a page with every kind of output a report has (a wide figure with its phone
    variant too) compiles no template, in either variant: a worker forked from a prepared server compiles nothing."""
    nb = _notebook()
    nb.cells[1].outputs[3]["metadata"]["image/png"]["phone_png"] = PNG
    report_html.html_exporter.cache_clear()
    assert len(_compiled_while(monkeypatch, report_html.prepare_exporters)) > 10  # it did compile them
    assert _compiled_while(monkeypatch, lambda: report_html.write_html_pair(nb, tmp_path, "p", "Wigan")) == []
    assert (tmp_path / "p.html").exists() and (tmp_path / "p.reader.html").exists()


def test_importing_the_worker_module_prepares_the_exporters():
    """The forkserver of a report's workers imports :mod:`wigan_deal.report.execute` (kernels.worker_pool), and so
    builds both exporters before it forks a worker."""
    import importlib

    from wigan_deal.report import execute

    report_html.html_exporter.cache_clear()
    importlib.reload(execute)
    assert report_html.html_exporter.cache_info().currsize == 2
