"""Why an area has no data in a series: one plain sentence for notes and 'not testable' verdicts.

:func:`no_data_reason` looks at the extract itself (does the series hold any row of the area's type,
any row of the area, any non-missing value?) and at the known geography changes, so the reason is
derived from the data rather than typed per area. Used by :mod:`wigan_deal.studies.notes` (notebook notes:
"no data for this area: <why>") and by the claims register (evidence of 'not testable' verdicts).
"""

from __future__ import annotations

from pathlib import Path

from .loaders import _check_indicator, _indicator_rows, default_vintage, has_values, load_finance
from .lookup import areas
from .sources import INDICATORS

#: Prefix of every missing-data note in the notebooks and the claims evidence.
NO_DATA = "no data for this area"

#: Councils created by reorganisation (code -> first financial year as a council, April).
CREATED: dict[str, int] = {
    "E06000058": 2019,  # Bournemouth, Christchurch and Poole
    "E06000059": 2019,  # Dorset UA
    "E06000060": 2020,  # Buckinghamshire UA
    "E06000061": 2021,  # North Northamptonshire
    "E06000062": 2021,  # West Northamptonshire
    "E06000063": 2023,  # Cumberland
    "E06000064": 2023,  # Westmorland and Furness
    "E06000065": 2023,  # North Yorkshire UA
    "E06000066": 2023,  # Somerset UA
}
#: Upper-tier councils whose area a created council took over (code -> predecessor codes): their series
#: hold the data before the new council existed. Christchurch (to BCP) was a district of Dorset county.
PREDECESSORS: dict[str, tuple[str, ...]] = {
    "E06000058": ("E06000028", "E06000029", "E10000009"),  # Bournemouth, Poole; Christchurch from Dorset county
    "E06000059": ("E10000009",),  # Dorset county (without Christchurch)
    "E06000060": ("E10000002",),  # Buckinghamshire county
    "E06000061": ("E10000021",),  # Northamptonshire (north part)
    "E06000062": ("E10000021",),  # Northamptonshire (west part)
    "E06000063": ("E10000006",),  # Cumbria (west part)
    "E06000064": ("E10000006",),  # Cumbria (south and east part)
    "E06000065": ("E10000023",),  # North Yorkshire county
    "E06000066": ("E10000027",),  # Somerset county
}
#: Councils abolished by reorganisation (code -> year their successors started).
ABOLISHED: dict[str, int] = {
    "E06000028": 2019,  # Bournemouth
    "E06000029": 2019,  # Poole
    "E10000009": 2019,  # Dorset county
    "E10000002": 2020,  # Buckinghamshire county
    "E10000021": 2021,  # Northamptonshire
    "E10000006": 2023,  # Cumbria
    "E10000023": 2023,  # North Yorkshire county
    "E10000027": 2023,  # Somerset county
}
#: Very small councils whose values official sources suppress or publish combined with a neighbour.
SMALL_AREAS: dict[str, str] = {
    "E09000001": "Hackney",   # City of London (about 9,000 residents)
    "E06000053": "Cornwall",  # Isles of Scilly (about 2,000 residents)
}
_TYPE_PLURAL = {
    "County": "counties", "Unitary Authority": "unitary authorities",
    "Metropolitan District": "metropolitan districts", "London Borough": "London boroughs",
}


def predecessor_text(area_code: str, extracts_dir: str | Path | None = None) -> str | None:
    """'Northamptonshire (E10000021)' (or a list) for a council in :data:`CREATED`; ``None`` otherwise."""
    codes = PREDECESSORS.get(area_code)
    if not codes:
        return None
    names = areas(extracts_dir=extracts_dir).set_index("area_code")["area_name"]
    items = [f"{names.get(c, c)} ({c})" for c in codes]
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _replaced(area_code: str, extracts_dir: str | Path | None = None) -> str:
    """'the council it replaced, Northamptonshire (E10000021), which holds the data' for a created council."""
    text = predecessor_text(area_code, extracts_dir)
    if text is None:
        return "the councils it replaced"
    one = len(PREDECESSORS[area_code]) == 1
    return (f"the council{'' if one else 's'} it replaced, {text}, which hold{'s' if one else ''} the data "
            f"(run the report for {'that code' if one else 'those codes'})")


def no_data_reason(indicator: str, area_code: str, *, vintage: str | None = None, sex: str | None = None,
                   extracts_dir: str | Path | None = None) -> str | None:
    """``None`` if ``area_code`` has at least one value of ``indicator`` (``vintage``, ``sex``);
    otherwise one sentence saying why not (no rows of the area's type in the source, a council
    created or abolished outside the series' years, a very small council, or values missing)."""
    name = _check_indicator(indicator)
    vintage = vintage or default_vintage(name, extracts_dir)
    if has_values(name, area_code, vintage, sex, extracts_dir):
        return None
    rows = _indicator_rows(name, extracts_dir)
    if vintage != "all":
        rows = rows[rows["vintage"] == vintage]
    if sex is not None and sex in set(rows["sex"]):
        rows = rows[rows["sex"] == sex]
    own = rows[rows["area_code"] == area_code]
    if own["value"].notna().any():
        return None
    table = areas(extracts_dir=extracts_dir).set_index("area_code")
    area_name = table["area_name"].get(area_code, area_code)
    area_type = table["area_type"].get(area_code, "")
    title = next((spec.title for spec in INDICATORS if spec.name == name), name)
    what = f"{title[:1].lower()}{title[1:]} (vintage {vintage}{', ' + sex.lower() if sex else ''})"
    first, last = (int(rows["period_start"].min()), int(rows["period_end"].max())) if len(rows) else (0, 0)
    if len(own):
        return f"{what} has rows for {area_name} but every value is missing (suppressed in the source)"
    same_type = rows["area_code"].map(table["area_type"]).eq(area_type)
    if area_type and not same_type.any():
        if area_type == "County":
            return (f"the source of {what} publishes no counties (only districts and unitary authorities), and a "
                    "county value cannot be rebuilt from district rates without their age structure")
        return f"the source of {what} publishes no {_TYPE_PLURAL.get(area_type, area_type)}"
    if area_code in CREATED and (not len(rows) or CREATED[area_code] > first):
        return (f"{area_name} was created in {CREATED[area_code]}; {what} covers {first}-{last} "
                f"under {_replaced(area_code, extracts_dir)}")
    if area_code in ABOLISHED and (not len(rows) or ABOLISHED[area_code] <= last):
        return (f"{area_name} was abolished in {ABOLISHED[area_code]}; {what} publishes its successor "
                "councils instead")
    if area_code in SMALL_AREAS:
        return (f"{area_name} is too small for {what}: the source suppresses its values or publishes them "
                f"combined with {SMALL_AREAS[area_code]}")
    return f"the source of {what} has no value for {area_name}"


def no_finance_reason(area_code: str, service: str, extracts_dir: str | Path | None = None) -> str | None:
    """``None`` if ``area_code`` has a revenue outturn for ``service``; otherwise why not."""
    fin = load_finance(services=[service], extracts_dir=extracts_dir).dropna(subset=["value_gbp000"])
    own = fin[fin["area_code"] == area_code]
    if len(own):
        return None
    area_name = areas(extracts_dir=extracts_dir).set_index("area_code")["area_name"].get(area_code, area_code)
    what = f"the revenue outturns for {service.replace('_', ' ')} ({fin['financial_year'].min()} to " \
           f"{fin['financial_year'].max()})"
    if area_code in CREATED:
        return f"{area_name} was created in {CREATED[area_code]}; {what} are under {_replaced(area_code, extracts_dir)}"
    return f"{what} hold no value for {area_name}"


__all__ = ["ABOLISHED", "CREATED", "NO_DATA", "PREDECESSORS", "SMALL_AREAS", "no_data_reason", "no_finance_reason",
           "predecessor_text"]
