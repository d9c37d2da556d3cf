"""Council studies: one module per question the notebooks ask of one council.

``overview`` (notebook 01), ``hle`` (02), ``mortality`` (03), ``primary`` (the pre-specified primary analysis: 03
and 05), ``asc_finance`` (04), ``robustness`` (05), ``verdicts`` (06: the claims register), ``social_care`` (07); ``compare`` (comparator groups, series, panels) and ``notes``
(missing-data notes) are shared by them; ``summary`` holds the one
:class:`~wigan_deal.studies.summary.EffectSummary` every study result shows. The general estimators they call
(``its``, ``synth``, ``its.panel``) know nothing about councils; the studies do.
"""
