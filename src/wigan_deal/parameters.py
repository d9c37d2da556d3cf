"""Validate notebook / report parameters against the data, with one clear paragraph per error.

Every notebook has one cell tagged ``parameters`` (``area_code``, ``comparators``, ``break_year``,
``vintage``, ``sex``, ``post_rule``, ``results_path``) and then calls::

    params = wigan_deal.parameters.validate(area_code=area_code, comparators=comparators,
                                            break_year=break_year, vintage=vintage, sex=sex,
                                            post_rule=post_rule)

The report runner calls the same function before executing anything.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from wigan_deal import config, data
from wigan_deal.periods import POST_RULES, is_post

#: Names every notebook's ``parameters`` cell defines.
PARAMETER_NAMES: tuple[str, ...] = (
    "area_code", "comparators", "break_year", "vintage", "sex", "post_rule", "results_path",
)
#: Comparator kinds understood by :func:`wigan_deal.data.comparators`.
COMPARATOR_KINDS: tuple[str, ...] = tuple(data.COMPARATOR_KINDS)
DEFAULT_COMPARATORS: tuple[str, ...] = config.DEFAULT_COMPARATORS
UPPER_TIER_TYPES: tuple[str, ...] = ("Metropolitan District", "Unitary Authority", "County", "London Borough")
#: GSS code prefixes of lower-tier (shire district) councils.
LOWER_TIER_PREFIXES: tuple[str, ...] = ("E07",)
#: GSS code prefixes that are not English upper-tier councils: what each is (for the error message).
NOT_COVERED_PREFIXES: dict[str, str] = {
    "W": "a Welsh area", "S": "a Scottish area", "N": "a Northern Irish area",
    "K": "a United Kingdom or Great Britain aggregate", "L": "a Channel Islands area",
    "M": "an Isle of Man area", "E12": "an English region", "E47": "a combined authority",
    "E11": "a former metropolitan county", "E13": "inner or outer London", "E15": "an English region",
}
_GSS_CODE = re.compile(r"^[A-Z]\d{8}$")
#: The longest interrupted-time-series indicator; it bounds the valid break years.
BREAK_YEAR_INDICATOR = "u75_prev_cancer_mortality"
HLE_INDICATOR = "hle_birth"
MIN_PRE_PERIODS = config.ITS_MIN_PRE_POINTS
MIN_POST_PERIODS = config.ITS_MIN_POST_POINTS


class ParameterError(ValueError):
    """A notebook/report parameter is invalid; the message says what would be valid."""


@dataclass(frozen=True)
class ReportParameters:
    """Validated parameters. ``comparators`` is the request (kinds and/or codes) as given;
    ``comparator_codes`` the resolved, de-duplicated area codes (the area itself excluded)."""

    area_code: str
    area_name: str
    comparators: tuple[str, ...]
    comparator_codes: tuple[str, ...]
    break_year: int
    vintage: str
    sex: str
    post_rule: str

    @property
    def comparator_kinds(self) -> tuple[str, ...]:
        return tuple(c for c in self.comparators if c in COMPARATOR_KINDS)


def validate(
    area_code: Any = config.DEFAULT_AREA,
    comparators: Any = DEFAULT_COMPARATORS,
    break_year: Any = config.DEFAULT_BREAK_YEAR,
    vintage: Any = config.DEFAULT_VINTAGE,
    sex: Any = config.DEFAULT_SEX,
    post_rule: Any = config.DEFAULT_POST_RULE,
) -> ReportParameters:
    """Check every parameter against the data; return :class:`ReportParameters`.

    Raises :class:`ParameterError` with one paragraph naming the bad value and the valid ones.
    """
    code, name = _check_area(area_code)
    rule = _check_post_rule(post_rule)
    year = _check_break_year(break_year, rule)
    return ReportParameters(
        area_code=code,
        area_name=name,
        comparators=_check_comparator_request(comparators),
        comparator_codes=_resolve_comparators(code, comparators),
        break_year=year,
        vintage=_check_vintage(vintage),
        sex=_check_sex(sex),
        post_rule=rule,
    )


# --- area -----------------------------------------------------------------------------------------
def _areas_table():
    return data.areas()


def _check_area(area: Any) -> tuple[str, str]:
    shown = data.short_repr(area)
    if not isinstance(area, str) or not area.strip():
        raise ParameterError(
            f"area_code must be the ONS code (or name) of an English upper-tier local authority as "
            f"a string, such as {config.WIGAN!r} (Wigan); got {shown} ({type(area).__name__})."
        )
    not_covered = _not_covered(area)
    if not_covered:
        raise ParameterError(
            f"Invalid area_code {shown}: {not_covered} Give one of those, such as {config.WIGAN!r} (Wigan); "
            "wigan_deal.data.areas('upper_tier') lists them all."
        )
    try:
        code = data.resolve_area(area)  # accepts codes, recoded codes and names
    except data.UnknownAreaError as exc:
        why = _district_message(area) or f"{exc}{_list_hint(area)}"
        raise ParameterError(f"Invalid area_code {shown}: {why}") from None
    table = _areas_table()
    row = table.loc[table["area_code"] == code].iloc[0]
    area_type = str(row["area_type"])
    if code == config.ENGLAND or area_type == "England":
        raise ParameterError(
            f"Invalid area_code {shown}: England ({config.ENGLAND}) is the national comparator, not "
            "a local authority. Give an English upper-tier local authority (metropolitan district, "
            f"unitary authority, county or London borough), such as {config.WIGAN!r} (Wigan)."
        )
    if area_type not in UPPER_TIER_TYPES:
        raise ParameterError(
            f"Invalid area_code {shown}: {row['area_name']} is a {area_type}, not an upper-tier "
            f"local authority; valid area types are {', '.join(UPPER_TIER_TYPES)}."
        )
    return code, str(row["area_name"])


def _not_covered(area: str) -> str | None:
    """For codes of other nations, regions and combined authorities: what they are and what is covered
    (never a 'did you mean' pointing at an unrelated English council)."""
    code = area.strip().upper()
    if not _GSS_CODE.match(code):
        return None
    what = NOT_COVERED_PREFIXES.get(code[:3]) or NOT_COVERED_PREFIXES.get(code[0])
    if what is None or code in set(_areas_table()["area_code"]):
        return None
    return (
        f"this is the code of {what}, and only English upper-tier councils are covered (metropolitan "
        "districts E08, unitary authorities E06, counties E10 and London boroughs E09), because the sources "
        "are English."
    )


def _district_message(area: str) -> str | None:
    """For a shire district's code: why it is not covered and what to give instead (no 'did you mean')."""
    if not area.strip().upper().startswith(LOWER_TIER_PREFIXES):
        return None
    return (
        "codes starting E07 are shire districts (lower-tier councils), which do not run adult social care "
        "or public health; give the county (E10) that contains it instead, e.g. wigan_deal.data.areas('County')."
    )


def _list_hint(area: str) -> str:
    if len([p for p in area.replace(";", ",").split(",") if p.strip()]) < 2:
        return ""
    return " To compare councils, give the others as comparators (--comparators), or run the atlas (make atlas)."


# --- comparators ----------------------------------------------------------------------------------
def _check_comparator_request(comparators: Any) -> tuple[str, ...]:
    if isinstance(comparators, str) or not isinstance(comparators, Sequence) or not comparators:
        raise ParameterError(
            f"comparators must be a non-empty list of comparator kinds ({', '.join(COMPARATOR_KINDS)}) "
            f"and/or ONS area codes, such as ['england', 'gm', 'nearest']; got {data.short_repr(comparators)}."
        )
    bad = [c for c in comparators if not isinstance(c, str) or not c.strip()]
    if bad:
        raise ParameterError(
            f"comparators must contain only strings (kinds {', '.join(COMPARATOR_KINDS)} or ONS area "
            f"codes); got {data.short_repr(bad[0])} in {data.short_repr(list(comparators))}."
        )
    return tuple(c.strip() for c in comparators)


def _resolve_comparators(area_code: str, comparators: Any) -> tuple[str, ...]:
    request = _check_comparator_request(comparators)
    codes: list[str] = []
    for item in request:
        if item.lower() in COMPARATOR_KINDS:
            codes.extend(data.comparators(area_code, item.lower()))
            continue
        shown = data.short_repr(item)
        try:
            item = data.check_area(item)
        except data.UnknownAreaError as exc:
            raise ParameterError(_bad_comparator_message(item, exc)) from None
        if item == area_code:
            raise ParameterError(
                f"Invalid comparator {shown}: it is the area being studied; comparators must be "
                f"other areas or the kinds {', '.join(COMPARATOR_KINDS)}."
            )
        codes.append(item)
    return tuple(dict.fromkeys(c for c in codes if c != area_code))


def _close_kinds(item: str) -> list[str]:
    """Kinds ``item`` may be a misspelling of ('gmm' -> 'gm', 'nearst' -> 'nearest'): one edit per three letters."""
    from wigan_deal.data.lookup import edit_distance

    return [k for k in COMPARATOR_KINDS if edit_distance(item.lower(), k) <= max(1, len(k) // 3)]


def _bad_comparator_message(item: str, exc: Exception) -> str:
    """The same hints ``area_code`` gets: a close kind, what a non-English code is, the E07 district hint."""
    shown = data.short_repr(item)
    kinds = ", ".join(COMPARATOR_KINDS)
    close = _close_kinds(item)
    if close:
        return (f"Invalid comparator {shown}: did you mean the comparator kind {close[0]!r}? Comparators are the "
                f"kinds {kinds} and/or ONS codes of English upper-tier councils.")
    not_covered = _not_covered(item)
    if not_covered:
        return (f"Invalid comparator {shown}: {not_covered} Give comparator kinds ({kinds}) or codes of English "
                "upper-tier councils.")
    district = _district_message(item)
    if district:
        return f"Invalid comparator {shown}: {district}"
    return f"Invalid comparator {shown}: it is neither a comparator kind ({kinds}) nor a known area code. {exc}"


# --- break year -----------------------------------------------------------------------------------
@data.data_cache(maxsize=8)
def valid_break_years(post_rule: str = config.DEFAULT_POST_RULE) -> tuple[int, ...]:
    """Break years leaving >= 3 pre and >= 1 post periods in the longest ITS series.

    Computed from :data:`BREAK_YEAR_INDICATOR`'s periods in the data, under ``post_rule``.
    """
    frame = data.load_indicator(BREAK_YEAR_INDICATOR)
    periods = frame[["period_start", "period_end"]].drop_duplicates()
    starts, ends = periods["period_start"].to_numpy(), periods["period_end"].to_numpy()
    years = []
    for year in range(int(starts.min()), int(ends.max()) + 2):
        post = is_post(starts, ends, year, post_rule)
        if (~post).sum() >= MIN_PRE_PERIODS and post.sum() >= MIN_POST_PERIODS:
            years.append(year)
    return tuple(years)


def _check_break_year(break_year: Any, post_rule: str) -> int:
    if isinstance(break_year, bool) or not isinstance(break_year, numbers.Integral):
        raise ParameterError(
            f"break_year must be a whole calendar year as an integer, such as "
            f"{config.DEFAULT_BREAK_YEAR}; got {data.short_repr(break_year)} ({type(break_year).__name__})."
        )
    break_year = int(break_year)
    valid = valid_break_years(post_rule)
    if break_year not in valid:
        raise ParameterError(
            f"break_year {break_year} is outside the data: with post_rule {post_rule!r} the "
            f"longest series ({BREAK_YEAR_INDICATOR}) leaves at least {MIN_PRE_PERIODS} pre-break "
            f"and {MIN_POST_PERIODS} post-break period(s) only for break years {valid[0]}-{valid[-1]}."
        )
    return int(break_year)


# --- vintage, sex, post rule ----------------------------------------------------------------------
def _check_vintage(vintage: Any) -> str:
    available = list(data.vintages(HLE_INDICATOR))
    if not isinstance(vintage, str) or vintage not in available:
        raise ParameterError(
            f"Unknown vintage {data.short_repr(vintage)}: the healthy life expectancy data has vintages "
            f"{', '.join(map(repr, available))} ({config.REPORT_VINTAGE!r} is the one the King's "
            "Fund report saw)."
        )
    return vintage


def _check_sex(sex: Any) -> str:
    if sex not in config.SEXES:
        raise ParameterError(
            f"Invalid sex {data.short_repr(sex)}: valid values are {' and '.join(map(repr, config.SEXES))} "
            "(capitalised, as in the official tables)."
        )
    return str(sex)


def _check_post_rule(rule: Any) -> str:
    if rule not in POST_RULES:
        raise ParameterError(
            f"Unknown post_rule {data.short_repr(rule)}: valid rules are 'start' (whole period after the break), "
            "'mid' (midpoint after the break) and 'end' (any part after the break); see "
            "wigan_deal.periods."
        )
    return str(rule)


def banner(params: ReportParameters) -> str:
    """One Markdown line stating the parameters a notebook ran with (shown at the top of each notebook)."""
    return (
        f"**Area:** {params.area_name} ({params.area_code}) &middot; **break year:** {params.break_year} &middot; "
        f"**HLE vintage:** {params.vintage} &middot; **sex:** {params.sex} &middot; "
        f"**post rule:** `{params.post_rule}`"
    )
