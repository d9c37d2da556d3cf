"""Area codes: upper-tier filter, harmonised codes, DfE LA numbers, region names.

Codes are kept as the official ONS GSS codes. Four areas were *recoded* by ONS without a material
boundary change; every extract uses the code found in the report-era (2019) Fingertips data, and
:data:`CODE_CHANGES` maps the other code onto it (recorded in provenance). Genuine reorganisations
(Dorset/BCP 2019, Buckinghamshire 2020, Northamptonshire 2021, Cumbria/North Yorkshire/Somerset
2023) are different areas and are kept apart.
"""

from __future__ import annotations

import re

import pandas as pd

ENGLAND = "E92000001"
#: GSS prefixes of upper-tier (social-care) authorities: UA, metropolitan district, London borough, county.
UPPER_TIER_PREFIXES: tuple[str, ...] = ("E06", "E08", "E09", "E10")
AREA_TYPE_BY_PREFIX: dict[str, str] = {
    "E92": "England",
    "E06": "Unitary Authority",
    "E08": "Metropolitan District",
    "E09": "London Borough",
    "E10": "County",
}

#: other code -> code used in the extracts (same area, recoded by ONS).
CODE_CHANGES: dict[str, str] = {
    "E08000038": "E08000016",  # Barnsley (recoded 2019/20 after a minor boundary change)
    "E08000039": "E08000019",  # Sheffield (idem)
    "E06000048": "E06000057",  # Northumberland (recoded 2013 after a minor boundary change)
    "E08000020": "E08000037",  # Gateshead (recoded 2013 after a minor boundary change)
}

#: English regions (GSS code -> official name).
REGIONS: dict[str, str] = {
    "E12000001": "North East",
    "E12000002": "North West",
    "E12000003": "Yorkshire and The Humber",
    "E12000004": "East Midlands",
    "E12000005": "West Midlands",
    "E12000006": "East of England",
    "E12000007": "London",
    "E12000008": "South East",
    "E12000009": "South West",
}
#: Regions of upper-tier areas absent from the ASC-FR 2016-17 lookup (created after 2017 or not CASSRs).
REGION_FALLBACK: dict[str, str] = {
    "E06000053": "E12000009",  # Isles of Scilly
    "E09000001": "E12000007",  # City of London
    "E06000058": "E12000009",  # Bournemouth, Christchurch and Poole (2019)
    "E06000059": "E12000009",  # Dorset UA (2019)
    "E06000060": "E12000008",  # Buckinghamshire UA (2020)
    "E06000061": "E12000004",  # North Northamptonshire (2021)
    "E06000062": "E12000004",  # West Northamptonshire (2021)
    "E06000063": "E12000002",  # Cumberland (2023)
    "E06000064": "E12000002",  # Westmorland and Furness (2023)
    "E06000065": "E12000003",  # North Yorkshire UA (2023)
    "E06000066": "E12000009",  # Somerset UA (2023)
    "E10000009": "E12000009",  # Dorset county (to 2019)
    "E06000028": "E12000009",  # Bournemouth (to 2019)
    "E06000029": "E12000009",  # Poole (to 2019)
}

#: DfE LA names (normalised, see :func:`normalise_name`) -> normalised ONS/Fingertips name, where they differ.
#: The reference list is the report-era (2019) upper-tier geography of the Fingertips 2019-05 files.
DFE_NAME_ALIASES: dict[str, str] = {
    "bristol city of": "bristol",
    "kingston upon hull city of": "kingston upon hull",
    "herefordshire county of": "herefordshire",
    "durham": "county durham",
}


def harmonise_code(code: str) -> str:
    """Map a recoded area onto the code used in the extracts (identity for every other code)."""
    return CODE_CHANGES.get(code, code)


def harmonise_codes(codes: pd.Series) -> pd.Series:
    return codes.map(lambda c: CODE_CHANGES.get(c, c) if isinstance(c, str) else c)


def is_upper_tier_or_england(codes: pd.Series) -> pd.Series:
    """True for England and upper-tier LAs (E06/E08/E09/E10), False for districts, regions, CAs."""
    codes = codes.astype("str")
    return (codes == ENGLAND) | codes.str[:3].isin(UPPER_TIER_PREFIXES)


def area_type_of(code: str) -> str:
    return AREA_TYPE_BY_PREFIX.get(code[:3], "Other")


def normalise_name(name: str) -> str:
    """Lower case, '&' -> 'and', drop punctuation, 'saint'/'st.' -> 'st', collapse spaces."""
    text = str(name).lower().replace("&", " and ")
    text = re.sub(r"[^a-z0-9 ]+", " ", text)
    text = re.sub(r"\b(ua|mbc|cty|council|county council|city council|borough council)\b$", "", text.strip())
    text = re.sub(r"\bsaint\b", "st", text)
    return re.sub(r"\s+", " ", text).strip()


def map_names_to_codes(names: pd.Series, reference: pd.DataFrame) -> pd.Series:
    """Map LA names onto GSS codes via normalised names of ``reference`` (area_code, area_name).

    Raises ``RawDataError`` naming every name that stays unmapped.
    """
    from .errors import RawDataError

    ref = reference.assign(key=reference["area_name"].map(normalise_name))
    ref = ref[is_upper_tier_or_england(ref["area_code"])]
    lookup = dict(zip(ref["key"], ref["area_code"], strict=True)) if ref["key"].is_unique else (
        ref.drop_duplicates("key", keep="last").set_index("key")["area_code"].to_dict()
    )
    keys = names.map(normalise_name).map(lambda k: k if k in lookup else DFE_NAME_ALIASES.get(k, k))
    codes = keys.map(lookup)
    missing = sorted(names[codes.isna()].astype(str).unique())
    if missing:
        raise RawDataError(
            f"Cannot map {len(missing)} DfE local authority name(s) to ONS codes: {missing}. "
            "Add them to wigan_deal.data.geography.DFE_NAME_ALIASES (normalised DfE name -> normalised ONS name)."
        )
    return codes
