"""Make variables reach Python as data: ``python -m wigan_deal.make_args MODULE [SPEC ...]``.

The Makefile never pastes a variable into shell text (``--area "$(AREA)"`` let ``AREA='x" ; rm ... ; "'``
or backticks run shell code). It exports each variable the user gave, unexpanded, as
``WIGAN_DEAL_MAKE_<NAME>`` (:data:`ENV_PREFIX`); this launcher turns them into ``MODULE``'s arguments
and replaces itself (same process id) by ``python -m MODULE ARGS``. Each ``SPEC`` is

* ``NAME=--flag``: if ``NAME`` was given (even empty: ``AREA=`` or ``AREA='   '`` is then an error of
  ``MODULE``, never a silent default), pass ``--flag VALUE`` as one argument;
* ``NAME``: a list of arguments, split as a shell splits words (quotes group, nothing is expanded or run);
* ``-x`` or ``--flag`` or a lower-case word (anything not starting with an upper-case ``NAME``): passed as it is,
  a literal argument written in the Makefile itself (e.g. ``-n auto --dist loadgroup`` before
  ``TEST_WORKERS=-n``: a later ``-n`` given by the user wins).

A variable that was not given passes nothing, so ``MODULE``'s own defaults apply.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Mapping, Sequence

ENV_PREFIX = "WIGAN_DEAL_MAKE_"


class MakeArgsError(ValueError):
    """A variable's text cannot be split into arguments (an unclosed quote)."""


def arguments(specs: Sequence[str], env: Mapping[str, str]) -> list[str]:
    """``MODULE``'s arguments from the ``SPEC`` list and the environment (see the module docstring)."""
    argv: list[str] = []
    for spec in specs:
        if not spec[:1].isupper():  # a literal written in the Makefile
            argv.append(spec)
            continue
        name, _, flag = spec.partition("=")
        value = env.get(ENV_PREFIX + name)
        if value is None:
            continue
        if flag:
            argv += [flag, value]
            continue
        try:
            argv += shlex.split(value)
        except ValueError as exc:
            raise MakeArgsError(
                f"{name} could not be split into arguments ({exc}): {_short(value)}. Quote each argument that "
                f"contains spaces with matching quotes, e.g. {name}=\"--out 'my reports'\"."
            ) from None
    return argv


def _short(text: str, limit: int = 80) -> str:
    return repr(text) if len(text) <= limit else f"{text[:limit]!r}... ({len(text):,} characters)"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(f"usage: python -m wigan_deal.make_args MODULE [NAME=--flag | NAME ...]\n\n{__doc__}")
        return 0 if args else 2
    if args[0].startswith("-"):
        print(f"error: unknown option {args[0]!r}; usage: python -m wigan_deal.make_args MODULE "
              "[NAME=--flag | NAME ...] (see --help).", file=sys.stderr)
        return 2
    module, specs = args[0], args[1:]
    try:
        forwarded = arguments(specs, os.environ)
    except MakeArgsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    sys.stdout.flush()
    os.execv(sys.executable, [sys.executable, "-m", module, *forwarded])
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
