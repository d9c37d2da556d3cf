"""Convert executed notebooks to self-contained HTML (full and code-hidden reader variants).

The stock nbconvert ``lab`` template loads require.js, MathJax and Mermaid from a CDN; reports
must open offline (and in a network-less headless Chromium), so a small template derived from
``lab`` drops those script tags. CSS and figures (base64 PNG) are embedded by nbconvert itself.
LaTeX in markdown is therefore shown as source text rather than typeset.

Speed (the atlas converts seven notebooks per council): nbconvert's ``HTMLExporter`` parses and re-serialises
every finished page with BeautifulSoup only to give images without alt text a default one and to make code and
output boxes keyboard-focusable (``tabindex="0"``); :class:`OfflineHTMLExporter` makes the same two changes
with regular expressions on the tags themselves (:func:`accessible_tags`), so a page parses to the same
document (``tests/test_report_html_export.py`` checks it against the stock exporter), and it renders each
markdown text once per process (a report's markdown cells are the same for every council).
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from pathlib import Path

import jinja2
import nbformat
from nbconvert import HTMLExporter
from nbconvert.exporters.templateexporter import TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

_OFFLINE_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block extra_css -%}<style>{{ resources.wigan_css }}</style>{%- endblock extra_css -%}
{%- block body_header -%}
{{ super() }}
<nav class="wd-nav" aria-label="report"><a href="index.html">&larr; Report index</a>
{%- if resources.wigan_other %} <a href="{{ resources.wigan_other[0] | escape_html }}">{{ resources.wigan_other[1] | escape_html }}</a>{% endif %}</nav>
{%- endblock body_header -%}
{% block data_png scoped %}
{%- set wide = output | get_metadata('wide', 'image/png') -%}
{%- set phone = output | get_metadata('phone_png', 'image/png') -%}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}"
{%- if wide and not phone %} tabindex="0" role="region" aria-label="wide figure, scrolls sideways"{%- endif %}>
{%- if phone %}<picture><source media="(max-width: 600px)" srcset="data:image/png;base64,{{ phone | escape_html }}">{% endif %}
<img src="data:image/png;base64,{{ output.data['image/png'] | escape_html }}"
alt="{{ ((output | get_metadata('alt', 'image/png')) or resources.wigan_missing_alt) | escape_html }}"
{%- set width=output | get_metadata('width', 'image/png') -%}
{%- if width is not none %} width={{ width | escape_html }}{%- endif %}
{%- set height=output | get_metadata('height', 'image/png') -%}
{%- if height is not none %} height={{ height | escape_html }}{%- endif %}
{%- if (wide and phone) or (output | get_metadata('stacked', 'image/png')) %} class="wd-stacked"
{%- elif wide %} class="wd-wide"{%- endif %}>
{%- if phone %}</picture>{% endif %}
</div>
{%- endblock data_png %}
"""


#: What nbconvert writes as the alt text of an image that has none (HTMLExporter.from_notebook_node).
NBCONVERT_MISSING_ALT = "No description has been provided for this image"
#: Boxes nbconvert makes keyboard-focusable (``tabindex="0"``) inside the notebook body.
FOCUSABLE_DIV_CLASSES = frozenset({"jp-Cell-inputWrapper", "jp-OutputArea-output"})
#: Markdown renderings kept per exporter (a council's seven notebooks have a few hundred markdown texts).
MARKDOWN_CACHE_SIZE = 4096

_ATTRIBUTE = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?""")
_START_TAG = r"""<{}(?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*\s*/?>"""
_IMG_OR_DIV = re.compile(f"{_START_TAG.format('img')}|{_START_TAG.format('div')}", flags=re.I)


def _add_attribute(tag: str, text: str) -> str:
    """``tag`` with ``text`` (`` name="value"``) added before its closing ``>`` or ``/>``."""
    end = len(tag) - (2 if tag.endswith("/>") else 1)
    return tag[:end].rstrip() + text + tag[end:]


def accessible_tags(html: str) -> tuple[str, int]:
    """What nbconvert's ``HTMLExporter`` does to a page with BeautifulSoup, on the tags alone: every ``<img>``
    without an ``alt`` gets :data:`NBCONVERT_MISSING_ALT`, and every ``<div>`` in the body with a class of
    :data:`FOCUSABLE_DIV_CLASSES` gets ``tabindex="0"``. Returns the page and how many images had no alt."""
    body = html.find("<body")
    if body < 0:
        return html, 0
    missing = 0

    def fix(match: re.Match[str]) -> str:
        nonlocal missing
        tag = match.group(0)
        attributes = {m.group(1).lower(): m for m in _ATTRIBUTE.finditer(tag, 4)}
        if tag[1:4].lower() == "img":
            if "alt" in attributes:
                return tag
            missing += 1
            return _add_attribute(tag, f' alt="{NBCONVERT_MISSING_ALT}"')
        cls = attributes.get("class")
        classes = set((cls.group(2) or "").strip("\"'").split()) if cls else set()
        if not classes & FOCUSABLE_DIV_CLASSES:
            return tag
        index = attributes.get("tabindex")
        if index is None:
            return _add_attribute(tag, ' tabindex="0"')
        return tag[:index.start()] + 'tabindex="0"' + tag[index.end():]

    return html[:body] + _IMG_OR_DIV.sub(fix, html[body:]), missing


class OfflineHTMLExporter(HTMLExporter):
    """nbconvert's ``HTMLExporter`` without its BeautifulSoup round trip over the whole page (see the module
    docstring), rendering each markdown text once."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._markdown: dict[tuple[str, str], str] = {}

    @jinja2.pass_context
    def markdown2html(self, context, source):
        """nbconvert's markdown filter, remembered by (text, folder); not for a cell with attachments or a text
        with an image (rendering may read the image's file, which can change)."""
        cell = context.get("cell", {})
        if cell.get("attachments") or "![" in source or "<img" in source.lower():
            return super().markdown2html(context, source)
        key = (source, context.get("resources", {}).get("metadata", {}).get("path", ""))
        html = self._markdown.get(key)
        if html is None:
            if len(self._markdown) >= MARKDOWN_CACHE_SIZE:
                self._markdown.clear()
            html = self._markdown[key] = super().markdown2html(context, source)
        return html

    def from_notebook_node(self, nb, resources=None, **kw):
        """As ``HTMLExporter.from_notebook_node`` (nbconvert 7), with :func:`accessible_tags` in place of its
        BeautifulSoup pass."""
        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        highlight_code = self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
        resources = self._init_resources(resources)
        filter_data_type = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self,
                                                 resources=resources)
        self.register_filter("highlight_code", highlight_code)
        self.register_filter("filter_data_type", filter_data_type)
        html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        html, missing = accessible_tags(html)
        if missing:
            self.log.warning("Alternative text is missing on %s image(s).", missing)
        return html, resources


@functools.lru_cache(maxsize=2)
def html_exporter(*, reader: bool = False) -> HTMLExporter:
    """An offline ``lab``-style exporter; ``reader=True`` hides code cells and In/Out prompts.

    Cached per process: building the template environment costs more than a conversion.
    """
    exporter = OfflineHTMLExporter(
        template_name="lab",
        extra_loaders=[jinja2.DictLoader({"wigan_offline.html.j2": _OFFLINE_TEMPLATE})],
        template_file="wigan_offline.html.j2",
        embed_images=True,
        # validate the notebook once after the preprocessors, not after each of the twelve (four enabled)
        optimistic_validation=True,
    )
    if reader:
        exporter.exclude_input = True
        exporter.exclude_input_prompt = True
        exporter.exclude_output_prompt = True
    return exporter


#: alt text of a figure displayed without a description (a figure not drawn through wigan_deal.plots)
MISSING_ALT = "Figure (no description recorded)"


@functools.lru_cache(maxsize=1)
def reader_css() -> str:
    """The shared CSS of every report page (``wigan_deal/report/reader.css``)."""
    return (Path(__file__).with_name("reader.css")).read_text(encoding="utf-8")


def notebook_title(nb: nbformat.NotebookNode, fallback: str) -> str:
    """'<area name> – <first heading of the notebook>' (the heading alone if the area is unknown)."""
    heading = fallback
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    heading = line[2:].strip()
                    break
            break
    code = nb.metadata.get("papermill", {}).get("parameters", {}).get("area_code")
    if code:
        try:
            from wigan_deal import data

            return f"{data.area_name(code)} – {heading}"
        except Exception:  # noqa: BLE001 - a title must never break the report
            return heading
    return heading


_TABLE_TAG = re.compile(r"<table(?![^>]*\btabindex=)(?=[\s>])")


def focusable_tables(body: str) -> str:
    """Give every table a ``tabindex="0"``: the reader CSS lets a wide table scroll sideways inside its own
    box, and a keyboard user must be able to reach that box to scroll it (axe-core's
    ``scrollable-region-focusable``)."""
    return _TABLE_TAG.sub('<table tabindex="0"', body)


_HEAD_STYLE = re.compile(r'<style type="text/css">.*?</style>\s*', flags=re.S)


def share_stylesheet(body: str, assets: Path, page: Path) -> str:
    """Move the ~260 KB of CSS nbconvert inlines in ``<head>`` into one shared file in ``assets``
    (named by its content hash, written once) and link it; the page stays offline-readable."""
    head_end = body.index("</head>")
    head = body[:head_end]
    css = "\n".join(m.group(0).split(">", 1)[1].rsplit("</style>", 1)[0] for m in _HEAD_STYLE.finditer(head))
    if not css:
        return body
    name = f"notebook-{hashlib.sha256(css.encode()).hexdigest()[:12]}.css"
    target = Path(assets) / name
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{name}.{os.getpid()}")
        tmp.write_text(css, encoding="utf-8")
        os.replace(tmp, target)
    href = os.path.relpath(target, Path(page).parent).replace(os.sep, "/")
    first = _HEAD_STYLE.search(head)
    head = head[: first.start()] + f'<link rel="stylesheet" href="{href}">\n' + _HEAD_STYLE.sub("", head[first.start():])
    return head + body[head_end:]


def notebook_to_html(
    nb: nbformat.NotebookNode, path: Path, *, reader: bool = False, title: str | None = None,
    other: tuple[str, str] | None = None,
    assets: Path | None = None,
) -> Path:
    """Write ``nb`` as HTML to ``path``; return ``path``. The page has the shared CSS, a link back to
    ``index.html`` and (``other`` = (href, text)) to its other variant; figures carry their alt text.
    With ``assets`` (a folder), nbconvert's stylesheet is shared there instead of inlined (the atlas:
    one copy for every council's pages)."""
    title = title or Path(path).name.split(".")[0]
    nb = nbformat.from_dict(nb)  # the title is set on a copy
    nb.metadata["title"] = title
    resources = {"metadata": {"name": title}, "wigan_css": reader_css(), "wigan_other": other,
                 "wigan_missing_alt": MISSING_ALT}
    body, _ = html_exporter(reader=reader).from_notebook_node(nb, resources=resources)
    body = focusable_tables(body)
    if assets is not None:
        body = share_stylesheet(body, assets, Path(path))
    Path(path).write_text(body, encoding="utf-8")
    return Path(path)


def write_html_pair(nb: nbformat.NotebookNode, folder: Path, name: str) -> tuple[Path, Path]:
    """Write ``<name>.html`` (with code) and ``<name>.reader.html`` (code hidden) into ``folder``."""
    title = notebook_title(nb, name)
    full = notebook_to_html(nb, Path(folder) / f"{name}.html", title=f"{title} (with code)",
                            other=(f"{name}.reader.html", "Reader version (code hidden)"))
    reader = notebook_to_html(nb, Path(folder) / f"{name}.reader.html", reader=True, title=title,
                              other=(f"{name}.html", "Version with code"))
    return full, reader
