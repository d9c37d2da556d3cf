"""The one-call preamble of every analysis notebook.

Each notebook starts with its ``parameters`` cell (defaults: :data:`wigan_deal.config.DEFAULT_PARAMETERS`,
checked by tests/test_defaults.py) and then one cell with its imports and::

    from wigan_deal.notebook import setup
    params, rec, AREA, NAME = setup(globals(), "02_healthy_life_expectancy")

:func:`setup` validates the parameters (one clear paragraph on a bad value), opens the notebook's
results recorder, sets the shared pandas display options and shows the parameter banner.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wigan_deal import parameters, results
from wigan_deal.parameters import PARAMETER_NAMES, ParameterError, ReportParameters

#: pandas display options shared by every notebook.
PANDAS_OPTIONS: dict[str, Any] = {"display.precision": 2, "display.max_colwidth": 120}


def setup(namespace: Mapping[str, Any], notebook: str) -> tuple[ReportParameters, results.Recorder, str, str]:
    """Validate the ``parameters`` cell's values in ``namespace`` (the notebook's ``globals()``).

    Returns ``(params, rec, AREA, NAME)``: the validated parameters, the results recorder for
    ``notebook``, the area's code and name. Shows the parameter banner as Markdown.
    """
    import pandas as pd
    from IPython.display import Markdown, display

    missing = [name for name in PARAMETER_NAMES if name not in namespace]
    if missing:
        raise ParameterError(
            f"Notebook {notebook} has no {', '.join(missing)} defined: its first code cell (tagged "
            f"'parameters') must set {', '.join(PARAMETER_NAMES)} (defaults in wigan_deal.config.DEFAULT_PARAMETERS)."
        )
    params = parameters.validate(**{name: namespace[name] for name in PARAMETER_NAMES if name != "results_path"})
    rec = results.recorder(namespace["results_path"], notebook)
    for option, value in PANDAS_OPTIONS.items():
        pd.set_option(option, value)
    display(Markdown(parameters.banner(params)))
    return params, rec, params.area_code, params.area_name
