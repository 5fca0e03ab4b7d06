"""OS, PFS and TTP worked examples, with each censoring rule."""

from __future__ import annotations

from datetime import date

import pytest

from rego_desktop.rules.derived import Computed, Derived, NotComputable
from rego_desktop.rules.time_to_event import (
    REASONS,
    Basis,
    DateConflict,
    SurvivalDates,
    TimeToEvent,
    not_computable_reasons,
    overall_survival,
    progression_free_survival,
    time_to_events,
    time_to_progression,
)

FIRST = date(2024, 1, 1)


def event(days: int, on: date, basis: Basis) -> Computed[TimeToEvent]:
    return Computed(TimeToEvent(days, True, on, basis))


def censored(days: int, on: date, basis: Basis) -> Computed[TimeToEvent]:
    return Computed(TimeToEvent(days, False, on, basis))


# Jan 1 -> Feb 15 = 45 days elapsed = day 46; -> Mar 1 = day 61; -> Mar 31 = day 91;
# -> Apr 10 = day 101; -> May 20 = day 141; -> Jun 30 = day 182.
CASES = [
    pytest.param(
        SurvivalDates(FIRST, death=date(2024, 3, 31), progression=date(2024, 2, 15)),
        event(91, date(2024, 3, 31), "death"),
        event(46, date(2024, 2, 15), "progression"),
        event(46, date(2024, 2, 15), "progression"),
        id="progressed_then_died",
    ),
    pytest.param(
        SurvivalDates(FIRST, last_follow_up=date(2024, 6, 30), last_assessment=date(2024, 5, 20)),
        censored(182, date(2024, 6, 30), "last_follow_up"),
        censored(141, date(2024, 5, 20), "last_assessment"),
        censored(141, date(2024, 5, 20), "last_assessment"),
        id="alive_without_progression",
    ),
    pytest.param(
        SurvivalDates(FIRST, death=date(2024, 4, 10), last_assessment=date(2024, 3, 1)),
        event(101, date(2024, 4, 10), "death"),
        event(101, date(2024, 4, 10), "death"),
        censored(61, date(2024, 3, 1), "last_assessment"),
        id="died_without_progression_ttp_censored_at_last_assessment",
    ),
    pytest.param(
        SurvivalDates(FIRST, death=date(2024, 4, 10)),
        event(101, date(2024, 4, 10), "death"),
        event(101, date(2024, 4, 10), "death"),
        censored(101, date(2024, 4, 10), "death"),
        id="died_never_assessed_ttp_censored_at_death",
    ),
    pytest.param(
        SurvivalDates(FIRST, progression=date(2024, 2, 15), last_follow_up=date(2024, 6, 30)),
        censored(182, date(2024, 6, 30), "last_follow_up"),
        event(46, date(2024, 2, 15), "progression"),
        event(46, date(2024, 2, 15), "progression"),
        id="progressed_alive",
    ),
    pytest.param(
        SurvivalDates(FIRST, last_follow_up=date(2024, 3, 1)),
        censored(61, date(2024, 3, 1), "last_follow_up"),
        censored(61, date(2024, 3, 1), "last_follow_up"),
        censored(61, date(2024, 3, 1), "last_follow_up"),
        id="alive_never_assessed",
    ),
    pytest.param(
        SurvivalDates(FIRST, last_follow_up=date(2024, 3, 1), last_assessment=date(2024, 5, 20)),
        censored(141, date(2024, 5, 20), "last_assessment"),
        censored(141, date(2024, 5, 20), "last_assessment"),
        censored(141, date(2024, 5, 20), "last_assessment"),
        id="os_uses_later_scan_over_stale_follow_up",
    ),
    pytest.param(
        SurvivalDates(FIRST, death=FIRST),
        event(1, FIRST, "death"),
        event(1, FIRST, "death"),
        censored(1, FIRST, "death"),
        id="died_on_day_1",
    ),
]


@pytest.mark.parametrize(("dates", "os", "pfs", "ttp"), CASES)
def test_endpoints(
    dates: SurvivalDates,
    os: Derived[TimeToEvent],
    pfs: Derived[TimeToEvent],
    ttp: Derived[TimeToEvent],
) -> None:
    assert overall_survival(dates) == os
    assert progression_free_survival(dates) == pfs
    assert time_to_progression(dates) == ttp
    both = time_to_events(dates)
    assert (both.os, both.pfs, both.ttp) == (os, pfs, ttp)


def test_months_and_censored_flag() -> None:
    result = overall_survival(SurvivalDates(FIRST, death=date(2024, 3, 31)))
    assert isinstance(result, Computed)
    assert result.value.months == pytest.approx(91 / 30.4375)
    assert result.value.months == pytest.approx(2.98973, abs=1e-5)
    assert result.value.censored is False


@pytest.mark.parametrize(
    ("dates", "os", "pfs", "ttp"),
    [
        pytest.param(
            SurvivalDates(None, death=date(2024, 3, 1)),
            ("first_dose",),
            ("first_dose",),
            ("first_dose",),
            id="no_first_dose",
        ),
        pytest.param(
            SurvivalDates(FIRST),
            ("death or last_follow_up",),
            ("last_assessment or last_follow_up",),
            ("last_assessment or last_follow_up",),
            id="nothing_after_day_1",
        ),
    ],
)
def test_endpoints_not_computable(
    dates: SurvivalDates, os: tuple[str, ...], pfs: tuple[str, ...], ttp: tuple[str, ...]
) -> None:
    assert overall_survival(dates) == NotComputable(os)
    assert progression_free_survival(dates) == NotComputable(pfs)
    assert time_to_progression(dates) == NotComputable(ttp)


@pytest.mark.parametrize(
    ("dates", "message"),
    [
        pytest.param(
            SurvivalDates(FIRST, death=date(2024, 3, 1), progression=date(2024, 3, 2)),
            "progression 2024-03-02 is after death on 2024-03-01",
            id="progression_after_death",
        ),
        pytest.param(
            SurvivalDates(FIRST, last_follow_up=date(2023, 12, 31)),
            "last follow-up 2023-12-31 is before the first dose 2024-01-01",
            id="follow_up_before_first_dose",
        ),
    ],
)
def test_impossible_dates_are_refused(dates: SurvivalDates, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        time_to_events(dates)


@pytest.mark.parametrize(
    ("dates", "reasons"),
    [
        pytest.param(SurvivalDates(FIRST, death=date(2024, 5, 1)), {}, id="all_computable"),
        pytest.param(
            SurvivalDates(None),
            dict.fromkeys(("os", "pfs", "ttp"), "no_first_dose"),
            id="no_first_dose",
        ),
        pytest.param(
            SurvivalDates(FIRST),
            {
                "os": "no_last_contact",
                "pfs": "no_assessment_or_follow_up",
                "ttp": "no_assessment_or_follow_up",
            },
            id="nothing_after_day_1",
        ),
        pytest.param(
            SurvivalDates(FIRST, death=date(2024, 3, 1), progression=date(2024, 3, 2)),
            dict.fromkeys(("os", "pfs", "ttp"), "progression_after_death"),
            id="progression_after_death",
        ),
        pytest.param(
            SurvivalDates(FIRST, death=date(2024, 3, 1), last_follow_up=date(2024, 4, 1)),
            dict.fromkeys(("os", "pfs", "ttp"), "last_follow_up_after_death"),
            id="follow_up_after_death",
        ),
        pytest.param(
            SurvivalDates(FIRST, progression=date(2023, 12, 1)),
            dict.fromkeys(("os", "pfs", "ttp"), "progression_before_first_dose"),
            id="progression_before_first_dose",
        ),
    ],
)
def test_why_an_endpoint_cannot_be_computed(dates: SurvivalDates, reasons: dict[str, str]) -> None:
    assert not_computable_reasons(dates) == reasons
    for code in reasons.values():
        assert REASONS[code].en
        assert REASONS[code].zh


def test_contradictory_dates_say_which() -> None:
    with pytest.raises(DateConflict) as info:
        time_to_events(SurvivalDates(FIRST, death=date(2024, 3, 1), progression=date(2024, 3, 2)))
    assert info.value.reason == "progression_after_death"
