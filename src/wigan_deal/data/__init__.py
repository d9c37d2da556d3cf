"""Data layer: build tidy extracts from the raw official files, load them, look up areas.

Build: ``python -m wigan_deal.data build`` (see :mod:`wigan_deal.data.build`);
online refresh: ``python -m wigan_deal.data refresh`` (see :mod:`wigan_deal.data.refresh`).

Loaders validate each extract against ``data/provenance.json`` (sha256, columns, dtypes, keys,
value ranges) and cache it; every function takes an optional ``extracts_dir``.

Two sides, no circles (docs/architecture.md): the build side (``build``, ``parsers*``, ``origins``,
``download``, ``refresh``) writes the extracts; the read side (``store``, ``loaders``, ``lookup``, ``peers``,
``finance_loaders``, ``social_care_loaders``, ``gaps``, ``user_panel``) reads them and never imports the build
side; both share ``schema``, ``sources``, ``social_care``, ``geography`` and ``errors``. This package exposes the
read side.
"""

from .errors import (
    ArgumentTypeError,
    ChecksumError,
    DataError,
    MissingDataError,
    UnknownAreaError,
    UnknownIndicatorError,
    UnknownVintageError,
)
from .finance_loaders import (
    DeflatorYearError,
    load_budget,
    load_deflator,
    load_deprivation,
    real_terms_factor,
    to_real_terms,
)
from .gaps import (
    ABOLISHED,
    CREATED,
    NO_DATA,
    PREDECESSORS,
    no_data_reason,
    no_finance_reason,
    predecessor_text,
)
from .geography import CODE_CHANGES
from .loaders import (
    ENGLAND_FINANCE_NAME,
    areas_with_data,
    default_vintage,
    england_finance,
    england_finance_councils,
    indicators,
    load_area_clusters,
    load_finance,
    load_indicator,
    load_population,
    load_population_by_age,
    load_similar_areas,
    load_spending_power,
    provenance,
    vintages,
)
from .lookup import (
    area_name,
    areas,
    check_area,
    check_areas,
    resolve_area,
    short_repr,
)
from .peers import COMPARATOR_KINDS, comparators
from .social_care import MEASURES as SOCIAL_CARE_MEASURES
from .social_care import PATHWAY_MEASURES, measures_table
from .social_care_loaders import load_social_care
from .store import (
    SourceMemo,
    clear_cache,
    data_cache,
    extracts_version,
    read_extract,
    read_provenance,
)

__all__ = [
    "SourceMemo", "data_cache", "extracts_version",
    "ArgumentTypeError", "ChecksumError", "DataError", "MissingDataError", "UnknownAreaError",
    "UnknownIndicatorError", "UnknownVintageError", "CODE_CHANGES", "COMPARATOR_KINDS",
    "ENGLAND_FINANCE_NAME", "area_name", "areas", "areas_with_data", "england_finance", "england_finance_councils", "check_area", "check_areas", "clear_cache", "comparators", "default_vintage",
    "indicators", "load_area_clusters", "load_finance", "load_indicator", "load_population",
    "load_population_by_age", "load_similar_areas", "load_spending_power", "provenance", "read_extract",
    "read_provenance", "resolve_area", "short_repr", "vintages", "SOCIAL_CARE_MEASURES", "PATHWAY_MEASURES", "load_social_care",
    "measures_table",
    "ABOLISHED", "CREATED", "NO_DATA", "PREDECESSORS", "no_data_reason", "no_finance_reason", "predecessor_text",
    "DeflatorYearError", "load_budget", "load_deflator", "load_deprivation", "real_terms_factor", "to_real_terms",
]
