"""The one shape of a study's result for readers: a table and the paragraph that reads it.

Every council study returns an object with ``summary() -> EffectSummary``, ``record(rec)`` (its headline values,
labelled once, in the study) and ``_repr_markdown_`` (so a notebook cell can end with the result).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pandas as pd

from wigan_deal import fmt, plots


@dataclass(frozen=True)
class EffectSummary:
    """A study's table (may be empty) and its text (markdown; every number names its estimand)."""

    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    text: str = ""

    def __iter__(self):
        """``table, text = summary`` like the ``effect_summary()`` tuples of the estimators."""
        yield self.table
        yield self.text

    def _repr_markdown_(self) -> str:
        parts = [self.text] if self.text else []
        if len(self.table):
            parts.append(fmt.to_html(self.table))
        return "\n\n".join(parts)


class Study(ABC):
    """Base of the study results: shown by their :class:`EffectSummary`, recorded by themselves.

    Methods named ``plot...`` build figures (:func:`wigan_deal.plots.figure_method`): those named in
    :attr:`HEADLINE_PLOTS` draw the notebook's headline figure, drawn on atlas pages too; the others build
    nothing on atlas pages ("headline" figure mode) and show a note instead."""

    #: The plot methods whose figure shows the notebook's primary estimate (at most one per notebook).
    HEADLINE_PLOTS: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, method in list(vars(cls).items()):
            if name.startswith("plot") and callable(method) and not getattr(method, "_wigan_figure", False):
                setattr(cls, name, plots.figure_method(is_headline=name in cls.HEADLINE_PLOTS)(method))

    @abstractmethod
    def summary(self) -> EffectSummary:
        """The table and the paragraph a reader sees."""

    @abstractmethod
    def record(self, rec: Any) -> None:
        """Record the study's headline values (keys and labels live here, not in notebooks)."""

    def _repr_markdown_(self) -> str:
        return self.summary()._repr_markdown_()

    def __repr__(self) -> str:
        """Plain text (what a console shows): the class and the summary's text."""
        return f"{type(self).__name__}: {self.summary().text}"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """What IPython shows: the markdown and the plain text from ONE :meth:`summary` (IPython would call it
        once for each). A study that writes its own markdown or text is shown by those."""
        cls = type(self)
        if cls._repr_markdown_ is not Study._repr_markdown_ or cls.__repr__ is not Study.__repr__:
            return {"text/markdown": self._repr_markdown_(), "text/plain": repr(self)}
        summary = self.summary()
        return {"text/markdown": summary._repr_markdown_(), "text/plain": f"{cls.__name__}: {summary.text}"}


def record_estimate(rec: Any, key: str, estimate: Any, *, label: str, unit: str, note: str | None = None) -> None:
    """Record an :class:`wigan_deal.its.Estimate` (value, lower, upper) under ``key``."""
    rec.record(key, estimate.estimate, label=label, unit=unit, lower=estimate.lower, upper=estimate.upper, note=note)
