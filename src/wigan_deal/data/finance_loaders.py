"""Loaders for the finance context: GDP deflator (real terms) and IoD2019 deprivation."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import config
from .errors import DataError
from .loaders import _as_list, _filter_areas
from .lookup import check_areas
from .schema import BUDGET_SERVICES, fy_label
from .store import SourceMemo, read_extract, shared_extract


class DeflatorYearError(DataError):
    """A financial year outside the deflator's outturn years (no extrapolation is ever done)."""


def _year_or_error(year, what: str = "Financial year") -> str:
    first, last = config.DEFLATOR_YEARS
    try:
        label = fy_label(year)
    except ValueError as exc:
        raise DeflatorYearError(
            f"{what} {year!r} is not a financial year label; use e.g. '2017/18' or '2017-18' "
            f"(the GDP deflator covers {first} to {last})."
        ) from exc
    if not first <= label <= last:
        raise DeflatorYearError(
            f"{what} {label} is outside the GDP deflator's outturn years {first} to {last} (HM Treasury, "
            "March 2020; index values after 2018/19 are OBR forecasts and are not used). Real-terms figures "
            "are only computed within that range; no extrapolation is done."
        )
    return label


#: (base, extracts folder) -> (re-based deflator, {year: factor}), kept while the store's cached deflator.csv frame
#: is the one it came from (the store re-reads a changed file into a new frame, so it is never stale)
_REBASED = SourceMemo(maxsize=8)


def _rebased(base: str, extracts_dir: str | Path | None) -> tuple[pd.DataFrame, dict[str, float]]:
    """The re-based deflator and its real-terms factors, computed once per base and file version
    (claims grading asks ~2000 times); shared, never modified: :func:`load_deflator` returns a copy."""
    base = _year_or_error(base, "Deflator base year")
    raw = shared_extract("deflator.csv", extracts_dir)

    def rebase() -> tuple[pd.DataFrame, dict[str, float]]:
        frame = raw.copy()
        at_base = float(frame.loc[frame["financial_year"] == base, "gdp_deflator"].iloc[0])
        frame = frame.rename(columns={"gdp_deflator": "gdp_deflator_2018_19"})
        frame.insert(3, "gdp_deflator", frame["gdp_deflator_2018_19"] / at_base * 100.0)
        frame = frame.sort_values("period_start").reset_index(drop=True)
        factors = {y: 100.0 / float(d) for y, d in zip(frame["financial_year"], frame["gdp_deflator"], strict=True)}
        return frame, factors

    return _REBASED.get((base, None if extracts_dir is None else str(extracts_dir)), (raw,), rebase)


def load_deflator(base: str = config.DEFLATOR_BASE, extracts_dir: str | Path | None = None) -> pd.DataFrame:
    """HM Treasury GDP deflator by financial year, re-based so that ``base`` = 100.

    Columns: financial_year ('2010/11'), period_start, period_end, gdp_deflator (re-based index),
    gdp_deflator_2018_19 (as published, 2018/19 = 100), pct_change (as published).
    """
    return _rebased(base, extracts_dir)[0].copy()


def real_terms_factor(financial_year, base: str = config.DEFLATOR_BASE,
                      extracts_dir: str | Path | None = None) -> float:
    """Multiply a cash value of ``financial_year`` by this to express it in ``base`` prices."""
    year = _year_or_error(financial_year)
    return _rebased(base, extracts_dir)[1][year]


def to_real_terms(values, financial_years, base: str = config.DEFLATOR_BASE,
                  extracts_dir: str | Path | None = None):
    """Cash ``values`` of ``financial_years`` (scalars or equal-length sequences) in ``base`` prices.

    Any year outside ``config.DEFLATOR_YEARS`` raises :class:`DeflatorYearError` naming it.
    """
    defl = _rebased(base, extracts_dir)[0].set_index("financial_year")["gdp_deflator"]
    if isinstance(financial_years, (str, int)):
        return float(values) * 100.0 / float(defl[_year_or_error(financial_years)])
    years = [_year_or_error(y) for y in financial_years]
    factors = pd.Series([100.0 / float(defl[y]) for y in years])
    out = pd.Series(values, dtype=float).reset_index(drop=True) * factors
    return out.to_numpy()


def load_deprivation(areas=None, extracts_dir: str | Path | None = None) -> pd.DataFrame:
    """IoD2019 upper-tier summaries: average score and rank, average rank and rank, share of LSOAs in the
    most deprived 10% nationally and its rank (rank 1 = most deprived; 2019 geography, no England row)."""
    frame = read_extract("deprivation.csv", extracts_dir)
    if areas is not None:
        frame = frame[frame["area_code"].isin(check_areas(areas, extracts_dir))]
    return frame.sort_values("area_code").reset_index(drop=True)


def load_budget(areas=None, services=None, financial_years=None,
                extracts_dir: str | Path | None = None) -> pd.DataFrame:
    """RA BUDGET (start-of-year) net current expenditure, GBP thousand, by council, year and service line.

    ``services``: any of :data:`~wigan_deal.data.schema.BUDGET_SERVICES`; ``financial_years``: labels
    such as '2017/18' (or '2017-18'); England (E92000001) is the published ENGLAND row (all authorities,
    including shire districts). See ``flag`` for the summed 2010/11-2011/12 social care lines.
    """
    frame = _filter_areas(read_extract("budget.csv", extracts_dir), areas, extracts_dir)
    if services is not None:
        frame = frame[frame["service"].isin(_as_list(services, "budget service", BUDGET_SERVICES))]
    if financial_years is not None:
        valid = sorted(read_extract("budget.csv", extracts_dir)["financial_year"].unique())
        labels = [financial_years] if isinstance(financial_years, str) else list(financial_years)
        wanted = []
        for y in labels:
            try:
                label = fy_label(y)
            except ValueError:
                label = str(y)
            if label not in valid:
                raise DataError(f"The RA budget has no financial year {y!r}; its years are {valid[0]} to {valid[-1]}.")
            wanted.append(label)
        frame = frame[frame["financial_year"].isin(wanted)]
    return frame.sort_values(["area_code", "service", "period_start"]).reset_index(drop=True)
