"""Synthetic control for one treated area, with in-space placebo inference.

Method (Abadie, Diamond & Hainmueller 2010, JASA 105:493; Abadie 2021, JEL 59:391): choose donor
weights ``w >= 0`` with ``sum(w) = 1`` that minimise the squared pre-period distance between the
treated area's outcome path and the weighted donors' paths; the synthetic control's post-period path
is the counterfactual and ``gap = treated - synthetic``. Without covariates, matching is on every
pre-period outcome with equal weight (``V = I``). With covariates (``predictors``) the default is the
Abadie-Diamond-Hainmueller estimator (:func:`adh_weights`): predictor weights ``V`` (diagonal,
non-negative, summing to one) are chosen by an outer optimisation that minimises the pre-period
outcome MSPE, the donor weights ``W`` for each ``V`` by the inner simplex problem on the predictors
(as R's ``Synth`` and pysyncon's ``Synth``; validated against ADH 2010's Prop 99 weights in
``tests/test_synth.py``). ``predictor_weighting="fixed"`` keeps the simpler estimator that appends
standardised covariates to the pre-period outcomes with a fixed weight (see :func:`fit_synth`).

Solver: the simplex-constrained least-squares problem ``min ||y - X w||`` is solved *exactly* by a
single non-negative least-squares call. With ``D = X - y 1'`` the objective is ``||D w||`` and the
NNLS problem ``min_{u >= 0} ||D u||^2 + (1 - 1'u)^2`` has solution ``u = w / (1 + ||D w||^2)``
(compare the two sets of KKT conditions), so ``w = u / sum(u)``: no big-M penalty, no tuning. The
KKT conditions of the original problem are checked on every fit (``d_j . p >= ||p||^2`` for all
donors with equality on the support, ``p = D w``); a failed check falls back to SLSQP and raises
:class:`SynthConvergenceError` if that fails too. One fit with 150 donors takes well under a
millisecond, so a full placebo over 150 areas takes a fraction of a second.

Inference: :meth:`SynthResult.placebo` re-fits treating each donor as treated (the real treated
area never enters a placebo's donor pool) and ranks the post/pre RMSPE ratios; the permutation
p-value is ``rank / n_units`` (Abadie et al. 2010, section 3.2).
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize

from wigan_deal import config, fmt
from wigan_deal.periods import (
    DEFAULT_POST_RULE,
    check_post_rule,
    is_post,
    parse_period,
    period_midpoint,
)

__all__ = [
    "AGGREGATE_PREFIXES",
    "FEW_PRE_PERIODS",
    "HULL_WARNING_RATIO",
    "SynthConvergenceError",
    "SynthInputError",
    "SynthPlaceboResult",
    "SynthResult",
    "SynthWarning",
    "ADHWeights",
    "PREDICTOR_WEIGHTINGS",
    "adh_weights",
    "fit_synth",
    "prepared_panel",
    "simplex_least_squares",
]

#: Code prefixes of aggregates that are never donors (see :data:`wigan_deal.config.AGGREGATE_PREFIXES`).
AGGREGATE_PREFIXES: tuple[str, ...] = config.AGGREGATE_PREFIXES
#: Minimum number of pre-periods below which a fit is refused.
MIN_PRE_PERIODS: int = 2
#: Fewer pre-periods than this triggers a :class:`SynthWarning` (Abadie 2021, section 7).
FEW_PRE_PERIODS: int = 8
#: Warn that the treated area looks outside the donors' convex hull when the pre-RMSPE exceeds
#: this multiple of the between-area standard deviation of the pre-period outcome.
HULL_WARNING_RATIO: float = 0.25
#: Weights below this are treated as zero in :meth:`SynthResult.top_weights` and counts.
WEIGHT_TOL: float = 1e-6
#: Relative tolerance of the KKT check on the scaled problem.
KKT_TOL: float = 1e-7
#: A pre-RMSPE below this multiple of the outcome's root-mean-square level counts as an *exact*
#: pre-period fit (interpolation). RMSPE ratios divide by ``max(pre_rmspe, floor)`` so that exact
#: fits are ranked by their post-RMSPE instead of by floating-point noise in a ~1e-14 denominator.
EXACT_FIT_TOL: float = 1e-8


#: How covariate predictors are weighted in :func:`fit_synth`: ``"adh"`` (nested optimisation of
#: V, Abadie, Diamond & Hainmueller 2010) or ``"fixed"`` (covariates appended to the pre-period
#: outcomes with a fixed weight).
PREDICTOR_WEIGHTINGS: tuple[str, ...] = ("adh", "fixed")
#: Outer optimisers tried for V from each starting value; the lowest pre-period MSPE wins (R's
#: ``Synth`` likewise runs several ``optimx`` methods from an equal and a regression-based start).
ADH_OUTER_METHODS: tuple[str, ...] = ("Nelder-Mead", "Powell", "BFGS")


class SynthWarning(UserWarning):
    """A synthetic-control fit that runs but whose weights or inference deserve caution."""


class SynthInputError(ValueError):
    """The panel, treated area, donors or break year cannot support a synthetic-control fit."""


class SynthConvergenceError(RuntimeError):
    """The weight solver did not reach a point satisfying the optimality (KKT) conditions."""


# ---------------------------------------------------------------------------------------------
# solver
# ---------------------------------------------------------------------------------------------


def _kkt_violation(D: np.ndarray, w: np.ndarray) -> float:
    """Largest violation of the KKT conditions of ``min ||D w||^2`` on the simplex (scaled D)."""
    p = D @ w
    q = float(p @ p)
    g = D.T @ p - q  # must be >= 0 everywhere and == 0 where w > 0
    support = w > WEIGHT_TOL
    dual = max(0.0, float(-g.min())) if g.size else 0.0
    comp = float(np.abs(g[support]).max()) if support.any() else np.inf
    primal = abs(float(w.sum()) - 1.0) + max(0.0, float(-w.min()))
    return max(dual, comp, primal)


def _slsqp(D: np.ndarray, w0: np.ndarray) -> np.ndarray:
    n = D.shape[1]
    H = D.T @ D
    res = optimize.minimize(
        lambda w: float(w @ H @ w),
        w0,
        jac=lambda w: 2.0 * (H @ w),
        method="SLSQP",
        bounds=[(0.0, 1.0)] * n,
        constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1.0, "jac": lambda w: np.ones(n)}],
        options={"ftol": 1e-15, "maxiter": 1000},
    )
    w = np.clip(res.x, 0.0, None)
    return w / w.sum()


def simplex_least_squares(y: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Weights ``w >= 0``, ``sum(w) = 1`` minimising ``||y - X w||`` (rows periods, columns donors).

    Exact reduction to one NNLS call (see the module docstring); the KKT conditions are verified
    and a failed check falls back to SLSQP before raising :class:`SynthConvergenceError`. When the
    target lies inside the donors' convex hull and there are more donors than rows, the optimum is
    not unique; NNLS then returns a sparse (basic) solution with at most ``rows + 1`` donors.
    """
    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise SynthInputError(
            f"simplex_least_squares needs y of shape (T,) and X of shape (T, J); got {y.shape} and "
            f"{X.shape}."
        )
    if not (np.isfinite(y).all() and np.isfinite(X).all()):
        raise SynthInputError("simplex_least_squares needs finite y and X (no NaN or inf).")
    n = X.shape[1]
    if n == 0:
        raise SynthInputError("simplex_least_squares needs at least one donor column.")
    if n == 1:
        return np.ones(1)
    D = X - y[:, None]
    scale = float(np.sqrt(np.mean(D**2)))
    if scale > 0:
        D = D / scale
    A = np.vstack([D, np.ones((1, n))])
    b = np.zeros(A.shape[0])
    b[-1] = 1.0
    w = None
    try:
        u, _ = optimize.nnls(A, b, maxiter=50 * n)
        if u.sum() > 0 and np.isfinite(u).all():
            w = u / u.sum()
    except RuntimeError:  # scipy raises when the iteration limit is reached
        w = None
    tol = KKT_TOL * (1.0 + float(np.abs(D).max())) ** 2
    if w is not None and _kkt_violation(D, w) <= tol:
        return w
    w0 = w if w is not None else np.full(n, 1.0 / n)
    w = _slsqp(D, w0)
    violation = _kkt_violation(D, w)
    if violation <= 100 * tol:
        return w
    raise SynthConvergenceError(
        f"Synthetic-control weights did not converge: the largest KKT violation is {violation:.3g} "
        f"(tolerance {100 * tol:.3g}) with {n} donors and {X.shape[0]} matching rows. Check the "
        "panel for extreme or duplicated values, or restrict the donor pool."
    )


@dataclass(frozen=True)
class ADHWeights:
    """Result of :func:`adh_weights`: donor weights ``w``, predictor weights ``v`` (sum 1), the
    pre-period outcome MSPE they reach, and which outer optimiser and start gave them."""

    w: np.ndarray
    v: np.ndarray
    mspe: float
    method: str
    start: str


def _scale_predictors(x1: np.ndarray, x0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Divide each predictor by its sd over treated + donors (ddof 1), as R's ``Synth`` does."""
    sd = np.std(np.column_stack([x0, x1]), axis=1, ddof=1)
    if not (np.isfinite(sd).all() and (sd > 0).all()):
        bad = [i for i, v in enumerate(sd) if not (np.isfinite(v) and v > 0)]
        raise SynthInputError(
            f"Predictor row(s) {bad} are constant or missing across the treated area and donors: "
            "a predictor must vary between units to be matched on."
        )
    return x1 / sd, x0 / sd[:, None]


def _inner_w(v: np.ndarray, x1: np.ndarray, x0: np.ndarray) -> np.ndarray:
    """W minimising ``(x1 - x0 w)' diag(v) (x1 - x0 w)`` on the simplex."""
    root = np.sqrt(v)
    return simplex_least_squares(root * x1, root[:, None] * x0)


def adh_weights(x1: np.ndarray, x0: np.ndarray, z1: np.ndarray, z0: np.ndarray) -> ADHWeights:
    """Abadie-Diamond-Hainmueller nested optimisation of predictor weights ``V`` and donor weights ``W``.

    ``x1`` (k,) and ``x0`` (k, J): predictors of the treated and the donors (rows are predictors);
    ``z1`` (T0,) and ``z0`` (T0, J): pre-period outcomes. Predictors are scaled by their sd across
    units. For ``V = diag(|x| / sum|x|)`` the inner problem gives ``W(V)``; the outer problem
    minimises the pre-period MSPE ``|z1 - z0 W(V)|^2 / T0`` over ``x`` with each optimiser in
    :data:`ADH_OUTER_METHODS` from an equal start and the regression-based start of R's ``Synth``
    (squared coefficients of the pre-period outcomes on the predictors); the lowest MSPE is kept.
    The outer problem is not convex, so ``V`` is a local optimum; ``W`` is what matters for the
    synthetic control and is checked against published results in the tests.
    """
    x1, x0 = np.asarray(x1, float), np.asarray(x0, float)
    z1, z0 = np.asarray(z1, float), np.asarray(z0, float)
    if x0.ndim != 2 or x1.shape != (x0.shape[0],) or z0.shape != (z1.size, x0.shape[1]):
        raise SynthInputError(
            f"adh_weights needs x1 (k,), x0 (k, J), z1 (T0,), z0 (T0, J); got {x1.shape}, {x0.shape}, "
            f"{z1.shape}, {z0.shape}."
        )
    x1s, x0s = _scale_predictors(x1, x0)
    k = x0s.shape[0]

    def mspe(x: np.ndarray) -> float:
        total = float(np.abs(x).sum())
        if not np.isfinite(total) or total <= 0:
            return float("inf")
        try:
            w = _inner_w(np.abs(x) / total, x1s, x0s)
        except SynthConvergenceError:
            return float("inf")
        r = z1 - z0 @ w
        return float(r @ r) / r.size

    starts = {"equal": np.full(k, 1.0 / k)}
    design = np.column_stack([np.ones(x0s.shape[1] + 1), np.column_stack([x0s, x1s]).T])
    beta = np.linalg.lstsq(design, np.column_stack([z0, z1]).T, rcond=None)[0][1:]
    ols = np.sum(beta**2, axis=1)
    if np.isfinite(ols).all() and ols.sum() > 0:
        starts["regression"] = ols / ols.sum()
    best: tuple[float, np.ndarray, str, str] | None = None
    for start, x0_ in starts.items():
        for method in ADH_OUTER_METHODS:
            options = {"maxiter": 5000} if method != "BFGS" else {}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                res = optimize.minimize(mspe, x0_, method=method, options=options)
            value = mspe(res.x)
            if best is None or value < best[0]:
                best = (value, np.asarray(res.x, float), method, start)
        value = mspe(x0_)
        if best is None or value < best[0]:
            best = (value, x0_, "start value", start)
    value, x, method, start = best
    v = np.abs(x) / np.abs(x).sum()
    return ADHWeights(w=_inner_w(v, x1s, x0s), v=v, mspe=value, method=method, start=start)


# ---------------------------------------------------------------------------------------------
# input normalisation
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Panel:
    values: np.ndarray  # periods x areas
    codes: list[str]
    labels: list[str]
    start: np.ndarray
    end: np.ndarray
    names: dict[str, str]

    @property
    def time(self) -> np.ndarray:
        return period_midpoint(self.start, self.end)


def _label(start: int, end: int) -> str:
    return str(start) if start == end else f"{start}-{end % 100:02d}"


def _from_tidy(frame: pd.DataFrame, outcome: str) -> _Panel:
    needed = ["area_code", "period_start", "period_end", outcome]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise SynthInputError(
            f"The panel is missing column(s) {missing}: a tidy panel needs {needed} (optionally "
            f"'area_name' and 'period'); columns present are {list(frame.columns)}."
        )
    df = frame.copy()
    df["area_code"] = df["area_code"].astype(str)
    df["period_start"] = pd.to_numeric(df["period_start"]).astype(int)
    df["period_end"] = pd.to_numeric(df["period_end"]).astype(int)
    df[outcome] = pd.to_numeric(df[outcome], errors="coerce").astype(float)
    dup = df.duplicated(["area_code", "period_start", "period_end"], keep=False)
    if dup.any():
        row = df.loc[dup].iloc[0]
        raise SynthInputError(
            f"The panel has more than one row for area {row['area_code']} and period "
            f"{_label(row['period_start'], row['period_end'])}: pass ONE indicator, sex and vintage "
            "(filter on 'indicator', 'sex' and 'vintage' first)."
        )
    if "period" in df.columns:
        df["_label"] = df["period"].astype(str)
    else:
        df["_label"] = [_label(s, e) for s, e in zip(df["period_start"], df["period_end"], strict=True)]
    periods = (
        df[["period_start", "period_end", "_label"]]
        .drop_duplicates(["period_start", "period_end"])
        .sort_values(["period_start", "period_end"])
    )
    wide = df.pivot(index=["period_start", "period_end"], columns="area_code", values=outcome)
    wide = wide.reindex(pd.MultiIndex.from_frame(periods[["period_start", "period_end"]]))
    names: dict[str, str] = {}
    if "area_name" in df.columns:
        first = df[["area_code", "area_name"]].drop_duplicates("area_code")  # zip: itertuples builds a namedtuple class
        names = {str(k): str(v) for k, v in zip(first["area_code"].tolist(), first["area_name"].tolist(), strict=True)}
    return _Panel(
        values=wide.to_numpy(dtype=float),
        codes=[str(c) for c in wide.columns],
        labels=list(periods["_label"]),
        start=periods["period_start"].to_numpy(int),
        end=periods["period_end"].to_numpy(int),
        names=names,
    )


def _from_wide(frame: pd.DataFrame, period_years: int | None) -> _Panel:
    index = frame.index
    if pd.api.types.is_float_dtype(index.dtype):
        if period_years is None:
            raise SynthInputError(
                "A wide panel indexed by period midpoints needs period_years=: a midpoint is "
                "ambiguous (2010.5 is both calendar year 2010 and the rolling period 2009-11). "
                "Pass period_years=1 or 3, or index the frame by period labels ('2009-11')."
            )
        if int(period_years) < 1:
            raise SynthInputError(f"period_years must be a positive integer, got {period_years!r}.")
        start = np.rint(index.to_numpy(float) - period_years / 2.0).astype(int)
        end = start + int(period_years) - 1
        labels = [_label(s, e) for s, e in zip(start, end, strict=True)]
    else:
        try:
            parsed = [parse_period(v) for v in index]
        except ValueError as exc:
            raise SynthInputError(
                f"Cannot read the wide panel's index as periods: {exc} A wide panel has one row per "
                "period (index = period label such as '2009-11', or midpoint with period_years=) "
                "and one column per area code."
            ) from exc
        start = np.array([p[0] for p in parsed], dtype=int)
        end = np.array([p[1] for p in parsed], dtype=int)
        labels = [str(v) for v in index]
    if pd.Series(list(zip(start, end, strict=True))).duplicated().any():
        raise SynthInputError("The wide panel has the same period in more than one row.")
    order = np.lexsort((end, start))
    values = frame.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)[order]
    return _Panel(
        values=values,
        codes=[str(c) for c in frame.columns],
        labels=[labels[i] for i in order],
        start=start[order],
        end=end[order],
        names={},
    )


def prepared_panel(panel: pd.DataFrame, outcome: str = "value", period_years: int | None = None) -> _Panel:
    """``panel`` checked and pivoted as :func:`fit_synth` does it; pass the result to :func:`fit_synth` to
    refit one panel many times (leave-one-out) without re-pivoting it. Shared by those fits, never
    modified by them (their ``outcome`` and ``period_years`` are then the ones given here)."""
    return _to_panel(panel, outcome, period_years)


def _to_panel(panel: pd.DataFrame | _Panel, outcome: str, period_years: int | None) -> _Panel:
    if isinstance(panel, _Panel):
        return panel
    if not isinstance(panel, pd.DataFrame):
        raise SynthInputError(
            f"panel must be a pandas DataFrame (tidy: area_code, period_start, period_end, value; "
            f"or wide: periods x area codes), got {type(panel).__name__}."
        )
    if panel.empty:
        raise SynthInputError("The panel is empty: no areas or periods to fit.")
    if "area_code" in panel.columns:
        out = _from_tidy(panel, outcome)
    else:
        out = _from_wide(panel, period_years)
    if len(set(out.codes)) != len(out.codes):
        raise SynthInputError("The panel has duplicated area codes among its columns.")
    return out


def _closest_codes(code: str, panel: _Panel, n: int = 3) -> str:
    by_code = difflib.get_close_matches(str(code), panel.codes, n=n, cutoff=0.5)
    by_name = [c for c, name in panel.names.items() if str(code).strip().lower() == name.lower()]
    hits = list(dict.fromkeys(by_name + by_code))[:n]
    if not hits:
        return "no close codes"
    return ", ".join(f"{c} ({panel.names[c]})" if c in panel.names else c for c in hits)


def _is_aggregate(code: str) -> bool:
    return any(code.startswith(p) for p in AGGREGATE_PREFIXES)


def _fmt_codes(codes: Sequence[str], limit: int = 12) -> str:
    codes = list(codes)
    head = ", ".join(codes[:limit])
    return head + (f", ... ({len(codes)} in all)" if len(codes) > limit else "")


# ---------------------------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------------------------


def _rmspe(gap: np.ndarray) -> float:
    return float(np.sqrt(np.mean(gap**2))) if gap.size else float("nan")


def _ratio(post: float, pre: float, floor: float) -> float:
    """post / pre with the pre-RMSPE floored at the exact-fit tolerance."""
    denominator = max(pre, floor)
    if denominator > 0:
        return post / denominator
    return float("inf") if post > 0 else float("nan")


@dataclass
class SynthPlaceboResult:
    """In-space placebo inference for a :class:`SynthResult`.

    ``table`` has one row per unit (the treated first, ``is_treated`` True): area_code, pre_rmspe,
    post_rmspe, ratio, mean_post_gap, kept (False if dropped by ``exclude_poor_fit``), and
    ``exact_fit`` (pre-RMSPE below the exact-fit tolerance: interpolation, see
    :data:`EXACT_FIT_TOL`) and ``rank_ratio`` among the kept units (1 = largest ratio). ``rank`` is the number of kept units
    whose ratio is at least the treated's (ties count against the treated); ``p_value`` is
    ``rank / n_units`` over the kept units.
    """

    treated: str
    table: pd.DataFrame
    gaps: pd.DataFrame
    rank: int
    n_units: int
    p_value: float
    n_dropped: int
    exclude_poor_fit: float | None
    break_year: float
    n_exact_fit: int = 0
    names: dict[str, str] = field(default_factory=dict, repr=False)

    def summary(self) -> str:
        """Plain-text account of the placebo test."""
        lines = [
            f"In-space placebo test for {self.treated}: {self.n_units} units ranked by post/pre "
            f"RMSPE ratio (the treated plus {self.n_units - 1} placebos).",
            f"  treated rank {self.rank} of {self.n_units}; permutation p-value "
            f"{self.rank}/{self.n_units} = {fmt.number(self.p_value, 3)}",
        ]
        if self.exclude_poor_fit is not None:
            lines.append(
                f"  {self.n_dropped} placebo(s) dropped with pre-RMSPE above "
                f"{self.exclude_poor_fit:g} x the treated's"
            )
        if self.n_exact_fit:
            lines.append(
                f"  {self.n_exact_fit} kept unit(s) fit their pre-period exactly (interpolation); their "
                "ratios rank by post-RMSPE alone, so the ranking mostly reflects post-period noise"
            )
        minimum = 1.0 / self.n_units
        lines.append(f"  smallest attainable p-value with {self.n_units} units: {fmt.number(minimum, 3)}")
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """Tidy (quantity, value) headline numbers."""
        rows = [
            ("placebo_rank", float(self.rank)),
            ("placebo_n_units", float(self.n_units)),
            ("placebo_p_value", self.p_value),
            ("placebo_n_dropped", float(self.n_dropped)),
            ("placebo_n_exact_fit", float(self.n_exact_fit)),
        ]
        return pd.DataFrame(rows, columns=["quantity", "value"])

    def plot(self, ax=None, *, show_dropped: bool = False):
        """Gap paths of all (kept) placebos in grey, the treated area in colour; returns the axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4))
        kept = set(self.table.loc[self.table["kept"], "area_code"])
        for code in self.gaps.columns:
            if code == self.treated or (code not in kept and not show_dropped):
                continue
            ax.plot(self.gaps.index, self.gaps[code], color="0.75", lw=0.8, zorder=1)
        label = self.names.get(self.treated, self.treated)
        ax.plot(self.gaps.index, self.gaps[self.treated], color="C3", lw=2.2, label=label, zorder=3)
        ax.axhline(0.0, color="black", lw=0.8)
        ax.axvline(self.break_year, color="black", ls="--", lw=1, label=f"break ({self.break_year:g})")
        ax.set_xlabel("period midpoint")
        ax.set_ylabel("gap: area - synthetic")
        ax.set_title(f"Placebo gaps (p = {self.rank}/{self.n_units} = {fmt.number(self.p_value, 3)})")
        ax.legend(loc="best", frameon=False)
        return ax


@dataclass
class SynthResult:
    """A fitted synthetic control.

    Attributes: ``weights`` (Series over every donor, sorted descending, summing to 1),
    ``synthetic`` (Series by period label), ``gap`` (DataFrame: period, time, treated, synthetic,
    gap, post), ``pre_rmspe``, ``post_rmspe``, ``rmspe_ratio`` (post / max(pre, exact-fit floor),
    see :data:`EXACT_FIT_TOL`), ``exact_pre_fit``, ``mean_post_gap``, ``donors`` (pool used),
    ``dropped_donors`` ({code: reason}), ``warnings`` (messages issued).
    """

    treated: str
    break_year: float
    post_rule: str
    weights: pd.Series
    synthetic: pd.Series
    gap: pd.DataFrame
    pre_rmspe: float
    post_rmspe: float
    rmspe_ratio: float
    mean_post_gap: float
    donors: list[str]
    dropped_donors: dict[str, str]
    warnings: list[str]
    names: dict[str, str] = field(default_factory=dict, repr=False)
    _match: np.ndarray = field(default=None, repr=False)  # matching rows x [treated, donors...]
    _values: np.ndarray = field(default=None, repr=False)  # kept periods x [treated, donors...]
    _post: np.ndarray = field(default=None, repr=False)
    _floor: float = field(default=0.0, repr=False)  # exact-fit floor of the pre-RMSPE
    #: predictor weights V by predictor (ADH) or None; how covariates were weighted
    predictor_v: pd.Series | None = None
    predictor_weighting: str | None = None

    @property
    def exact_pre_fit(self) -> bool:
        """True if the pre-period fit is exact to numerical precision (interpolation)."""
        return self.pre_rmspe <= self._floor

    @property
    def n_pre(self) -> int:
        return int((~self._post).sum())

    @property
    def n_post(self) -> int:
        return int(self._post.sum())

    def top_weights(self, n: int | None = 10) -> pd.Series:
        """The ``n`` largest weights, dropping those below 1e-6 (``n=None``: all non-zero)."""
        nonzero = self.weights[self.weights >= WEIGHT_TOL]
        return nonzero if n is None else nonzero.head(n)

    # -- inference ------------------------------------------------------------------------------
    def placebo(
        self,
        max_units: int | None = None,
        *,
        exclude_poor_fit: float | None = None,
        seed: int = 0,
    ) -> SynthPlaceboResult:
        """In-space placebo: refit treating each donor as treated (Abadie et al. 2010).

        Each placebo's donors are the other donors of this fit; the real treated area is never a
        placebo donor. ``max_units`` caps the number of placebos (a seeded random sample of the
        donor pool). ``exclude_poor_fit=k`` drops placebos whose pre-RMSPE exceeds ``k`` times the
        treated's (Abadie et al. used 20, 5 and 2) before ranking.
        """
        n_donors = len(self.donors)
        if n_donors < 2:
            raise SynthInputError(
                f"A placebo test needs at least 2 donors (each placebo needs a donor), got {n_donors}."
            )
        idx = np.arange(1, n_donors + 1)
        if max_units is not None:
            if int(max_units) < 1:
                raise SynthInputError(f"max_units must be a positive integer, got {max_units!r}.")
            if int(max_units) < n_donors:
                rng = np.random.default_rng(seed)
                idx = np.sort(rng.choice(idx, size=int(max_units), replace=False))
        if exclude_poor_fit is not None and not exclude_poor_fit > 0:
            raise SynthInputError(f"exclude_poor_fit must be positive, got {exclude_poor_fit!r}.")
        pool = np.arange(1, n_donors + 1)
        pre = ~self._post
        codes = [self.treated, *self.donors]
        gaps = {self.treated: self.gap["gap"].to_numpy()}
        rows = [(self.treated, self.pre_rmspe, self.post_rmspe, self.rmspe_ratio, self.mean_post_gap)]
        for j in idx:
            others = pool[pool != j]
            w = simplex_least_squares(self._match[:, j], self._match[:, others])
            g = self._values[:, j] - self._values[:, others] @ w
            pre_r, post_r = _rmspe(g[pre]), _rmspe(g[self._post])
            rows.append(
                (codes[j], pre_r, post_r, _ratio(post_r, pre_r, self._floor), float(g[self._post].mean()))
            )
            gaps[codes[j]] = g
        table = pd.DataFrame(
            rows, columns=["area_code", "pre_rmspe", "post_rmspe", "ratio", "mean_post_gap"]
        )
        table["is_treated"] = table["area_code"] == self.treated
        table["exact_fit"] = table["pre_rmspe"] <= self._floor
        kept = np.ones(len(table), dtype=bool)
        if exclude_poor_fit is not None:
            kept = table["pre_rmspe"].to_numpy() <= exclude_poor_fit * self.pre_rmspe
            kept[0] = True
        table["kept"] = kept
        ratios = table["ratio"].to_numpy()
        treated_ratio = ratios[0]
        rank = max(1, int(np.sum(ratios[kept] >= treated_ratio)))  # ties count against
        n_units = int(kept.sum())
        n_exact = int((table["exact_fit"] & kept).sum())
        if n_exact:
            warnings.warn(
                f"{n_exact} of {n_units} units in the placebo test (treated "
                f"{'included' if self.exact_pre_fit else 'not included'}) fit their pre-period "
                "exactly: with more donors than pre-periods the synthetic control interpolates, and "
                "post/pre RMSPE ratios of exact fits are not comparable with the rest. Restrict the "
                "donor pool to similar areas.",
                SynthWarning,
                stacklevel=2,
            )
        table["rank_ratio"] = np.nan
        table.loc[kept, "rank_ratio"] = (
            table.loc[kept, "ratio"].rank(ascending=False, method="min").to_numpy()
        )
        time = self.gap["time"].to_numpy()
        gap_frame = pd.DataFrame(gaps, index=pd.Index(time, name="time"))
        return SynthPlaceboResult(
            treated=self.treated,
            table=table,
            gaps=gap_frame,
            rank=rank,
            n_units=n_units,
            p_value=rank / n_units,
            n_dropped=int((~kept).sum()),
            exclude_poor_fit=exclude_poor_fit,
            break_year=self.break_year,
            n_exact_fit=n_exact,
            names=self.names,
        )

    # -- reporting ------------------------------------------------------------------------------
    def effect_summary(self, unit: str = "", higher_is_better: bool = False, placebo=None):
        """``(table, text)``: pre-fit, mean post gap and (if given) the placebo p in plain English."""
        u = f" {unit}" if unit else ""
        worse = (self.mean_post_gap > 0) != higher_is_better
        text = (f"The synthetic control tracks the pre-period with RMSPE {fmt.number(self.pre_rmspe, 2)}{u}"
                + (" (an exact fit: interpolation)" if self.exact_pre_fit else "")
                + f"; after the break the area is on average {fmt.number(self.mean_post_gap, 2, signed=True)}{u} from it "
                f"({'worse' if worse else 'better'} than the synthetic path).")
        if placebo is not None:
            text += (f" The placebo test ranks it {placebo.rank} of {placebo.n_units} (p = "
                     f"{fmt.number(placebo.p_value, 3)}); {placebo.n_exact_fit} placebo unit(s) fit their "
                     "pre-period exactly, which makes their ratios (and so the p-value) less informative.")
        return self.to_frame(), text

    def summary(self, n_weights: int = 10) -> str:
        """Plain-text account of the fit."""
        pre = self.gap.loc[~self.gap["post"], "period"]
        post = self.gap.loc[self.gap["post"], "period"]
        name = self.names.get(self.treated)
        lines = [
            f"Synthetic control for {self.treated}{f' ({name})' if name else ''}, break at the start "
            f"of {self.break_year:g} (post rule {self.post_rule!r})",
            f"  pre-periods: {len(pre)} ({pre.iloc[0]} to {pre.iloc[-1]}); post-periods: "
            f"{len(post)} ({post.iloc[0]} to {post.iloc[-1]})",
            f"  donor pool: {len(self.donors)} areas; {len(self.top_weights(None))} with weight "
            f">= {fmt.number(WEIGHT_TOL, 6)}",
        ]
        if self.dropped_donors:
            lines.append(
                f"  dropped from the pool: {_fmt_codes([f'{c} ({r})' for c, r in self.dropped_donors.items()], 6)}"
            )
        lines.append("  top weights:")
        for code, w in self.top_weights(n_weights).items():
            label = f"{code} {self.names[code]}" if code in self.names else code
            lines.append(f"    {label:<40s} {fmt.number(w, 4)}")
        if self.predictor_v is not None:
            lines.append("  predictor weights V (Abadie-Diamond-Hainmueller, chosen to minimise the "
                         "pre-period outcome MSPE): "
                         + ", ".join(f"{k} {fmt.number(v, 3)}" for k, v in self.predictor_v.items()))
        elif self.predictor_weighting == "fixed":
            lines.append("  covariates appended to the pre-period outcomes with a fixed weight (not the "
                         "ADH estimator)")
        lines += [
            f"  pre-RMSPE {fmt.number(self.pre_rmspe, 4)}; post-RMSPE {fmt.number(self.post_rmspe, 4)}; "
            f"ratio {fmt.number(self.rmspe_ratio, 2)}{' (exact pre-period fit)' if self.exact_pre_fit else ''}",
            f"  mean post-period gap (treated - synthetic): {fmt.number(self.mean_post_gap, 4, signed=True)}",
        ]
        for message in self.warnings:
            lines.append(f"  WARNING: {message}")
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """Tidy (quantity, value) table of headline numbers and the non-zero weights."""
        rows = [
            ("break_year", float(self.break_year)),
            ("n_pre", float(self.n_pre)),
            ("n_post", float(self.n_post)),
            ("n_donors", float(len(self.donors))),
            ("n_nonzero_weights", float(len(self.top_weights(None)))),
            ("pre_rmspe", self.pre_rmspe),
            ("post_rmspe", self.post_rmspe),
            ("rmspe_ratio", self.rmspe_ratio),
            ("exact_pre_fit", float(self.exact_pre_fit)),
            ("mean_post_gap", self.mean_post_gap),
        ]
        rows += [(f"weight[{code}]", float(w)) for code, w in self.top_weights(None).items()]
        if self.predictor_v is not None:
            rows += [(f"V[{name}]", float(v)) for name, v in self.predictor_v.items()]
        return pd.DataFrame(rows, columns=["quantity", "value"])

    def plot(self, ax=None, kind: str = "paths"):
        """Treated vs synthetic paths (``kind="paths"``) or the gap (``kind="gap"``); returns axes."""
        import matplotlib.pyplot as plt

        if kind not in ("paths", "gap"):
            raise ValueError(f"Unknown plot kind {kind!r}: valid kinds are 'paths' and 'gap'.")
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4))
        t = self.gap["time"]
        label = self.names.get(self.treated, self.treated)
        if kind == "paths":
            ax.plot(t, self.gap["treated"], color="C3", lw=2, marker="o", ms=3, label=label)
            ax.plot(t, self.gap["synthetic"], color="C0", lw=2, ls="--", label=f"synthetic {label}")
            ax.set_ylabel("outcome")
        else:
            ax.plot(t, self.gap["gap"], color="C3", lw=2, marker="o", ms=3, label=f"{label} - synthetic")
            ax.axhline(0.0, color="black", lw=0.8)
            ax.set_ylabel("gap: treated - synthetic")
        ax.axvline(self.break_year, color="black", ls=":", lw=1, label=f"break ({self.break_year:g})")
        ax.set_xlabel("period midpoint")
        ax.set_title(f"Synthetic control: pre-RMSPE {fmt.number(self.pre_rmspe, 2)}, mean post gap "
                     f"{fmt.number(self.mean_post_gap, 2, signed=True)}")
        ax.legend(loc="best", frameon=False)
        return ax


# ---------------------------------------------------------------------------------------------
# fitting
# ---------------------------------------------------------------------------------------------


def _predictor_rows(
    predictors: pd.DataFrame, codes: list[str], outcome_sd: float, weight: float
) -> tuple[np.ndarray, list[str]]:
    """Scaled covariate rows (covariates x codes) and the codes lacking a value."""
    if not isinstance(predictors, pd.DataFrame):
        raise SynthInputError(
            "predictors must be a DataFrame indexed by area_code with one numeric column per "
            f"covariate, got {type(predictors).__name__}."
        )
    frame = predictors.copy()
    frame.index = frame.index.astype(str)
    frame = frame.apply(pd.to_numeric, errors="coerce").reindex(codes)
    missing = [c for c in codes if frame.loc[c].isna().any()]
    sd = frame.std(ddof=0)
    if (sd <= 0).any() or sd.isna().any():
        bad = list(sd.index[(sd <= 0) | sd.isna()])
        raise SynthInputError(f"Predictor column(s) {bad} are constant or empty across the areas.")
    rows = ((frame - frame.mean()) / sd * outcome_sd * np.sqrt(weight)).to_numpy(float).T
    return rows, missing


def fit_synth(
    panel: pd.DataFrame | _Panel,
    treated: str,
    break_year: float,
    *,
    donors: Iterable[str] | None = None,
    post_rule: str = DEFAULT_POST_RULE,
    outcome: str = "value",
    predictors: pd.DataFrame | None = None,
    predictor_weight: float = 1.0,
    predictor_weighting: str = "adh",
    period_years: int | None = None,
) -> SynthResult:
    """Fit a synthetic control for ``treated`` with an intervention starting in ``break_year``.

    ``panel``: tidy (``area_code, period_start, period_end, <outcome>``, optionally ``area_name``
    and ``period``) for one indicator/sex/vintage, or wide (rows = periods indexed by label, or by
    midpoint together with ``period_years``; columns = area codes), or :func:`prepared_panel` of one. Pre/post follows
    :func:`wigan_deal.periods.is_post` with ``post_rule``.

    Donor pool: ``donors`` or every other area; the treated area and aggregates
    (:data:`AGGREGATE_PREFIXES`, including England) are excluded, and areas with a missing value
    in any period the treated area is observed are dropped (listed in ``dropped_donors``).

    ``predictors`` (optional): DataFrame indexed by area_code, one numeric column per predictor.
    Donors lacking a predictor are dropped. RMSPEs are always of the outcome only.

    - ``predictor_weighting="adh"`` (default): the Abadie-Diamond-Hainmueller estimator
      (:func:`adh_weights`). W matches the predictors ONLY, with predictor weights V chosen to
      minimise the pre-period outcome MSPE; include lagged outcomes as predictor columns if they
      should be matched (ADH 2010 used cigarette sales in 1975, 1980 and 1988). ``result.predictor_v``
      holds V. Placebos re-use the treated area's V (R's ``Synth`` re-optimises V per placebo).
    - ``predictor_weighting="fixed"``: not the ADH estimator. Every pre-period outcome is matched
      with equal weight and each covariate is appended as one more row, standardised across areas
      and rescaled to the between-area sd of the pre-period outcome times ``sqrt(predictor_weight)``
      (so with the default weight a covariate counts as much as one pre-period). It keeps the
      pre-period fit central and uses covariates mainly to break ties between donors.
    """
    rule = check_post_rule(post_rule)
    try:
        break_year = float(break_year)
    except (TypeError, ValueError) as exc:
        raise SynthInputError(f"break_year must be a year such as 2011, got {break_year!r}.") from exc
    data = _to_panel(panel, outcome, period_years)
    treated = str(treated)
    if treated not in data.codes:
        raise SynthInputError(
            f"Treated area {treated!r} is not in the panel ({len(data.codes)} areas). Closest codes: "
            f"{_closest_codes(treated, data)}."
        )
    issued: list[str] = []

    def warn(message: str) -> None:
        issued.append(message)
        warnings.warn(message, SynthWarning, stacklevel=3)

    t_idx = data.codes.index(treated)
    observed = np.isfinite(data.values[:, t_idx])
    if not observed.any():
        raise SynthInputError(f"Treated area {treated} has no non-missing values in the panel.")
    if not observed.all():
        lost = [lab for lab, ok in zip(data.labels, observed, strict=True) if not ok]
        warn(f"Treated area {treated} has no value in period(s) {lost}; those periods are dropped.")
    values = data.values[observed]
    labels = [lab for lab, ok in zip(data.labels, observed, strict=True) if ok]
    start, end = data.start[observed], data.end[observed]
    post = is_post(start, end, break_year, rule)
    n_pre, n_post = int((~post).sum()), int(post.sum())
    span = f"{labels[0]} to {labels[-1]}"
    if n_pre < MIN_PRE_PERIODS:
        raise SynthInputError(
            f"Only {n_pre} pre-period(s) before a {break_year:g} break with post rule {rule!r} "
            f"(periods {span}): a synthetic control needs at least {MIN_PRE_PERIODS}. Choose a "
            "later break year or an indicator with a longer history."
        )
    if n_post == 0:
        raise SynthInputError(
            f"No post-period after a {break_year:g} break with post rule {rule!r} (periods {span}): "
            "choose an earlier break year or a later data vintage."
        )

    # --- donor pool ---------------------------------------------------------------------------
    dropped: dict[str, str] = {}
    explicit = donors is not None
    if explicit:
        if isinstance(donors, str):
            donors = [donors]
        requested = list(dict.fromkeys(str(c) for c in donors))
        unknown = [c for c in requested if c not in data.codes]
        if unknown:
            valid = [c for c in data.codes if c != treated and not _is_aggregate(c)]
            raise SynthInputError(
                f"Unknown donor code(s) {unknown}: not in the panel. Valid donor codes are "
                f"{_fmt_codes(valid)}."
            )
        for code in requested:
            if code == treated:
                dropped[code] = "treated area"
            elif _is_aggregate(code):
                dropped[code] = "aggregate (country/region/combined authority)"
        if dropped:
            warn(f"Removed from the requested donors: {dropped}.")
        candidates = [c for c in requested if c not in dropped]
    else:
        candidates = []
        for code in data.codes:
            if code == treated:
                continue
            if _is_aggregate(code):
                dropped[code] = "aggregate (country/region/combined authority)"
            else:
                candidates.append(code)
    col = {c: i for i, c in enumerate(data.codes)}
    complete = [c for c in candidates if np.isfinite(values[:, col[c]]).all()]
    incomplete = [c for c in candidates if c not in complete]
    for code in incomplete:
        lost = [lab for lab, v in zip(labels, values[:, col[code]], strict=True) if not np.isfinite(v)]
        dropped[code] = (
            f"missing {', '.join(lost)}" if len(lost) <= 3 else f"missing {len(lost)} of {len(labels)} periods"
        )
    if explicit and incomplete:
        warn(f"Requested donor(s) {incomplete} have missing values and were dropped.")
    pool = complete

    # --- matching rows ------------------------------------------------------------------------
    units = [treated, *pool]
    unit_values = values[:, [col[c] for c in units]]
    match = unit_values[~post]
    between_sd = float(np.mean(np.std(match, axis=1))) if len(units) > 1 else 0.0
    v_series: pd.Series | None = None
    if predictors is not None:
        if predictor_weighting not in PREDICTOR_WEIGHTINGS:
            raise SynthInputError(
                f"predictor_weighting must be one of {list(PREDICTOR_WEIGHTINGS)}, got "
                f"{predictor_weighting!r}: 'adh' optimises the predictor weights (Abadie, Diamond & "
                "Hainmueller 2010), 'fixed' appends covariates to the pre-period outcomes."
            )
        if not predictor_weight > 0:
            raise SynthInputError(f"predictor_weight must be positive, got {predictor_weight!r}.")
        rows, missing = _predictor_rows(predictors, units, between_sd or 1.0, predictor_weight)
        if treated in missing:
            raise SynthInputError(f"predictors have no (complete) row for the treated area {treated}.")
        if missing:
            for code in missing:
                dropped[code] = "missing predictor"
            keep = [i for i, c in enumerate(units) if c not in missing]
            units = [units[i] for i in keep]
            unit_values, match, rows = unit_values[:, keep], match[:, keep], rows[:, keep]
            pool = units[1:]
        if predictor_weighting == "adh":
            raw = predictors.copy()
            raw.index = raw.index.astype(str)
            raw = raw.apply(pd.to_numeric, errors="coerce").reindex(units).to_numpy(float).T
            match = raw  # predictors x units; replaced by the V-scaled rows after fitting
        else:
            match = np.vstack([match, rows])
    else:
        predictor_weighting = None
    if not pool:
        raise SynthInputError(
            f"No donors left for {treated}: {len(dropped)} candidate(s) were dropped "
            f"({_fmt_codes([f'{c} ({r})' for c, r in dropped.items()], 6)})."
        )

    # --- warnings before fitting --------------------------------------------------------------
    if n_pre < FEW_PRE_PERIODS:
        warn(
            f"few pre-periods: weights are poorly identified, with only {n_pre} pre-period(s) "
            f"(fewer than {FEW_PRE_PERIODS}) to match on; treat the gap as descriptive."
        )
    if len(pool) > n_pre:
        warn(
            f"The donor pool ({len(pool)} areas) is larger than the number of pre-periods ({n_pre}): "
            "risk of overfitting and interpolation bias (Abadie 2021). Consider restricting donors "
            "to similar areas (e.g. the same deprivation decile or CIPFA nearest neighbours)."
        )

    if predictor_weighting == "adh":
        pre_values = unit_values[~post]
        adh = adh_weights(match[:, 0], match[:, 1:], pre_values[:, 0], pre_values[:, 1:])
        w = adh.w
        v_series = pd.Series(adh.v, index=pd.Index([str(c) for c in predictors.columns], name="predictor"),
                             name="V")
        scaled = np.column_stack(_scale_predictors(match[:, 0], match[:, 1:]))
        match = np.sqrt(adh.v)[:, None] * scaled  # placebos match on the treated's V
    else:
        w = simplex_least_squares(match[:, 0], match[:, 1:])
    synthetic = unit_values[:, 1:] @ w
    gap = unit_values[:, 0] - synthetic
    pre_rmspe, post_rmspe = _rmspe(gap[~post]), _rmspe(gap[post])
    floor = EXACT_FIT_TOL * float(np.sqrt(np.mean(unit_values[~post] ** 2)))
    if between_sd > 0 and pre_rmspe > HULL_WARNING_RATIO * between_sd:
        pre_values = unit_values[~post]
        above = int(np.sum(pre_values[:, 0] > pre_values[:, 1:].max(axis=1)))
        below = int(np.sum(pre_values[:, 0] < pre_values[:, 1:].min(axis=1)))
        warn(
            f"The treated area looks outside the donors' convex hull: pre-RMSPE {fmt.number(pre_rmspe, 2)} is "
            f"{fmt.number(pre_rmspe / between_sd, 2)} times the between-area sd of the pre-period outcome "
            f"({fmt.number(between_sd, 2)}; warning threshold {HULL_WARNING_RATIO:g}); it is above every donor "
            f"in {above} and below every donor in {below} of {n_pre} pre-periods. The synthetic "
            "control cannot reproduce its pre-period path, so the gap is biased."
        )

    if pre_rmspe <= floor and len(pool) > n_pre:
        warn(
            f"The pre-period fit is exact (pre-RMSPE {fmt.number(pre_rmspe, 4)}) with {len(pool)} donors for "
            f"{n_pre} pre-periods: the synthetic control interpolates, the weights may be one of many "
            "exact solutions, and the RMSPE ratio is not meaningful."
        )
    weights = pd.Series(w, index=pd.Index(pool, name="area_code"), name="weight")
    weights = weights.sort_values(ascending=False, kind="stable")
    time = period_midpoint(start, end)
    gap_frame = pd.DataFrame(
        {
            "period": labels,
            "time": time,
            "treated": unit_values[:, 0],
            "synthetic": synthetic,
            "gap": gap,
            "post": post,
        }
    )
    return SynthResult(
        treated=treated,
        break_year=break_year,
        post_rule=rule,
        weights=weights,
        synthetic=pd.Series(synthetic, index=pd.Index(labels, name="period"), name="synthetic"),
        gap=gap_frame,
        pre_rmspe=pre_rmspe,
        post_rmspe=post_rmspe,
        rmspe_ratio=_ratio(post_rmspe, pre_rmspe, floor),
        mean_post_gap=float(gap[post].mean()),
        donors=list(pool),
        dropped_donors=dropped,
        warnings=issued,
        names=data.names,
        _match=match,
        _values=unit_values,
        _post=post,
        _floor=floor,
        predictor_v=v_series,
        predictor_weighting=predictor_weighting,
    )
