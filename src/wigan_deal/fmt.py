"""One way to write numbers, p-values and tables for readers (notebooks, report index).

* :func:`number` - fixed decimals, thousands separators from 10,000, optional sign; missing -> ``"–"``;
  ``minus="−"`` for the typographic minus of the README blocks. A value that rounds to zero has no sign.
* :func:`percent` - :func:`number` followed by ``%``.
* :func:`money_m` - GBP thousand written in millions: ``"GBP +6.9m"`` (text pages), ``"+£6.9m"`` (README).
* :func:`minus_signs` - the typographic minus (``"−0.5"``) for every negative number in a paragraph (README blocks).
* :func:`significant` - ``digits`` significant digits (``"0.0123"``, ``"1.23e+04"``) for estimator output of any
  scale (RMSPE, a generic estimate); optional sign.
* :func:`rounded` - a precision that suits the size (``12,345``, ``123``, ``1.2``, ``0.012``), for alt text.
* :func:`p_value` - ``"0.041"``, ``"< 0.001"``; missing -> ``"–"``. The one p-value style;
  :func:`p_text` writes it in a sentence (``"p = 0.041"``, ``"p < 0.001"``).
* :func:`table` - a DataFrame for display: no index column, readable headers (``p_value`` ->
  ``p value``, ``value_gbp000`` -> ``value (GBP thousand)``), numbers formatted by column, no "NaN".
* :func:`explain_missing` - says why a table has missing values: :func:`to_html` shows it as the
  table's caption ("– : not applicable to England") wherever a "–" is shown, so no "–" is bare.

Depends on pandas only, so every layer may use it.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping
from html import escape
from typing import Any

import pandas as pd
from pandas.io.formats.style import Styler

#: Shown for a missing value everywhere (an en dash).
MISSING = "–"

#: ``DataFrame.attrs`` key holding why a table has missing values (see :func:`explain_missing`).
MISSING_REASON = "missing_reason"

#: Column-name words spelt out in headers.
_WORDS = {
    "gbp000": "(GBP thousand)", "gbp": "(GBP)", "pct": "(%)", "ci": "CI", "its": "ITS", "hle": "HLE",
    "le": "LE", "rmspe": "RMSPE", "n": "n", "asc": "ASC", "id": "id",
}


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float):  # the common case, without pandas' dispatch (a report formats thousands)
        return value != value
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def number(value: Any, digits: int = 1, *, signed: bool = False, missing: str = MISSING, minus: str = "-") -> str:
    """``value`` with ``digits`` decimals and thousands separators (``12,345.6``); ``signed`` adds '+'.

    Integers (and bools as yes/no) keep no decimals; text is returned unchanged; missing -> ``missing``;
    ``minus`` is the character written for a negative sign.
    """
    text = _number(value, digits, signed=signed, missing=missing, separator_from=10000)
    return minus + text[1:] if text.startswith("-") and isinstance(value, numbers.Real) else text


def _number(value: Any, digits: int, *, signed: bool, missing: str, separator_from: float) -> str:
    if _missing(value):
        return missing
    if isinstance(value, bool):
        return "yes" if value else "no"
    sep = "," if _magnitude(value) >= separator_from else ""  # no separator in years (2011) or small counts
    if isinstance(value, numbers.Integral):
        return format(int(value), f"{'+' if signed else ''}{sep}d")
    if isinstance(value, numbers.Real):
        v = float(value)
        if math.isinf(v):
            return "∞" if v > 0 else "-∞"
        text = format(v, f"{'+' if signed else ''}{sep}.{digits}f")
        if text.lstrip("+-").strip("0.,") == "":  # rounds to zero: no '-0.0'
            text = f"{0:.{digits}f}"
        return text
    return str(value)


def percent(value: Any, digits: int = 1, *, signed: bool = False, missing: str = MISSING, minus: str = "-") -> str:
    """:func:`number` followed by ``%`` (``"+1.2%"``); missing -> ``missing`` (no ``%``)."""
    text = number(value, digits, signed=signed, missing=missing, minus=minus)
    return text if _missing(value) else f"{text}%"


def money_m(gbp000: Any, *, signed: bool = False, style: str = "GBP", missing: str = MISSING,
            minus: str | None = None) -> str:
    """An amount in GBP thousand written in millions with one decimal and thousands separators.

    ``style="GBP"`` (plain-text pages, alt text): ``"GBP 1,234.5m"``, signed ``"GBP +6.9m"``;
    ``style="£"`` (README blocks): ``"£6.9m"``, signed ``"+£6.9m"`` / ``"−£6.9m"`` (typographic minus).
    ``minus`` is the character written for a negative sign (default: ``"-"`` for ``"GBP"``, ``"−"`` for ``"£"``;
    ``"-"`` beside :func:`percent` in notebook text).
    """
    if _missing(gbp000):
        return missing
    millions = float(gbp000) / 1000
    if style == "GBP":
        text = _number(millions, 1, signed=signed, missing=missing, separator_from=0)
        return f"GBP {(minus or '-') + text[1:] if text.startswith('-') else text}m"
    if style == "£":
        size = _number(abs(millions), 1, signed=False, missing=missing, separator_from=0)
        sign = ((minus or "−") if millions < 0 else "+") if signed and size.strip("0.,") else ""
        return f"{sign}£{size}m"
    raise ValueError(f"money_m style must be 'GBP' or '£', not {style!r}.")


def minus_signs(text: str) -> str:
    """``text`` with the typographic minus for every negative number (``"-0.5"`` -> ``"−0.5"``); hyphens inside
    words and ranges (``"2009-11"``, ``"COVID-19"``) and after ``%`` are kept."""
    return re.sub(r"(?<![\w%])-(?=\d)", "\u2212", text)


def significant(value: Any, digits: int = 3, *, signed: bool = False, missing: str = MISSING) -> str:
    """``value`` with ``digits`` significant digits (Python's ``g`` format: ``0.0123``, ``1.23e+04``), for estimator
    output whose scale is not known in advance; ``signed`` adds '+'; missing -> ``missing``."""
    if _missing(value):
        return missing
    return format(float(value), f"{'+' if signed else ''}.{digits}g")


def rounded(value: Any, *, missing: str = MISSING) -> str:
    """A precision that suits the size: ``12,345`` from 10,000, ``123`` from 100, ``1.2`` from 1, else two
    significant digits (``0.012``); for alt text and captions where the reader wants the size."""
    if _missing(value):
        return missing
    v = float(value)
    if abs(v) >= 10000:
        return f"{v:,.0f}"
    return f"{v:.0f}" if abs(v) >= 100 else f"{v:.1f}" if abs(v) >= 1 else f"{v:.2g}"


def _magnitude(value: Any) -> float:
    try:
        return abs(float(value))
    except (TypeError, ValueError):
        return 0.0


def p_value(value: Any, *, missing: str = MISSING) -> str:
    """A p-value with three decimals, ``"< 0.001"`` below that; missing -> ``missing``."""
    if _missing(value):
        return missing
    p = float(value)
    if p < 0.001:
        return "< 0.001"
    return f"{p:.3f}"


def p_text(value: Any, name: str = "p") -> str:
    """A p-value in a sentence: ``"p = 0.041"``, ``"p < 0.001"`` (``name`` e.g. ``"placebo p"``); the same
    three decimals as :func:`p_value`, the one p-value style."""
    shown = p_value(value)
    return f"{name} < 0.001" if shown == "< 0.001" else f"{name} = {shown}"


def unit_digits(unit: Any) -> int | None:
    """Decimals shown for a value in ``unit`` (one format per unit; ``None`` = a p-value, see :func:`p_value`)."""
    u = str(unit or "").strip().lower()
    if u == "p":
        return None
    if u.startswith(("gbp", "count", "rank", "claims", "percentile")):
        return 0
    if "per year" in u:
        return 2
    if "per 100,000" in u or u.startswith(("%", "percentage points")):
        return 1
    return 2  # years, shares and anything without a unit


def by_unit(value: Any, unit: Any = None) -> str:
    """A number (or text) for report tables: fixed decimals by ``unit``
    (:func:`unit_digits`), never scientific notation; missing values are '–'."""
    if isinstance(value, float) and not math.isnan(value) and unit_digits(unit) is None:
        return p_value(value)
    if isinstance(value, float):
        return number(value, unit_digits(unit) or 0)
    return number(value)


def ci(lower: Any, upper: Any, digits: int = 1, *, signed: bool = False) -> str:
    """``"−0.9 to +3.3"``; ``"–"`` when either end is missing."""
    if _missing(lower) or _missing(upper):
        return MISSING
    return f"{number(lower, digits, signed=signed)} to {number(upper, digits, signed=signed)}"


def header(name: Any) -> str:
    """A readable column header: ``change_lower`` -> ``change lower``, ``p_value`` -> ``p value``."""
    if not isinstance(name, str):
        return str(name)
    if " " in name or not name:
        return name
    words = [_WORDS.get(w.lower(), w) for w in name.split("_")]
    return " ".join(words)


def _is_p_column(name: str) -> bool:
    key = str(name).lower().replace("_", " ")
    return key == "p" or key.startswith("p ") or key.endswith(" p") or "p value" in key or key.startswith("p-")


def _auto_digits(s: pd.Series) -> int:
    """0 decimals for whole numbers and values of 1,000 or more, 3 for values below 0.1, else 2."""
    v = pd.to_numeric(s, errors="coerce").dropna()
    if v.empty or ((v == v.round(0)).all()) or v.abs().max() >= 1000:
        return 0
    return 3 if v.abs().max() < 0.1 else 2


def table(frame: pd.DataFrame, digits: int | Mapping[str, int] | None = None, *, index: bool = False,
          rename: Mapping[str, str] | None = None) -> pd.DataFrame:
    """A display copy of ``frame``: every cell text, numbers formatted, missing shown as ``"–"``.

    ``digits`` is one number of decimals or a mapping column -> decimals (others, or ``None``: chosen
    per column by :func:`_auto_digits`); p-value columns
    (``p``, ``p_value``, ``p two-sided``...) use :func:`p_value`; integer columns keep no decimals.
    ``index=True`` keeps a meaningful index as leading columns (e.g. a pivot's row labels); otherwise
    the index is dropped. Headers are made readable by :func:`header` unless given in ``rename``.
    """
    out = frame.reset_index() if index else frame.reset_index(drop=True)
    if isinstance(out.columns, pd.MultiIndex):
        out.columns = [" ".join(header(c) for c in col if str(c)) for col in out.columns]
    cols = {}
    for col in out.columns:
        s = out[col]
        if _is_p_column(col):
            cols[col] = s.map(p_value)
        elif pd.api.types.is_bool_dtype(s):
            cols[col] = s.map(lambda v: number(v))
        elif pd.api.types.is_integer_dtype(s):
            cols[col] = s.map(lambda v: number(v))
        elif pd.api.types.is_numeric_dtype(s):
            d = digits.get(col) if isinstance(digits, Mapping) else digits
            d = _auto_digits(s) if d is None else d
            cols[col] = s.map(lambda v, d=d: number(v, d))
        else:
            cols[col] = s.map(lambda v: MISSING if _missing(v) else (number(v) if isinstance(v, bool) else str(v)))
    result = pd.DataFrame(cols)
    names = dict(rename or {})
    result.columns = [names.get(c, header(c)) for c in result.columns]
    return result


def explain_missing(frame: pd.DataFrame, reason: str | Mapping[str, str]) -> pd.DataFrame:
    """``frame`` (the same object) carrying why some of its values are missing: one sentence, or one per
    column (``{"diff_vs_england": "not applicable to England"}``). It travels with the frame through
    pandas operations (``DataFrame.attrs``) and :func:`to_html` prints it under the table."""
    frame.attrs[MISSING_REASON] = reason if isinstance(reason, str) else dict(reason)
    return frame


def missing_caption(frame: pd.DataFrame, shown: pd.DataFrame) -> str:
    """The caption text saying what '–' means in ``shown`` (the display of ``frame``); '' when no cell
    shows '–' or no reason was given."""
    reason = frame.attrs.get(MISSING_REASON)
    dashed = [c for c in shown.columns if (shown[c] == MISSING).any()]
    if not reason or not dashed:
        return ""
    if isinstance(reason, str):
        return f"{MISSING}: {reason}"
    names = {header(c): r for c, r in reason.items()}
    parts = [f"in {c}: {names[c]}" for c in dashed if c in names]
    return f"{MISSING} " + "; ".join(parts) if parts else ""


def show(frame: pd.DataFrame, digits: int | Mapping[str, int] | None = None, *, index: bool = False,
         rename: Mapping[str, str] | None = None):
    """:func:`table` as a pandas Styler with the index hidden (what notebooks display)."""
    return table(frame, digits, index=index, rename=rename).style.hide(axis="index")


def to_html(frame: pd.DataFrame) -> str:
    """HTML of :func:`table` (a non-default index kept as leading columns), for notebook display."""
    idx = frame.index
    keep = any(n is not None for n in idx.names) or not (
        isinstance(idx, pd.RangeIndex) or pd.api.types.is_integer_dtype(idx.dtype))
    source = frame.reset_index() if keep else frame.reset_index(drop=True)
    if isinstance(source.columns, pd.MultiIndex):
        source.columns = [" ".join(header(c) for c in col if str(c)) for col in source.columns]
    shown = table(frame, index=keep)
    numeric = [pd.api.types.is_numeric_dtype(source[c]) and not pd.api.types.is_bool_dtype(source[c])
               for c in source.columns]
    head = "".join(f'<th scope="col"{" class=num" if n else ""}>{escape(str(h))}</th>'
                   for h, n in zip(shown.columns, numeric, strict=True))
    cls = [' class="num"' if n else ' class="long"' if _is_long_text(source[c]) else ""
           for c, n in zip(source.columns, numeric, strict=True)]
    rows = "".join("<tr>" + "".join(f"<td{k}>{escape(str(v))}</td>" for v, k in zip(row, cls, strict=True)) + "</tr>"
                   for row in shown.itertuples(index=False))
    note = missing_caption(frame, shown)
    caption = f'<caption class="wd-missing">{escape(note)}</caption>' if note else ""
    return f'<table class="wd-table">{caption}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def install_display(shell=None) -> bool:
    """Make IPython show every DataFrame through :func:`to_html` (no index numbers, readable headers,
    '–' for missing values, one number format). Returns False outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return False
    shell = shell or get_ipython()
    if shell is None:
        return False
    html = shell.display_formatter.formatters["text/html"]
    html.for_type(pd.DataFrame, to_html)
    html.for_type(Styler, styler_html)
    return True


def styler_html(styler) -> str:
    """A pandas Styler (coloured tables) with readable column headers."""
    data = styler.data
    long = [c for c in data.columns if _is_long_text(data[c])]
    if long:
        styler = styler.set_properties(subset=long, **{"min-width": "18rem"})
    return styler.format_index(header, axis=1).to_html()


def _is_long_text(s: pd.Series) -> bool:
    """A text column whose cells average more than 60 characters (kept readable on phones)."""
    if pd.api.types.is_numeric_dtype(s) or s.empty:
        return False
    return float(s.astype(str).str.len().mean()) > 60


__all__ = ["MISSING", "ci", "explain_missing", "header", "install_display", "minus_signs", "missing_caption", "money_m",
           "number", "p_text", "p_value", "percent", "rounded", "show", "significant", "by_unit", "unit_digits", "table", "to_html"]
