"""Best overall response: ranking, the 6-week SD rule, stop at progression."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from rego_desktop.rules.derived import Computed, NotComputable
from rego_desktop.rules.response import (
    BestResponse,
    Response,
    ResponseAssessment,
    best_overall_response,
)

FIRST_DOSE = date(2024, 1, 1)


def on_day(day: int, response: str) -> ResponseAssessment:
    """An assessment on study day ``day`` (first dose = day 1)."""
    return ResponseAssessment(FIRST_DOSE + timedelta(days=day - 1), response)


def best(response: Response, day: int) -> Computed[BestResponse]:
    on = FIRST_DOSE + timedelta(days=day - 1)
    return Computed(BestResponse(response, on, day))


NE = Computed(BestResponse("NE", None, None))


@pytest.mark.parametrize(
    ("assessments", "expected"),
    [
        pytest.param([on_day(43, "SD")], best("SD", 43), id="sd_exactly_42_days_after"),
        pytest.param([on_day(42, "SD")], NE, id="sd_41_days_after_is_ne"),
        pytest.param(
            [on_day(30, "SD"), on_day(60, "SD")], best("SD", 60), id="sd_counts_once_late"
        ),
        pytest.param([on_day(30, "SD"), on_day(60, "PD")], best("PD", 60), id="early_sd_then_pd"),
        pytest.param([on_day(30, "SD"), on_day(60, "NE")], NE, id="early_sd_then_ne"),
        pytest.param([on_day(30, "PR")], best("PR", 30), id="early_pr_counts"),
        pytest.param(
            [on_day(56, "SD"), on_day(112, "PR"), on_day(168, "CR")], best("CR", 168), id="to_cr"
        ),
        pytest.param(
            [on_day(56, "PR"), on_day(112, "SD"), on_day(168, "PR")],
            best("PR", 56),
            id="first_occurrence_of_best",
        ),
        pytest.param([on_day(56, "PD"), on_day(112, "CR")], best("PD", 56), id="nothing_after_pd"),
        pytest.param(
            [on_day(168, "PD"), on_day(56, "PR"), on_day(112, "SD")],
            best("PR", 56),
            id="input_order_irrelevant",
        ),
        pytest.param(
            [on_day(1, "CR"), on_day(56, "SD")], best("SD", 56), id="day1_scan_is_baseline"
        ),
        pytest.param([on_day(56, "NE"), on_day(60, "NE")], NE, id="only_ne"),
    ],
)
def test_best_overall_response(
    assessments: list[ResponseAssessment], expected: Computed[BestResponse]
) -> None:
    assert best_overall_response(assessments, FIRST_DOSE) == expected


@pytest.mark.parametrize(
    ("assessments", "first_dose", "missing"),
    [
        pytest.param([], FIRST_DOSE, ("response assessment after the first dose",), id="none"),
        pytest.param(
            [on_day(-10, "SD"), on_day(1, "PR")],
            FIRST_DOSE,
            ("response assessment after the first dose",),
            id="only_baseline",
        ),
        pytest.param([on_day(56, "PR")], None, ("first_dose",), id="no_first_dose"),
    ],
)
def test_best_response_not_computable(
    assessments: list[ResponseAssessment], first_dose: date | None, missing: tuple[str, ...]
) -> None:
    assert best_overall_response(assessments, first_dose) == NotComputable(missing)


def test_unknown_response_code_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown response code 'iCR'; allowed codes: CR, PR"):
        best_overall_response([on_day(56, "iCR")], FIRST_DOSE)
