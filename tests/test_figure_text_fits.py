"""Reader-facing text of notebook 06's claim panels and notebook 07's figures fits where it is drawn, on desktops and
in the phone variant: whole years on year axes, titles that never run into a neighbour's, labels broken only at word
boundaries, and alt text that keeps every title and label whole (Wigan's report, where each defect was seen)."""

import matplotlib

matplotlib.use("Agg")

import itertools  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from wigan_deal import claims, config, outcomes, plots  # noqa: E402
from wigan_deal import data as wd  # noqa: E402
from wigan_deal.studies import social_care, verdicts  # noqa: E402

#: pixels a drawn text may reach past its panel's box (anti-aliasing, rounding of the extents)
SLACK_PX = 1.0
#: what a shortened title or label ends with (plots.ELLIPSIS)
ELLIPSIS = "…"


def _drawn(fig):
    """Lay ``fig`` out as a draw does (its tight layout engine) and place its tick labels: every title and label
    where the drawn image has it (a third of a full draw's time)."""
    if fig.get_layout_engine() is not None:
        with plots._panels_measured_once(fig):
            fig.get_layout_engine().execute(fig)
    for ax in fig.axes:
        ax.xaxis.get_majorticklabels()
    return fig.canvas.get_renderer()


@pytest.fixture(scope="module")
def claim_panels():
    fig, skipped = verdicts.plot_series(config.WIGAN)
    assert not skipped
    renderer = _drawn(fig)
    yield fig, renderer
    plt.close(fig)


@pytest.fixture(scope="module")
def pathway():
    study = social_care.pathway_study(config.WIGAN, "Wigan")
    yield study
    plt.close("all")


@pytest.fixture(scope="module")
def measure_panels(pathway):
    fig = pathway.plot_measures()
    renderer = _drawn(fig)
    yield fig, renderer
    plt.close(fig)


def _panels(fig):
    return [ax for ax in fig.axes if ax.get_visible() and ax.axison]


def _title_problems(fig, renderer) -> list[str]:
    """Titles wider than their panel, on more than two lines, or overlapping another title."""
    problems, boxes = [], []
    for ax in _panels(fig):
        title, frame = ax.title.get_window_extent(renderer), ax.get_window_extent(renderer)
        if title.x0 < frame.x0 - SLACK_PX or title.x1 > frame.x1 + SLACK_PX:
            problems.append(f"title {ax.get_title()!r} ({title.x0:.0f}-{title.x1:.0f} px) is wider than its panel "
                            f"({frame.x0:.0f}-{frame.x1:.0f} px)")
        if ax.get_title().count("\n") > 1:
            problems.append(f"title {ax.get_title()!r} on more than two lines")
        boxes.append((ax.get_title(), title))
    problems += [f"titles overlap: {a!r} and {b!r}" for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2)
                 if box_a.overlaps(box_b)]
    return problems


def _phone_title_problems(fig, monkeypatch) -> list[str]:
    """:func:`_title_problems` of ``fig`` laid out as its phone variant (:func:`plots.stacked_png`), not saved."""
    seen = {}

    def look(fig, dpi):  # the phone variant has been laid out
        seen["width"] = fig.get_figwidth()
        seen["problems"] = _title_problems(fig, fig.canvas.get_renderer())
        return b"png"

    monkeypatch.setattr(plots, "_save_png", look)
    assert plots.stacked_png(fig, dpi=plots.PHONE_DPI) == b"png"
    assert seen["width"] == plots.PHONE_INCHES
    return seen["problems"]


def _whole_words(shown: str, full: str) -> bool:
    """``shown`` is ``full`` or its first words (then ending in an ellipsis), broken only between words."""
    words = shown.replace("\n", " ").split(" ")
    if words[-1].endswith(ELLIPSIS):
        words[-1] = words[-1].removesuffix(ELLIPSIS)
        return words == full.split(" ")[:len(words)] and len(words) < len(full.split(" "))
    return words == full.split(" ")


def test_claim_panels_tick_year_axes_at_whole_years_only(claim_panels):
    """Seen: 2016.0, 2016.5, ... (physical activity) and 2016.00, 2016.25, ... running into each other (school
    readiness)."""
    fig, _ = claim_panels
    for ax in _panels(fig):
        lo, hi = sorted(ax.get_xlim())
        ticks = [t for t in ax.get_xticks() if lo <= t <= hi]
        assert len(ticks) >= 2 and all(float(t).is_integer() for t in ticks), (ax.get_title(), ticks)
        labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
        assert labels and not [t for t in labels if "." in t], (ax.get_title(), labels)


def test_claim_panel_titles_fit_their_panels(claim_panels):
    """Seen: 'hle_gap_widening_before: A decade ago the gap between Wigan and England in healthy li...' ran into
    'premature_mortality: ...'. The claim id and its wording, broken at word boundaries into at most two lines."""
    fig, renderer = claim_panels
    assert not _title_problems(fig, renderer)
    register = {c.id: c for c in claims.load_register()}
    titles = [ax.get_title() for ax in _panels(fig)]
    for title in titles:
        cid = title.split(":")[0]
        assert _whole_words(title, f"{cid}: {register[cid].wording}"), title
    # the panel that cut the claim's key word before ('was widening') now has the room of its laid-out panel
    assert any(t.replace("\n", " ").endswith("was widening.") for t in titles), titles


def test_claim_panels_alt_text_keeps_each_wording_whole(claim_panels):
    fig, _ = claim_panels
    alt = plots.describe(fig)
    for ax in _panels(fig):
        cid = ax.get_title().split(":")[0]
        assert f"'{cid}: {claims.get_claim(cid).wording}'" in alt


def test_claim_panel_titles_fit_the_phone_variant(claim_panels, monkeypatch):
    fig, _ = claim_panels
    assert not _phone_title_problems(fig, monkeypatch)


def test_measure_panel_titles_fit_their_panels(measure_panels):
    """Seen: '2B(1): Older people (65+) still at home 91 days after discharge into reablement' ran into '2D: ...'."""
    fig, renderer = measure_panels
    assert not _title_problems(fig, renderer)
    for ax, code in zip(_panels(fig), outcomes.PATHWAY, strict=True):
        assert _whole_words(ax.get_title(), f"{code}: {wd.SOCIAL_CARE_MEASURES[code].title}"), ax.get_title()


def test_measure_panel_titles_fit_the_phone_variant(measure_panels, monkeypatch):
    fig, _ = measure_panels
    assert not _phone_title_problems(fig, monkeypatch)


def test_pathway_labels_break_at_word_boundaries_and_fit_a_phone(pathway):
    """Seen: '2B(1) Older people (65+) still at home 91 days after d', '1J Adjusted social care-related quality of
    life (im', and the figure (labels included) drawn 9.6 inches wide: its 8 pt labels ~4 px tall in a 390 px
    column. Now whole words, and no wider than a phone figure (the stacked variants' scale)."""
    ax = pathway.plot()
    fig = ax.figure
    full = [f"{m} {wd.SOCIAL_CARE_MEASURES[m].title}" for m in outcomes.PATHWAY]
    shown = [t.get_text() for t in ax.get_yticklabels()]
    assert len(shown) == len(full)
    for s, f in zip(shown, full, strict=True):
        assert _whole_words(s, f) and s.count("\n") <= 1, (s, f)
    import io

    from PIL import Image

    width_px = Image.open(io.BytesIO(plots._save_png(fig, 100))).size[0]
    assert width_px <= plots.PHONE_INCHES * 100, width_px
    renderer = _drawn(fig)
    frame = ax.get_window_extent(renderer)
    for text in (ax.title, ax.xaxis.label):  # the title and the axis label within the panel, whole
        box = text.get_window_extent(renderer)
        assert frame.x0 - SLACK_PX <= box.x0 and box.x1 <= frame.x1 + SLACK_PX, text.get_text()
    assert ax.get_title().replace("\n", " ") == ("Wigan: adult social care pathway at a glance (description, not "
                                                  "attribution)")
    alt = plots.describe(fig)
    assert full[0] in alt and full[-1] in alt
    plt.close(fig)
