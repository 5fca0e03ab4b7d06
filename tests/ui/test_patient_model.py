"""The patient list model passes Qt's model tester and filters without the database."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester

from rego_desktop.casebook import PatientStatus
from rego_desktop.services.patients import PatientRow
from rego_desktop.ui.patient_model import PatientFilter, PatientTableModel


def rows(n: int) -> list[PatientRow]:
    statuses = list(PatientStatus)
    return [
        PatientRow(
            uid=f"u{i}",
            subject_code=f"BJ01-{i:04d}",
            status=statuses[i % len(statuses)],
            name=["张伟", "Wang Fang", "Li Na"][i % 3],
            record_number=f"ZY{i:06d}",
            forms_complete=i % 10,
            forms_total=10,
            open_queries=i % 4,
            updated_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(hours=i),
            locked=False,
        )
        for i in range(1, n + 1)
    ]


def test_model_passes_the_model_tester(qtmodeltester: ModelTester) -> None:
    model = PatientTableModel()
    model.set_rows(rows(30))
    qtmodeltester.check(model)
    proxy = PatientFilter()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)


def test_search_by_code_name_or_record_number() -> None:
    model = PatientTableModel()
    model.set_rows(rows(30))
    proxy = PatientFilter()
    proxy.setSourceModel(model)
    proxy.set_text("bj01-0007")
    assert proxy.rowCount() == 1
    proxy.set_text("张伟")
    assert proxy.rowCount() == 10
    proxy.set_text("ZY000012")
    assert proxy.rowCount() == 1
    proxy.set_text("")
    proxy.set_status(PatientStatus.SCREEN_FAILURE)
    assert all(proxy.index(r, 3).data() == "Screen failure" for r in range(proxy.rowCount()))
    expected = sum(1 for row in rows(30) if row.status is PatientStatus.SCREEN_FAILURE)
    assert proxy.rowCount() == expected > 0


def test_sorting_uses_typed_keys() -> None:
    model = PatientTableModel()
    model.set_rows(rows(12))
    proxy = PatientFilter()
    proxy.setSourceModel(model)
    proxy.sort(4, Qt.SortOrder.DescendingOrder)  # forms complete, numerically
    first = [proxy.index(r, 4).data() for r in range(3)]
    assert first == ["9 / 10", "8 / 10", "7 / 10"]


def test_ten_thousand_rows_filter() -> None:
    model = PatientTableModel()
    model.set_rows(rows(10_000))
    proxy = PatientFilter()
    proxy.setSourceModel(model)
    proxy.set_text("BJ01-99")
    assert proxy.rowCount() == 100  # BJ01-9900 to BJ01-9999
