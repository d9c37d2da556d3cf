"""Convert executed notebooks to self-contained HTML (full and code-hidden reader variants).

The stock nbconvert ``lab`` template loads require.js, MathJax and Mermaid from a CDN; reports
must open offline (and in a network-less headless Chromium), so a small template derived from
``lab`` drops those script tags. CSS and figures (base64 PNG) are embedded by nbconvert itself.
LaTeX in markdown is therefore shown as source text rather than typeset.
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
    assets: Path | None = None,
) -> Path:
    """Write ``nb`` as HTML to ``path``; return ``path``. With ``assets`` (a folder), the stylesheet is
    shared there instead of inlined (the atlas: one copy for every council's pages)."""
    resources = {"metadata": {"name": title or Path(path).name.split(".")[0]}}
    body, _ = html_exporter(reader=reader).from_notebook_node(nb, resources=resources)
    if assets is not None:
        body = share_stylesheet(body, assets, Path(path))
    Path(path).write_text(body, encoding="utf-8")
    return Path(path)


def write_html_pair(nb: nbformat.NotebookNode, folder: Path, name: str) -> tuple[Path, Path]:
    """Write ``<name>.html`` (with code) and ``<name>.reader.html`` (code hidden) into ``folder``."""
    full = notebook_to_html(nb, Path(folder) / f"{name}.html", title=name)
    reader = notebook_to_html(nb, Path(folder) / f"{name}.reader.html", reader=True, title=name)
    return full, reader
