"""Derivations on what retrospective charts hold: reasons for missing values and partial
dates (issue 13). Derived values never invent a day silently: imputed dates carry
their flag into the endpoints, the analysis rows and the summary."""

from __future__ import annotations

import datetime as dt

from rego_desktop.analysis.dataset import analysis_row, row_from_json, row_to_json
from rego_desktop.analysis.summary import analyse
from rego_desktop.derive import NotComputable, PatientData, derived_for, time_to_events
from rego_desktop.rules.derived import Computed
from rego_desktop.rules.time_to_event import not_computable_reasons
from rego_desktop.study.dates import PartialDate
from rego_desktop.study.schema import MissingReason
from rego_desktop.study.values import Missing
from tests.checks.casebooks import FIRST, build, put

D = dt.date
ND = Missing(MissingReason.NOT_DONE)
UNK = Missing(MissingReason.UNKNOWN)


def test_child_pugh_says_albumin_not_done() -> None:
    values = derived_for(build(put("baseline_liver", albumin=ND)), "baseline_liver")
    result = values["child_pugh_score"]
    assert isinstance(result, NotComputable)
    assert result.describe() == "not computable: Albumin not done"
    both = derived_for(build(put("baseline_liver", albumin=ND, inr=None)), "baseline_liver")
    assert both["albi_grade"] == NotComputable(("Albumin not done",))
    described = both["child_pugh_class"]
    assert isinstance(described, NotComputable)
    assert described.describe() == "not computable: missing INR; Albumin not done"


def test_bmi_with_weight_unknown() -> None:
    result = derived_for(build(put("demographics", weight=UNK)), "demographics")["bmi"]
    assert isinstance(result, NotComputable)
    assert result.describe() == "not computable: Weight unknown"


def test_a_duration_is_not_computed_from_a_partial_date() -> None:
    book = build(put("prior_treatments", start_date=PartialDate(2022, 5)))
    data = PatientData(book)
    entry = data.items("prior_treatments")[0]
    result = derived_for(book, "prior_treatments", entry.item_uid)["duration_days"]
    assert isinstance(result, NotComputable)
    assert "known only as 2022-05" in result.describe()


def test_death_in_a_known_month_is_imputed_after_the_last_date_known_alive() -> None:
    # The clean casebook: last follow-up 2024-08-01, death 2024-09-15.
    book = build(put("survival", death_date=PartialDate(2024, 9)))
    data = PatientData(book)
    assert data.death is not None
    assert (data.death.date, data.death.flag) == (D(2024, 9, 1), "D")
    os_ = time_to_events(book).os
    assert isinstance(os_, Computed)
    assert (os_.value.on, os_.value.event, os_.value.flag) == (D(2024, 9, 1), True, "D")
    assert os_.value.days == (D(2024, 9, 1) - FIRST).days + 1
    # Seen alive on 2024-09-10: the death is imputed on the 11th at the earliest.
    later = build(
        put("survival", death_date=PartialDate(2024, 9), last_follow_up_date=D(2024, 9, 10))
    )
    assert PatientData(later).death is not None
    assert PatientData(later).death.date == D(2024, 9, 11)  # type: ignore[union-attr]


def test_death_known_only_to_the_year_is_flagged_m() -> None:
    book = build(put("survival", death_date=PartialDate(2024)))
    data = PatientData(book)
    assert data.death is not None
    # The year's first day is before the last follow-up: the day after it is taken.
    assert (data.death.date, data.death.flag) == (D(2024, 8, 2), "M")


def test_a_death_with_no_date_leaves_os_not_computable_never_a_survivor() -> None:
    book = build(put("survival", death_date=UNK))
    endpoints = time_to_events(book)
    assert endpoints.os == NotComputable(("date of death",))
    assert isinstance(endpoints.pfs, Computed)  # progression came first
    assert not_computable_reasons(PatientData(book).survival_dates) == {"os": "death_date_unknown"}
    row = analysis_row(book)
    assert row.os is None
    assert ("os", "death_date_unknown") in row.not_computable


def test_rows_and_summary_say_which_times_rest_on_imputed_dates() -> None:
    partial = build(put("survival", death_date=PartialDate(2024, 9)), subject="BJ01-0001")
    complete = build(subject="BJ01-0002")
    row = analysis_row(partial)
    assert row.os is not None
    assert row.os.flag == "D"
    assert row.os.imputed
    assert row_from_json(row_to_json(row)) == row
    assert analysis_row(complete).os is not None
    assert not analysis_row(complete).os.imputed  # type: ignore[union-attr]
    summary = analyse([partial, complete]).to_json()
    assert summary["os"]["imputed_dates"] == {"events": 1, "censored": 0}
    # PFS rests on the progression (complete) for both.
    assert summary["pfs"]["imputed_dates"] == {"events": 0, "censored": 0}


def test_death_in_the_month_of_progression_is_imputed_after_it() -> None:
    """A known-alive date after the death's month (here a stale follow-up) is no anchor:
    the progression on 2024-04-10 is, so the death falls on the 11th."""
    book = build(
        put("survival", death_date=PartialDate(2024, 4), last_follow_up_date=D(2024, 4, 2))
    )
    death = PatientData(book).death
    assert death is not None
    assert (death.date, death.flag) == (D(2024, 4, 11), "D")
    os_ = time_to_events(book).os
    assert isinstance(os_, Computed)
    assert os_.value.on == D(2024, 4, 11)
