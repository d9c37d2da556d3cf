"""Shared figures: right number of lines/points, the fixed colour scheme, ``ax`` passthrough."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from wigan_deal import plots  # noqa: E402

AREA, ENG = "E08000010", "E92000001"


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _trend(with_ci: bool) -> pd.DataFrame:
    rows = []
    for code, name, base in ((AREA, "Wigan", 58.0), (ENG, "England", 63.0), ("GM", "other GM boroughs", 60.0)):
        for i in range(4):
            v = base + 0.3 * i
            rows.append({"area_code": code, "area_name": name, "time": 2010.5 + i, "value": v,
                         "lower_ci": v - 1 if with_ci and code == AREA else np.nan,
                         "upper_ci": v + 1 if with_ci and code == AREA else np.nan,
                         "n_areas": 9 if code == "GM" else 1})
    return pd.DataFrame(rows)


def _colour(line) -> str:
    return mcolors.to_hex(line.get_color())


def test_trend_plot_one_line_per_area_with_fixed_colours():
    fig, ax = plt.subplots()
    out = plots.trend_plot(_trend(False), AREA, ax=ax, break_year=2011)
    assert out is ax
    lines = [ln for ln in ax.get_lines() if len(ln.get_xdata()) == 4]
    assert len(lines) == 3
    by_label = {ln.get_label(): ln for ln in lines}
    assert _colour(by_label["Wigan"]) == plots.AREA_COLOUR
    assert _colour(by_label["England"]) == plots.ENGLAND_COLOUR
    assert "other GM boroughs, n=9" in by_label
    assert list(by_label["Wigan"].get_ydata()) == pytest.approx([58.0, 58.3, 58.6, 58.9])
    assert ax.get_legend() is not None


def test_trend_plot_draws_error_bars_only_where_cis_exist():
    ax = plots.trend_plot(_trend(True), AREA)
    assert len(ax.containers) == 1  # one errorbar container: the area's
    segments = ax.containers[0].lines[2][0].get_segments()
    assert len(segments) == 4
    assert segments[0][:, 1] == pytest.approx([57.0, 59.0])


def test_change_plot_one_point_per_area_sorted():
    table = pd.DataFrame({"area_code": [AREA, ENG, "X", "Y"], "area_name": ["Wigan", "England", "X", "Y"],
                          "sex": "Male", "change": [1.6, 0.4, -0.2, np.nan],
                          "change_lower": [-0.5, 0.1, np.nan, np.nan], "change_upper": [3.7, 0.7, np.nan, np.nan]})
    ax = plots.change_plot(table, AREA, sex="Male")
    offsets = ax.collections[-1].get_offsets()
    assert offsets.shape == (3, 2)  # NaN change dropped
    assert list(offsets[:, 0]) == pytest.approx([-0.2, 0.4, 1.6])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["X", "England", "Wigan"]


def test_vintage_plot_never_joins_vintages():
    rows = []
    for vintage, periods in (("2019-05", [2010.5, 2011.5]), ("2025-04", [2012.5, 2013.5, 2014.5])):
        for code, name in ((AREA, "Wigan"), (ENG, "England")):
            rows += [{"area_code": code, "area_name": name, "vintage": vintage, "time": t, "value": 60.0}
                     for t in periods]
    ax = plots.vintage_plot(pd.DataFrame(rows), AREA)
    lengths = sorted(len(ln.get_xdata()) for ln in ax.get_lines())
    assert lengths == [2, 2, 3, 3]


def test_finance_plot_lines_and_reference():
    table = pd.DataFrame({
        "area_code": [AREA] * 3 + [ENG] * 3, "area_name": ["Wigan"] * 3 + ["England"] * 3,
        "financial_year": ["2011/12", "2012/13", "2013/14"] * 2, "period_start": [2011, 2012, 2013] * 2,
        "index": [100.0, 98.0, 95.0, 100.0, 99.0, 101.0],
    })
    ax = plots.finance_plot(table, AREA)
    data_lines = [ln for ln in ax.get_lines() if len(ln.get_xdata()) == 3]
    assert len(data_lines) == 2
    assert _colour(data_lines[0]) == plots.AREA_COLOUR
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2011/12", "2012/13", "2013/14"]


def test_rank_plot_marks_the_area():
    ax = plots.rank_plot(pd.Series(np.arange(20.0)), 3.5, label="Wigan")
    marked = [ln for ln in ax.get_lines() if _colour(ln) == plots.AREA_COLOUR]
    assert len(marked) == 1 and marked[0].get_xdata()[0] == 3.5


def _stock_heatmap(table: pd.DataFrame, ax) -> plt.Axes:
    """The coverage heatmap as seaborn draws it by itself (its annotations, its forced draw)."""
    import seaborn as sns

    from wigan_deal import fmt

    labels = table.map(lambda n: "" if n == 0 else fmt.number(n, 0)) if table.shape[1] <= 30 else False
    sns.heatmap(table, ax=ax, cmap="Blues", cbar=False, linewidths=0.5, linecolor="white",
                annot=labels if labels is False else labels.to_numpy(), fmt="", annot_kws={"fontsize": 7})
    ax.set_xlabel("period start year")
    ax.set_ylabel("")
    ax.set_title("Coverage")
    return ax


@pytest.mark.parametrize("shape, names, size", [
    ((12, 24), "years", None),  # as a council's (37 x 24, a third of the rows): y labels turned horizontal, every cell written
    ((4, 6), "long", None),  # long column names overlap: turned vertical
    ((6, 35), "years", (3, 2)),  # too many columns for labels, a small panel: every second tick
    ((3, 4), "short", (3, 2)),  # short row names stay vertical
])
def test_coverage_heatmap_draws_the_same_pixels_as_seaborns_own_heatmap(shape, names, size):
    import io

    import seaborn.matrix
    from PIL import Image

    rng = np.random.default_rng(7)
    rows, cols = shape
    values = np.where(rng.random(shape) < 0.3, 0, rng.integers(1, 3000, shape))
    columns = [f"a long column name {i}" for i in range(cols)] if names == "long" else list(range(2001, 2001 + cols))
    index = list("abcdefghij"[:rows]) if names == "short" else [f"indicator_{i} (2019-05)" for i in range(rows)]
    table = pd.DataFrame(values, index=index, columns=columns)
    ours = plots.coverage_heatmap(table, plt.subplots(figsize=size)[1] if size else None, title="Coverage")
    stock = _stock_heatmap(table, plt.subplots(figsize=ours.figure.get_size_inches())[1])
    pixels = [np.asarray(Image.open(io.BytesIO(plots._save_png(ax.figure, None)))) for ax in (ours, stock)]
    assert pixels[0].shape == pixels[1].shape and np.array_equal(*pixels)
    assert ([t.get_rotation() for t in ours.get_xticklabels()] == [t.get_rotation() for t in stock.get_xticklabels()]
            and [t.get_rotation() for t in ours.get_yticklabels()] == [t.get_rotation() for t in stock.get_yticklabels()])
    assert seaborn.matrix._draw_figure.__module__ == "seaborn.utils"  # put back


def test_colour_map_is_stable():
    cmap = plots.colour_map(AREA, [AREA, ENG, "a", "b"])
    assert cmap[AREA] == plots.AREA_COLOUR and cmap[ENG] == plots.ENGLAND_COLOUR
    assert cmap["a"] == plots.GROUP_COLOURS[0] and cmap["b"] == plots.GROUP_COLOURS[1]


def test_coverage_heatmap_leaves_empty_cells_blank_so_a_missing_series_is_a_blank_row():
    table = pd.DataFrame({2001: [3, 0, 12000], 2002: [1, 0, 0]}, index=["a (2019-05)", "b (2019-05)", "finance: x"])
    ax = plots.coverage_heatmap(table, title="Coverage")
    texts = [(t.get_text(), t.get_position()) for t in ax.texts]
    assert texts == [("3", (0.5, 0.5)), ("1", (1.5, 0.5)), ("12,000", (0.5, 2.5))]  # row by row; 0 = no data, blank
    assert "2 of 3 series have data; no data in: b (2019-05)." in plots.describe(ax.figure)
    plt.close(ax.figure)


LONG = ("premature_mortality: Over the past six years premature mortality from cardiovascular disease and from cancer "
        "have both fallen faster in Wigan than in England.")


def _words_kept(shown: str, full: str) -> list[str]:
    """The words of ``full`` that ``shown`` keeps, checking it breaks and cuts only between whole words."""
    words = shown.replace("\n", " ").split(" ")
    cut = words[-1].endswith(plots.ELLIPSIS)
    words[-1] = words[-1].removesuffix(plots.ELLIPSIS)
    assert words == full.split(" ")[:len(words)] and cut == (len(words) < len(full.split(" "))), (shown, full)
    return words


def test_fit_text_breaks_at_word_boundaries_within_the_width():
    assert plots.fit_text("smoking: A significant reduction.", 4.0, 9) == "smoking: A significant reduction."
    two = plots.fit_text(LONG, 4.5, 9)
    assert two.count("\n") == 1 and all(plots.text_width_inches(line, 9) <= 4.5 for line in two.split("\n"))
    assert _words_kept(two, LONG) != LONG.split(" ")  # too long for two lines: ends in an ellipsis after a word
    three = plots.fit_text(LONG, 4.5, 9, lines=3)
    assert three.count("\n") == 2 and _words_kept(three, LONG) == LONG.split(" ")  # whole, on three lines
    # the wider line holds more words; one line fitted to the width of the whole text holds it all
    assert len(_words_kept(plots.fit_text(LONG, 5.5, 9), LONG)) > len(_words_kept(two, LONG))
    assert plots.fit_text(LONG, plots.text_width_inches(LONG, 9), 9, lines=1) == LONG
    # a single word wider than its line is the one thing cut inside a word
    word = plots.fit_text("Supercalifragilisticexpialidocious", 0.5, 9)
    assert word.endswith(plots.ELLIPSIS) and plots.text_width_inches(word, 9) <= 0.5
    with pytest.raises(ValueError, match="lines=0"):
        plots.fit_text(LONG, 4.0, 9, lines=0)


def test_text_is_measured_at_the_widest_of_the_resolutions_drawn():
    """Hinted to the pixel grid, a 9 pt line is 4.07 inches at 720 dpi but 4.26 at 100 dpi (the report's); the sum of
    the hinted advances is at least the width Agg draws at each resolution, by at most 1 %."""
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.font_manager import FontProperties

    for text, size in (("1J: Adjusted social care-related quality of life (impact of services)", 9),
                       ("2B(1) Older people (65+) still at home 91 days after discharge into reablement", 8),
                       ("Wigan: adult social care pathway at a glance (description, not attribution)", 10)):
        drawn = [RendererAgg(1, 1, dpi).get_text_width_height_descent(text, FontProperties(size=size), False)[0] / dpi
                 for dpi in plots.MEASURED_DPIS]
        assert max(drawn) <= plots.text_width_inches(text, size) <= 1.01 * max(drawn), (text, drawn)


def test_fitted_titles_get_the_room_of_their_laid_out_panels_and_whole_alt_text():
    fig, axes = plt.subplots(1, 3, figsize=(16, 3.6))
    for ax in axes:
        ax.plot([2010.5, 2016.5], [1, 2])
        plots.whole_years(ax)
    before = plots.panel_width_inches(axes[0])
    plots.fit_title(axes[0], LONG, fontsize=9)
    plots.fit_title(axes[1], "smoking: A significant reduction in smoking rates.", fontsize=9)
    kept = len(_words_kept(axes[0].get_title(), LONG))
    plots.fit_titles_to_layout(fig)
    after = plots.panel_width_inches(axes[0])
    assert after > before and len(_words_kept(axes[0].get_title(), LONG)) > kept  # wider once laid out: more words
    assert axes[0].get_title().count("\n") == 1
    assert axes[1].get_title() == "smoking: A significant reduction in smoking rates."
    assert f"titled '{LONG}'" in plots.describe(fig)  # the alt text keeps the whole title
    fig.canvas.draw()
    assert all(float(t).is_integer() for t in axes[0].get_xticks())  # 2010, 2011, ... never 2010.5


def test_titles_whole_on_one_line_are_not_laid_out_again():
    fig, axes = plt.subplots(1, 2, figsize=(10, 3))
    for ax in axes:
        plots.fit_title(ax, "short")
    params = dict(vars(fig.subplotpars))
    plots.fit_titles_to_layout(fig)
    assert dict(vars(fig.subplotpars)) == params and [ax.get_position().width for ax in axes] == \
        [ax.get_position().width for ax in plt.subplots(1, 2, figsize=(10, 3))[1]]


def test_fitted_tick_labels_keep_their_whole_text_in_the_alt_text():
    fig, ax = plt.subplots(figsize=(6, 3))
    labels = ["2B(1) Older people (65+) still at home 91 days after discharge into reablement", "3A Users"]
    ax.scatter([10, 20], [0, 1])
    ax.set_yticks([0, 1])
    plots.fit_tick_labels(ax, labels, 1.5, fontsize=8, lines=2)
    shown = [t.get_text() for t in ax.get_yticklabels()]
    assert shown[1] == "3A Users" and "\n" in shown[0] and _words_kept(shown[0], labels[0])
    assert f"2 areas from {labels[0]} to 3A Users" in plots.describe(fig)
