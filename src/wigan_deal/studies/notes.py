"""Missing-data notes: why an area has no value of a series, as one sentence a notebook shows before it skips."""

from __future__ import annotations

from wigan_deal import data as wd

#: Every missing-data note starts with this (``wigan_deal.data.NO_DATA``).
NO_DATA = wd.NO_DATA



def no_data_note(indicator: str, area_code: str, sex: str | None = None, vintage: str | None = None) -> str | None:
    """``None`` if the area has values of ``indicator``; else ``'no data for this area: <why>'``."""
    reason = wd.no_data_reason(indicator, area_code, vintage=vintage, sex=sex)
    return None if reason is None else f"{NO_DATA}: {reason}"



def no_finance_note(area_code: str, service: str) -> str | None:
    """``None`` if the area has outturns for ``service``; else ``'no data for this area: <why>'``."""
    reason = wd.no_finance_reason(area_code, service)
    return None if reason is None else f"{NO_DATA}: {reason}"



def note_markdown(note: str, skipped: str = "this section is skipped") -> str:
    """A missing-data note as one bold markdown paragraph, saying what is skipped."""
    return f"**{note[0].upper()}{note[1:]}.** {skipped[0].upper()}{skipped[1:]}."



def complete_note(indicator: str, area_code: str, sex: str | None = None, vintage: str | None = None) -> str | None:
    """Like :func:`no_data_note`, but also a note when the area misses some of the periods every other
    council has (placebo-in-space and synthetic control need a complete series)."""
    note = no_data_note(indicator, area_code, sex, vintage)
    if note:
        return note
    f = wd.load_indicator(indicator, sex=sex, vintage=vintage)
    periods = f.loc[f["value"].notna(), "period"].unique()
    own = set(f.loc[(f["area_code"] == area_code) & f["value"].notna(), "period"])
    gaps = [p for p in periods if p not in own]
    if not gaps:
        return None
    return (f"{NO_DATA}: {wd.area_name(area_code)} has no value for {len(gaps)} of the {len(periods)} periods of "
            f"{indicator} ({', '.join(sorted(gaps)[:4])}{', ...' if len(gaps) > 4 else ''}: suppressed in the "
            "source), and these checks need a complete series")

