import numpy as np
import pandas as pd
import pytest

from wigan_deal.periods import add_time_columns, is_post, parse_period, period_midpoint


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("2009-11", (2009, 2011, "2009-11")),
        ("2010 - 12", (2010, 2012, "2010-12")),
        ("2001-2003", (2001, 2003, "2001-03")),
        ("2015/16", (2015, 2016, "2015/16")),
        ("1999/00", (1999, 2000, "1999/00")),
        ("2011", (2011, 2011, "2011")),
        (2018, (2018, 2018, "2018")),
    ],
)
def test_parse_period(label, expected):
    assert parse_period(label) == expected


def test_parse_period_rejects_garbage_with_valid_forms():
    with pytest.raises(ValueError, match=r"'Q3 2011'.*'2009-11'"):
        parse_period("Q3 2011")


def test_midpoint_of_three_year_and_single_year_periods():
    assert period_midpoint(2009, 2011) == pytest.approx(2010.5)
    assert period_midpoint(2011, 2011) == pytest.approx(2011.5)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [("start", [False, False, True]), ("mid", [False, True, True]), ("end", [True, True, True])],
)
def test_post_rules_for_rolling_periods_around_2011(rule, expected):
    # 2009-11, 2010-12, 2011-13 around a 2011 break
    got = is_post([2009, 2010, 2011], [2011, 2012, 2013], 2011, rule)
    assert got.tolist() == expected


def test_unknown_post_rule_names_valid_rules():
    with pytest.raises(ValueError, match=r"'first'.*'start'.*'mid'.*'end'"):
        is_post([2010], [2012], 2011, "first")


def test_add_time_columns_does_not_modify_input():
    frame = pd.DataFrame({"period_start": [2010, 2011], "period_end": [2012, 2013]})
    out = add_time_columns(frame, 2011)
    assert "time" not in frame
    np.testing.assert_allclose(out["time"], [2011.5, 2012.5])
    assert out["post"].tolist() == [False, True]
