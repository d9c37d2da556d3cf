"""Your own series in: read and validate a user's panel CSV (one treated area, several comparison areas).

The CSV is long: one row per area and period, with columns ``area`` (any code or name, as text),
``period`` (a whole number: the year, or the first year of a rolling period) and one numeric outcome
column (``--outcome``, default ``value``). Every problem found is reported, each as one paragraph that
names the value and says what would be valid; nothing is computed from a panel with problems.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

#: fewest comparison areas for a 95% placebo-in-space interval: the order statistic
#: ceil(0.95 * (C + 1)) of C placebo statistics exists only when C >= 19
MIN_COMPARISON_AREAS = 19
#: fewest periods before and after the break for a segmented regression (level and slope)
MIN_PRE_PERIODS = 3
MIN_POST_PERIODS = 2
AREA, PERIOD = "area", "period"


class UserPanelError(ValueError):
    """The panel CSV cannot be used; ``problems`` holds one paragraph per problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n\n".join(problems))


@dataclass(frozen=True)
class UserPanel:
    """A validated panel: ``wide`` is periods (rows) x areas (columns), treated area first."""

    source: str
    outcome: str
    treated: str
    break_year: int
    wide: pd.DataFrame

    @property
    def comparison_areas(self) -> list[str]:
        return [c for c in self.wide.columns if c != self.treated]

    @property
    def n_pre(self) -> int:
        return int((self.wide.index < self.break_year).sum())

    @property
    def n_post(self) -> int:
        return int((self.wide.index >= self.break_year).sum())


def _short(value: object, limit: int = 60) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _list(values, limit: int = 5) -> str:
    values = [_short(v, 30) for v in values]
    more = f" and {len(values) - limit} more" if len(values) > limit else ""
    return ", ".join(values[:limit]) + more


def _read(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise UserPanelError([f"The panel file {_short(path)!r} does not exist or is not a file. Give the path "
                              "of a CSV file with columns area, period and your outcome."])
    try:
        return pd.read_csv(path, dtype={AREA: str})
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        reason = _short(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, 120)
        raise UserPanelError([f"The panel file {_short(path)!r} could not be read as CSV ({reason}). Save it "
                              "as comma-separated text (UTF-8) with a header row: area,period,<outcome>."]) from None


def read_user_panel(path: str | Path, treated: str, break_year: int, outcome: str = "value") -> UserPanel:
    """Read ``path`` and check it; raise :class:`UserPanelError` listing every problem found."""
    path = Path(path)
    frame = _read(path)
    problems: list[str] = []
    missing = [c for c in (AREA, PERIOD, outcome) if c not in frame.columns]
    if missing:
        raise UserPanelError([f"The panel has no column {', '.join(repr(m) for m in missing)}. It needs the "
                              f"columns area, period and the outcome named by --outcome ({outcome!r}); the "
                              f"file has: {_list(frame.columns, 8)}."])
    frame = frame[[AREA, PERIOD, outcome]].copy()
    frame[AREA] = frame[AREA].astype(str).str.strip()
    period = pd.to_numeric(frame[PERIOD], errors="coerce")
    bad_period = frame[period.isna() | (period % 1 != 0)]
    if len(bad_period):
        problems.append(f"{len(bad_period)} row(s) have a period that is not a whole number (e.g. "
                        f"{_list(bad_period[PERIOD].unique(), 3)}). Periods are years, or the first year of a "
                        "rolling period, such as 2015.")
    value = pd.to_numeric(frame[outcome], errors="coerce")
    bad_value = frame[value.isna()]
    if len(bad_value):
        problems.append(f"{len(bad_value)} row(s) have an outcome ({outcome!r}) that is missing or not a number "
                        f"(areas {_list(bad_value[AREA].unique(), 3)}). Every area needs a numeric value in "
                        "every period; drop areas with gaps before you start.")
    frame[PERIOD], frame[outcome] = period, value
    frame = frame.dropna(subset=[PERIOD, outcome])
    frame[PERIOD] = frame[PERIOD].astype(int)
    dup = frame[frame.duplicated([AREA, PERIOD], keep=False)]
    if len(dup):
        pairs = [f"{a} {p}" for a, p in dup[[AREA, PERIOD]].drop_duplicates().itertuples(index=False)]
        problems.append(f"{len(pairs)} area-period pair(s) appear more than once ({_list(pairs, 3)}). Each area "
                        "must have one row per period.")
        frame = frame.drop_duplicates([AREA, PERIOD])
    areas = frame[AREA].unique()
    if treated not in set(areas):
        problems.append(f"The treated area {_short(treated)!r} is not in the panel's area column (areas "
                        f"include {_list(sorted(areas), 5)}). Give --treated exactly as it is written there.")
    wide = frame.pivot(index=PERIOD, columns=AREA, values=outcome).sort_index()
    gaps = wide.columns[wide.isna().any()]
    if len(gaps):
        problems.append(f"{len(gaps)} area(s) lack some periods ({_list(gaps, 4)}); the panel covers "
                        f"{wide.index.min()}-{wide.index.max()}. Every area needs every period: remove those "
                        "areas or fill the periods from the same source.")
    n_comparison = len([a for a in wide.columns if a != treated and a not in set(gaps)])
    if n_comparison < MIN_COMPARISON_AREAS:
        problems.append(f"The panel has {n_comparison} comparison area(s) with complete series; the primary "
                        f"method needs at least {MIN_COMPARISON_AREAS} (a 95% placebo-in-space interval is "
                        "an order statistic of the comparison areas' placebo estimates). Add comparison "
                        "areas.")
    pre, post = int((wide.index < break_year).sum()), int((wide.index >= break_year).sum())
    if pre < MIN_PRE_PERIODS or post < MIN_POST_PERIODS:
        problems.append(f"The break {break_year} leaves {pre} period(s) before and {post} from it on; the "
                        f"method needs at least {MIN_PRE_PERIODS} before and {MIN_POST_PERIODS} after. "
                        f"Choose a break between {wide.index.min() + MIN_PRE_PERIODS} and "
                        f"{wide.index.max() - MIN_POST_PERIODS + 1}.")
    if problems:
        raise UserPanelError(problems)
    wide = wide[[treated, *[c for c in wide.columns if c != treated]]]
    return UserPanel(str(path), outcome, treated, int(break_year), wide)
