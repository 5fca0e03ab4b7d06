"""The Queries page of the center window (issue 16), driven by the keyboard (offscreen,
1366x768): keys go to ``QApplication.focusWidget()`` only; message boxes, text prompts
and the folder chooser are scripted."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from rego_desktop.center import audit
from rego_desktop.center import queries as cq
from rego_desktop.center.db import open_center_database
from rego_desktop.center_ui import settings as keys
from rego_desktop.center_ui.app import CenterApplication
from rego_desktop.center_ui.choosers import ScriptedChooser
from rego_desktop.center_ui.queries_page import QueryTableModel, details_html
from rego_desktop.center_ui.query_dialog import ManualQueryDialog
from rego_desktop.exchange.query_responses import QueryResponse
from rego_desktop.ui.messages import ScriptedMessages
from rego_desktop.ui.settings import Settings
from tests.center_ui.conftest import (
    Center,
    alt,
    ctrl,
    focused,
    open_by_keys,
    press,
    register_all,
    type_text,
)
from tests.center_ui.test_window_keyboard import merged_center, while_modal
from tests.ui.conftest import settle, snapshot
from tests.ui.mnemonics import assert_unique_mnemonics

SHOTS = Path(os.environ.get("REGO_CENTER_SHOTS", "/tmp/center-shots"))


def _rows(page: QWidget) -> int:
    model = page.model  # type: ignore[attr-defined]
    assert isinstance(model, QueryTableModel)
    return model.rowCount()


def test_queries_page_by_keys(
    qtbot: QtBot,
    controller: CenterApplication,
    center: Center,
    messages: ScriptedMessages,
    chooser: ScriptedChooser,
) -> None:
    merged_center(center)
    register_all(center)
    window = open_by_keys(qtbot, controller)
    page = window.queries
    ctrl("8")
    assert window.current_page() is page
    assert_unique_mnemonics(window)
    assert _rows(page) == 0
    assert page.empty.isVisible()
    assert focused() is page.auto_button

    # Raise automatic queries: background work, counts said when done.
    press(Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: any("Edit checks run on" in t for t in messages.texts()), timeout=60000)
    said = next(t for t in messages.texts() if "Edit checks run on" in t)
    with open_center_database(center.database) as db:
        automatic = cq.list_queries(db)
    assert f"{len(automatic)} query(ies) raised" in said
    assert _rows(page) == len([q for q in automatic if q.status != "closed"])

    # Raise a manual query: site, subject, form, field from the study definition, text.
    before = _rows(page)

    def raise_one(dialog: QWidget) -> None:
        assert isinstance(dialog, ManualQueryDialog)
        assert_unique_mnemonics(dialog)
        assert focused() is dialog.site
        dialog.site.setCurrentText("BJ01")
        alt("f")
        assert focused() is dialog.form
        demographics = dialog.form.findData("demographics")
        assert demographics > 0
        dialog.form.setCurrentIndex(demographics)
        alt("i")
        assert focused() is dialog.field
        dialog.field.setCurrentIndex(dialog.field.findData("ecog"))
        assert dialog.entry.currentData() == ""  # the single entry is chosen
        alt("t")
        assert focused() is dialog.text
        type_text("Please confirm the ECOG score at screening.")
        alt("r")

    while_modal(lambda: alt("m"), raise_one)
    settle()
    assert _rows(page) == before + 1
    raised = page.selected()
    assert raised is not None
    assert raised.field == "ecog"
    assert raised.origin == "manual"
    assert any(f"Raised query {raised.query_id}" in t for t in messages.texts("notify"))
    assert "Please confirm the ECOG score at screening." in page.details.toPlainText()


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_queries_page_actions_and_screens(
    qtbot: QtBot,
    controller: CenterApplication,
    center: Center,
    messages: ScriptedMessages,
    chooser: ScriptedChooser,
    settings: Settings,
    language: str,
) -> None:
    merged_center(center)
    register_all(center)
    settings.set(keys.LANGUAGE, language)
    with open_center_database(center.database) as db:
        subject = cq.query_targets(db, "BJ01")
        first = next(iter(subject.subjects))
        manual = cq.raise_manual(
            db,
            site="BJ01",
            subject=first,
            form="demographics",
            field="ecog",
            text="Please confirm the ECOG score.",
        )
        cq.raise_automatic(db)
    window = open_by_keys(qtbot, controller)
    page = window.queries
    ctrl("8")
    assert window.current_page() is page
    assert_unique_mnemonics(window)
    assert focused() is page.table
    SHOTS.mkdir(parents=True, exist_ok=True)
    # the manual query: select it by typing its subject into the filter
    alt("b")
    assert focused() is page.subject
    type_text(first)
    assert page.subject_timer.isActive()  # read once the typing pauses
    qtbot.waitUntil(lambda: not page.subject_timer.isActive())
    assert all(
        page.model.query(r).subject == first  # type: ignore[union-attr]
        for r in range(page.model.rowCount())
    )
    row = page.model.row_of(manual.query_id)
    assert row is not None
    page.table.setCurrentIndex(page.model.index(row, 0))
    selected = page.selected()
    assert selected is not None
    assert selected.query_id == manual.query_id
    shown = page.details.toPlainText()
    assert manual.query_id in shown
    assert "ECOG" in shown
    snapshot(window, SHOTS, f"center-8-queries-{language}")

    # close (an open query needs a note), then re-open (a reason is required)
    messages.replies.append("")
    alt("c")
    assert "has no answer from the site yet" in " ".join(messages.texts("error")) or (
        "尚未收到站点的回复" in " ".join(messages.texts("error"))
    )
    messages.replies.append("Confirmed by telephone with the site.")
    alt("c")
    with open_center_database(center.database) as db:
        assert cq.get_query(db, manual.query_id).status == "closed"
    assert page.model.row_of(manual.query_id) is None  # filter: open and answered
    alt("t")
    assert focused() is page.status
    page.status.setCurrentIndex(page.status.findData("any"))
    row = page.model.row_of(manual.query_id)
    assert row is not None
    page.table.setCurrentIndex(page.model.index(row, 0))
    assert not page.close_button.isEnabled()
    assert page.reopen_button.isEnabled()
    messages.replies.append("   ")
    alt("e")
    with open_center_database(center.database) as db:
        assert cq.get_query(db, manual.query_id).status == "closed"
    messages.replies.append("The value was not in the source document.")
    alt("e")
    with open_center_database(center.database) as db:
        row_now = cq.get_query(db, manual.query_id)
        entries, _head = audit.read(db)
    assert row_now.status == "open"
    assert [e.event for e in row_now.history][-2:] == ["closed", "reopened"]
    assert {"query_close", "query_reopen"} <= {e.action for e in entries}
    shown = page.details.toPlainText()
    assert "The value was not in the source document." in shown
    assert "Confirmed by telephone with the site." in shown
    snapshot(window, SHOTS, f"center-8-queries-history-{language}")

    # export: the site chosen in the filter, into a folder
    out = center.folder / "query-files"
    out.mkdir()
    alt("s")
    assert focused() is page.site
    page.site.setCurrentIndex(page.site.findData("BJ01"))
    chooser.replies.append(str(out))
    alt("x")
    qtbot.waitUntil(lambda: any(".rgq" in t for t in messages.texts("notify")), timeout=30000)
    files = sorted(out.glob("BJ01-queries-*.rgq"))
    assert len(files) == 1
    with open_center_database(center.database) as db:
        pending = cq.pending_queries(db, "BJ01")
    assert manual.query_id in {q.query_id for q in pending}

    # the manual query dialog in this language: unique mnemonics, Esc closes it
    def look(dialog: QWidget) -> None:
        assert isinstance(dialog, ManualQueryDialog)
        assert_unique_mnemonics(dialog)
        assert dialog.raise_button.isDefault()
        snapshot(dialog, SHOTS, f"center-manual-query-{language}")
        press(Qt.Key.Key_Escape)

    while_modal(lambda: alt("m"), look)
    settle()
    assert focused() is page.manual_button


def test_manual_query_dialog_by_keys(
    qtbot: QtBot,
    controller: CenterApplication,
    center: Center,
    messages: ScriptedMessages,
) -> None:
    merged_center(center)
    register_all(center)
    window = open_by_keys(qtbot, controller)
    ctrl("8")
    page = window.queries
    dialog = ManualQueryDialog(
        window.session, messages, ["BJ01", "GZ03", "SH02"], page, site="BJ01"
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=5000)
    dialog.site.setFocus()
    assert_unique_mnemonics(dialog)
    assert dialog.raise_button.isDefault()
    assert dialog.subject.count() > 0
    alt("f")
    assert focused() is dialog.form
    dialog.form.setCurrentIndex(dialog.form.findData("demographics"))
    alt("i")
    assert focused() is dialog.field
    dialog.field.setCurrentIndex(dialog.field.findData("ecog"))
    assert dialog.entry.currentData() == ""
    # free-text fields stay at the sites: never offered
    fields = [dialog.field.itemData(i) for i in range(dialog.field.count())]
    assert "ecog" in fields
    # nothing typed yet: Raise says what is missing and focuses the text
    alt("r")
    assert messages.texts("info")[-1].startswith("Write the query text")
    assert focused() is dialog.text
    type_text("Please confirm the ECOG score at screening.")
    alt("r")
    assert dialog.raised is not None
    raised = dialog.raised
    assert raised.form == "demographics"
    assert raised.field == "ecog"
    assert raised.subject == dialog.subject.currentData()
    with open_center_database(center.database) as db:
        assert cq.get_query(db, raised.query_id).text.startswith("Please confirm")
    # Esc closes
    again = ManualQueryDialog(window.session, messages, ["BJ01"], page)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitExposed(again)
    again.activateWindow()
    qtbot.waitUntil(again.isActiveWindow, timeout=5000)
    again.site.setFocus()
    press(Qt.Key.Key_Escape)
    assert not again.isVisible()


def test_query_model_passes_the_model_tester(qtmodeltester: ModelTester, center: Center) -> None:
    merged_center(center)
    with open_center_database(center.database) as db:
        cq.raise_automatic(db)
        first = next(iter(cq.query_targets(db, "BJ01").subjects))
        manual = cq.raise_manual(db, site="BJ01", subject=first, text="Please check the patient.")
        rows = cq.list_queries(db, status=None)
    model = QueryTableModel()
    qtmodeltester.check(model)  # type: ignore[no-untyped-call]
    model.set_rows(rows)
    qtmodeltester.check(model)  # type: ignore[no-untyped-call]
    assert model.rowCount() == len(rows) > 0
    assert model.data(model.index(0, 0)) == rows[0].query_id
    html = details_html(next(r for r in rows if r.query_id == manual.query_id))
    assert "Please check the patient." in html
    model.set_rows(rows[:1])
    qtmodeltester.check(model)  # type: ignore[no-untyped-call]


def test_rollback_in_the_window_withdraws_an_answer(
    qtbot: QtBot,
    controller: CenterApplication,
    center: Center,
    messages: ScriptedMessages,
) -> None:
    """Rollback page then Queries page: the answer package 2 carried is withdrawn."""
    merged_center(center, everything=True)
    with open_center_database(center.database) as db:
        subject = next(iter(cq.query_targets(db, "BJ01").subjects))
        query = cq.raise_manual(db, site="BJ01", subject=subject, text="Please check the dates.")
        with db.transaction() as session:
            cq.apply_responses(
                session,
                "BJ01",
                [
                    QueryResponse(
                        query=query.query_id,
                        subject=subject,
                        revision=query.revision,
                        status="answered",
                        events=1,
                        answer="Dates checked against the chart.",
                        answered_by="Dr Site",
                        answered_at=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
                        corrections=(),
                    )
                ],
                package_sequence=2,
            )
        assert cq.get_query(db, query.query_id).status == "answered"
    window = open_by_keys(qtbot, controller)
    ctrl("6")
    assert focused() is window.rollback.site
    assert window.rollback.site.currentText() == "BJ01"
    press(Qt.Key.Key_Tab)
    press(Qt.Key.Key_Down)  # package 1 (newest first)
    messages.replies.append(True)
    press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: any("re-opened" in t for t in messages.texts("notify")), timeout=30000)
    said = next(t for t in messages.texts("notify") if "re-opened" in t)
    assert query.query_id in said
    ctrl("8")
    page = window.queries
    row = page.model.row_of(query.query_id)
    assert row is not None
    page.table.setCurrentIndex(page.model.index(row, 0))
    selected = page.selected()
    assert selected is not None
    assert selected.status == "open"
    assert selected.answer is None
    shown = page.details.toPlainText()
    assert "answer withdrawn by rollback" in shown
    assert "Dates checked against the chart." in shown  # kept in the history
