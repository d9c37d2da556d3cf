"""Load and validate the claims register (``data/report_claims.yml``) into :class:`Claim` objects."""

from __future__ import annotations

import copy
import datetime as _dt
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from wigan_deal import config

VERDICTS: tuple[str, ...] = (
    "supported",
    "partly supported",
    "not supported",
    "not testable with these data",
    "not applicable",
    "too few to grade",
)
NOT_TESTABLE = VERDICTS[3]
#: the claim's premise is absent for this area (e.g. asc_balance: not over budget at the start)
NOT_APPLICABLE = VERDICTS[4]
#: the rule states a minimum n (children, respondents, events) and the area's survey or count is below it
TOO_FEW = VERDICTS[5]
METHODS: tuple[str, ...] = (
    "change_vs_comparator",
    "trend_vs_comparator",
    "level_vs_comparator",
    "finance_change",
    "budget_vs_outturn",
    "real_terms_change",
    "not_testable",
)
#: Methods graded against the all-council distribution of a finance measure (no 'direction' parameter).
FINANCE_METHODS: tuple[str, ...] = ("finance_change", "budget_vs_outturn", "real_terms_change")
LOADERS: tuple[str, ...] = ("load_indicator", "load_finance", "load_budget")
CONTEXT_KINDS: tuple[str, ...] = ("finance_change", "gap_change")
DIRECTIONS: tuple[str, ...] = ("higher_is_better", "lower_is_better")
#: params.noise: how a change's CI is built when the data carry none (absent = assumed half-widths in params)
NOISE_MODELS: tuple[str, ...] = ("per_council",)
#: later_checks end_points: the single end period, or the mean of the non-overlapping end points
END_POINTS: tuple[str, ...] = ("single", "non_overlapping")

_REQUIRED = (
    "id",
    "wording",
    "published_source",
    "method",
    "comparison",
    "operational_meaning",
    "decision_rule",
    "notebook",
)
_REQUIRED_DATA = ("loader", "indicators", "vintage", "periods", "why")
_REQUIRED_TOP = ("rules_written", "claims")


class ClaimsRegisterError(ValueError):
    """The claims register is missing, malformed or names an invalid value."""


@dataclass(frozen=True)
class Spec:
    """What one evaluation reads: an indicator (or finance services) at a vintage over periods."""

    indicators: tuple[str, ...]
    vintage: str | None
    periods: tuple[str, ...]
    sexes: tuple[str, ...] = ("Persons",)
    baseline_period: str | None = None
    label: str = "primary (report-era data)"
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def indicator(self) -> str:
        return self.indicators[0]


#: Fields an amendment's ``previous`` block may restore (the claim as it was before the amendment).
AMENDABLE_FIELDS: tuple[str, ...] = (
    "method", "data", "params", "comparison", "operational_meaning", "decision_rule", "estimate_definition",
    "context", "reason", "data_needed", "later_checks", "wording",
)


@dataclass(frozen=True)
class Amendment:
    """One dated change of a claim's rule; ``previous`` holds the changed fields as they were."""

    date: str
    reason: str
    results_seen: bool
    previous: dict[str, Any]
    #: the results that were visible when the amendment was written (commit hashes where they exist)
    written_after_seeing: str = ""


@dataclass(frozen=True)
class Claim:
    """One claim of the report with its pre-specified rule."""

    id: str
    wording: str
    published_source: str
    method: str
    comparison: str
    operational_meaning: str
    decision_rule: dict[str, str]
    notebook: str
    data: dict[str, Any] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None
    data_needed: str | None = None
    context: dict[str, Any] | None = None
    later_checks: tuple[dict[str, Any], ...] = ()
    estimate_definition: str = ""
    amendments: tuple[Amendment, ...] = ()
    #: the results that were visible when the claim's original rule was written
    written_after_seeing: str = ""
    #: the claim as it was before its latest amendment (None if never amended)
    previous: Claim | None = field(default=None, compare=False, repr=False)

    @property
    def amended(self) -> str | None:
        """ISO date of the latest amendment, or None if the rule was never amended."""
        return self.amendments[-1].date if self.amendments else None

    @property
    def amendment(self) -> Amendment | None:
        """The latest amendment, or None."""
        return self.amendments[-1] if self.amendments else None

    @property
    def testable(self) -> bool:
        return self.method != "not_testable"

    def rule_text(self) -> str:
        """The decision rule as one line: ``verdict: condition | verdict: condition``."""
        return " | ".join(f"{verdict}: {text}" for verdict, text in self.decision_rule.items())

    def spec(self) -> Spec:
        """The primary evaluation spec (report-era data)."""
        if self.data is None:
            raise ClaimsRegisterError(f"Claim {self.id!r} has no 'data' block: it is not testable.")
        return _spec_from(self.data, self.params)

    def context_spec(self) -> Spec | None:
        """The context computation of a not-testable claim, if any."""
        if self.context is None:
            return None
        return _spec_from(self.context, self.params, label="context only (not graded)")

    def check_specs(self) -> list[Spec]:
        """Later-vintage / supplementary checks: the primary spec with the check's overrides."""
        if self.data is None:
            return []
        base = self.spec()
        out = []
        for check in self.later_checks:
            params = {**base.params, **{k: v for k, v in check.items() if k in _PARAM_OVERRIDES}}
            out.append(
                Spec(
                    indicators=(check["indicator"],) if "indicator" in check else base.indicators,
                    vintage=str(check["vintage"]) if "vintage" in check else base.vintage,
                    periods=tuple(str(p) for p in check.get("periods", base.periods)),
                    sexes=tuple(check.get("sexes", base.sexes)),
                    baseline_period=check.get("baseline_period", base.baseline_period),
                    label=check["label"],
                    params=params,
                )
            )
        return out


_PARAM_OVERRIDES = ("cohort_size", "assumed_sample_size", "assumed_ci_halfwidth", "fallback_threshold_pp",
                    "end_points", "note")


def _spec_from(block: dict[str, Any], params: dict[str, Any], label: str = "primary (report-era data)") -> Spec:
    vintage = block.get("vintage")
    return Spec(
        indicators=tuple(block["indicators"]),
        vintage=None if vintage in (None, "default") else str(vintage),
        periods=tuple(str(p) for p in block["periods"]),
        sexes=tuple(block.get("sexes", ("Persons",))),
        baseline_period=block.get("baseline_period"),
        label=label,
        params=dict(params),
    )


def _fail(claim_id: str, what: str) -> None:
    raise ClaimsRegisterError(f"Claims register, claim {claim_id!r}: {what}")


def _validate_claim(raw: Any, index: int) -> Claim:
    if not isinstance(raw, dict):
        raise ClaimsRegisterError(
            f"Claims register: entry #{index + 1} under 'claims' is a {type(raw).__name__}, "
            "expected a mapping with fields " + ", ".join(_REQUIRED) + "."
        )
    cid = str(raw.get("id", f"#{index + 1}"))
    for key in _REQUIRED:
        if raw.get(key) in (None, "", [], {}):
            _fail(cid, f"required field {key!r} is missing or empty (required: {', '.join(_REQUIRED)}).")
    method = raw["method"]
    if method not in METHODS:
        _fail(cid, f"method {method!r} is not valid; valid methods are {', '.join(METHODS)}.")
    rule = raw["decision_rule"]
    if not isinstance(rule, dict):
        _fail(cid, "field 'decision_rule' must map each verdict to its condition text.")
    for verdict in rule:
        if verdict not in VERDICTS:
            _fail(cid, f"decision_rule names verdict {verdict!r}; allowed verdicts are {', '.join(map(repr, VERDICTS))}.")
    params = raw.get("params") or {}
    if method == "not_testable":
        for key in ("reason", "data_needed"):
            if not raw.get(key):
                _fail(cid, f"method 'not_testable' requires field {key!r} (why it cannot be tested / what data would test it).")
        if set(rule) != {NOT_TESTABLE}:
            _fail(cid, f"a not_testable claim's decision_rule must have exactly the verdict {NOT_TESTABLE!r}.")
        context = raw.get("context")
        if context is not None:
            if context.get("kind") not in CONTEXT_KINDS:
                _fail(cid, f"context kind {context.get('kind')!r} is not valid; valid kinds are {', '.join(CONTEXT_KINDS)}.")
            _validate_block(cid, "context", context)
    else:
        if not isinstance(raw.get("data"), dict):
            _fail(cid, f"method {method!r} requires a 'data' block with fields {', '.join(_REQUIRED_DATA)}.")
        _validate_block(cid, "data", raw["data"])
        if method not in FINANCE_METHODS and params.get("direction") not in DIRECTIONS:
            _fail(cid, f"params.direction {params.get('direction')!r} is not valid; use one of {', '.join(DIRECTIONS)}.")
        if method == "level_vs_comparator" and params.get("test") not in ("better", "in_line"):
            _fail(cid, f"params.test {params.get('test')!r} is not valid for level_vs_comparator; use 'better' or 'in_line'.")
        if "proxy_floor" in params and params["proxy_floor"] not in VERDICTS:
            _fail(cid, f"params.proxy_floor {params['proxy_floor']!r} is not a valid verdict ({', '.join(VERDICTS)}).")
        if "cap_verdict" in params and params["cap_verdict"] not in VERDICTS:
            _fail(cid, f"params.cap_verdict {params['cap_verdict']!r} is not a valid verdict ({', '.join(VERDICTS)}).")
        missing = [v for v in VERDICTS[:3] if v not in rule]
        if missing:
            _fail(cid, f"decision_rule must state the condition for every gradable verdict; missing {missing}.")
    if params.get("noise") not in (None, *NOISE_MODELS):
        _fail(cid, f"params.noise {params['noise']!r} is not valid; use one of {', '.join(NOISE_MODELS)} or leave it out.")
    for i, check in enumerate(raw.get("later_checks") or []):
        if not isinstance(check, dict) or not check.get("label"):
            _fail(cid, f"later_checks entry #{i + 1} needs a 'label' (what the check is and which vintage).")
        if check.get("end_points", "single") not in END_POINTS:
            _fail(cid, f"later_checks entry #{i + 1}: end_points {check['end_points']!r} is not valid; use one of "
                  f"{', '.join(END_POINTS)}.")
    amendments, previous = _amendments(cid, raw, index)
    return Claim(
        id=cid,
        wording=str(raw["wording"]),
        published_source=str(raw["published_source"]),
        method=method,
        comparison=str(raw["comparison"]),
        operational_meaning=str(raw["operational_meaning"]).strip(),
        decision_rule={str(k): str(v) for k, v in rule.items()},
        notebook=str(raw["notebook"]),
        data=raw.get("data"),
        params=dict(params),
        reason=raw.get("reason"),
        data_needed=raw.get("data_needed"),
        context=raw.get("context"),
        later_checks=tuple(raw.get("later_checks") or ()),
        estimate_definition=str(raw.get("estimate_definition", "")),
        amendments=amendments,
        written_after_seeing=" ".join(str(raw.get("written_after_seeing") or "").split()),
        previous=previous,
    )


def _amendments(cid: str, raw: dict[str, Any], index: int) -> tuple[tuple[Amendment, ...], Claim | None]:
    """Validate ``amendments`` (newest last) and rebuild the claim as it was before the latest one."""
    items = raw.get("amendments")
    if items in (None, []):
        return (), None
    if not isinstance(items, list):
        _fail(cid, "'amendments' must be a list of {date, reason, results_seen, previous} entries, newest last.")
    out: list[Amendment] = []
    for i, item in enumerate(items):
        where = f"amendments entry #{i + 1}"
        if not isinstance(item, dict):
            _fail(cid, f"{where} must be a mapping with date, reason, results_seen and previous.")
        date = item.get("date")
        text = date.isoformat() if isinstance(date, _dt.date) else str(date or "")
        try:
            _dt.date.fromisoformat(text)
        except ValueError:
            _fail(cid, f"{where}: date {date!r} is not an ISO date such as 2026-11-28.")
        if not str(item.get("reason") or "").strip():
            _fail(cid, f"{where}: 'reason' is missing; say why the rule changed (and whether results were seen).")
        if not isinstance(item.get("results_seen"), bool):
            _fail(cid, f"{where}: 'results_seen' must be true or false (was the area's result known when amending?).")
        prev = item.get("previous")
        if not isinstance(prev, dict) or not prev:
            _fail(cid, f"{where}: 'previous' must map the changed fields to their old values "
                  f"(allowed: {', '.join(AMENDABLE_FIELDS)}).")
        unknown = sorted(set(prev) - set(AMENDABLE_FIELDS))
        if unknown:
            _fail(cid, f"{where}: 'previous' names field(s) {unknown} that cannot be amended "
                  f"(allowed: {', '.join(AMENDABLE_FIELDS)}).")
        if out and text < out[-1].date:
            _fail(cid, f"{where}: amendments must be in date order, newest last ({text} is before {out[-1].date}).")
        out.append(Amendment(date=text, reason=" ".join(str(item["reason"]).split()),
                             results_seen=bool(item["results_seen"]), previous=dict(prev),
                             written_after_seeing=" ".join(str(item.get("written_after_seeing") or "").split())))
    # the state before the latest amendment = current fields overlaid with its 'previous' (a field set to
    # null there did not exist before); earlier amendments stay attached to that older claim
    older = {k: v for k, v in raw.items() if k != "amendments"}
    older["written_after_seeing"] = raw.get("written_after_seeing")
    for key, value in out[-1].previous.items():
        if value is None:
            older.pop(key, None)
        else:
            older[key] = value
    older["amendments"] = items[:-1]
    try:
        previous = _validate_claim(older, index)
    except ClaimsRegisterError as exc:
        raise ClaimsRegisterError(
            f"Claims register, claim {cid!r}: the rule as it was before the amendment of {out[-1].date} is not a "
            f"valid claim ({exc}); 'previous' must hold every field that changed."
        ) from None
    return tuple(out), previous


def _validate_block(cid: str, name: str, block: dict[str, Any]) -> None:
    for key in _REQUIRED_DATA:
        if block.get(key) in (None, "", []):
            _fail(cid, f"field '{name}.{key}' is missing (a {name} block needs {', '.join(_REQUIRED_DATA)}).")
    if block["loader"] not in LOADERS:
        _fail(cid, f"'{name}.loader' {block['loader']!r} is not valid; use one of {', '.join(LOADERS)}.")
    if not isinstance(block["periods"], list) or not 1 <= len(block["periods"]) <= 2:
        _fail(cid, f"'{name}.periods' must be a list of one period (a level) or two (baseline, end); got {block['periods']!r}.")


def parse_register(text: str, source: str = "<string>") -> list[Claim]:
    """Parse and validate register YAML text."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ClaimsRegisterError(f"Claims register {source} is not valid YAML: {exc}") from exc
    if not isinstance(doc, dict):
        raise ClaimsRegisterError(f"Claims register {source} must be a mapping with keys {', '.join(_REQUIRED_TOP)}.")
    for key in _REQUIRED_TOP:
        if not doc.get(key):
            raise ClaimsRegisterError(f"Claims register {source}: top-level field {key!r} is missing or empty.")
    if not isinstance(doc["claims"], list):
        raise ClaimsRegisterError(f"Claims register {source}: 'claims' must be a list of claims.")
    claims = [_validate_claim(raw, i) for i, raw in enumerate(doc["claims"])]
    seen: set[str] = set()
    for claim in claims:
        if claim.id in seen:
            raise ClaimsRegisterError(f"Claims register {source}: claim id {claim.id!r} appears more than once.")
        seen.add(claim.id)
    return claims


def load_register(path: str | Path = config.CLAIMS_FILE) -> list[Claim]:
    """Read and validate the claims register; clear :class:`ClaimsRegisterError` on any problem."""
    return copy.deepcopy(_shared_register(path))


def _shared_register(path: str | Path = config.CLAIMS_FILE) -> list[Claim]:
    """The memoised register itself (callers must not modify it: :func:`load_register` hands out deep copies)."""
    path = Path(path)
    if not path.exists():
        raise ClaimsRegisterError(
            f"Claims register not found at {path}. The default is config.CLAIMS_FILE "
            f"({config.CLAIMS_FILE}); pass path= to use another file."
        )
    st = path.stat()
    return _load_register_cached(str(path), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=4)
def _load_register_cached(path: str, mtime_ns: int, size: int) -> list[Claim]:
    """Parsed once per file version and process (a reused kernel runs many notebooks and councils)."""
    return parse_register(Path(path).read_text(encoding="utf-8"), source=path)


def get_claim(claim_id: str, register: list[Claim] | None = None) -> Claim:
    """The claim with id ``claim_id`` (from the default register: a copy of that claim only, not of them all)."""
    shared = register is None
    register = _shared_register() if shared else register
    for claim in register:
        if claim.id == claim_id:
            return copy.deepcopy(claim) if shared else claim
    raise ClaimsRegisterError(
        f"Unknown claim id {claim_id!r}; the register has: {', '.join(c.id for c in register)}."
    )


def unrecorded_seeing(doc: Any, where: str = "") -> list[str]:
    """Where a rule or amendment lacks ``written_after_seeing`` in a parsed register or analysis plan.

    Checked: every entry of a top-level ``claims`` list (the claim's original rule), every entry of a
    top-level ``outcomes`` mapping (a pre-specified analysis), and every entry of an ``amendments`` list at
    ANY depth (wherever amendments are defined). Returns readable locations, e.g. ``claims[savings].amendments[1]``.
    """
    missing: list[str] = []

    def lacks(entry: Any) -> bool:
        return not (isinstance(entry, dict) and str(entry.get("written_after_seeing") or "").strip())

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                sub = f"{path}.{key}" if path else str(key)
                if key == "amendments" and isinstance(value, list):
                    missing.extend(f"{sub}[{i + 1}]" for i, item in enumerate(value) if lacks(item))
                if key == "previous":  # the old state of a rule is described by its amendment, not itself
                    continue
                walk(value, sub)
        elif isinstance(node, list):
            for i, item in enumerate(node):
                label = item.get("id", i + 1) if isinstance(item, dict) else i + 1
                walk(item, f"{path}[{label}]")

    if isinstance(doc, dict):
        for i, claim in enumerate(doc.get("claims") or []):
            if lacks(claim):
                missing.append(f"{where}claims[{claim.get('id', i + 1) if isinstance(claim, dict) else i + 1}]")
        outcomes = doc.get("outcomes")
        if isinstance(outcomes, dict):
            missing.extend(f"{where}outcomes.{name}" for name, entry in outcomes.items() if lacks(entry))
    walk(doc, where.rstrip("."))
    return missing
