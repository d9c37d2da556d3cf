"""What the extracts hold, shared by the build side and the read side: service lines and financial-year labels.

The build (:mod:`.build`, :mod:`.parsers`, :mod:`.parsers_finance`) writes these names; the loaders
(:mod:`.loaders`, :mod:`.finance_loaders`) validate arguments against them. Neither side imports the other.
"""

from __future__ import annotations

import re

#: RS outturn service lines besides social care, public health and education (the council's other services)
RS_OTHER_SERVICE_LINES = [
    "highways_transport", "housing_gfra", "cultural", "environmental", "planning", "police", "fire",
    "central_services", "other_services",
]
#: RS lines the council does not control (housing benefit paid for DWP, levies); patterns in ``parsers.RS_PASS_THROUGH``
RS_PASS_THROUGH_LINES = ("housing_benefit", "levies")
#: every service of ``finance.csv`` (RS revenue outturn, GBP thousand)
FINANCE_SERVICES = ["adult_social_care", "children_social_care", "social_care_combined", "public_health",
                    "total_service_expenditure", "education", "net_current_expenditure",
                    *RS_OTHER_SERVICE_LINES, *RS_PASS_THROUGH_LINES]
#: every service of ``budget.csv`` (RA budget, GBP thousand)
BUDGET_SERVICES = ["adult_social_care", "children_social_care", "total_social_care", "education", "public_health",
                   "total_service_expenditure", "net_current_expenditure"]

_FY = re.compile(r"^\s*(\d{4})\s*[-/]\s*(\d{2}|\d{4})\s*$")


def fy_label(value) -> str:
    """Normalise a financial year ('2018-19', '2018/19', '2018/2019') to '2018/19'; ValueError otherwise."""
    m = _FY.match(str(value))
    if not m:
        raise ValueError(f"{value!r} is not a financial year such as '2018/19' or '2018-19'.")
    first, second = int(m.group(1)), int(m.group(2)[-2:])
    if (first + 1) % 100 != second:
        raise ValueError(f"{value!r} is not a financial year: the second year must follow the first.")
    return f"{first}/{second:02d}"
