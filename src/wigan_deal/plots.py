"""Shared seaborn/matplotlib figures with one colour scheme.

The focus area is always :data:`AREA_COLOUR`, England always :data:`ENGLAND_COLOUR` (near-black),
comparator groups take the next colours of :data:`GROUP_COLOURS` in order. Every function takes
``ax=None`` (creates a figure) and returns the Axes (or array of Axes).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from contextlib import contextmanager

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.font_manager import FontProperties

from wigan_deal import config, figure_modes, fmt

AREA_COLOUR = "#c0392b"
ENGLAND_COLOUR = "#222222"
GROUP_COLOURS = ("#2e86c1", "#27ae60", "#8e44ad", "#d68910", "#7f8c8d")
BACKGROUND_COLOUR = "#c8c8c8"
VINTAGE_PALETTE = "viridis"


def _axes(ax, figsize=(6.4, 4)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def colour_map(area_code: str, others: Sequence[str]) -> dict[str, str]:
    """Colour of every series key: area, England, then comparator groups in order."""
    out = {area_code: AREA_COLOUR, config.ENGLAND: ENGLAND_COLOUR, "England": ENGLAND_COLOUR}
    i = 0
    for key in others:
        if key in out:
            continue
        out[key] = GROUP_COLOURS[i % len(GROUP_COLOURS)]
        i += 1
    return out


def _label(g: pd.DataFrame) -> str:
    name = str(g["area_name"].iloc[0]) if "area_name" in g.columns else str(g["area_code"].iloc[0])
    if "n_areas" in g.columns and pd.notna(g["n_areas"].max()) and g["n_areas"].max() > 1:
        name = f"{name}, n={int(g['n_areas'].max())}"
    return name


def trend_plot(frame: pd.DataFrame, area_code: str, ax=None, *, value: str = "value", title: str | None = None,
               ylabel: str | None = None, break_year: float | None = None) -> plt.Axes:
    """Lines over time (period midpoint), one per ``area_code`` in ``frame``; the focus area in
    :data:`AREA_COLOUR`, England black, others in group colours. Error bars where ``lower_ci`` /
    ``upper_ci`` exist. ``break_year`` draws a dotted vertical line."""
    ax = _axes(ax)
    keys = list(dict.fromkeys(frame["area_code"]))
    colours = colour_map(area_code, keys)
    order = [area_code] + [k for k in keys if k != area_code]
    for key in order:
        g = frame[frame["area_code"] == key].sort_values("time")
        if g.empty:
            continue
        focus = key == area_code
        kw = dict(color=colours[key], lw=2.4 if focus else 1.4, marker="o", ms=4 if focus else 3,
                  label=_label(g), zorder=3 if focus else 2)
        if {"lower_ci", "upper_ci"} <= set(g.columns) and g["lower_ci"].notna().any():
            err = np.vstack([g[value] - g["lower_ci"], g["upper_ci"] - g[value]])
            ax.errorbar(g["time"], g[value], yerr=err, capsize=2, **kw)
        else:
            ax.plot(g["time"], g[value], **kw)
    if break_year is not None:
        ax.axvline(break_year, color="#555555", ls=":", lw=1.2, label=f"break {break_year:g}")
    ax.set_xlabel("period midpoint (year)")
    if ylabel:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(fontsize=8, frameon=False)
    own = frame[frame["area_code"] == area_code].sort_values("time")
    names = [_label(frame[frame["area_code"] == k]) for k in order if (frame["area_code"] == k).any()]
    path = (f" {names[0]} goes from {fmt.rounded(own[value].iloc[0], missing='not available')} ({own['period'].iloc[0]}) to "
            f"{fmt.rounded(own[value].iloc[-1], missing='not available')} ({own['period'].iloc[-1]})." if len(own) and "period" in own else "")
    if own.empty:
        path = " The chosen area has no values in this series."
    _ax_alt(ax, f"Line chart{_titled(title)}: {ylabel or value} by period for {', '.join(names) or 'no series'}"
                + (f"; dotted line at the break year {break_year:g}" if break_year is not None else "") + "." + path)
    return ax


def _titled(title: str | None) -> str:
    return f" '{title}'" if title else ""


def _ax_alt(ax, text: str) -> None:
    ax._wigan_alt = text  # noqa: SLF001 - read by describe()


# --- titles and labels that fit their panel -----------------------------------------------------

#: What a fitted text ends with when its words do not all fit its lines (placed after a whole word).
ELLIPSIS = "…"


#: Resolutions a fitted text is measured at (the atlas's, the phone variant's, matplotlib's default, which the report
#: draws at): hinted to the pixel grid, a line's width in inches differs by up to ~8 % from one resolution to another
#: (9 pt, 4.07 inches at 720 dpi, 4.26 at 100), so it must fit at the widest of them.
MEASURED_DPIS = (72, 80, 100)


def text_width_inches(text: str, font: FontProperties | float) -> float:
    """Width (inches) of one line of ``text`` drawn in ``font`` (font properties or a size in points), the widest at
    any of :data:`MEASURED_DPIS`: the sum of its characters' hinted advances, which the line Agg draws never exceeds
    but by kerning (measured 0.1-0.5 % narrower on this project's titles and labels). Laying the line out instead
    costs ~1 ms a resolution; the advances are kept per character."""
    from matplotlib.font_manager import findfont

    prop = font if isinstance(font, FontProperties) else FontProperties(size=font)
    path, size = findfont(prop), prop.get_size_in_points()
    return max(sum(_advance(ch, path, size, dpi) for ch in text) for dpi in MEASURED_DPIS)


@functools.lru_cache(maxsize=8192)
def _advance(char: str, path: str, size: float, dpi: int) -> float:
    """Hinted advance (inches) of one character in the font file ``path`` at ``size`` points, drawn at ``dpi``."""
    from matplotlib.backends.backend_agg import get_hinting_flag
    from matplotlib.font_manager import get_font

    font = get_font(path)  # matplotlib's shared font object: its renderer sets the size again before each use
    font.set_size(size, dpi)
    return font.load_char(ord(char), flags=get_hinting_flag()).horiAdvance / 64 / dpi


def _most_words(words: Sequence[str], fits, end: str = "") -> int:
    """The most leading ``words`` that fit on one line followed by ``end`` (at least one): all of them (a short
    title or label: one measure), else found by bisection, as a line only widens as words are added."""
    if fits(" ".join(words) + end):
        return len(words)
    lo, hi = 1, len(words) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(" ".join(words[:mid]) + end):
            lo = mid
        else:
            hi = mid - 1
    return lo


def fit_text(text: str, width_inches: float, font: FontProperties | float, *, lines: int = 2) -> str:
    """``text`` broken at word boundaries into at most ``lines`` lines, each at most ``width_inches`` wide in
    ``font`` (measured with matplotlib's own font metrics). If the words need more lines, the last line ends at the
    last whole word that fits before :data:`ELLIPSIS`. Only a single word wider than a whole line is cut inside it."""
    if lines < 1 or width_inches <= 0:
        raise ValueError(f"fit_text needs at least one line of positive width (got lines={lines}, "
                         f"width_inches={width_inches}).")

    def fits(line: str) -> bool:
        return text_width_inches(line, font) <= width_inches

    words, out = text.split(), []
    while words and len(out) < lines:
        n = _most_words(words, fits)
        out.append(" ".join(words[:n]))
        words = words[n:]
    if not out:
        return ""
    if words:  # more words than lines: the last line ends in an ellipsis after a whole word
        last = out[-1].split(" ")
        out[-1] = " ".join(last[:_most_words(last, fits, ELLIPSIS)]) + ELLIPSIS
    for i, line in enumerate(out):  # a single word wider than its line (no boundary to break at): cut inside it
        while len(line) > 1 and not fits(line):
            line = line.removesuffix(ELLIPSIS)[:-1] + ELLIPSIS
        out[i] = line
    return "\n".join(out)


def _remember_full(ax, shown: str, full: str) -> None:
    """Keep the full text of a fitted title or label on its panel: :func:`describe` writes it into the alt text."""
    if shown != full:
        vars(ax).setdefault("_wigan_full_text", {})[shown] = full


def _full_text(ax, shown: str) -> str:
    """The full text of a title or label shown as ``shown`` (fitted by :func:`fit_title` or
    :func:`fit_tick_labels`), on one line."""
    return vars(ax).get("_wigan_full_text", {}).get(shown, shown.replace("\n", " "))


def panel_width_inches(ax) -> float:
    """The panel's width (inches) where it is now placed: before a tight layout, its place by the subplot
    parameters, narrower than after the layout (which trims the margins), so a text fitted to it fits both."""
    return ax.get_position().width * ax.figure.get_figwidth()


def _fit(ax, artist, full: str, width_inches: float, lines: int) -> None:
    """Show ``full`` in ``artist`` (a title or label of ``ax``) fitted to ``width_inches`` in its own font."""
    shown = fit_text(full, width_inches, artist.get_fontproperties(), lines=lines)
    artist.set_text(shown)
    _remember_full(ax, shown, full)


def fit_title(ax, text: str, *, fontsize: float | str | None = None, width_inches: float | None = None,
              lines: int = 2):
    """Set the panel's title to ``text`` fitted to its width (:func:`fit_text`; ``width_inches`` defaults to
    :func:`panel_width_inches`), so it never runs into a neighbour's. The alt text keeps the whole title; a title
    shortened before the figure is laid out gets the room of its laid-out panel from :func:`fit_titles_to_layout`."""
    title = ax.set_title(text, **({} if fontsize is None else {"fontsize": fontsize}))
    _fit(ax, title, text, width_inches or panel_width_inches(ax), lines)
    ax._wigan_title = (title.get_text(), text)  # noqa: SLF001 - (shown, whole): refitted by fit_titles_to_layout
    return title


def fit_titles_to_layout(fig, *, lines: int = 2) -> None:
    """Refit the titles set by :func:`fit_title` to their panels' widths once the figure is laid out tightly (wider
    than before: the layout trims the margins), so a title takes no more lines, and loses no more words, than it
    must. Costs one tight layout (~0.1 CPU-s for a 9-panel figure), only when a title was wrapped or shortened. The
    horizontal layout does not depend on titles no wider than their panels, so the widths hold when it is drawn."""
    from matplotlib.layout_engine import TightLayoutEngine

    fitted = [(ax, full) for ax in fig.axes
              if (shown_full := vars(ax).get("_wigan_title")) and shown_full[0] == ax.get_title()
              for full in shown_full[1:]]
    if all(ax.get_title() == full for ax, full in fitted):  # every title whole on one line: nothing to gain
        return
    with _panels_measured_once(fig):
        TightLayoutEngine().execute(fig)
    for ax, full in fitted:
        _fit(ax, ax.title, full, panel_width_inches(ax), lines)
        ax._wigan_title = (ax.get_title(), full)  # noqa: SLF001


def fit_xlabel(ax, text: str, *, width_inches: float | None = None, lines: int = 2):
    """Set the x-axis label to ``text`` fitted to the panel's width (:func:`fit_title`'s rule)."""
    label = ax.set_xlabel(text)
    _fit(ax, label, text, width_inches or panel_width_inches(ax), lines)
    return label


def fit_tick_labels(ax, labels: Sequence[str], width_inches: float, *, fontsize: float = 8, lines: int = 2) -> None:
    """Set the y tick labels to ``labels``, each fitted to ``width_inches`` (:func:`fit_text`: broken at word
    boundaries, never mid-word); the alt text keeps the whole labels."""
    shown = [fit_text(text, width_inches, fontsize, lines=lines) for text in labels]
    ax.set_yticklabels(shown, fontsize=fontsize)
    for s, text in zip(shown, labels, strict=True):
        _remember_full(ax, s, text)


def whole_years(ax) -> None:
    """Ticks of a year x axis at whole years only (never 2016.5 or 2016.25 between them)."""
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def change_plot(table: pd.DataFrame, area_code: str, ax=None, *, sex: str | None = None,
                value: str = "change", title: str | None = None, xlabel: str = "change") -> plt.Axes:
    """Horizontal dot plot of one change per area (sorted), with CI whiskers where ``<value>_lower``
    / ``<value>_upper`` exist; the focus area and England coloured, others grey."""
    ax = _axes(ax, figsize=(6, max(3, 0.26 * len(table) + 1)))
    t = table if sex is None else table[table["sex"] == sex]
    t = t.dropna(subset=[value]).sort_values(value).reset_index(drop=True)
    colours = [AREA_COLOUR if c == area_code else ENGLAND_COLOUR if c == config.ENGLAND else BACKGROUND_COLOUR
               for c in t["area_code"]]
    y = np.arange(len(t))
    lo, hi = f"{value}_lower", f"{value}_upper"
    if lo in t.columns and hi in t.columns:
        focus = t["area_code"].isin([area_code, config.ENGLAND]).to_numpy()
        err = np.vstack([t[value] - t[lo], t[hi] - t[value]])
        ax.errorbar(t[value][focus], y[focus], xerr=err[:, focus], fmt="none", ecolor="#777777", capsize=2)
    ax.scatter(t[value], y, c=colours, s=[60 if c in (area_code, config.ENGLAND) else 25 for c in t["area_code"]],
               zorder=3)
    ax.set_yticks(y)
    ax.set_yticklabels(t["area_name"], fontsize=9)
    ax.axvline(0, color="#555555", lw=0.8)
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title)
    text = f"Dot plot{_titled(title)}: {xlabel} for {len(t)} areas, sorted from {fmt.rounded(t[value].min(), missing='not available')} to {fmt.rounded(t[value].max(), missing='not available')}."
    for code in (area_code, config.ENGLAND):
        hit = t.index[t["area_code"] == code]
        if len(hit):
            text += f" {t.loc[hit[0], 'area_name']}: {fmt.rounded(t.loc[hit[0], value], missing='not available')} (position {hit[0] + 1} from the lowest)."
    _ax_alt(ax, text)
    return ax


def vintage_plot(frame: pd.DataFrame, area_code: str, ax=None, *, title: str | None = None) -> plt.Axes:
    """The same indicator in every vintage: one line per (area, vintage), never joined across
    vintages. The focus area solid, England dashed; vintages coloured from :data:`VINTAGE_PALETTE`."""
    ax = _axes(ax, figsize=(8, 4.5))
    vintages = sorted(frame["vintage"].unique())
    palette = dict(zip(vintages, sns.color_palette(VINTAGE_PALETTE, len(vintages)), strict=True))
    for (code, vintage), g in frame.groupby(["area_code", "vintage"]):
        g = g.sort_values("time")
        focus = code == area_code
        ax.plot(g["time"], g["value"], ls="-" if focus else "--", marker="o" if focus else None, ms=3,
                color=palette[vintage], lw=1.8 if focus else 1.0,
                label=f"{g['area_name'].iloc[0]} ({vintage})")
    ax.set_xlabel("period midpoint (year)")
    if title:
        ax.set_title(title)
    ax.legend(fontsize=7, frameon=False, ncol=2)
    names = list(dict.fromkeys(frame["area_name"]))
    _ax_alt(ax, f"Line chart{_titled(title)}: one line per data vintage ({', '.join(vintages)}) for "
                f"{' and '.join(names)}; values from {fmt.rounded(frame['value'].min(), missing='not available')} to {fmt.rounded(frame['value'].max(), missing='not available')}.")
    return ax


def finance_plot(table: pd.DataFrame, area_code: str, ax=None, *, value: str = "index",
                 title: str | None = None, ylabel: str | None = None) -> plt.Axes:
    """Finance lines by financial year from :func:`wigan_deal.studies.asc_finance.finance_table` (``value``:
    'index', 'per_head_gbp' or 'value_gbp000'); area, England and comparator groups."""
    ax = _axes(ax)
    keys = list(dict.fromkeys(table["area_code"]))
    colours = colour_map(area_code, keys)
    years = list(dict.fromkeys(table.sort_values("period_start")["financial_year"]))
    pos = {y: i for i, y in enumerate(years)}
    for key in keys:
        g = table[table["area_code"] == key].sort_values("period_start")
        focus = key == area_code
        ax.plot(g["financial_year"].map(pos), g[value], marker="o", ms=4 if focus else 3, lw=2.4 if focus else 1.4,
                color=colours[key], label=str(g["area_name"].iloc[0]), zorder=3 if focus else 2)
    ax.set_xticks(range(len(years)))
    ax.set_xticklabels(years, rotation=45, ha="right", fontsize=8)
    if value == "index":
        ax.axhline(100, color="#555555", lw=0.8)
    ax.set_ylabel(ylabel or value)
    if title:
        ax.set_title(title)
    ax.legend(fontsize=8, frameon=False)
    own = table[table["area_code"] == area_code].sort_values("period_start")
    text = (f"Line chart{_titled(title)}: {ylabel or value} by financial year ({years[0]} to {years[-1]}) for "
            f"{', '.join(str(table.loc[table['area_code'] == k, 'area_name'].iloc[0]) for k in keys)}.") if years else \
        "Empty chart: no financial years."
    if len(own):
        text += (f" {own['area_name'].iloc[0]}: {fmt.rounded(own[value].iloc[0], missing='not available')} in {own['financial_year'].iloc[0]}, "
                 f"{fmt.rounded(own[value].iloc[-1], missing='not available')} in {own['financial_year'].iloc[-1]}.")
    _ax_alt(ax, text)
    return ax


def coverage_heatmap(table: pd.DataFrame, ax=None, *, title: str | None = None) -> plt.Axes:
    """Heatmap of a (row x period) coverage table of counts (0 = no data: a blank cell, so a series the area lacks
    is a blank row)."""
    ax = _axes(ax, figsize=(max(6, 0.45 * table.shape[1] + 3), max(2.5, 0.4 * table.shape[0] + 1)))
    with _tick_labels_measured_not_drawn():
        mesh = sns.heatmap(table, ax=ax, cmap="Blues", cbar=False, linewidths=0.5, linecolor="white").collections[-1]
    if table.shape[1] <= 30:
        _cell_labels(ax, mesh, table.map(lambda n: "" if n == 0 else fmt.number(n, 0)).to_numpy(), fontsize=7)
    ax.set_xlabel("period start year")
    ax.set_ylabel("")
    if title:
        ax.set_title(title)
    filled = int((table.sum(axis=1) > 0).sum()) if len(table) else 0
    _ax_alt(ax, f"Heatmap{_titled(title)}: number of values per series ({len(table)} rows) and period start year "
                f"({table.columns.min() if len(table.columns) else ''} to {table.columns.max() if len(table.columns) else ''});"
                f" {filled} of {len(table)} series have data"
                + (f"; no data in: {', '.join(map(str, table.index[table.sum(axis=1) == 0]))}" if filled < len(table) else "")
                + ".")
    return ax


@contextmanager
def _tick_labels_measured_not_drawn():
    """Within it, seaborn's heatmap lays out its tick labels instead of drawing the whole figure: it draws (and
    renders) the figure once only to measure the labels and turn them if they overlap (~0.17 CPU-s for the
    coverage heatmap). Laying out the ticks (``Axis.get_majorticklabels``, as a draw does) gives the same boxes,
    hence the same decision and the same image (``tests/test_plots.py`` compares the pixels with seaborn's own).
    Without seaborn's private ``_draw_figure`` (another seaborn version) seaborn draws as it does by itself."""
    import seaborn.matrix

    drawn = getattr(seaborn.matrix, "_draw_figure", None)
    if drawn is not None:
        seaborn.matrix._draw_figure = _lay_out_tick_labels  # noqa: SLF001
    try:
        yield
    finally:
        if drawn is not None:
            seaborn.matrix._draw_figure = drawn  # noqa: SLF001


def _lay_out_tick_labels(fig) -> None:
    """Place every tick label of ``fig`` where a draw would (what their boxes are measured from), drawing nothing."""
    for ax in fig.axes:
        ax.xaxis.get_majorticklabels()
        ax.yaxis.get_majorticklabels()


def _cell_labels(ax, mesh, labels: np.ndarray, fontsize: float) -> None:
    """Write ``labels`` (one string per cell, row by row) into a seaborn heatmap's cells as its ``annot`` does
    (centred; dark grey on a light cell, white on a dark one; a masked cell none), built directly: seaborn makes
    every text through ``Axes.text`` and its setters, an empty one too (~0.15 CPU-s for the coverage heatmap's
    888 cells). An empty label makes no text (it draws nothing), so the image is the same. The counts sit inside
    their cells: left out of tight boxes and layouts (savefig's, tight_layout's), which would measure each."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox, TransformedBbox
    from seaborn.utils import relative_luminance

    mesh.update_scalarmappable()
    rows, cols = labels.shape
    masked = np.ma.getmaskarray(mesh.get_array()).reshape(rows, cols)
    faces = mesh.get_facecolors()
    font = FontProperties(size=fontsize)
    clip = TransformedBbox(Bbox.unit(), ax.patch.get_transform())  # what Axes.text's clip path sets (clip_on is off)
    colour_of: dict[tuple, str] = {}  # seaborn's rule, once per distinct cell colour
    for i, (row, col) in enumerate(np.ndindex(rows, cols)):
        if masked[row, col] or labels[row, col] == "":
            continue
        face = tuple(faces[i])
        if face not in colour_of:
            colour_of[face] = ".15" if relative_luminance(face) > .408 else "w"
        text = Text(col + .5, row + .5, labels[row, col], color=colour_of[face], verticalalignment="center",
                    horizontalalignment="center", fontproperties=font)
        text.set_transform(ax.transData)
        text.set_clip_on(False)
        text.set_clip_box(clip)
        text.set_in_layout(False)
        ax._add_text(text)  # noqa: SLF001 - what Axes.text adds it with


def rank_plot(values: pd.Series, treated_value: float, ax=None, *, label: str = "area",
              xlabel: str = "estimate", title: str | None = None) -> plt.Axes:
    """Histogram of a placebo distribution with the focus area's value marked in its colour."""
    ax = _axes(ax)
    ax.hist(np.asarray(values, dtype=float), bins=30, color=BACKGROUND_COLOUR, edgecolor="white", label="all areas")
    ax.axvline(treated_value, color=AREA_COLOUR, lw=2.2, label=label)
    ax.axvline(0, color="#555555", lw=0.8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("areas")
    if title:
        ax.set_title(title)
    ax.legend(fontsize=8, frameon=False)
    v = np.asarray(values, dtype=float)
    _ax_alt(ax, f"Histogram{_titled(title)}: {xlabel} across {len(v)} areas (from {fmt.rounded(np.nanmin(v), missing='not available')} to "
                f"{fmt.rounded(np.nanmax(v), missing='not available')}), with {label} marked at {fmt.rounded(treated_value, missing='not available')}.")
    return ax



# --- alt text -----------------------------------------------------------------------------------

#: Figures at least this wide (inches) are marked 'wide': on phones they keep legible text and scroll
#: inside their own box (report CSS) instead of shrinking.
WIDE_INCHES = 9.0


#: Width (inches) of the stacked phone variant of a multi-panel figure; each panel keeps its aspect ratio
#: (capped at PHONE_PANEL_MAX_INCHES tall).
PHONE_INCHES = 6.0
PHONE_PANEL_MAX_INCHES = 4.5
#: Resolution of the phone variant: 480 px wide, more than a 390 px phone column, at a modest file size.
PHONE_DPI = 80

#: How displayed figures are rendered (:mod:`wigan_deal.figure_modes`, which holds the mode): "both" (a report:
#: every figure once at its own size, and a wide one again as its phone variant, the page choosing by screen
#: width), "single" (reader-page variants: every figure ONCE; a wide one with panels side by side only as its
#: stacked phone variant, shown on desktops and phones alike; a wide one with one column of panels only at its own
#: size, scrolling sideways on phones) or "headline" (the atlas: as "single", but only HEADLINE figures, see
#: :func:`headline`, are drawn; every other figure is left out with a one-line note, :func:`left_out_note`, and a
#: study's plot method does not even build it). Set in the kernel by
#: :func:`wigan_deal.report.kernels.warm_kernel`, never by a notebook.
FIGURE_MODES = figure_modes.FIGURE_MODES
set_figure_mode = figure_modes.set_figure_mode
figure_mode = figure_modes.figure_mode


def headline(*figures) -> None:
    """Mark ``figures`` as headline figures: the figure of a notebook's primary estimate, drawn in every figure
    mode, also on atlas pages ("headline" mode, where every other figure is left out)."""
    for fig in figures:
        fig._wigan_headline = True


def left_out(fig=None) -> bool:
    """Whether a figure (``fig``; or any figure not yet built, when ``None``) is left out in the current figure
    mode: in "headline" mode every figure not marked by :func:`headline`."""
    return figure_mode() == "headline" and not getattr(fig, "_wigan_headline", False)


def left_out_note() -> str:
    """The markdown shown where a figure is left out ("headline" mode: atlas pages), naming the command that
    draws it; the area is the notebook's ``area_code`` parameter when IPython runs it."""
    area = "CODE"
    try:
        from IPython import get_ipython

        shell = get_ipython()
        area = str(shell.user_ns.get("area_code", area)) if shell is not None else area
    except ImportError:  # pragma: no cover - IPython is a dependency
        pass
    return ("*Atlas pages draw only each notebook's headline figure; any other figure here is in the council's full "
            f"report: `wigan-deal report --area {area}`.*")


def show_left_out_note() -> None:
    """Display :func:`left_out_note` (markdown) where a figure is left out."""
    from IPython.display import Markdown, display

    display(Markdown(left_out_note()))


def figure_method(*, is_headline: bool = False):
    """Decorate a method or function that builds a figure: its new figures are marked :func:`headline` when
    ``is_headline``; otherwise, in "headline" mode, it builds nothing, displays :func:`left_out_note` instead
    and returns ``None``."""

    def decorate(build):
        @functools.wraps(build)
        def built(*args, **kwargs):
            if not is_headline and left_out():
                show_left_out_note()
                return None
            before = set(plt.get_fignums())
            out = build(*args, **kwargs)
            if is_headline:
                headline(*(plt.figure(n) for n in plt.get_fignums() if n not in before))
            return out

        built._wigan_figure = True
        return built

    return decorate


def _panel_cells(fig) -> list[tuple[int, int]] | None:
    """Grid cells (row, column) of the figure's visible panels in reading order, or ``None`` when a panel
    is not on a grid (a colour bar, an inset) and the figure cannot be restacked."""
    cells, grids = [], set()
    for ax in fig.get_axes():
        if not ax.get_visible():
            continue
        spec = ax.get_subplotspec()
        if spec is None:
            return None
        grids.add(id(spec.get_gridspec()))
        cells.append((spec.rowspan.start, spec.colspan.start))
    return sorted(set(cells)) if len(grids) == 1 else None


#: Inches drawn around a displayed figure on every side, for what lies beyond its edges (long tick labels, a
#: legend outside the panel): the image is then cropped to what was drawn (see :func:`_save_png`). A figure's tick
#: labels can reach inches past its left edge (notebook 07's pathway labels reached 2.2 before that figure was laid
#: out tightly); a wider margin costs next to nothing (a few ms).
MARGIN_INCHES = 4.0

#: zlib level of displayed PNGs: 3 encodes a council's figures in two thirds of the time of Pillow's default (6),
#: and into slightly smaller files (measured on a council's 31 figures: 1.85 MB against 1.92 MB).
PNG_OPTIONS = {"compress_level": 3}


@contextmanager
def _panels_measured_once(fig):
    """Within it, each panel of ``fig`` measures its tight box (its extent with tick labels, titles, legend) once
    and gives the same box when asked again. A tight layout into a rectangle (a tight layout engine's default
    ``rect=(0, 0, 1, 1)``, a phone variant's room for the suptitle) measures every panel twice, at the same place:
    once for the margins, again to fit them into the rectangle. The second measure is the first (nothing moves in
    between), so the layout is the same, for half the work (~0.1 CPU-s for a 9-panel figure). Only for a layout:
    a panel moved or changed inside it would be measured where it was."""
    measured: dict = {}
    axes = list(fig.axes)

    def once(ax):
        measure = ax.get_tightbbox

        def get_tightbbox(*args, **kwargs):
            key = (id(ax), args, tuple(sorted(kwargs.items())))
            try:
                hash(key)
            except TypeError:  # e.g. a list of extra artists: measured each time
                return measure(*args, **kwargs)
            if key not in measured:
                measured[key] = measure(*args, **kwargs)
            return measured[key]

        return get_tightbbox

    own = {ax: vars(ax).get("get_tightbbox") for ax in axes}  # a panel's own method, if one was set on it
    for ax in axes:
        ax.get_tightbbox = once(ax)
    try:
        yield
    finally:
        for ax, method in own.items():
            if method is None:
                del ax.get_tightbbox
            else:
                ax.get_tightbbox = method


def _save_png(fig, dpi: float | None) -> bytes:
    """PNG bytes of ``fig`` cropped like ``savefig(bbox_inches="tight")`` (to what is drawn, padded by
    :rc:`savefig.pad_inches`), from ONE draw where savefig makes two: it draws once without rendering and
    measures every tick label, title and legend only to find its box, then draws for real. Here the figure is
    drawn once with :data:`MARGIN_INCHES` around it (for what lies beyond its edges: long tick labels, a legend
    outside its panel) and the image is cut to the drawn pixels, padded. The crop is to ink, not to the artists'
    boxes, so an image can be a few pixels smaller than savefig's, and trailing empty panels (switched off) are
    not kept as blank space. A tight layout engine (``fig.set_layout_engine("tight")``) is run first, as
    savefig's first draw runs it. A figure drawn beyond the margin (ink at the canvas's edge, or a legend
    placed past it), with another layout engine or a located panel (an inset, a colour bar), or on a canvas
    other than Agg, is saved by savefig's own way. Not caught: an artist other than a legend placed wholly
    further than the margin beyond the figure's edge, with nothing drawn in between (no figure here does that)."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.layout_engine import PlaceHolderLayoutEngine, TightLayoutEngine

    dpi = dpi or fig.dpi
    colours = {"facecolor": fig.get_facecolor(), "edgecolor": fig.get_edgecolor()}
    engine = fig.get_layout_engine()
    handled = engine is None or (isinstance(engine, (PlaceHolderLayoutEngine, TightLayoutEngine))
                                 and not plt.rcParams["figure.autolayout"]
                                 and not plt.rcParams["figure.constrained_layout.use"])

    def savefig_tight() -> bytes:
        out = io.BytesIO()
        fig.savefig(out, format="png", dpi=dpi, bbox_inches="tight", **colours, pil_kwargs=PNG_OPTIONS)
        return out.getvalue()

    if not handled or not isinstance(fig.canvas, FigureCanvasAgg) or any(ax.get_axes_locator() for ax in fig.axes):
        return savefig_tight()
    from matplotlib import colors, image
    from matplotlib.transforms import Bbox

    width, height = fig.get_size_inches()
    around = Bbox.from_extents(-MARGIN_INCHES, -MARGIN_INCHES, width + MARGIN_INCHES, height + MARGIN_INCHES)
    buf, own_dpi = io.BytesIO(), fig.dpi
    try:
        fig.set_dpi(dpi)  # laid out at the resolution drawn, as savefig does
        if isinstance(engine, TightLayoutEngine):
            with _panels_measured_once(fig):
                engine.execute(fig)
        if engine is not None:
            fig.set_layout_engine(None)  # savefig would otherwise draw once more, for the engine
        fig.savefig(buf, format="rgba", dpi=dpi, bbox_inches=around, **colours)
    finally:
        fig.set_dpi(own_dpi)
        if engine is not None:
            fig.set_layout_engine(engine)
    # the canvas's size in pixels: the inches times dpi rounded down, or up from a hair below a whole number (as
    # matplotlib >= 3.10 counts 1639.9999... pixels)
    drawn = np.frombuffer(buf.getbuffer(), dtype=np.uint32)
    sizes = [{int(v), int(v + 1e-6)} for v in (around.height * dpi, around.width * dpi)]
    shape = next(((r, c) for r in sizes[0] for c in sizes[1] if r * c == len(drawn)), None)
    if shape is None:  # not the canvas expected
        return savefig_tight()
    rows, cols = shape
    face = np.round(np.asarray(colors.to_rgba(colours["facecolor"]) if fig.patch.get_visible() else (0, 0, 0, 0)) * 255)
    background = face.astype(np.uint8).view(np.uint32)[0]
    drawn = drawn.reshape(rows, cols)
    ink = drawn != background
    ink_rows, ink_cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    legends = [leg for leg in (*(ax.get_legend() for ax in fig.axes), *fig.legends) if leg and leg.get_visible()]
    lost = any(not (0 <= box.x0 and box.x1 <= cols and 0 <= box.y0 and box.y1 <= rows)  # where each was drawn
               for box in (leg.legendPatch.get_bbox() for leg in legends))
    if (lost or drawn[0, 0] != background or not len(ink_rows)
            or ink_rows[0] == 0 or ink_cols[0] == 0 or ink_rows[-1] == rows - 1 or ink_cols[-1] == cols - 1):
        return savefig_tight()  # drawn beyond the margin (or nothing drawn)
    pad = round(plt.rcParams["savefig.pad_inches"] * dpi)
    top, bottom = max(ink_rows[0] - pad, 0), min(ink_rows[-1] + 1 + pad, rows)
    left, right = max(ink_cols[0] - pad, 0), min(ink_cols[-1] + 1 + pad, cols)
    png = io.BytesIO()
    image.imsave(png, drawn[top:bottom, left:right].copy().view(np.uint8).reshape(bottom - top, right - left, 4),
                 format="png", dpi=dpi, pil_kwargs=PNG_OPTIONS)
    return png.getvalue()


def _inline_png(fig, inner):
    """What the inline backend's PNG formatter ``inner`` returns for ``fig``: the stock one (IPython's
    ``print_figure``, PNG in base64 cropped with ``bbox_inches='tight'``) by :func:`_save_png`, the same crop
    from one draw instead of two; any other (e.g. other ``InlineBackend.print_figure_kwargs``) by itself."""
    import base64

    from IPython.core.pylabtools import print_figure

    if getattr(inner, "func", None) is not print_figure or getattr(inner, "args", None) or \
            inner.keywords not in ({"fmt": "png", "base64": True}, {"fmt": "png", "base64": True, "bbox_inches": "tight"}):
        return inner(fig)
    if not fig.axes and not fig.lines:  # as print_figure: nothing for an empty figure
        return None
    return base64.b64encode(_save_png(fig, fig.dpi)).decode("ascii")


def narrow_png(fig, dpi: float | None = None) -> bytes | None:
    """PNG bytes of the figure redrawn at phone width (:data:`PHONE_INCHES`, same height): the variant of a
    wide figure that cannot be restacked (one column of panels, a colour bar). The figure is restored."""
    size, params, engine = fig.get_size_inches().copy(), _subplot_params(fig), fig.get_layout_engine()
    saved = [(ax, ax.get_position()) for ax in fig.get_axes()]
    try:
        fig.set_size_inches(PHONE_INCHES, size[1])
        fig.tight_layout()
        return _save_png(fig, dpi)
    except Exception:  # noqa: BLE001 - a phone variant must never break the figure itself
        return None
    finally:
        _restore_layout(fig, size, params, engine)
        for ax, pos in saved:
            ax.set_position(pos)


def _subplot_params(fig) -> dict[str, float]:
    """The figure's subplot parameters, which ``tight_layout`` changes: restored after a phone variant, so that
    the next one (the figure shown again) starts from the same layout and comes out the same."""
    return {k: getattr(fig.subplotpars, k) for k in ("left", "bottom", "right", "top", "wspace", "hspace")}


def _restore_layout(fig, size, params: dict[str, float], engine) -> None:
    """Put back the size, subplot parameters and layout engine a phone variant's ``tight_layout`` changed."""
    fig.set_size_inches(size)
    if _subplot_params(fig) != params:
        fig.subplots_adjust(**params)
    if engine is not None and fig.get_layout_engine() is not engine:
        fig.set_layout_engine(engine)


def phone_png(fig, dpi: float | None = None) -> bytes | None:
    """The phone variant of a wide figure: its panels stacked in one column, else the figure at phone width."""
    return stacked_png(fig, dpi) or narrow_png(fig, dpi)


def stacked_png(fig, dpi: float | None = None) -> bytes | None:
    """PNG bytes of a figure with panels side by side redrawn as ONE column of single panels (the phone
    variant), or ``None`` if it has a single column of panels or panels off the grid. The figure is
    restored afterwards."""
    cells = _panel_cells(fig)
    if not cells or len({c for _, c in cells}) < 2:
        return None
    grid = fig.get_axes()[0].get_subplotspec().get_gridspec()
    nrows, ncols = grid.get_geometry()
    size, params, engine = fig.get_size_inches().copy(), _subplot_params(fig), fig.get_layout_engine()
    saved = [(ax, ax.get_subplotspec(), ax.get_position()) for ax in fig.get_axes()]
    # panels that shared an axis with a neighbour had its tick labels hidden ('label_outer'); alone, each shows them
    # (read from the tick parameters: asking for the tick labels would lay out every tick at the old size)
    labels = {ax: (ax.xaxis.get_tick_params().get("labelbottom", True), ax.yaxis.get_tick_params().get("labelleft", True))
              for ax, spec, _ in saved if spec is not None and spec.get_gridspec() is grid}
    panel_h = min(size[1] / nrows * PHONE_INCHES / (size[0] / ncols), PHONE_PANEL_MAX_INCHES)
    column = fig.add_gridspec(len(cells), 1)
    index = {cell: i for i, cell in enumerate(cells)}
    try:
        for ax, spec, _ in saved:
            if spec is not None:
                ax.set_subplotspec(column[index[(spec.rowspan.start, spec.colspan.start)], 0])
        for ax in labels:
            if ax.get_frame_on() and ax.axison:
                ax.tick_params(labelbottom=True, labelleft=ax.yaxis.get_label_position() == "left")
        height = panel_h * len(cells) + 0.4
        fig.set_size_inches(PHONE_INCHES, height)
        with _panels_measured_once(fig):
            fig.tight_layout(rect=(0, 0, 1, 1 - 0.4 / height) if fig._suptitle else None)  # noqa: SLF001
        return _save_png(fig, dpi)
    except Exception:  # noqa: BLE001 - a phone variant must never break the figure itself
        return None
    finally:
        _restore_layout(fig, size, params, engine)
        for ax, spec, pos in saved:
            if spec is not None:
                ax.set_subplotspec(spec)
            ax.set_position(pos)
        for ax, (bottom, left) in labels.items():
            if ax.get_frame_on() and ax.axison:
                ax.tick_params(labelbottom=bottom, labelleft=left and ax.yaxis.get_label_position() == "left")


#: PNGs (with their metadata) of figures marked by :func:`same_for_every_area`, by key, mode, dpi and size:
#: kept for the life of the kernel, so an atlas worker draws such a figure once, not once per council.
_rendered_once: dict[tuple, tuple] = {}


def same_for_every_area(fig_or_ax, key: str):
    """Mark a figure whose image is the same whatever the area (e.g. the coverage study): displayed again in
    this kernel (the next council of an atlas worker) with the same ``key``, size, dpi and figure mode, its
    PNG is reused instead of drawn again. ``key`` must name everything drawn, e.g. include a hash of the
    data. Returns the figure."""
    fig = fig_or_ax.figure if hasattr(fig_or_ax, "figure") and not isinstance(fig_or_ax, plt.Figure) else fig_or_ax
    fig._wigan_same = str(key)  # noqa: SLF001 - read back by the PNG formatter
    return fig


def alt_text(fig_or_ax, text: str):
    """Attach a written description to a figure (or an Axes' figure); it becomes the image's alt text
    in the HTML report. Returns the figure. Without one, :func:`describe` writes it from the figure."""
    fig = fig_or_ax.figure if hasattr(fig_or_ax, "figure") and not isinstance(fig_or_ax, plt.Figure) else fig_or_ax
    fig._wigan_alt = str(text)  # noqa: SLF001 - read back by describe()
    return fig


def _data_lines(ax) -> list:
    """Lines that carry data (not reference lines drawn with axvline/axhline)."""
    out = []
    for line in ax.lines:
        x, y = np.asarray(line.get_xdata(), dtype=object), np.asarray(line.get_ydata(), dtype=object)
        if len(x) <= 2 and (len(set(map(str, x))) == 1 or len(set(map(str, y))) == 1):
            continue
        out.append(line)
    return out


def _describe_axes(ax) -> str:
    title = _full_text(ax, ax.get_title() or (ax.figure._suptitle.get_text() if getattr(ax.figure, "_suptitle", None) else ""))
    if _data_lines(ax):
        kind = "line chart"
    elif any(type(c).__name__ == "QuadMesh" for c in ax.collections) or ax.images:
        kind = "heatmap"
    elif ax.patches:
        kind = "histogram" if len(ax.patches) > 5 else "bar chart"
    elif ax.collections:
        kind = "dot plot"
    else:
        kind = "chart"
    parts = [f"{kind.capitalize()}" + (f" titled '{title}'" if title else "")]
    x, y = _full_text(ax, ax.get_xlabel()), _full_text(ax, ax.get_ylabel())
    lo, hi = ax.get_xlim()
    if x:
        parts.append(f"x axis: {x} ({fmt.rounded(min(lo, hi), missing='not available')} to {fmt.rounded(max(lo, hi), missing='not available')})")
    lo, hi = ax.get_ylim()
    if y:
        parts.append(f"y axis: {y} ({fmt.rounded(min(lo, hi), missing='not available')} to {fmt.rounded(max(lo, hi), missing='not available')})")
    elif kind == "dot plot" and ax.get_yticklabels():
        names = [_full_text(ax, t.get_text()) for t in ax.get_yticklabels() if t.get_text()]
        if names:
            parts.append(f"{len(names)} areas from {names[0]} to {names[-1]}")
    legend = ax.get_legend()
    if legend is not None:
        labels = [t.get_text() for t in legend.get_texts() if t.get_text()]
        if labels:
            more = f" and {len(labels) - 8} more" if len(labels) > 8 else ""
            parts.append("series: " + "; ".join(labels[:8]) + more)
    return ", ".join(parts[:1]) + (". " + "; ".join(parts[1:]) if len(parts) > 1 else "") + "."


def describe(fig) -> str:
    """Alt text of ``fig``: the text given to :func:`alt_text`, else one sentence per visible panel
    (kind of chart, title, axes with their ranges, legend entries)."""
    given = getattr(fig, "_wigan_alt", None)
    if given:
        return given
    axes = [ax for ax in fig.get_axes() if ax.get_visible() and ax.axison and (ax.lines or ax.collections or ax.patches
                                                                               or ax.images or ax.texts)]
    if not axes:
        return "Empty figure (no data to draw)."
    texts = [getattr(ax, "_wigan_alt", None) or _describe_axes(ax) for ax in axes]
    if len(texts) == 1:
        return texts[0]
    return f"Figure with {len(texts)} panels. " + " ".join(f"Panel {i}: {t}" for i, t in enumerate(texts, 1))


def install_alt_text(shell=None) -> bool:
    """Make IPython attach :func:`describe` as alt text (and a 'wide' flag) to every matplotlib figure
    it displays as PNG (``%matplotlib inline``); a wide figure gets its phone variant too, or in the
    "single" :func:`figure_mode` is rendered once (see :data:`FIGURE_MODES`). The stock PNG (cropped with
    ``bbox_inches='tight'``) is drawn by :func:`_save_png`: the same crop from one draw instead of two.
    Re-applied before every cell, because ``%matplotlib inline`` re-installs the stock formatter. Returns False
    outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return False
    shell = shell or get_ipython()
    if shell is None:
        return False

    def ensure(*_args) -> None:
        formatter = shell.display_formatter.formatters["image/png"]
        try:
            current = formatter.lookup_by_type(plt.Figure)
        except KeyError:
            return
        if getattr(current, "_wigan_alt", False):
            return

        def png_with_alt(fig, _inner=current):
            if left_out(fig):  # shown as its note instead (markdown, below)
                return None
            same = getattr(fig, "_wigan_same", None)
            if same is None:
                return _png_and_metadata(fig, _inner)
            key = (same, figure_mode(), float(fig.dpi), tuple(float(x) for x in fig.get_size_inches()))
            if key not in _rendered_once:
                _rendered_once[key] = _png_and_metadata(fig, _inner)
            out = _rendered_once[key]
            return None if out is None else (out[0], dict(out[1]))

        def _png_and_metadata(fig, _inner):
            import base64

            wide = fig.get_figwidth() >= WIDE_INCHES
            if wide and figure_mode() != "both" and (fig.axes or fig.lines):
                stacked = stacked_png(fig, dpi=min(fig.dpi, PHONE_DPI))
                if stacked:  # the one image, for every screen (HTML class 'wd-stacked')
                    return base64.b64encode(stacked).decode("ascii"), {"alt": describe(fig), "stacked": True}
            out = _inline_png(fig, _inner)
            if out is None:
                return None
            data, md = out if isinstance(out, tuple) else (out, {})
            md = dict(md or {})
            md["alt"] = describe(fig)
            if wide and figure_mode() == "both":
                md["wide"] = True
                phone = phone_png(fig, dpi=min(fig.dpi, PHONE_DPI))
                if phone:
                    md["phone_png"] = base64.b64encode(phone).decode("ascii")
            elif wide:  # single mode, one column of panels: squeezed to phone width a heatmap's or a specification
                md["wide"] = True  # curve's labels collide, so the desktop image, scrolling in its box on phones
            return data, md

        png_with_alt._wigan_alt = True
        formatter.for_type(plt.Figure, png_with_alt)
        shell.display_formatter.formatters["text/markdown"].for_type(
            plt.Figure, lambda fig: left_out_note() if left_out(fig) else None)

    ensure()
    fmt.install_display(shell)
    if not getattr(shell, "_wigan_alt_hook", False):
        shell.events.register("pre_run_cell", ensure)
        shell._wigan_alt_hook = True
    return True


install_alt_text()


__all__ = [
    "AREA_COLOUR", "BACKGROUND_COLOUR", "ENGLAND_COLOUR", "GROUP_COLOURS", "change_plot", "colour_map",
    "coverage_heatmap", "finance_plot", "rank_plot", "trend_plot", "vintage_plot",
    "alt_text", "describe", "figure_mode", "install_alt_text", "narrow_png", "phone_png", "same_for_every_area",
    "set_figure_mode", "stacked_png", "headline", "left_out", "left_out_note", "figure_method", "show_left_out_note",
    "fit_text", "fit_tick_labels", "fit_title", "fit_titles_to_layout", "fit_xlabel", "panel_width_inches", "text_width_inches", "whole_years",
]
