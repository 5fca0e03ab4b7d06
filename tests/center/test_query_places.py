"""Where a query is, in words (:mod:`rego_desktop.center.queries.places`): labels from
the study definition in English and Chinese, an entry as its number among the patient's
entries of the form (in the pooled listings' order: by study day, not by entry id), and
the ids kept for talking to the site; unknown ids and gone entries fall back to ids."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest

from rego_desktop.center import queries as cq
from rego_desktop.center.db import CenterDatabase, open_center_database
from rego_desktop.center.merge import merge_file
from rego_desktop.center.pooled import pooled_patients
from rego_desktop.center.queries.common import CenterQueryRow
from rego_desktop.center.queries.places import (
    QueryPlace,
    describe,
    entry_order,
    query_places,
)
from rego_desktop.exchange.export import export_transfer
from rego_desktop.exchange.site_keys import site_public_key
from rego_desktop.study import CURRENT
from tests.center.conftest import CENTER
from tests.exchange.sitefill import new_site


@dataclass(frozen=True)
class Pooled:
    db: CenterDatabase
    subject: str
    form: str
    by_day: tuple[str, ...]
    """The subject's entry ids of ``form`` ordered by the form's study day."""


def _by_day(db: CenterDatabase, form: str) -> Iterator[tuple[str, tuple[str, ...]]]:
    order_by = CURRENT.form(form).order_by
    assert order_by is not None
    for patient in pooled_patients(db):
        entries = patient.forms.get(form, ())
        days = [(e.values.get(order_by), e.entry_id) for e in entries]
        if len(days) >= 3 and all(isinstance(d, int) for d, _ in days):
            yield patient.subject_code, tuple(e for _d, e in sorted(days))


@pytest.fixture(scope="module")
def pooled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pooled]:
    folder = tmp_path_factory.mktemp("places")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REGO_DATA_DIR", str(folder / "data"))
        study, _ = new_site(folder, "BJ01", 4, seed=31)
        try:
            transfer = folder / "t1.rgt"
            export_transfer(study, CENTER.public, transfer)
            db = open_center_database(folder / "center.db", create=True)
            merge_file(db, transfer, CENTER, {"BJ01": site_public_key(study)})
        finally:
            study.close()
    try:
        # a patient whose cycles' ids are not in date order, so the numbers say which
        # order is used
        subject, by_day = next(
            (s, order) for s, order in _by_day(db, "cycles") if list(order) != sorted(order)
        )
        yield Pooled(db, subject, "cycles", by_day)
    finally:
        db.close()


def test_entry_numbers_follow_the_listing_order(pooled: Pooled) -> None:
    assert entry_order(pooled.db, pooled.subject, pooled.form) == pooled.by_day
    assert entry_order(pooled.db, pooled.subject, "no_such_form") == ()
    assert entry_order(pooled.db, "XX99-0001", pooled.form) == ()

    third = pooled.by_day[2]
    row = cq.raise_manual(
        pooled.db,
        site="BJ01",
        subject=pooled.subject,
        form=pooled.form,
        entry=third,
        field="start_date",
        text="Please check the start of this cycle.",
    )
    whole = cq.raise_manual(
        pooled.db, site="BJ01", subject=pooled.subject, text="Please check the patient."
    )
    single = cq.raise_manual(
        pooled.db,
        site="BJ01",
        subject=pooled.subject,
        form="demographics",
        field="ecog",
        text="Please confirm the ECOG score.",
    )
    on_form = cq.raise_manual(
        pooled.db, site="BJ01", subject=pooled.subject, form=pooled.form, text="All cycles?"
    )
    # The command line's --entry N counts entries as the window and the listings do.
    by_number = cq.raise_manual(
        pooled.db,
        site="BJ01",
        subject=pooled.subject,
        form=pooled.form,
        entry="3",
        field="start_date",
        text="Please check the start of the third cycle.",
    )
    assert by_number.entry == third
    places = query_places(pooled.db, [row, whole, single, on_form])

    place = places[row.query_id]
    assert place.entry_number == 3
    assert place.text("en") == "Treatment cycles / Cycle 3 / Cycle start (day 1 of cycle)"
    assert place.text("zh_CN") == "治疗周期 / 周期 3 / 周期开始日期(周期第1天)"
    assert place.ids == f"cycles / {third} / start_date"

    assert places[whole.query_id].text("en") == ""
    assert places[whole.query_id].ids == ""
    assert places[single.query_id].text("en") == "Demographics / ECOG performance status"
    assert places[single.query_id].text("zh_CN") == "人口学资料 / ECOG体能状态评分"
    assert places[single.query_id].ids == "demographics / ecog"
    assert places[on_form.query_id].text("zh_CN") == "治疗周期"
    assert places[on_form.query_id].entry_number is None


def test_unknown_ids_and_gone_entries_fall_back_to_ids(pooled: Pooled) -> None:
    row = cq.raise_manual(
        pooled.db,
        site="BJ01",
        subject=pooled.subject,
        form=pooled.form,
        entry=pooled.by_day[0],
        field="start_date",
        text="Please check this cycle.",
    )
    older = replace(row, query_id="Q-OLD", form="old_form", field="old_field")
    unknown_field = replace(row, query_id="Q-FIELD", field="removed_field")
    gone = replace(row, query_id="Q-GONE", entry="0123456789abcdef0123456789abcdef")
    gone_patient = replace(row, query_id="Q-PATIENT", subject="BJ01-9999")
    places = query_places(pooled.db, [row, older, unknown_field, gone, gone_patient])

    assert (
        places[row.query_id].text("en")
        == "Treatment cycles / Cycle 1 / Cycle start (day 1 of cycle)"
    )
    assert places["Q-OLD"].text("en") == f"old_form / {pooled.by_day[0]} / old_field"
    assert places["Q-OLD"].text("zh_CN") == places["Q-OLD"].ids
    assert places["Q-FIELD"].text("zh_CN") == "治疗周期 / 周期 1 / removed_field"
    # an entry the pooled data no longer hold: the word for an entry and a short id
    assert places["Q-GONE"].entry_number is None
    assert (
        places["Q-GONE"].text("en")
        == "Treatment cycles / Cycle 01234567… / Cycle start (day 1 of cycle)"
    )
    assert places["Q-GONE"].ids.startswith("cycles / 0123456789abcdef0123456789abcdef /")
    # a patient no longer pooled: labels of the current definition, no number
    assert places["Q-PATIENT"].entry_number is None
    assert places["Q-PATIENT"].text("en") == (
        f"Treatment cycles / Cycle {pooled.by_day[0][:8]}… / Cycle start (day 1 of cycle)"
    )


def _any_row() -> CenterQueryRow:
    values: dict[str, Any] = dict.fromkeys(CenterQueryRow.__dataclass_fields__)
    return CenterQueryRow(**values)


def test_describe_without_the_database() -> None:
    """The labels alone, for a row whose pooled data are not read."""
    row = replace(
        _any_row(),
        query_id="Q000001",
        subject="BJ01-0001",
        form="adverse_events",
        entry="ab12cd34ef56",
        field="grade",
    )
    place = describe(row, CURRENT)
    assert isinstance(place, QueryPlace)
    assert place.text("en") == "Adverse events / Adverse event ab12cd34… / CTCAE grade"
    assert place.text("zh_CN") == "不良事件 / 不良事件 ab12cd34… / CTCAE分级"
    assert describe(row, CURRENT, 2).text("en") == "Adverse events / Adverse event 2 / CTCAE grade"


def test_subject_filter_by_part_of_the_code(pooled: Pooled) -> None:
    """The window's subject filter matches any code containing what was typed (case
    ignored); the command line's --subject matches the whole code; % and _ are plain."""
    row = cq.raise_manual(
        pooled.db, site="BJ01", subject=pooled.subject, text="Please check the patient."
    )
    number = pooled.subject.split("-")[-1]
    found = cq.list_queries(pooled.db, subject=number, subject_part=True)
    assert row.query_id in {r.query_id for r in found}
    assert all(number in r.subject for r in found)
    lower = cq.list_queries(pooled.db, subject=pooled.subject.lower(), subject_part=True)
    assert row.query_id in {r.query_id for r in lower}
    assert cq.list_queries(pooled.db, subject=number) == []  # whole code only
    assert cq.list_queries(pooled.db, subject="%", subject_part=True) == []
    assert cq.list_queries(pooled.db, subject="_", subject_part=True) == []
