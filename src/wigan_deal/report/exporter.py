"""nbconvert's HTML exporter without its BeautifulSoup passes (a report page parses to the same document).

nbconvert's ``HTMLExporter`` parses and re-serialises every finished page with BeautifulSoup only to give images
without alt text a default one and to make code and output boxes keyboard-focusable (``tabindex="0"``), and, with
``embed_images``, every block of HTML inside markdown (the notebooks' result tables) only to look for ``<img>``
tags to inline. In the atlas that was half the HTML conversion's time. :class:`OfflineHTMLExporter` makes the two
page changes on the tags themselves (:func:`accessible_tags`), leaves a well-formed HTML block without images as
it is (:func:`plain_html`; anything else still goes through nbconvert), and renders each markdown text once per
process (a report's markdown cells are the same for every council). ``tests/test_report_html_export.py`` checks the
pages against the stock exporter's.
"""

from __future__ import annotations

import re

import jinja2
from nbconvert import HTMLExporter
from nbconvert.exporters.templateexporter import TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

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


#: Elements without an end tag.
VOID_ELEMENTS = frozenset("area base br col embed hr img input keygen link meta param source track wbr".split())
#: Elements whose content a browser does not read as tags (or BeautifulSoup's parser reads differently).
_RAW_TEXT = re.compile(r"<\s*/?\s*(?:script|style|textarea|title|xmp|iframe|noembed|noframes|noscript|plaintext|img)"
                       r"\b|<[!?]", flags=re.I)
_MARKUP = re.compile(r"""<(/?)([A-Za-z][A-Za-z0-9]*)((?:[^<>"']|"[^"]*"|'[^']*')*)>""")


def plain_html(fragment: str) -> bool:
    """Is ``fragment`` (a block of HTML in markdown) one BeautifulSoup would only re-spell, not change: no image, no
    script, style, comment or other raw-text element, every ``<`` a tag, every element closed in order, no
    attribute given twice? Then nbconvert's round trip (parse, look for ``<img>``, serialise) can be skipped."""
    if _RAW_TEXT.search(fragment):
        return False
    open_elements: list[str] = []
    end = 0
    for tag in _MARKUP.finditer(fragment):
        if "<" in fragment[end:tag.start()]:
            return False
        end = tag.end()
        closing, name, rest = tag.group(1), tag.group(2).lower(), tag.group(3)
        if closing:
            if rest.strip() or not open_elements or open_elements.pop() != name:
                return False
            continue
        if rest.strip():
            names = [m.group(1).lower() for m in _ATTRIBUTE.finditer(rest)]
            if len(set(names)) < len(names) or rest.rstrip().endswith("/") and name not in VOID_ELEMENTS:
                return False
        if name not in VOID_ELEMENTS:
            open_elements.append(name)
    return not open_elements and "<" not in fragment[end:]


class ReportMarkdownRenderer(IPythonRenderer):
    """nbconvert's markdown renderer, leaving plain HTML blocks (:func:`plain_html`) as they are."""

    def _html_embed_images(self, html: str) -> str:
        return html if plain_html(html) else super()._html_embed_images(html)


class OfflineHTMLExporter(HTMLExporter):
    """nbconvert's ``HTMLExporter`` without its BeautifulSoup round trips (see the module docstring), rendering
    each markdown text once."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._markdown: dict[tuple[str, str], str] = {}

    @jinja2.pass_context
    def markdown2html(self, context, source):
        """nbconvert's markdown filter, remembered by (text, folder); not for a cell with attachments or a text
        with an image (rendering may read the image's file, which can change)."""
        cell = context.get("cell", {})
        attachments = cell.get("attachments", {})
        path = context.get("resources", {}).get("metadata", {}).get("path", "")
        if attachments or "![" in source or "<img" in source.lower():
            return self._render_markdown(source, attachments, path)
        html = self._markdown.get((source, path))
        if html is None:
            if len(self._markdown) >= MARKDOWN_CACHE_SIZE:
                self._markdown.clear()
            html = self._markdown[(source, path)] = self._render_markdown(source, attachments, path)
        return html

    def _render_markdown(self, source: str, attachments: dict, path: str) -> str:
        """As ``HTMLExporter.markdown2html`` (nbconvert 7), with :class:`ReportMarkdownRenderer`."""
        renderer = ReportMarkdownRenderer(
            escape=False, attachments=attachments, embed_images=self.embed_images, path=path,
            anchor_link_text=self.anchor_link_text, exclude_anchor_links=self.exclude_anchor_links,
            **self.lexer_options,
        )
        return MarkdownWithMath(renderer=renderer).render(source)

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
