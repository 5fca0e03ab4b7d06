"""The Queries page names a query's place in the window's language (offscreen,
1366x768): the form's and field's labels from the study definition and an entry as its
number among the patient's entries ("Treatment cycles / Cycle 2 / Cycle start ..."),
the ids in the tooltip and the detail pane for talking to the site; the manual query
dialog numbers the entries the same way. Screenshots: ``center-8-queries-places-*``."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from rego_desktop.center import queries as cq
from rego_desktop.center.db import open_center_database
from rego_desktop.center.pooled import pooled_patients
from rego_desktop.center.queries import CenterQueryRow
from rego_desktop.center_ui import settings as keys
from rego_desktop.center_ui.app import CenterApplication
from rego_desktop.center_ui.queries_page import details_html
from rego_desktop.center_ui.query_dialog import ManualQueryDialog
from rego_desktop.study import CURRENT
from rego_desktop.ui.messages import ScriptedMessages
from rego_desktop.ui.settings import Settings
from tests.center_ui.conftest import Center, alt, ctrl, open_by_keys, press, register_all
from tests.center_ui.test_window_keyboard import merged_center, while_modal
from tests.ui.conftest import settle, snapshot

SHOTS = Path(os.environ.get("REGO_CENTER_SHOTS", "/tmp/center-shots"))

EXPECTED = {
    "en": (
        "Treatment cycles / Cycle {n} / Cycle start (day 1 of cycle)",
        "Demographics / ECOG performance status",
        "the whole patient",
        "Ids (for the site): cycles / {entry} / start_date",
    ),
    "zh_CN": (
        "治疗周期 / 周期 {n} / 周期开始日期(周期第1天)",
        "人口学资料 / ECOG体能状态评分",
        "整个患者",
        "编号（与分中心沟通用）：cycles / {entry} / start_date",
    ),
}


def _cycles_by_day(center: Center) -> tuple[str, tuple[str, ...]]:
    """A BJ01 patient with at least two cycles, and their entry ids by start day."""
    with open_center_database(center.database) as db:
        for patient in pooled_patients(db, site="BJ01"):
            cycles = patient.forms.get("cycles", ())
            days = [(e.values.get("start_date"), e.entry_id) for e in cycles]
            if len(days) >= 2 and all(isinstance(d, int) for d, _ in days):
                return patient.subject_code, tuple(e for _d, e in sorted(days))
    raise AssertionError("no BJ01 patient with two cycles in the demo data")


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_place_column_in_the_window_language(
    qtbot: QtBot,
    controller: CenterApplication,
    center: Center,
    messages: ScriptedMessages,
    settings: Settings,
    language: str,
) -> None:
    merged_center(center)
    register_all(center)
    settings.set(keys.LANGUAGE, language)
    subject, cycles = _cycles_by_day(center)
    last = cycles[-1]
    with open_center_database(center.database) as db:
        on_entry = cq.raise_manual(
            db,
            site="BJ01",
            subject=subject,
            form="cycles",
            entry=last,
            field="start_date",
            text="Please check the start of this cycle.",
        )
        on_field = cq.raise_manual(
            db, site="BJ01", subject=subject, form="demographics", field="ecog", text="ECOG?"
        )
        on_patient = cq.raise_manual(db, site="BJ01", subject=subject, text="Any patient?")
        cq.raise_automatic(db)
    window = open_by_keys(qtbot, controller)
    page = window.queries
    ctrl("8")
    assert window.current_page() is page
    model = page.model
    entry_text, field_text, patient_text, ids_text = EXPECTED[language]

    def place(query_id: str, role: Qt.ItemDataRole = Qt.ItemDataRole.DisplayRole) -> str:
        row = model.row_of(query_id)
        assert row is not None
        value = model.data(model.index(row, 3), role)
        assert isinstance(value, str)
        return value

    assert place(on_entry.query_id) == entry_text.format(n=len(cycles))
    assert place(on_field.query_id) == field_text
    assert place(on_patient.query_id) == patient_text
    # the ids stay at hand for talking to the site
    assert place(on_entry.query_id, Qt.ItemDataRole.ToolTipRole) == ids_text.format(entry=last)
    assert place(on_field.query_id, Qt.ItemDataRole.ToolTipRole).endswith("demographics / ecog")

    # every row (automatic queries included) reads as labels, never as ids
    listed = [model.query(r) for r in range(model.rowCount())]
    assert len(listed) > 3
    for r, query in enumerate(listed):
        assert query is not None
        shown = model.data(model.index(r, 3))
        if query.form is None:
            continue
        form = CURRENT.form(query.form)
        assert shown.startswith(form.label.text(language)), shown
        if query.field is not None:
            assert shown.endswith(form.field(query.field).label.text(language)), shown
        if query.entry:
            assert query.entry not in shown, shown

    # the detail pane: the place in words and as ids
    row = model.row_of(on_entry.query_id)
    assert row is not None
    page.table.setCurrentIndex(model.index(row, 0))
    settle()
    details = page.details.toPlainText()
    assert entry_text.format(n=len(cycles)) in details
    assert ids_text.format(entry=last) in details

    # nothing clipped: the place column is as wide as its longest text
    page.table.scrollTo(model.index(row, 3))
    metrics = page.table.fontMetrics()
    widest = max(
        metrics.horizontalAdvance(model.data(model.index(r, 3))) for r in range(len(listed))
    )
    assert page.table.horizontalHeader().sectionSize(3) >= widest
    assert (window.width(), window.height()) <= (1366, 768)
    SHOTS.mkdir(parents=True, exist_ok=True)
    snapshot(window, SHOTS, f"center-8-queries-places-{language}")

    # the manual query dialog numbers the cycles as the page does
    def look(dialog: QWidget) -> None:
        assert isinstance(dialog, ManualQueryDialog)
        dialog.site.setCurrentText("BJ01")
        dialog.subject.setCurrentIndex(dialog.subject.findData(subject))
        dialog.form.setCurrentIndex(dialog.form.findData("cycles"))
        offered = [dialog.entry.itemData(i) for i in range(1, dialog.entry.count())]
        assert tuple(offered) == cycles
        n = dialog.entry.findData(last)
        number, short = len(cycles), last[:8]
        expected = {"en": f"Cycle {number} ({short}…)", "zh_CN": f"周期 {number}（{short}…）"}
        assert dialog.entry.itemText(n) == expected[language]
        assert dialog.entry.itemData(n, Qt.ItemDataRole.ToolTipRole) == last
        dialog.entry.setCurrentIndex(n)
        snapshot(dialog, SHOTS, f"center-manual-query-places-{language}")
        press(Qt.Key.Key_Escape)

    while_modal(lambda: alt("m"), look)
    settle()


def test_details_name_the_sites_corrections_in_words() -> None:
    values: dict[str, Any] = dict.fromkeys(CenterQueryRow.__dataclass_fields__)
    row = replace(
        CenterQueryRow(**values),
        query_id="Q000007",
        site="BJ01",
        subject="BJ01-0001",
        form="demographics",
        field="ecog",
        status="answered",
        revision=2,
        acked_revision=2,
        text="Please confirm the ECOG score.",
        history=(),
        corrections=(
            {
                "at": "2026-01-02T03:04:05Z",
                "by": "Dr Site",
                "entry": None,
                "form": "demographics",
                "field": "ecog",
                "reason": "transcription error",
            },
        ),
    )
    shown = details_html(row)
    assert "Demographics / ECOG performance status (demographics.ecog): transcription" in shown
    assert "Place: Demographics / ECOG performance status<br>" in shown
    assert "Ids (for the site): demographics / ecog<br>" in shown
