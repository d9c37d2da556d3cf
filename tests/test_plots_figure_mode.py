"""Figure modes (issue 19 item 1): a report draws a wide figure twice (desktop and phone variant), the atlas
once (its phone variant, for every screen); what the formatter returns reaches the reader page."""

from __future__ import annotations

import base64
import io
import json
import types
from functools import partial
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import pytest  # noqa: E402
from bs4 import BeautifulSoup  # noqa: E402
from IPython.core.formatters import DisplayFormatter  # noqa: E402
from IPython.core.pylabtools import print_figure  # noqa: E402
from matplotlib.backend_bases import FigureCanvasBase  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from PIL import Image  # noqa: E402

from wigan_deal import config, plots  # noqa: E402
from wigan_deal.report.html import notebook_to_html  # noqa: E402


@pytest.fixture()
def shell(monkeypatch):
    """A stand-in IPython shell with the stock inline PNG formatter (``bbox_inches='tight'``), wrapped by
    :func:`plots.install_alt_text`; the figure mode is restored afterwards."""
    fake = types.SimpleNamespace(display_formatter=DisplayFormatter(), events=types.SimpleNamespace(
        register=lambda *_a: None))
    fake.display_formatter.formatters["image/png"].for_type(
        Figure, partial(print_figure, fmt="png", base64=True, bbox_inches="tight"))
    assert plots.install_alt_text(fake)
    yield fake
    plots.set_figure_mode("both")
    plt.close("all")


@pytest.fixture()
def renders(monkeypatch):
    """How many times a figure was rendered to an image (each savefig / print_figure)."""
    calls: list[tuple[float, float]] = []
    original = FigureCanvasBase.print_figure

    def counted(self, *args, **kwargs):
        calls.append(tuple(self.figure.get_size_inches()))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(FigureCanvasBase, "print_figure", counted)
    return calls


def _wide():
    fig, axes = plt.subplots(1, 3, figsize=(13, 4), sharey=True)
    for i, ax in enumerate(axes):
        ax.plot([2009, 2011, 2013], [60 + i, 61, 60.5], marker="o")
        ax.set_title(f"panel {i}")
        ax.set_xlabel("period midpoint (year)")
    axes[0].set_ylabel("years")
    fig.suptitle("three panels side by side")
    return fig


def _narrow():
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot([1, 2, 3], [3, 1, 2])
    return fig


def _png_size(b64: str) -> tuple[int, int]:
    return Image.open(io.BytesIO(base64.b64decode(b64))).size


def test_a_report_renders_a_wide_figure_twice_and_a_narrow_one_once(shell, renders):
    data, md = shell.display_formatter.format(_wide())
    assert len(renders) == 2 and renders[0] == (13, 4) and renders[1][0] == plots.PHONE_INCHES
    assert md["image/png"]["wide"] is True and "phone_png" in md["image/png"] and "stacked" not in md["image/png"]
    assert _png_size(data["image/png"])[0] > 900  # the desktop image at 13 inches
    renders.clear()
    data, md = shell.display_formatter.format(_narrow())
    assert len(renders) == 1 and "wide" not in md.get("image/png", {}) and "phone_png" not in md.get("image/png", {})


def test_the_atlas_mode_renders_every_figure_once_a_wide_one_as_its_phone_variant(shell, renders):
    plots.set_figure_mode("single")
    fig = _wide()
    data, md = shell.display_formatter.format(fig)
    assert len(renders) == 1 and renders[0][0] == plots.PHONE_INCHES  # one render, at phone width
    meta = md["image/png"]
    assert meta == {"alt": plots.describe(fig), "stacked": True}  # no second image, no 'wide' (no forced 760 px)
    width, height = _png_size(data["image/png"])
    assert width <= plots.PHONE_INCHES * fig.dpi and height > 2 * width  # three panels stacked in one column
    assert list(fig.get_size_inches()) == [13, 4]  # the figure itself is restored
    renders.clear()
    data, md = shell.display_formatter.format(_narrow())  # a narrow figure: as in a report
    assert len(renders) == 1 and _png_size(data["image/png"])[0] > 0.8 * 6 * plt.rcParams["figure.dpi"]
    renders.clear()
    # one wide panel (a heatmap, a specification curve): squeezed to phone width its labels would collide, so it
    # is drawn once at its own size and scrolls sideways on phones ('wide', no phone variant)
    heatmap, _ = plt.subplots(figsize=(14, 4))
    data, md = shell.display_formatter.format(heatmap)
    assert len(renders) == 1 and renders[0] == (14, 4)
    assert md["image/png"]["wide"] is True and "phone_png" not in md["image/png"] and "stacked" not in md["image/png"]
    with pytest.raises(ValueError, match="Unknown figure mode 'twice'"):
        plots.set_figure_mode("twice")


def test_the_headline_mode_draws_headline_figures_once_and_leaves_the_others_out_with_a_note(shell, renders):
    plots.set_figure_mode("headline")
    fig = _wide()
    plots.headline(fig)
    data, md = shell.display_formatter.format(fig)  # a headline figure: as in "single"
    assert len(renders) == 1 and md["image/png"] == {"alt": plots.describe(fig), "stacked": True}
    renders.clear()
    data, md = shell.display_formatter.format(_narrow())  # any other figure: not drawn, a note instead
    assert renders == [] and "image/png" not in data
    assert data["text/markdown"] == plots.left_out_note() and "wigan-deal report --area" in data["text/markdown"]
    plots.set_figure_mode("single")  # every other mode draws it
    data, _md = shell.display_formatter.format(_narrow())
    assert len(renders) == 1 and "image/png" in data and "text/markdown" not in data


def test_a_study_builds_no_figure_left_out_and_marks_its_headline_figure(monkeypatch):
    from dataclasses import dataclass

    from IPython import display as ipd

    from wigan_deal.studies.summary import EffectSummary, Study

    shown = []
    monkeypatch.setattr(ipd, "display", lambda obj: shown.append(obj.data))

    @dataclass
    class Example(Study):
        HEADLINE_PLOTS = frozenset({"plot"})

        def summary(self) -> EffectSummary:
            return EffectSummary(text="example")

        def record(self, rec) -> None:
            pass

        def plot(self):
            return plt.subplots(figsize=(6, 4))[0]

        def plot_detail(self):
            return plt.subplots(figsize=(6, 4))[0]

    plt.close("all")
    try:
        plots.set_figure_mode("headline")
        assert Example().plot_detail() is None and plt.get_fignums() == [] and shown == [plots.left_out_note()]
        headline = Example().plot()
        assert headline._wigan_headline and not plots.left_out(headline)
        plots.set_figure_mode("both")  # a report: every figure built, only the headline marked
        detail = Example().plot_detail()
        assert detail is not None and not getattr(detail, "_wigan_headline", False) and len(shown) == 1
        assert not plots.left_out(detail)
    finally:
        plots.set_figure_mode("both")
        plt.close("all")


def test_the_notebooks_other_figure_builders_build_nothing_on_atlas_pages(monkeypatch):
    """Found by listing the figures an atlas page built but did not draw: notebook 04's budget figures and
    notebook 06's claim panels."""
    from IPython import display as ipd

    from wigan_deal.studies import asc_finance, verdicts

    shown = []
    monkeypatch.setattr(ipd, "display", lambda obj: shown.append(obj.data))
    budget = asc_finance.budget_study(config.WIGAN, "Wigan")
    plt.close("all")
    try:
        plots.set_figure_mode("headline")
        assert budget.plot() is None and budget.plot_per_head() is None
        assert verdicts.plot_series(config.WIGAN) == (None, [])
        assert plt.get_fignums() == [] and shown == [plots.left_out_note()] * 3
        plots.set_figure_mode("both")
        assert budget.plot() is not None and budget.plot_per_head() is not None
        fig, _skipped = verdicts.plot_series(config.WIGAN)
        assert len(fig.axes) >= 9 and len(plt.get_fignums()) == 3 and len(shown) == 3
    finally:
        plots.set_figure_mode("both")
        plt.close("all")


def test_the_atlas_page_shows_the_single_image_on_every_screen(shell, tmp_path):
    plots.set_figure_mode("single")
    fig = _wide()
    data, md = shell.display_formatter.format(fig)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("plt.show()", outputs=[nbformat.v4.new_output(
        "display_data", data={"image/png": data["image/png"]}, metadata={"image/png": md["image/png"]})])]
    page = notebook_to_html(nb, tmp_path / "x.reader.html", reader=True, assets=tmp_path / "_assets")
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), features="html.parser")
    images = soup.select("img")
    assert len(images) == 1 and not soup.select("picture")  # one image, no phone source
    assert images[0]["src"] == f"data:image/png;base64,{data['image/png']}"
    assert images[0]["alt"] == plots.describe(fig)
    assert images[0].get("class") == ["wd-stacked"]  # scales to the column (max-width 100%), never 760 px
    assert not soup.select("[role=region]")  # nothing to scroll sideways


def test_a_figure_the_same_for_every_area_is_drawn_once_per_kernel(shell, renders):
    """Found by hashing every council's PNGs: only the coverage study (notebook 05) is the same for every council."""
    from wigan_deal import inference

    plots.set_figure_mode("single")
    first = shell.display_formatter.format(inference.plot_coverage()[0].figure)
    assert len(renders) == 1
    again = shell.display_formatter.format(inference.plot_coverage()[0].figure)  # the next council's notebook 05
    assert len(renders) == 1 and again == first
    plots.set_figure_mode("both")  # another mode is another image
    shell.display_formatter.format(inference.plot_coverage()[0].figure)
    assert len(renders) == 3
    other = inference.load_table()
    other.loc[other.index[0], "coverage"] = 0.5  # other data: another key, drawn again
    shell.display_formatter.format(inference.plot_coverage(other)[0].figure)
    assert len(renders) == 5
    unmarked = _wide()
    shell.display_formatter.format(unmarked)
    shell.display_formatter.format(unmarked)
    assert len(renders) == 9  # an ordinary figure is drawn every time it is shown


_WIDE_NOTEBOOK = """\
import sys
print("plotting stack before the notebook:", [m for m in ("wigan_deal.plots", "seaborn", "scipy.stats") if m in sys.modules])
from wigan_deal import plots
import matplotlib.pyplot as plt
fig, axes = plt.subplots(1, 2, figsize=(12, 4))
for ax in axes:
    ax.plot([1, 2, 3], [2, 1, 3])
plots.headline(fig)
plt.show()
other, ax = plt.subplots(figsize=(6, 4))
ax.plot([1, 2, 3], [3, 1, 2])
plt.show()
print(plots.figure_mode())
"""


def _wide_notebook(folder: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell("\n".join(f"{k} = {v!r}" for k, v in {
        "area_code": config.WIGAN, "comparators": ["england", "gm", "nearest"], "break_year": 2011,
        "vintage": config.REPORT_VINTAGE, "sex": "Male", "post_rule": "start", "results_path": None}.items()))
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# A wide figure"), params,
                nbformat.v4.new_code_cell("%matplotlib inline"), nbformat.v4.new_code_cell(_WIDE_NOTEBOOK)]
    path = folder / "01_wide.ipynb"
    nbformat.write(nb, path)
    return path


def _pngs(executed: Path) -> list[dict]:
    nb = json.loads(executed.read_text(encoding="utf-8"))
    return [o for c in nb["cells"] for o in c.get("outputs", []) if "image/png" in o.get("data", {})]


@pytest.mark.integration  # runs a kernel for the atlas
def test_an_all_figures_atlas_kernel_draws_every_figure_once(tmp_path):
    """``--all-figures``: both figures of the notebook, each once (a wide one as its stacked phone variant only); the
    kernel's figure mode is set without importing the plotting stack (matplotlib, seaborn, scipy.stats).
    The other two modes are checked on the shared real runs: the atlas's headline figures in
    ``test_atlas.py::test_atlas_run_on_a_few_councils_lists_failures_and_reads_recorded_results``, a report's two
    renders of a wide figure in ``test_notebooks_execute.py::test_the_report_draws_wide_figures_for_desktop_and_phone``."""
    from wigan_deal.report import atlas

    notebook = _wide_notebook(tmp_path)
    atlas.run_atlas([config.WIGAN], notebooks=[notebook], out_dir=tmp_path / "every", jobs=1, all_figures=True,
                    log=lambda _m: None)
    executed = tmp_path / "every" / atlas.REPORTS_FOLDER / config.WIGAN / "01_wide.ipynb"
    every = _pngs(executed)
    assert [o["metadata"]["image/png"].get("stacked") for o in every] == [True, None]
    assert not [o for o in every if "phone_png" in o["metadata"]["image/png"]]
    text = executed.read_text(encoding="utf-8")
    assert "single" in text  # the mode the notebook printed: set in the kernel before the notebook imported plots,
    assert "plotting stack before the notebook: []" in text  # which setting it did not import


def _pixels(png: bytes):
    import numpy as np

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


def _busy(layout: str | None = None):
    """Drawn beyond its own edges: long tick labels left of the canvas, a legend right of it, a suptitle."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.5), layout=layout)
    axes[0].barh(range(3), [1, 3, 2])
    axes[0].set_yticks(range(3), ["Kingston upon Hull, City of", "Bolton", "Wigan"])
    axes[1].plot([2009, 2011, 2013], [1, 3, 2], label="a series with a long name")
    axes[1].legend(loc="upper left", bbox_to_anchor=(1.02, 1))
    fig.suptitle("drawn beyond the canvas")
    return fig


def _ink(pixels):
    """Height and width of what is drawn (pixels unlike the corner's)."""
    import numpy as np

    ink = (pixels != pixels[0, 0]).any(axis=2)
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


@pytest.mark.parametrize("layout", [None, "tight"])
def test_a_displayed_figure_is_drawn_once_and_cropped_as_a_tight_savefig(layout, monkeypatch):
    """savefig(bbox_inches='tight') draws a figure twice (the first time only to find the box); the figures
    shown draw once, keep what lies beyond the figure's edges, and come out the size of savefig's image."""
    buf = io.BytesIO()
    _busy(layout).savefig(buf, format="png", dpi=72, bbox_inches="tight")  # a figure of its own: a layout engine
    expected = _pixels(buf.getvalue())  # starts from where the last layout left the panels
    if layout is None:  # the tight box is wider than the figure: labels and legend outside
        assert expected.shape[1] > 9 * 72
    fig = _busy(layout)
    draws = []
    original = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda self, renderer: draws.append(1) or original(self, renderer))
    got = _pixels(plots._save_png(fig, 72))
    assert len(draws) == 1
    assert abs(got.shape[0] - expected.shape[0]) <= 3 and abs(got.shape[1] - expected.shape[1]) <= 3
    ink, expected_ink = _ink(got), _ink(expected)
    assert abs(ink[0] - expected_ink[0]) <= 1 and abs(ink[1] - expected_ink[1]) <= 1  # nothing cut off
    pad = round(plt.rcParams["savefig.pad_inches"] * 72)
    assert got.shape[:2] == (ink[0] + 2 * pad, ink[1] + 2 * pad)
    plt.close("all")


def test_a_legend_placed_beyond_the_margin_is_saved_by_savefig(monkeypatch):
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([1, 2], [1, 2], label="far away")
    ax.legend(loc="upper left", bbox_to_anchor=(3, 1))  # more than the margin right of the figure
    draws = []
    original = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda self, renderer: draws.append(1) or original(self, renderer))
    got = _pixels(plots._save_png(fig, 72))
    assert len(draws) == 3  # the margin's draw, then savefig's two
    assert got.shape[1] > (4 + plots.MARGIN_INCHES) * 72  # the legend is in the image
    plt.close(fig)


def test_the_inline_formatter_draws_once_and_crops_as_the_stock_one(shell, monkeypatch):
    stock = _pixels(base64.b64decode(print_figure(_busy(), "png", base64=True)))
    fig = _busy()
    draws = []
    original = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda self, renderer: draws.append(1) or original(self, renderer))
    data, md = shell.display_formatter.format(_narrow())
    assert len(draws) == 1
    draws.clear()
    plots.set_figure_mode("single")  # 9 inches wide: 'wide' in a report, and in the atlas stacked
    data, md = shell.display_formatter.format(fig)
    assert len(draws) == 1 and md["image/png"]["stacked"] is True
    plots.set_figure_mode("both")
    draws.clear()
    data, md = shell.display_formatter.format(fig)
    assert len(draws) == 2  # desktop and phone
    desktop = _pixels(base64.b64decode(data["image/png"]))
    assert all(abs(a - b) <= 1 for a, b in zip(_ink(desktop), _ink(stock), strict=True))


def test_a_phone_variant_is_the_same_image_however_often_it_is_drawn():
    """tight_layout changes the subplot parameters; the phone variants put them back, so showing a figure again
    (or drawing its desktop image after its phone one) gives the same image."""
    fig = _busy()
    first = _pixels(plots.stacked_png(fig, 72))
    assert (_pixels(plots.stacked_png(fig, 72)) == first).all()
    single, ax = plt.subplots(figsize=(12, 4))
    ax.plot([1, 2, 3], [3, 1, 2])
    narrow = _pixels(plots.narrow_png(single, 72))
    assert (_pixels(plots.narrow_png(single, 72)) == narrow).all()
    plt.close("all")


@pytest.mark.parametrize("rect", [(0, 0, 1, 1), (0, 0, 1, 0.9)])
def test_a_tight_layout_into_a_rect_measures_each_panel_once_and_lays_out_the_same(rect, monkeypatch):
    """A tight layout with a rect (a layout engine's default, a phone variant's room for the suptitle) measures each
    panel twice at the same place; measured once, the subplot parameters are the same to the last bit."""
    from matplotlib.axes import Axes
    from matplotlib.layout_engine import TightLayoutEngine

    stock, once = _busy(), _busy()
    TightLayoutEngine(rect=rect).execute(stock)
    calls = []
    measure = Axes.get_tightbbox
    monkeypatch.setattr(Axes, "get_tightbbox", lambda self, *a, **k: calls.append(self) or measure(self, *a, **k))
    with plots._panels_measured_once(once):
        TightLayoutEngine(rect=rect).execute(once)
    assert sorted(map(id, calls)) == sorted(map(id, once.axes))  # each panel once (the stock layout: twice)
    assert all(getattr(stock.subplotpars, k) == getattr(once.subplotpars, k)
               for k in ("left", "bottom", "right", "top", "wspace", "hspace"))
    assert all("get_tightbbox" not in vars(ax) for ax in once.axes)  # measured anew afterwards
    plt.close("all")


def test_a_label_running_past_the_margin_is_saved_by_savefig(monkeypatch):
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.barh([0, 1], [1, 2])
    ax.set_yticks([0, 1], ["short", "a tick label so long that it runs out of the figure and past the margin " * 2])
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=72, bbox_inches="tight")
    expected = _pixels(buf.getvalue())
    draws = []
    original = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda self, renderer: draws.append(1) or original(self, renderer))
    got = _pixels(plots._save_png(fig, 72))
    assert len(draws) == 3 and got.shape == expected.shape  # the margin's draw showed ink at its edge
    plt.close(fig)


@pytest.mark.parametrize("size", [(12.4, 3.8), (13.8, 15.8), (6.0, 36.85)])
@pytest.mark.parametrize("dpi", [72, 80, 100])
def test_the_one_draw_crop_counts_the_canvas_pixels_as_agg_does(size, dpi, monkeypatch):
    """(12.4 + 4) inches at 100 dpi is 1639.99... pixels in Python and 1640 on the Agg canvas: the crop must
    read the canvas with the canvas's own count (it crashed the formatter of notebook 02's figure)."""
    fig, ax = plt.subplots(figsize=size)
    ax.plot([1, 2, 3], [3, 1, 2])
    draws = []
    original = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda self, renderer: draws.append(1) or original(self, renderer))
    width, height = Image.open(io.BytesIO(plots._save_png(fig, dpi))).size
    assert len(draws) == 1 and width < size[0] * dpi and height < size[1] * dpi
    plt.close(fig)
