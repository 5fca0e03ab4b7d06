"""The center window driven by the keyboard (offscreen, 1366x768): keys go to
``QApplication.focusWidget()`` only; message boxes and file dialogs are scripted."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from rego_desktop.center import audit
from rego_desktop.center.db import open_center_database
from rego_desktop.center.merge import merge_files, order_for_merge
from rego_desktop.center.status import overdue_days, site_status
from rego_desktop.center_ui import settings as keys
from rego_desktop.center_ui.app import CenterApplication
from rego_desktop.center_ui.choosers import ScriptedChooser
from rego_desktop.center_ui.register_dialog import RegisterDialog
from rego_desktop.center_ui.status_page import SiteStatusModel
from rego_desktop.center_ui.window import CenterWindow
from rego_desktop.exchange.keys import write_site_public_key
from rego_desktop.ui.messages import ScriptedMessages
from rego_desktop.ui.settings import Settings
from tests.center.conftest import CENTER
from tests.center_ui.conftest import (
    PASSPHRASE,
    Center,
    activate,
    alt,
    cell,
    ctrl,
    focused,
    open_by_keys,
    press,
    register_all,
    type_text,
)
from tests.ui.conftest import settle


def while_modal(action: Callable[[], object], script: Callable[[QWidget], None]) -> None:
    """Run ``action`` (which opens a modal dialog) and ``script`` inside that dialog."""
    errors: list[BaseException] = []

    def run() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, run)
            return
        try:
            handle = dialog.windowHandle()
            if handle is not None:
                handle.requestActivate()
            for _ in range(50):
                QApplication.processEvents()
                if dialog.isActiveWindow():
                    break
            script(dialog)
        except BaseException as exc:  # reported after the dialog is gone
            errors.append(exc)
            dialog.close()

    QTimer.singleShot(0, run)
    action()
    if errors:
        raise errors[0]


def merged_center(center: Center, *, everything: bool = False) -> None:
    files = center.network.all_files() if everything else center.network.first_files()
    with open_center_database(center.database, create=True) as db:
        merge_files(
            db, order_for_merge(files), CENTER, center.network.registry, allow_removals=True
        )


def test_open_merge_with_confirmed_removals_and_status_by_keys(
    qtbot: QtBot,
    controller: CenterApplication,
    center: Center,
    chooser: ScriptedChooser,
    messages: ScriptedMessages,
) -> None:
    register_all(center)
    window = open_by_keys(qtbot, controller, create=True)
    assert center.database.exists()
    assert (
        "create" in messages.texts("confirm")[0].lower()
        or center.database.name in (messages.texts("confirm")[0])
    )
    ctrl("2")
    assert window.current_page() is window.inbox
    assert focused() is window.inbox.add_files_button
    chooser.replies.append(str(center.inbox))
    alt("o")  # Add folder…
    settle()
    assert len(window.inbox.paths) == len(center.network.all_files())
    assert focused() is window.inbox.files
    alt("v")  # Verify
    qtbot.waitUntil(lambda: cell(window.inbox.files, 0, 4) != "", timeout=30000)
    assert {cell(window.inbox.files, r, 4) for r in range(6)} == {"valid"}
    # Each site's second package removes a patient: confirm them all, by name.
    messages.replies.extend([True, True, True])
    press(Qt.Key.Key_Return)  # Enter in the file list merges
    qtbot.waitUntil(lambda: "6 merged" in window.inbox.summary.text(), timeout=60000)
    removed = [s.removed_after_first[0] for s in center.network.sites.values()]
    questions = [t for t in messages.texts("confirm") if "removes" in t]
    assert len(questions) == 3
    for subject in removed:
        assert any(subject in q for q in questions)
    assert focused() is window.inbox.results
    ctrl("3")
    qtbot.waitUntil(lambda: window.status.model.rowCount() == 3, timeout=30000)
    assert focused() is window.status.view
    assert [s.sequence for s in window.status.model.rows] == [2, 2, 2]
    with open_center_database(center.database) as db:
        expected = [s.to_json_object() for s in site_status(db, now=dt.datetime.now(dt.UTC))]
    shown = {s.site_code: s.patients for s in window.status.model.rows}
    assert shown == {s["site"]: s["patients"] for s in expected}
    assert window.status.forms.rowCount() > 5  # completeness of the current site


def test_unconfirmed_removals_leave_the_center_untouched(
    qtbot: QtBot,
    controller: CenterApplication,
    center: Center,
    messages: ScriptedMessages,
) -> None:
    register_all(center)
    merged_center(center)
    window = open_by_keys(qtbot, controller)
    ctrl("2")
    window.inbox.add_paths([str(p) for p in center.network.last_files()])
    window.inbox.files.setFocus()
    messages.replies.extend([False, False, False])
    press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "3 refused" in window.inbox.summary.text(), timeout=60000)
    results = window.inbox.results
    assert {cell(results, r, 3) for r in range(3)} == {"not merged (removals not confirmed)"}
    for r in range(3):
        assert "remove" in cell(results, r, 4)
    with open_center_database(center.database) as db:
        assert {s.sequence for s in site_status(db)} == {1}


def test_register_a_site_key_comparing_the_fingerprint(
    qtbot: QtBot,
    controller: CenterApplication,
    center: Center,
    messages: ScriptedMessages,
    tmp_path: Path,
) -> None:
    merged_center(center)
    window = open_by_keys(qtbot, controller)
    assert window.current_page() is window.sites
    assert window.sites.sites.rowCount() == 0
    assert focused() is window.sites.register_button
    site = center.network.sites["BJ01"]
    key_file = tmp_path / "from-site.json"
    write_site_public_key(key_file, site.public)

    def script(dialog: QWidget) -> None:
        assert isinstance(dialog, RegisterDialog)
        assert focused() is dialog.file
        type_text(str(key_file))
        press(Qt.Key.Key_Tab)  # leaves the file field: the file is read
        assert dialog.site.text() == "BJ01"
        press(Qt.Key.Key_Tab)  # past Browse…
        assert focused() is dialog.phone
        wrong = "X" + site.public.fingerprint[1:]
        type_text(wrong)
        assert "differ" in dialog.comparison.text()
        assert not dialog.register_button.isEnabled()
        focused().clear()  # type: ignore[attr-defined]
        type_text(site.public.fingerprint.lower().replace("-", " "))
        assert "same" in dialog.comparison.text()
        press(Qt.Key.Key_Return)

    while_modal(lambda: alt("r"), script)
    settle()
    assert window.sites.sites.rowCount() == 1
    assert cell(window.sites.sites, 0, 0) == "BJ01"
    assert (center.site_keys / "BJ01.json").exists()
    with open_center_database(center.database) as db:
        entries, _head = audit.read(db)
    assert entries[-1].action == "register_key"
    assert json.loads(entries[-1].details)["fingerprint"] == site.public.fingerprint
    assert any("BJ01" in t for t in messages.texts("notify"))


def test_revoke_a_site_key(
    qtbot: QtBot, controller: CenterApplication, center: Center, messages: ScriptedMessages
) -> None:
    register_all(center)
    merged_center(center)
    window = open_by_keys(qtbot, controller)
    assert focused() is window.sites.sites
    press(Qt.Key.Key_Down)  # GZ03 (sorted: BJ01, GZ03, SH02)
    fingerprint = center.network.sites["GZ03"].public.fingerprint
    messages.replies.extend([fingerprint, "key file lost with a laptop"])
    alt("v")
    settle()
    assert [cell(window.sites.sites, r, 0) for r in range(2)] == ["BJ01", "SH02"]
    with open_center_database(center.database) as db:
        entries, head = audit.read(db)
    assert entries[-1].action == "revoke_key"
    assert json.loads(entries[-1].details)["reason"] == "key file lost with a laptop"
    assert not audit.check_chain(entries, head)


def test_wrong_passphrase_is_said_in_the_dialog(
    qtbot: QtBot, controller: CenterApplication, center: Center
) -> None:
    merged_center(center)
    controller.start()
    dialog = controller.dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    activate(qtbot, dialog)
    type_text("not the passphrase")
    press(Qt.Key.Key_Return)
    qtbot.waitUntil(dialog.error.isVisible, timeout=15000)
    assert controller.window is None
    assert focused() is dialog.passphrase
    type_text(PASSPHRASE)
    press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: controller.window is not None, timeout=15000)


def test_status_model_passes_the_model_tester(qtmodeltester: ModelTester, center: Center) -> None:
    merged_center(center, everything=True)
    with open_center_database(center.database) as db:
        rows = site_status(db)
    model = SiteStatusModel()
    qtmodeltester.check(model)  # type: ignore[no-untyped-call]
    model.set_rows(rows)
    qtmodeltester.check(model)  # type: ignore[no-untyped-call]
    model.sort(4, Qt.SortOrder.DescendingOrder)
    assert [s.patients for s in model.rows] == sorted((s.patients for s in rows), reverse=True)
    qtmodeltester.check(model)  # type: ignore[no-untyped-call]


def test_overdue_period_is_saved_to_the_center_and_audited(
    qtbot: QtBot, controller: CenterApplication, center: Center
) -> None:
    merged_center(center)
    window = open_by_keys(qtbot, controller)
    ctrl("3")
    qtbot.waitUntil(lambda: window.status.model.rowCount() == 3, timeout=30000)
    alt("o")
    assert focused() is window.status.overdue
    press(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    type_text("0")
    press(Qt.Key.Key_Tab)  # leaving the field stores it
    settle()
    with open_center_database(center.database) as db:
        assert overdue_days(db) == 0
        entries, _head = audit.read(db)
    assert entries[-1].action == "setting"


def test_audit_trail_filter_and_chain(
    qtbot: QtBot, controller: CenterApplication, center: Center
) -> None:
    merged_center(center, everything=True)
    window = open_by_keys(qtbot, controller)
    ctrl("5")
    qtbot.waitUntil(lambda: window.audit.visible_rows() > 0, timeout=30000)
    assert focused() is window.audit.filter
    everything = window.audit.visible_rows()
    type_text("SH02")
    assert 0 < window.audit.visible_rows() < everything
    assert "intact" in window.audit.chain.text()
    with open_center_database(center.database) as db:
        _entries, head = audit.read(db)
    assert head is not None
    assert f"{head.seq}:{head.hash}" in window.audit.chain.text()


def test_rollback_by_keys(
    qtbot: QtBot,
    controller: CenterApplication,
    center: Center,
    messages: ScriptedMessages,
) -> None:
    merged_center(center, everything=True)
    window = open_by_keys(qtbot, controller)
    ctrl("6")
    assert focused() is window.rollback.site
    assert window.rollback.site.currentText() == "BJ01"
    press(Qt.Key.Key_Tab)
    assert focused() is window.rollback.packages
    press(Qt.Key.Key_Down)  # package 1 (newest first)
    messages.replies.append(True)
    press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: cell(window.rollback.packages, 0, 5) != "", timeout=30000)
    question = [t for t in messages.texts("confirm") if "package 1" in t]
    assert question
    assert "2" in question[0]
    with open_center_database(center.database) as db:
        bj01 = next(s for s in site_status(db) if s.site_code == "BJ01")
    assert bj01.sequence == 1


def test_backup_and_restore_by_keys(
    qtbot: QtBot,
    controller: CenterApplication,
    center: Center,
    messages: ScriptedMessages,
) -> None:
    merged_center(center)
    window = open_by_keys(qtbot, controller)
    ctrl("7")
    assert focused() is window.backups.folder
    type_text(str(center.folder / "backups"))
    alt("u")  # Back up now
    qtbot.waitUntil(lambda: window.backups.list.rowCount() == 1, timeout=30000)
    assert "checked" in window.backups.result.text()
    # Later merges; then back to the backup.
    with open_center_database(center.database) as db:
        merge_files(
            db,
            center.network.last_files(),
            CENTER,
            center.network.registry,
            allow_removals=True,
        )
    alt("c")  # Check the selected backup
    qtbot.waitUntil(lambda: "verified" in window.backups.result.text(), timeout=30000)
    messages.replies.append(True)
    alt("r")  # Restore…
    qtbot.waitUntil(lambda: "Restored" in window.backups.result.text(), timeout=30000)
    with open_center_database(center.database) as db:
        assert {s.sequence for s in site_status(db)} == {1}
        entries, head = audit.read(db)
    assert entries[-1].action == "restore"
    assert not audit.check_chain(entries, head)
    ctrl("3")
    qtbot.waitUntil(lambda: window.status.model.rowCount() == 3, timeout=30000)
    assert {s.sequence for s in window.status.model.rows} == {1}


def test_language_switch_rebuilds_the_window_in_chinese(
    qtbot: QtBot, controller: CenterApplication, center: Center, settings: Settings
) -> None:
    merged_center(center)
    window = open_by_keys(qtbot, controller)
    ctrl("3")
    chinese = next(
        a for a in window.findChildren(type(window.page_actions[0])) if a.text() == "简体中文"
    )
    chinese.trigger()
    settle()
    rebuilt = controller.window
    assert isinstance(rebuilt, CenterWindow)
    assert rebuilt is not window
    assert rebuilt.windowTitle() == "瑞戈非尼 HCC 研究 – 协调中心"
    assert rebuilt.tabs.currentIndex() == 2
    assert settings.get(keys.LANGUAGE) == "zh_CN"


def test_make_the_center_key_then_open_by_keys(
    qtbot: QtBot,
    controller: CenterApplication,
    center: Center,
    settings: Settings,
    messages: ScriptedMessages,
) -> None:
    settings.set(keys.KEY_FOLDER, "")
    new_folder = center.folder / "new-key"
    controller.start()
    dialog = controller.dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    activate(qtbot, dialog)
    passphrase = "a long new passphrase"

    def script(key_dialog: QWidget) -> None:
        assert focused().objectName() == "newKeyFolder"
        type_text(str(new_folder))
        press(Qt.Key.Key_Tab)
        type_text("Coordinating Center Shanghai")
        press(Qt.Key.Key_Tab)
        type_text(passphrase)
        press(Qt.Key.Key_Tab)
        type_text(passphrase[:-1])  # mistyped: asked again, nothing written
        press(Qt.Key.Key_Return)
        assert key_dialog.isVisible()
        assert focused().objectName() == "newPassphraseAgain"
        assert not new_folder.exists()
        type_text(passphrase)
        press(Qt.Key.Key_Return)

    while_modal(lambda: alt("n"), script)
    settle()
    assert (new_folder / "center-private-key.json").exists()
    info = messages.texts("info")[-1]
    assert "Coordinating Center Shanghai" in info
    assert "fingerprint" in info
    assert dialog.key_folder.text() == str(new_folder)
    assert focused() is dialog.passphrase
    messages.replies.append(True)  # create the new database
    type_text(passphrase)
    press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: controller.window is not None, timeout=15000)
    window = controller.window
    assert window is not None
    assert "Coordinating Center Shanghai" in window.sites.center_text.text()


def test_the_window_on_postgresql(
    qtbot: QtBot,
    controller: CenterApplication,
    center: Center,
    settings: Settings,
    messages: ScriptedMessages,
    postgres_url: str,
) -> None:
    register_all(center)
    with open_center_database(postgres_url, create=True) as db:
        merge_files(db, center.network.first_files(), CENTER, center.network.registry)
    settings.set(keys.DATABASE, postgres_url)
    window = open_by_keys(qtbot, controller)
    ctrl("2")
    window.inbox.add_paths([str(p) for p in center.network.last_files()])
    window.inbox.files.setFocus()
    messages.replies.extend([True, True, True])
    press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "3 merged" in window.inbox.summary.text(), timeout=60000)
    ctrl("3")
    qtbot.waitUntil(
        lambda: [s.sequence for s in window.status.model.rows] == [2, 2, 2], timeout=30000
    )
    ctrl("7")
    assert window.backups.postgres.isVisible()
    assert not window.backups.backup_button.isEnabled()
    assert "pg_dump" in window.backups.postgres.text()


def test_replace_a_site_key_by_keys(
    qtbot: QtBot,
    controller: CenterApplication,
    center: Center,
    messages: ScriptedMessages,
    tmp_path: Path,
) -> None:
    from rego_desktop.exchange.site_keys import site_public_key
    from tests.exchange.sitefill import new_site

    register_all(center)
    merged_center(center)
    (tmp_path / "reinstalled").mkdir()
    study, _fill = new_site(tmp_path / "reinstalled", "BJ01", 0, seed=7)
    try:
        new_key = site_public_key(study)
    finally:
        study.close()
    key_file = tmp_path / "BJ01-new.json"
    write_site_public_key(key_file, new_key)
    old = center.network.sites["BJ01"].public.fingerprint
    assert new_key.fingerprint != old
    window = open_by_keys(qtbot, controller)
    assert focused() is window.sites.sites
    assert cell(window.sites.sites, 0, 0) == "BJ01"

    def script(dialog: QWidget) -> None:
        assert isinstance(dialog, RegisterDialog)
        assert "BJ01" in dialog.windowTitle()
        type_text(str(key_file))
        press(Qt.Key.Key_Tab)
        press(Qt.Key.Key_Tab)
        type_text(new_key.fingerprint)
        press(Qt.Key.Key_Return)

    while_modal(lambda: alt("p"), script)
    settle()
    assert cell(window.sites.sites, 0, 1) == new_key.fingerprint
    with open_center_database(center.database) as db:
        entries, _head = audit.read(db)
    assert entries[-1].action == "replace_key"
    assert json.loads(entries[-1].details)["replaced"] == old
    # A package the site made with its old key, before the replacement, still merges.
    ctrl("2")
    window.inbox.add_paths([str(center.network.sites["BJ01"].files[1])])
    window.inbox.files.setFocus()
    messages.replies.append(True)  # it removes a patient: confirmed
    press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "1 merged" in window.inbox.summary.text(), timeout=30000)


def test_overdue_sites_are_marked_in_the_table(center: Center) -> None:
    merged_center(center)
    with open_center_database(center.database) as db:
        made = site_status(db)[0].created_at
        rows = site_status(db, now=made + dt.timedelta(days=45))
    model = SiteStatusModel()
    model.set_rows(rows)
    overdue_column = model.columnCount() - 1
    index = model.index(0, overdue_column)
    assert model.data(index) == "OVERDUE"
    assert model.data(index, Qt.ItemDataRole.BackgroundRole) is not None
    days = model.index(0, overdue_column - 1)
    assert int(model.data(days)) >= 45
