"""Convert executed notebooks to self-contained HTML (full and code-hidden reader variants).

The stock nbconvert ``lab`` template loads require.js, MathJax and Mermaid from a CDN; reports
must open offline (and in a network-less headless Chromium), so a small template derived from
``lab`` drops those script tags. CSS and figures (base64 PNG) are embedded by nbconvert itself.
LaTeX in markdown is therefore shown as source text rather than typeset.

The exporter is :class:`wigan_deal.report.exporter.OfflineHTMLExporter`: nbconvert's, without the
BeautifulSoup passes that cost more than the rest of a conversion (the atlas converts seven notebooks per council).
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

from wigan_deal.report.exporter import OfflineHTMLExporter

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


def notebook_title(nb: nbformat.NotebookNode, fallback: str, area_name: str | None = None) -> str:
    """'<area name> – <first heading of the notebook>' (the heading alone if the area is unknown). ``area_name``
    if given, else the name of the notebook's ``area_code`` parameter (from the data layer)."""
    heading = fallback
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    heading = line[2:].strip()
                    break
            break
    if area_name:
        return f"{area_name} – {heading}"
    code = nb.metadata.get("papermill", {}).get("parameters", {}).get("area_code")
    if code:
        try:
            from wigan_deal import data

            return f"{data.area_name(code)} – {heading}"
        except Exception:  # noqa: BLE001 - a title must never break the report
            return heading
    return heading


_SCROLL_BOX_TAG = re.compile(r"<(table|pre)(?![^>]*\btabindex=)(?=[\s>])")


def focusable_scroll_boxes(body: str) -> str:
    """Give every table and ``<pre>`` (code, printed output) a ``tabindex="0"``: the reader CSS lets a wide one
    scroll sideways inside its own box, and a keyboard user must be able to reach that box to scroll it
    (axe-core's ``scrollable-region-focusable``)."""
    return _SCROLL_BOX_TAG.sub(r'<\1 tabindex="0"', body)


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


def render_html(nb: nbformat.NotebookNode, *, reader: bool = False, title: str,
                other: tuple[str, str] | None = None) -> str:
    """The page :func:`notebook_to_html` writes, as text (its stylesheet inlined)."""
    nb = nbformat.from_dict(nb)  # the title is set on a copy
    nb.metadata["title"] = title
    resources = {"metadata": {"name": title}, "wigan_css": reader_css(), "wigan_other": other,
                 "wigan_missing_alt": MISSING_ALT}
    body, _ = html_exporter(reader=reader).from_notebook_node(nb, resources=resources)
    return focusable_scroll_boxes(body)


#: a notebook with one output of each kind a report page shows (markdown, code, text, an image with its phone
#: variant, HTML): rendering it loads and compiles every template a report page uses
_EVERY_KIND = nbformat.v4.new_notebook(cells=[
    nbformat.v4.new_markdown_cell("# -"),
    nbformat.v4.new_code_cell("-", outputs=[
        nbformat.v4.new_output("stream", name="stdout", text="-"),
        nbformat.v4.new_output("display_data", data={"image/png": "", "text/plain": "-"},
                               metadata={"image/png": {"alt": "-", "wide": True, "phone_png": ""}}),
        nbformat.v4.new_output("execute_result", data={"text/html": "<b>-</b>", "text/markdown": "-"},
                               execution_count=1)]),
])


def prepare_exporters() -> None:
    """Build both exporters and compile their templates, by rendering a small notebook with each (writing nothing).

    :mod:`wigan_deal.report.execute` calls it on import, and a report's workers are forked from a server that has
    imported that module (:func:`wigan_deal.report.kernels.worker_pool`): so the templates are compiled once per
    server, not again in every worker before its first page (about 0.2 CPU-s, and as long in wall time, per
    worker)."""
    for reader in (False, True):
        render_html(_EVERY_KIND, reader=reader, title="-")


def notebook_to_html(
    nb: nbformat.NotebookNode, path: Path, *, reader: bool = False, title: str | None = None,
    other: tuple[str, str] | None = None,
    assets: Path | None = None,
) -> Path:
    """Write ``nb`` as HTML to ``path``; return ``path``. The page has the shared CSS, a link back to
    ``index.html`` and (``other`` = (href, text)) to its other variant; figures carry their alt text.
    With ``assets`` (a folder), nbconvert's stylesheet is shared there instead of inlined (the atlas:
    one copy for every council's pages)."""
    body = render_html(nb, reader=reader, title=title or Path(path).name.split(".")[0], other=other)
    if assets is not None:
        body = share_stylesheet(body, assets, Path(path))
    Path(path).write_text(body, encoding="utf-8")
    return Path(path)


def write_html_pair(nb: nbformat.NotebookNode, folder: Path, name: str,
                    area_name: str | None = None) -> tuple[Path, Path]:
    """Write ``<name>.html`` (with code) and ``<name>.reader.html`` (code hidden) into ``folder`` (titles:
    :func:`notebook_title`)."""
    title = notebook_title(nb, name, area_name)
    full = notebook_to_html(nb, Path(folder) / f"{name}.html", title=f"{title} (with code)",
                            other=(f"{name}.reader.html", "Reader version (code hidden)"))
    reader = notebook_to_html(nb, Path(folder) / f"{name}.reader.html", reader=True, title=title,
                              other=(f"{name}.html", "Version with code"))
    return full, reader
