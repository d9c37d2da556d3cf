"""The index and atlas pages' Jinja2 templates (``report/templates/``): autoescaped HTML, and numbers only
through :mod:`wigan_deal.fmt` (the ``number``, ``p_value`` and ``ci`` filters)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jinja2

from wigan_deal import fmt


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The templates' environment: autoescaping on, undefined names an error, fmt's formatters as filters."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("wigan_deal.report", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(number=fmt.number, p_value=fmt.p_value, ci=fmt.ci)
    env.globals["MISSING"] = fmt.MISSING
    return env


def macro(template: str, name: str) -> Any:
    """Macro ``name`` of ``template`` as a callable (returns markup)."""
    return getattr(environment().get_template(template).module, name)


def render(template: str, **context: Any) -> str:
    """Render ``template`` (e.g. ``"atlas.html.j2"``) with ``context``."""
    return environment().get_template(template).render(**context)
