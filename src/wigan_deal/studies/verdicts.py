"""The report's claims and their verdicts (notebook 06): the pre-specified rules of the claims register
(:mod:`wigan_deal.claims`) applied to one council, the amended rules' old verdicts beside the new, how often each
rule gives each verdict over all councils, the series behind each claim, and the same rules on later vintages."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import pandas as pd

from wigan_deal import claims, fmt, plots
from wigan_deal.studies.summary import EffectSummary, Study

#: the background colour of each verdict in the coloured tables
VERDICT_COLOURS = {"supported": "#e3f4e3", "partly supported": "#fdf4d8", "not supported": "#fbe3e3",
                   "not testable with these data": "#eeeeee", "too few to grade": "#eeeeee"}
PREVIOUS = "previous rule's verdict"
#: the verdict table's columns: recorded (``claims``) and shown (with ``claim_id``)
VERDICT_COLUMNS = ["claim", "verdict", PREVIOUS, "estimate", "lower", "upper", "unit", "evidence"]
AMENDMENT_COLUMNS = ["claim_id", "amended", "verdict (current rule)", "verdict (previous rule)", "reason"]
#: the later-vintage checks' columns: recorded (``later_checks``) and shown (with ``evidence``)
LATER_COLUMNS = ["claim_id", "check", "verdict", "estimate", "lower", "upper", "unit"]
#: how a coloured table's text columns are laid out
LEFT = {"text-align": "left", "white-space": "normal"}


def coloured(frame: pd.DataFrame) -> Any:
    """``frame`` as a pandas Styler: estimate and CI with two decimals (:func:`wigan_deal.fmt.number`, blank when
    missing), each verdict on its colour (:data:`VERDICT_COLOURS`), text left-aligned, no index."""
    two = functools.partial(fmt.number, digits=2, missing="")
    return (frame.style.format({c: two for c in ("estimate", "lower", "upper")}, na_rep="")
            .map(lambda v: f"background-color: {VERDICT_COLOURS.get(v, '')}", subset=["verdict"])
            .set_properties(**LEFT).hide(axis="index"))


@dataclass(frozen=True, eq=False, repr=False)
class VerdictsStudy(Study):
    """Every claim of the register graded for one council (:func:`wigan_deal.claims.evaluate`), with the verdict of
    the rule before its latest amendment beside amended claims."""

    area_code: str
    name: str
    table: pd.DataFrame

    def counts(self) -> pd.Series:
        return self.table["verdict"].value_counts()

    def summary(self) -> EffectSummary:
        text = "; ".join(f"**{n}** {v}" for v, n in self.counts().items()) + f" (of {len(self.table)} claims, {self.name})."
        return EffectSummary(self.table[["claim_id", *VERDICT_COLUMNS]], text)

    def record(self, rec: Any) -> None:
        rec.record_table("claims", self.table[VERDICT_COLUMNS])
        for verdict, n in self.counts().items():
            rec.record("n_" + verdict.replace(" ", "_"), int(n), unit="claims", label=f"Claims graded '{verdict}'")

    def styled(self) -> Any:
        """The verdict table coloured by verdict (:func:`coloured`)."""
        return coloured(self.summary().table)

    def amendments(self) -> AmendmentsStudy:
        """The amended claims: date, reason, the old rule's verdict beside the new."""
        return AmendmentsStudy(claims.amendments_table(self.table))

    def shares(self) -> SharesStudy:
        """How often each rule gives each verdict over every upper-tier council, with this council's verdict."""
        return SharesStudy(claims.shares_display(claims.all_council_shares(),
                                                 self.table.set_index("claim_id")["verdict"]))

    def rules(self) -> Any:
        """The pre-specified decision rule of every claim."""
        return self.table[["claim_id", "rule"]].style.hide(axis="index").set_properties(**LEFT)


def verdict_study(area_code: str, name: str) -> VerdictsStudy:
    """:class:`VerdictsStudy` of ``area_code`` (report-era data)."""
    table = claims.evaluate(area_code)
    # the index shows this compact table; the pre-specified rules are shown by rules() and in data/report_claims.yml
    table[PREVIOUS] = claims.previous_verdict_text(table)  # amended rules: old verdict kept
    return VerdictsStudy(area_code, name, table)


@dataclass(frozen=True, eq=False, repr=False)
class AmendmentsStudy(Study):
    """The amended claims of a :class:`VerdictsStudy` (:func:`wigan_deal.claims.amendments_table`)."""

    table: pd.DataFrame

    def summary(self) -> EffectSummary:
        return EffectSummary(self.table)

    def record(self, rec: Any) -> None:
        rec.record_table("amendments", self.table[AMENDMENT_COLUMNS])


@dataclass(frozen=True, eq=False, repr=False)
class SharesStudy(Study):
    """Per rule, the share of all councils given each verdict (:func:`wigan_deal.claims.shares_display`)."""

    table: pd.DataFrame

    def summary(self) -> EffectSummary:
        return EffectSummary(self.table)

    def record(self, rec: Any) -> None:
        rec.record_table("verdict_shares", self.table)

    def styled(self) -> Any:
        return self.table.style.hide(axis="index").set_properties(**LEFT)


def plot_series(area_code: str) -> tuple[Any, list[str]]:
    """One panel per testable claim (or claim with context data): the area against England, the periods the rule
    reads circled (:func:`wigan_deal.claims.plot_claim`). Returns the figure and the claims without a figure, each
    with its reason; on atlas pages (not a headline figure) nothing, ``(None, [])``."""
    import matplotlib.pyplot as plt

    if plots.left_out():
        plots.show_left_out_note()
        return None, []

    register = claims.load_register()
    plottable = [c.id for c in register if c.testable or c.context is not None]
    ncols = 3
    nrows = -(-len(plottable) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(16, 3.6 * nrows), squeeze=False)
    skipped, free = [], list(axes.flat)  # a claim without data leaves no gap: the next one takes its panel
    for cid in plottable:
        try:
            claims.plot_claim(cid, area_code, ax=free[0])
        except (LookupError, ValueError) as exc:
            free[0].cla()  # raised before drawing; cleared all the same
            skipped.append(f"{cid} ({exc})")
        else:
            free.pop(0)
    for ax in free:
        ax.set_axis_off()
    plots.fit_titles_to_layout(fig)  # the claims' wordings given the room of their laid-out panels
    fig.set_layout_engine("tight")  # laid out when drawn (the atlas draws only the phone variant)
    return fig, skipped


def skipped_text(skipped: list[str]) -> str:
    """The claims :func:`plot_series` drew no figure for, in a sentence."""
    return "No figure (no data for this area): " + "; ".join(skipped)


@dataclass(frozen=True, eq=False, repr=False)
class LaterStudy(Study):
    """The register's rules re-run on later or revised vintages and supplementary series
    (:func:`wigan_deal.claims.evaluate_later_vintages`): not the graded verdicts; vintages never spliced. The text
    is the HLE claim's 'did it last' row (empty when the area has none)."""

    name: str
    table: pd.DataFrame

    def hle_last(self) -> pd.Series | None:
        """The HLE claim's 'did it last' row, or ``None``."""
        t = self.table
        rows = t[(t["claim_id"] == "hle_increase") & t["check"].str.startswith("did it last")]
        return rows.iloc[0] if len(rows) else None

    def summary(self) -> EffectSummary:
        r = self.hle_last()
        text = "" if r is None else f"**HLE, did it last?** {r['check']}: verdict *{r['verdict']}*. {r['evidence']}"
        return EffectSummary(self.table[[*LATER_COLUMNS, "evidence"]], text)

    def record(self, rec: Any) -> None:
        rec.record_table("later_checks", self.table[LATER_COLUMNS])
        r = self.hle_last()
        if r is not None:
            rec.record("hle_did_it_last", r["estimate"], unit=r["unit"], lower=r["lower"], upper=r["upper"],
                       label=f"{self.name} HLE claim re-run on the latest vintage: {r['check']}",
                       note=f"verdict: {r['verdict']}")

    def styled(self) -> Any:
        """Every check coloured by verdict (:func:`coloured`)."""
        return coloured(self.summary().table)


def later_study(area_code: str, name: str) -> LaterStudy:
    """:class:`LaterStudy` of ``area_code``."""
    return LaterStudy(name, claims.evaluate_later_vintages(area_code))
