"""Best overall response on regorafenib from the per-visit overall responses.

Rules (RECIST 1.1 / mRECIST best overall response, as used for real-world data):

- Only assessments **after** the first dose count; a scan dated on or before day 1 is
  the baseline, not a response.
- Ranking is CR > PR > SD > PD > NE. CR and PR are taken unconfirmed: retrospective
  charts rarely hold the 4-week confirmatory scan, and ORR here is per the protocol.
- SD counts only if assessed **at least 42 days (6 weeks) after the first dose**, i.e.
  on study day 43 or later. An earlier SD counts as NE, so "early SD then PD" is PD
  and "early SD only" is NE, as RECIST 1.1 section 4.4 prescribes.
- Assessments after the first PD are ignored: best response is taken up to
  progression.
- No assessment after the first dose at all is :class:`NotComputable` (the record may
  simply be incomplete); the ORR denominator then counts the patient as a
  non-responder.
- Time to best response is counted like every time here: study day of the first
  assessment with the best response (first dose = day 1). NE has no time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from rego_desktop.rules.dates import study_day
from rego_desktop.rules.derived import Computed, Derived, NotComputable

Response = Literal["CR", "PR", "SD", "PD", "NE"]

# Higher is better; the order of this tuple is the RECIST ranking.
RANKING: tuple[Response, ...] = ("NE", "PD", "SD", "PR", "CR")
_RANK: dict[str, int] = {code: rank for rank, code in enumerate(RANKING)}
_CODES: dict[str, Response] = {code: code for code in RANKING}
SD_MIN_DAYS_AFTER_FIRST_DOSE = 42


@dataclass(frozen=True, slots=True)
class ResponseAssessment:
    """One dated overall response (code as in the study's ``response`` code list)."""

    on: date
    response: str


@dataclass(frozen=True, slots=True)
class BestResponse:
    """Best overall response and when it was first seen (both ``None`` for NE)."""

    response: Response
    first_on: date | None
    days_from_first_dose: int | None


def _code(assessment: ResponseAssessment) -> Response:
    if assessment.response not in _CODES:
        raise ValueError(
            f"unknown response code {assessment.response!r}; allowed codes: "
            + ", ".join(reversed(RANKING))
        )
    return _CODES[assessment.response]


def _counted(code: Response, on: date, first_dose: date) -> Response:
    """The response as it counts towards the best: SD before 6 weeks counts as NE."""
    if code == "SD" and (on - first_dose).days < SD_MIN_DAYS_AFTER_FIRST_DOSE:
        return "NE"
    return code


def best_overall_response(
    assessments: Iterable[ResponseAssessment], first_dose: date | None
) -> Derived[BestResponse]:
    """Best overall response per the rules in this module's docstring."""
    coded = [(a.on, _code(a)) for a in assessments]
    if first_dose is None:
        return NotComputable(("first_dose",))
    on_treatment = sorted((item for item in coded if item[0] > first_dose), key=lambda i: i[0])
    if not on_treatment:
        return NotComputable(("response assessment after the first dose",))
    best_code: Response = "NE"
    best_on = on_treatment[0][0]
    for on, code in on_treatment:
        counted = _counted(code, on, first_dose)
        if _RANK[counted] > _RANK[best_code]:
            best_code, best_on = counted, on
        if counted == "PD":
            break
    if best_code == "NE":
        return Computed(BestResponse("NE", None, None))
    return Computed(BestResponse(best_code, best_on, study_day(best_on, first_dose)))
