"""Your own series in: the panel CSV is validated with one paragraph per problem."""

import pandas as pd
import pytest

from wigan_deal import config
from wigan_deal.data.user_panel import MIN_COMPARISON_AREAS, UserPanelError, read_user_panel

EXAMPLE = config.DATA_DIR / "examples" / "own_series_example.csv"


def _panel(tmp_path, frame: pd.DataFrame, name: str = "panel.csv"):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def _good(n_areas: int = 21, years=range(2001, 2016)) -> pd.DataFrame:
    rows = [{"area": f"A{i:02d}", "period": y, "value": 100 + i + 0.5 * (y - 2001)}
            for i in range(n_areas) for y in years]
    return pd.DataFrame(rows)


def test_the_shipped_example_is_valid_and_puts_the_treated_area_first():
    panel = read_user_panel(EXAMPLE, "Wigan", 2011, outcome="rate")
    assert panel.wide.columns[0] == "Wigan" and len(panel.comparison_areas) == 26
    assert (panel.n_pre, panel.n_post) == (10, 5)
    assert panel.wide.loc[2001, "Barnsley"] == pytest.approx(114.8)


def test_every_problem_is_reported_at_once_each_in_one_paragraph(tmp_path):
    f = _good(n_areas=6)
    f["value"] = f["value"].astype(object)
    f.loc[3, "value"] = "n/a"                       # not a number
    f = pd.concat([f, f.iloc[[20]]])                # a duplicate row
    f = f[~((f.area == "A05") & (f.period == 2010))]  # a gap
    with pytest.raises(UserPanelError) as err:
        read_user_panel(_panel(tmp_path, f), "A00", 2011)
    problems = err.value.problems
    text = "\n".join(problems)
    assert "not a number" in text and "more than once" in text and "lack some periods" in text
    assert f"at least {MIN_COMPARISON_AREAS}" in text
    assert all("\n" not in p for p in problems)


def test_missing_columns_name_what_the_file_has(tmp_path):
    f = _good().rename(columns={"value": "rate"})
    with pytest.raises(UserPanelError, match=r"no column 'value'.*the file has: area, period, rate"):
        read_user_panel(_panel(tmp_path, f), "A00", 2011)


def test_unknown_treated_area_and_a_break_too_late(tmp_path):
    with pytest.raises(UserPanelError) as err:
        read_user_panel(_panel(tmp_path, _good()), "Nowhere", 2015)
    text = str(err.value)
    assert "'Nowhere' is not in the panel" in text
    assert "leaves 14 period(s) before and 1 from it on" in text and "between 2004 and 2014" in text


def test_unreadable_and_missing_files_give_one_paragraph(tmp_path):
    with pytest.raises(UserPanelError, match="does not exist"):
        read_user_panel(tmp_path / "nope.csv", "A", 2011)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(UserPanelError):
        read_user_panel(bad, "A", 2011)
