"""The Exports page of the center window (Ctrl+9) and the audit actions in words,
driven by the keyboard (offscreen, 1366x768): keys go to ``QApplication.focusWidget()``
only; message boxes and the file and folder choosers are scripted."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from rego_desktop.center import audit
from rego_desktop.center.audit import AuditAction
from rego_desktop.center.db import open_center_database
from rego_desktop.center.pooled import site_counts
from rego_desktop.center.status import set_overdue_days
from rego_desktop.center_ui import exports_page as exports_page_module
from rego_desktop.center_ui import settings as keys
from rego_desktop.center_ui.app import CenterApplication
from rego_desktop.center_ui.choosers import ScriptedChooser
from rego_desktop.center_ui.exports_page import (
    ExportsPage,
    check_package_folder,
    package_folder_name,
    tables_text,
    workbook_name,
    workbook_parts,
    write_cdisc_package,
)
from rego_desktop.center_ui.text import ACTIONS
from rego_desktop.center_ui.window import CenterWindow
from rego_desktop.errors import OutputFileError
from rego_desktop.study import CURRENT
from rego_desktop.ui.messages import ScriptedMessages
from rego_desktop.ui.settings import Settings
from tests.center_ui.conftest import (
    Center,
    alt,
    cell,
    ctrl,
    focused,
    open_by_keys,
    press,
    register_all,
    type_text,
)
from tests.center_ui.test_window_keyboard import merged_center
from tests.ui.conftest import settle, snapshot
from tests.ui.mnemonics import assert_unique_mnemonics

SHOTS = Path(os.environ.get("REGO_CENTER_SHOTS", "/tmp/center-shots"))
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def today() -> str:
    return dt.date.today().isoformat()


def exports_page(qtbot: QtBot, controller: CenterApplication) -> tuple[CenterWindow, ExportsPage]:
    window = open_by_keys(qtbot, controller)
    ctrl("9")
    assert window.current_page() is window.exports
    assert focused() is window.exports.site
    assert_unique_mnemonics(window)
    return window, window.exports


def wait_result(qtbot: QtBot, label: QLabel, before: str = "") -> str:
    qtbot.waitUntil(lambda: label.text() not in ("", before), timeout=60000)
    settle()
    return label.text()


def export_entries(center: Center) -> list[dict[str, object]]:
    with open_center_database(center.database) as db:
        entries, _head = audit.read(db)
    exports = [e for e in entries if e.action == AuditAction.EXPORT.value]
    return [json.loads(e.details) | {"site_code": e.site_code} for e in exports]


def sheet_rows(path: Path) -> dict[str, int]:
    """Data rows per sheet (the header row not counted), read back with openpyxl."""
    book = load_workbook(path, read_only=True)
    try:
        return {ws.title: sum(1 for _ in ws.iter_rows()) - 1 for ws in book.worksheets}
    finally:
        book.close()


def shown_rows(label: QLabel) -> dict[str, int]:
    """The rows per sheet the page reports (its tooltip: "name n, name n, …")."""
    out = {}
    for part in label.toolTip().split(", "):
        name, n = part.rsplit(" ", 1)
        out[name] = int(n)
    return out


def not_clipped(page: QWidget) -> None:
    """Every label and button on the page shows its whole text."""
    for widget in page.findChildren(QWidget):
        if not widget.isVisibleTo(page):
            continue
        if isinstance(widget, QPushButton):
            assert widget.width() >= widget.minimumSizeHint().width(), widget.text()
        elif isinstance(widget, QLabel) and widget.text():
            if widget.wordWrap():
                assert widget.height() >= widget.heightForWidth(widget.width()), widget.text()
            else:
                assert widget.width() >= widget.minimumSizeHint().width(), widget.text()
    assert page.visibleRegion().boundingRect().height() >= page.sizeHint().height() * 0.9


def test_workbook_for_all_sites_and_one_site_by_keys(
    qtbot: QtBot,
    controller: CenterApplication,
    center: Center,
    settings: Settings,
    messages: ScriptedMessages,
) -> None:
    merged_center(center)
    folder = center.folder / "exports"
    folder.mkdir()
    settings.set(keys.EXPORT_FOLDER, str(folder))
    _window, page = exports_page(qtbot, controller)
    with open_center_database(center.database) as db:
        counts = site_counts(db)
    codes = [c.site_code for c in counts]
    assert [page.site.itemData(i) for i in range(page.site.count())] == [None, *codes]
    assert page.site.currentText() == "All sites"

    # All sites: the suggested name in the last folder, Enter in the file field writes.
    all_path = folder / f"pooled-{today()}.xlsx"
    press(Qt.Key.Key_Tab)
    assert focused() is page.file
    assert page.file.text() == str(all_path)
    press(Qt.Key.Key_Return)
    text = wait_result(qtbot, page.workbook_result)
    assert str(all_path) in text
    assert focused() is page.workbook_button
    written = sheet_rows(all_path)
    assert written == shown_rows(page.workbook_result)
    assert next(iter(written)) == "patients"
    assert {"ADSL", "ADTTE", "ADRS", "ADAE", "dictionary", "merge_log"} <= set(written)
    assert written["patients"] == sum(c.patients for c in counts)
    parts = workbook_parts(written)
    assert f"patients {written['patients']};" in text
    assert f"{parts['listings']} listings, {parts['listing_rows']} rows in all" in text
    assert f"ADSL {written['ADSL']}" in text
    assert parts["listings"] == len([f for f in CURRENT.forms if f.id in written]) > 5
    exports = export_entries(center)
    assert len(exports) == 1
    assert exports[0]["kind"] == "xlsx"
    assert exports[0]["site"] == "all"
    assert exports[0]["file"] == str(all_path.resolve())
    assert exports[0]["patients"] == written["patients"]
    assert any(str(all_path) in t for t in messages.texts("notify"))
    assert settings.get(keys.EXPORT_FOLDER) == str(folder)

    # One site: choose it by keys; the suggestion follows the site.
    alt("s")
    assert focused() is page.site
    press(Qt.Key.Key_Down)
    site = codes[0]
    assert page.site.currentData() == site
    site_path = folder / f"pooled-{site}-{today()}.xlsx"
    assert page.file.text() == str(site_path)
    alt("r")  # Write workbook
    wait_result(qtbot, page.workbook_result, text)
    written = sheet_rows(site_path)
    assert written == shown_rows(page.workbook_result)
    assert written["patients"] == next(c.patients for c in counts if c.site_code == site)
    book = load_workbook(site_path, read_only=True)
    try:
        sites = {row[0] for row in book["patients"].iter_rows(min_row=2, values_only=True)}
    finally:
        book.close()
    assert sites == {site}
    exports = export_entries(center)
    assert len(exports) == 2
    assert exports[-1]["site"] == site
    assert exports[-1]["site_code"] == site

    # A bare name goes into the last folder used, as a workbook.
    alt("f")
    press(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    type_text("for the statisticians")
    before = page.workbook_result.text()
    press(Qt.Key.Key_Return)
    wait_result(qtbot, page.workbook_result, before)
    assert page.file.text() == str(folder / "for the statisticians.xlsx")
    assert sheet_rows(folder / "for the statisticians.xlsx")["patients"] == written["patients"]
    assert not messages.texts("error")


def test_replacing_a_workbook_is_asked_naming_the_file(
    qtbot: QtBot,
    controller: CenterApplication,
    center: Center,
    chooser: ScriptedChooser,
    messages: ScriptedMessages,
) -> None:
    merged_center(center)
    target = center.folder / "pooled.xlsx"
    target.write_bytes(b"an older file")
    _window, page = exports_page(qtbot, controller)
    # Choose… gives the name (the chooser's own overwrite question is off); the
    # keyboard goes on to Write workbook.
    alt("f")
    assert focused() is page.file
    press(Qt.Key.Key_Tab)
    assert focused() is page.choose_file_button
    chooser.replies.append(str(center.folder / "pooled"))  # .xlsx added
    press(Qt.Key.Key_Space)
    assert page.file.text() == str(target)
    assert focused() is page.workbook_button
    assert chooser.asked == ["Save the pooled workbook"]

    messages.replies.append(False)  # do not replace
    press(Qt.Key.Key_Space)
    settle()
    question = messages.texts("confirm")[-1]
    assert "pooled.xlsx" in question
    assert str(center.folder) in question
    assert target.read_bytes() == b"an older file"
    assert export_entries(center) == []
    assert page.workbook_result.text() == ""
    assert focused() is page.file

    messages.replies.append(True)  # replace
    alt("r")
    wait_result(qtbot, page.workbook_result)
    assert len(messages.texts("confirm")) == 2
    assert sheet_rows(target) == shown_rows(page.workbook_result)
    assert len(export_entries(center)) == 1
    assert not messages.texts("error")


def test_a_workbook_that_cannot_be_written_says_so_once_and_writes_nothing(
    qtbot: QtBot,
    controller: CenterApplication,
    center: Center,
    messages: ScriptedMessages,
) -> None:
    merged_center(center)
    _window, page = exports_page(qtbot, controller)
    missing = center.folder / "no such folder" / "pooled.xlsx"
    alt("f")
    press(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    type_text(str(missing))
    press(Qt.Key.Key_Return)
    settle()
    errors = messages.texts("error")
    assert len(errors) == 1
    assert "does not exist" in errors[0]
    assert str(missing.parent) in errors[0]
    assert not missing.parent.exists()
    assert page.workbook_result.text() == ""
    assert export_entries(center) == []
    assert focused() is page.file


def test_cdisc_package_by_keys_and_a_folder_that_is_not_empty(
    qtbot: QtBot,
    controller: CenterApplication,
    center: Center,
    chooser: ScriptedChooser,
    messages: ScriptedMessages,
) -> None:
    merged_center(center)
    _window, page = exports_page(qtbot, controller)
    out = center.folder / "package"
    alt("o")
    assert focused() is page.folder
    press(Qt.Key.Key_Tab)
    assert focused() is page.choose_folder_button
    chooser.replies.append(str(out))
    press(Qt.Key.Key_Space)
    assert page.folder.text() == str(out)
    assert focused() is page.cdisc_button
    press(Qt.Key.Key_Space)
    text = wait_result(qtbot, page.cdisc_result)
    files = page.cdisc_result.toolTip().split("\n")
    assert "README.txt" in files
    assert {"define.xml", "odm.xml", "dm.xpt", "adsl.xpt"} <= set(files)
    assert sorted(p.name for p in out.iterdir()) == sorted(files)
    assert f"{len(files)} files" in text
    with open_center_database(center.database) as db:
        patients = sum(c.patients for c in site_counts(db))
    assert f"{patients} subjects" in text
    assert re.search(r"DM \d+", text)
    assert re.search(r"ADSL \d+", text)
    exports = export_entries(center)
    assert len(exports) == 1
    assert exports[0]["kind"] == "cdisc"
    assert exports[0]["folder"] == str(out.resolve())
    recorded = exports[0]["files"]
    assert isinstance(recorded, dict)
    assert set(recorded) == set(files)  # with the SHA-256 of each
    assert not messages.texts("error")

    # The same folder again: it is not empty; one message, nothing written or recorded.
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    alt("c")
    settle()
    errors = messages.texts("error")
    assert len(errors) == 1
    assert "not empty" in errors[0]
    assert str(out) in errors[0]
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before
    assert len(export_entries(center)) == 1
    assert page.cdisc_result.text() == text
    assert focused() is page.folder


def test_cdisc_package_into_a_file_is_refused(
    qtbot: QtBot, controller: CenterApplication, center: Center, messages: ScriptedMessages
) -> None:
    merged_center(center)
    _window, page = exports_page(qtbot, controller)
    a_file = center.folder / "notes.txt"
    a_file.write_text("not a folder")
    alt("o")
    press(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    type_text(str(a_file))
    press(Qt.Key.Key_Return)  # Enter in the folder field writes the package
    settle()
    errors = messages.texts("error")
    assert len(errors) == 1
    assert "is a file, not a folder" in errors[0]
    assert a_file.read_text() == "not a folder"
    assert export_entries(center) == []
    assert page.cdisc_result.text() == ""
    assert focused() is page.folder


def test_suggested_names_and_the_package_folder_check(tmp_path: Path) -> None:
    day = dt.date(2026, 12, 6)
    assert workbook_name(None, day) == "pooled-2026-12-06.xlsx"
    assert workbook_name("S01", day) == "pooled-S01-2026-12-06.xlsx"
    assert package_folder_name(tmp_path, day) == tmp_path / "cdisc-2026-12-06"
    (tmp_path / "cdisc-2026-12-06").mkdir()  # empty: still offered
    assert package_folder_name(tmp_path, day) == tmp_path / "cdisc-2026-12-06"
    (tmp_path / "cdisc-2026-12-06" / "define.xml").write_text("<x/>")
    assert package_folder_name(tmp_path, day) == tmp_path / "cdisc-2026-12-06-2"
    check_package_folder(tmp_path / "new" / "folder")  # new: allowed, not created
    assert not (tmp_path / "new").exists()
    check_package_folder(tmp_path / "new-empty")
    with pytest.raises(OutputFileError) as earlier:
        check_package_folder(tmp_path / "cdisc-2026-12-06")
    assert earlier.value.message_zh is not None
    assert "不是空的" in earlier.value.message_zh
    assert str(package_folder_name(tmp_path, dt.date.today())) in earlier.value.message
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(OutputFileError) as other:
        check_package_folder(tmp_path)  # any other folder: a new folder inside it
    assert str(tmp_path / f"cdisc-{today()}") in other.value.message


def test_a_package_that_fails_half_way_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fills after the first files: the new folder, or the files written into
    the empty one, are removed; the error goes on to the page."""

    def half_written(_db: object, out: Path) -> None:
        (out / "dm.xpt").write_bytes(b"part")
        raise OutputFileError("the disk is full", zh="磁盘已满")

    monkeypatch.setattr(exports_page_module, "export_cdisc", half_written)
    db = open_center_database(tmp_path / "center.db", create=True)
    try:
        new = tmp_path / "new" / "package"
        with pytest.raises(OutputFileError):
            write_cdisc_package(db, new)
        assert not new.exists()
        empty = tmp_path / "empty"
        empty.mkdir()
        with pytest.raises(OutputFileError):
            write_cdisc_package(db, empty)
        assert empty.is_dir()
        assert list(empty.iterdir()) == []
    finally:
        db.close()


def test_every_audit_action_has_words_in_english_and_chinese() -> None:
    assert set(ACTIONS) == {action.value for action in AuditAction}
    for code, label in ACTIONS.items():
        assert label.en.strip(), code
        assert label.en != code
        assert CHINESE.search(label.zh), code
    assert len({label.en for label in ACTIONS.values()}) == len(ACTIONS)
    assert len({label.zh for label in ACTIONS.values()}) == len(ACTIONS)


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_audit_page_shows_actions_in_words_and_filters_by_words_or_code(
    qtbot: QtBot,
    controller: CenterApplication,
    center: Center,
    settings: Settings,
    language: str,
) -> None:
    merged_center(center)
    with open_center_database(center.database) as db:
        assert set_overdue_days(db, 21)  # a "setting" entry among the merges
    settings.set(keys.LANGUAGE, language)
    window = open_by_keys(qtbot, controller)
    ctrl("5")
    page = window.audit
    qtbot.waitUntil(lambda: page.visible_rows() > 0, timeout=30000)
    entries = page.entries
    merge_words = ACTIONS["merge"].zh if language == "zh_CN" else ACTIONS["merge"].en
    for row in range(entries.rowCount()):
        item = entries.item(row, 3)
        assert item is not None
        code = item.toolTip()
        assert code in ACTIONS
        assert item.text() == (ACTIONS[code].zh if language == "zh_CN" else ACTIONS[code].en)
    merges = [r for r in range(entries.rowCount()) if cell(entries, r, 3) == merge_words]
    assert merges
    everything = page.visible_rows()
    assert focused() is page.filter
    if merge_words.isascii():
        type_text(merge_words)  # by the words shown
    else:  # Chinese comes from the input method as a committed string
        event = QInputMethodEvent("", [])
        event.setCommitString(merge_words)
        QApplication.sendEvent(focused(), event)
    assert page.visible_rows() == len(merges) < everything
    page.filter.clear()
    type_text("setting")  # by the code
    assert page.visible_rows() == 1
    item = entries.item(0, 3)
    assert item is not None
    assert item.toolTip() == "setting"
    assert item.text() == (ACTIONS["setting"].zh if language == "zh_CN" else ACTIONS["setting"].en)


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_exports_page_screens(
    qtbot: QtBot,
    controller: CenterApplication,
    center: Center,
    settings: Settings,
    language: str,
) -> None:
    """Both exports written, the results on the page, at 1366x768: nothing clipped."""
    merged_center(center)
    register_all(center)
    folder = center.folder / "exports"
    folder.mkdir()
    settings.set(keys.EXPORT_FOLDER, str(folder))
    settings.set(keys.LANGUAGE, language)
    window, page = exports_page(qtbot, controller)
    not_clipped(page)
    press(Qt.Key.Key_Tab)
    press(Qt.Key.Key_Return)
    wait_result(qtbot, page.workbook_result)
    alt("o")
    press(Qt.Key.Key_Return)
    wait_result(qtbot, page.cdisc_result)
    assert (folder / f"cdisc-{today()}" / "README.txt").exists()
    # the next suggestion is a new folder, so a second package is not refused
    assert page.folder.text() == str(folder / f"cdisc-{today()}-2")
    if language == "zh_CN":
        assert "工作簿已写入" in page.workbook_result.text()
        assert "CDISC 数据包已写入" in page.cdisc_result.text()
        assert window.tabs.tabText(8).startswith("导出")
    else:
        assert window.tabs.tabText(8) == "Exports  (Ctrl+9)"
    assert tables_text({"DM": 1}) == "DM 1"
    not_clipped(page)
    assert window.width() <= 1366
    SHOTS.mkdir(parents=True, exist_ok=True)
    snapshot(window, SHOTS, f"center-9-exports-{language}")
