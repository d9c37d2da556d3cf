"""Convert executed notebooks to self-contained HTML (full and code-hidden reader variants).

The stock nbconvert ``lab`` template loads require.js, MathJax and Mermaid from a CDN; reports
must open offline (and in a network-less headless Chromium), so a small template derived from
``lab`` drops those script tags. CSS and figures (base64 PNG) are embedded by nbconvert itself.
LaTeX in markdown is therefore shown as source text rather than typeset.
"""

from __future__ import annotations

import functools
from pathlib import Path

import jinja2
import nbformat
from nbconvert import HTMLExporter

_OFFLINE_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""


@functools.lru_cache(maxsize=2)
def html_exporter(*, reader: bool = False) -> HTMLExporter:
    """An offline ``lab``-style exporter; ``reader=True`` hides code cells and In/Out prompts.

    Cached per process: building the template environment costs more than a conversion.
    """
    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[jinja2.DictLoader({"wigan_offline.html.j2": _OFFLINE_TEMPLATE})],
        template_file="wigan_offline.html.j2",
        embed_images=True,
    )
    if reader:
        exporter.exclude_input = True
        exporter.exclude_input_prompt = True
        exporter.exclude_output_prompt = True
    return exporter


def notebook_to_html(
    nb: nbformat.NotebookNode, path: Path, *, reader: bool = False, title: str | None = None
) -> Path:
    """Write ``nb`` as HTML to ``path``; return ``path``."""
    resources = {"metadata": {"name": title or Path(path).name.split(".")[0]}}
    body, _ = html_exporter(reader=reader).from_notebook_node(nb, resources=resources)
    Path(path).write_text(body, encoding="utf-8")
    return Path(path)


def write_html_pair(nb: nbformat.NotebookNode, folder: Path, name: str) -> tuple[Path, Path]:
    """Write ``<name>.html`` (with code) and ``<name>.reader.html`` (code hidden) into ``folder``."""
    full = notebook_to_html(nb, Path(folder) / f"{name}.html", title=name)
    reader = notebook_to_html(nb, Path(folder) / f"{name}.reader.html", reader=True, title=name)
    return full, reader
