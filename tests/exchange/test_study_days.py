"""Partial dates and missing-data codes in de-identified data (payload version 2): the
center imputes from study days exactly what the site imputes from the calendar."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rego_desktop.center.pooled import date_to_day, day_to_date
from rego_desktop.exchange.study_days import date_from_json, date_json, date_problem
from rego_desktop.rules.dates import study_day
from rego_desktop.rules.imputation import impute_death, impute_end, impute_start
from rego_desktop.study import CURRENT
from rego_desktop.study.dates import DatePeriod, PartialDate
from rego_desktop.study.schema import MissingReason
from rego_desktop.study.values import Missing

DEATH = CURRENT.form("survival").field("death_date")
FIRST_DOSE = CURRENT.form("treatment").field("first_dose_date")

partials = st.builds(PartialDate, st.integers(2015, 2030), st.one_of(st.none(), st.integers(1, 12)))
days = st.dates(dt.date(2014, 1, 1), dt.date(2031, 12, 31))


@given(partials, days, days)
def test_the_center_imputes_what_the_site_imputes(
    value: PartialDate, first_dose: dt.date, anchor: dt.date
) -> None:
    data = date_json(value, first_dose)
    assert date_problem(DEATH, data) is None
    period = date_from_json(data, day_to_date)
    assert isinstance(period, DatePeriod)
    center_anchor = day_to_date(study_day(anchor, first_dose))
    for rule, keyword in (
        (impute_start, "not_before"),
        (impute_end, "not_after"),
        (impute_death, "last_alive"),
    ):
        at_site = rule(value, **{keyword: anchor})  # type: ignore[operator]
        at_center = rule(period, **{keyword: center_anchor})  # type: ignore[operator]
        assert date_to_day(at_center.date) == study_day(at_site.date, first_dose)
        assert at_center.flag == at_site.flag


def test_codes_need_no_first_dose_and_dates_do() -> None:
    unknown = Missing(MissingReason.UNKNOWN)
    assert date_json(unknown, None) == {"missing": "UNK"}
    assert date_from_json({"missing": "UNK"}, day_to_date) == unknown
    assert date_json(PartialDate(2024, 3), None) is None
    assert date_json(dt.date(2024, 3, 5), dt.date(2024, 3, 1)) == 5


@pytest.mark.parametrize(
    ("field", "data", "problem"),
    [
        (DEATH, 0, "impossible study day"),
        (DEATH, "2024-03", "not a study day"),
        (DEATH, {"missing": "ND"}, "does not allow"),
        (DEATH, {"days": [10, 40], "flag": "D"}, None),
        (DEATH, {"days": [10, 45], "flag": "D"}, "impossible partial date"),
        (DEATH, {"days": [40, 10], "flag": "M"}, "impossible partial date"),
        (DEATH, {"days": [-5, 5], "flag": "D"}, None),
        (DEATH, {"days": [10, 40], "flag": "X"}, "impossible partial date"),
        (DEATH, {"days": [10, 40], "flag": "D", "x": 1}, "not a study day"),
        (DEATH, {"days": [10.0, 40], "flag": "D"}, "impossible partial date"),
        (FIRST_DOSE, {"days": [10, 40], "flag": "D"}, "complete dates only"),
        (FIRST_DOSE, {"missing": "UNK"}, "does not allow"),
    ],
)
def test_strict_validation(field: object, data: object, problem: str | None) -> None:
    found = date_problem(field, data)  # type: ignore[arg-type]
    if problem is None:
        assert found is None
    else:
        assert found is not None
        assert problem in found
