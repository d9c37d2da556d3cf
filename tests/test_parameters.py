"""wigan_deal.parameters.validate: valid inputs resolve, every bad input gets a clear message."""

import numpy as np
import pytest

from wigan_deal import config, data
from wigan_deal.parameters import (
    COMPARATOR_KINDS,
    PARAMETER_NAMES,
    ParameterError,
    ReportParameters,
    valid_break_years,
    validate,
)


def test_defaults_resolve_wigan_and_its_comparators():
    p = validate()
    assert isinstance(p, ReportParameters)
    assert (p.area_code, p.area_name, p.break_year, p.vintage, p.sex, p.post_rule) == (
        "E08000010", "Wigan", 2011, "2019-05", "Male", "start")
    assert p.comparators == ("england", "gm", "nearest") and p.comparator_kinds == p.comparators
    codes = list(p.comparator_codes)
    assert codes[0] == config.ENGLAND
    assert codes[1:10] == [c for c in config.GREATER_MANCHESTER if c != config.WIGAN]
    assert config.WIGAN not in codes and len(codes) == len(set(codes))
    nearest = data.comparators(config.WIGAN, "nearest")
    assert codes == list(dict.fromkeys([config.ENGLAND, *codes[1:10], *nearest]))


def test_area_name_and_explicit_comparator_codes_are_accepted():
    p = validate(area_code="wigan", comparators=["E08000001", "england"], sex="Female", post_rule="mid",
                 break_year=np.int64(2013), vintage="2024-07")
    assert p.area_code == config.WIGAN and p.comparator_codes == ("E08000001", config.ENGLAND)
    assert p.comparator_kinds == ("england",) and p.break_year == 2013 and type(p.break_year) is int
    other = validate(area_code="E08000035", comparators=["gm"])  # Leeds: outside GM -> its region
    assert other.area_name == "Leeds" and other.area_code not in other.comparator_codes


def test_valid_break_years_come_from_the_longest_series():
    # u75 preventable cancer mortality runs 2001-03 .. 2015-17: the engine needs >= 3 pre periods
    # and >= 2 post periods (a slope change), so 2015 (only 2015-17 after it) is refused
    assert valid_break_years("start") == tuple(range(2004, 2015))
    assert valid_break_years("mid") == tuple(range(2005, 2016))
    assert valid_break_years("end") == tuple(range(2006, 2017))
    assert set(config.CANDIDATE_BREAK_YEARS) <= set(valid_break_years("start"))


def test_parameter_names_are_the_notebook_contract():
    assert PARAMETER_NAMES == ("area_code", "comparators", "break_year", "vintage", "sex", "post_rule", "results_path")
    assert {"england", "gm", "nearest", "all"} <= set(COMPARATOR_KINDS)


@pytest.mark.parametrize(
    ("kwargs", "fragments"),
    [
        ({"area_code": "E08000099"}, ["Invalid area_code 'E08000099'", "Did you mean", "E08000009 (Trafford)"]),
        ({"area_code": "Wiggan"}, ["'Wiggan'", "E08000010 (Wigan)"]),
        ({"area_code": "E07000117"}, ["'E07000117'", "shire districts", "county"]),
        ({"area_code": config.ENGLAND}, ["England (E92000001) is the national comparator", "upper-tier"]),
        ({"area_code": 8000010}, ["area_code must be the ONS code", "got 8000010 (int)"]),
        ({"break_year": "2011x"}, ["break_year must be a whole calendar year", "'2011x' (str)"]),
        ({"break_year": "2011"}, ["'2011' (str)"]),  # strings are coerced by the CLI, never here
        ({"break_year": 2011.5}, ["2011.5 (float)"]),
        ({"break_year": True}, ["True (bool)"]),
        ({"break_year": 2030}, ["break_year 2030 is outside the data", "u75_prev_cancer_mortality", "2004-2014"]),
        ({"break_year": 2003}, ["break_year 2003 is outside the data", "2004-2014"]),
        ({"break_year": 2017, "post_rule": "mid"}, ["post_rule 'mid'", "2005-2015"]),
        ({"vintage": "2019"}, ["Unknown vintage '2019'", "'2019-05', '2020-06'", "King's Fund report saw"]),
        ({"vintage": 2019}, ["Unknown vintage 2019"]),
        ({"sex": "male"}, ["Invalid sex 'male'", "'Male' and 'Female'"]),
        ({"sex": "Persons"}, ["Invalid sex 'Persons'"]),
        ({"post_rule": "middle"}, ["Unknown post_rule 'middle'", "'start'", "'mid'", "'end'"]),
        ({"comparators": "england"}, ["comparators must be a non-empty list", "got 'england'"]),
        ({"comparators": []}, ["comparators must be a non-empty list"]),
        ({"comparators": ["england", 3]}, ["only strings", "got 3"]),
        ({"comparators": ["england", "neighbours"]}, ["Invalid comparator 'neighbours'", "neither a comparator kind"]),
        ({"comparators": ["E08000999"]}, ["Invalid comparator 'E08000999'", "Did you mean"]),
        ({"comparators": [config.WIGAN]}, ["'E08000010': it is the area being studied"]),
    ],
)
def test_bad_input_gets_one_clear_paragraph(kwargs, fragments):
    with pytest.raises(ParameterError) as info:
        validate(**kwargs)
    message = str(info.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, message
    assert isinstance(info.value, ValueError)


def test_banner_states_every_parameter():
    from wigan_deal.parameters import banner

    text = banner(validate(area_code="E08000035", break_year=2013, sex="Female", post_rule="mid"))
    for part in ("Leeds (E08000035)", "**break year:** 2013", "**HLE vintage:** 2019-05", "**sex:** Female", "`mid`"):
        assert part in text
