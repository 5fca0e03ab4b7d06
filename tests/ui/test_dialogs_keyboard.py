"""The tool dialogs by keyboard, in English and Chinese: Alt+letter mnemonics claimed
once, Enter presses the intended button, Esc closes, the first field has the focus,
every dialog fits a 1366x768 screen, and everything a user reads is translated
(Qt's own dialogs included).

Keys go to ``QApplication.focusWidget()``, as a user's would.

Set ``REGO_I18N_DIR`` to a folder with a rego_desktop_zh_CN.qm built from a working
copy of the .ts (e.g. with new strings merged) to run the Chinese checks against it.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, Qt, QTimer
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QWidget,
)
from pytestqt.qtbot import QtBot

import rego_desktop.ui.app as app_module
from rego_desktop.audit.actions import ACTION_LABELS
from rego_desktop.auth.roles import Role
from rego_desktop.demo.generator import generate
from rego_desktop.services.patients import PatientService
from rego_desktop.services.queries import QueryService
from rego_desktop.services.users import UserService
from rego_desktop.store.study import OpenStudy
from rego_desktop.ui import geometry
from rego_desktop.ui.app import I18N, install_translations
from rego_desktop.ui.audit_view import AuditDialog
from rego_desktop.ui.dashboard import Dashboard
from rego_desktop.ui.export_dialog import ExportDialog
from rego_desktop.ui.idle_lock import LockDialog
from rego_desktop.ui.messages import MessageService, ScriptedMessages, TextDialog, save_box
from rego_desktop.ui.print_casebook import default_file_name, print_casebook, save_casebook_pdf
from rego_desktop.ui.queries_view import QueriesDialog
from rego_desktop.ui.restore_dialog import RestoreDialog
from rego_desktop.ui.settings import Settings
from rego_desktop.ui.settings_dialog import SettingsDialog
from rego_desktop.ui.setup_wizard import SetupWizard
from rego_desktop.ui.users_dialog import UserEditor, UsersDialog
from rego_desktop.ui.widgets import LANGUAGE_PROPERTY
from tests.conftest import ADMIN, FAST_KDF, PASSWORD
from tests.ui.conftest import activate, settle
from tests.ui.mnemonics import assert_unique_mnemonics, mnemonic

ROOT = Path(__file__).resolve().parents[2]
SCREEN = QRect(0, 0, 1366, 728)  # 1366x768 less a 40-pixel task bar
LANGUAGES = ["en", "zh_CN"]


# ---------------------------------------------------------------------- helpers


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    return widget


def press(key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    QTest.keyClick(focused(), key, modifier)


def type_text(text: str) -> None:
    QTest.keyClicks(focused(), text)


def alt(letter: str) -> None:
    """Alt+letter; a button's mnemonic clicks it (animated: released 100 ms later)."""
    press(getattr(Qt.Key, f"Key_{letter.upper()}"), Qt.KeyboardModifier.AltModifier)
    QTest.qWait(150)


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


@pytest.fixture
def screen(monkeypatch: pytest.MonkeyPatch) -> QRect:
    """Windows are placed as on a 1366x768 screen."""
    monkeypatch.setattr(geometry, "available_area", lambda _widget=None: QRect(SCREEN))
    return SCREEN


@pytest.fixture(params=LANGUAGES)
def lang(
    request: pytest.FixtureRequest, qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    language = str(request.param)
    folder = os.environ.get("REGO_I18N_DIR")
    if folder:
        monkeypatch.setattr(app_module, "I18N", Path(folder))
    translators = install_translations(qapp, language)
    assert language == "en" or len(translators) == 2
    yield language
    for translator in translators:
        qapp.removeTranslator(translator)
    qapp.setProperty(LANGUAGE_PROPERTY, "en")


@pytest.fixture
def chinese(qapp: QApplication, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    folder = os.environ.get("REGO_I18N_DIR")
    if folder:
        monkeypatch.setattr(app_module, "I18N", Path(folder))
    translators = install_translations(qapp, "zh_CN")
    yield
    for translator in translators:
        qapp.removeTranslator(translator)
    qapp.setProperty(LANGUAGE_PROPERTY, "en")


def fits(window: QWidget, area: QRect = SCREEN) -> None:
    size, hint = window.size(), window.minimumSizeHint()
    assert size.width() <= area.width(), size
    assert size.height() <= area.height(), size
    assert hint.width() <= area.width(), hint
    assert hint.height() <= area.height(), hint
    assert area.contains(QRect(window.pos(), size)), (window.pos(), size)


def one_default(window: QWidget) -> list[QPushButton]:
    """The buttons Enter may press: at most one, and no auto-default ones."""
    buttons = [b for b in window.findChildren(QPushButton) if b.isVisibleTo(window)]
    assert not [b.text() for b in buttons if b.autoDefault()], "auto-default buttons"
    defaults = [b for b in buttons if b.isDefault()]
    assert len(defaults) <= 1, [b.text() for b in defaults]
    return defaults


def no_ascii_words(text: str, allowed: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    """English words left in a Chinese text (codes, units and names aside)."""
    words = set(re.findall(r"\b[a-z]{4,}\b", text))
    return sorted(words - allowed)


# ---------------------------------------------------------------------- Qt's own dialogs


@pytest.mark.usefixtures("chinese")
def test_qt_standard_dialogs_speak_chinese() -> None:
    cancel = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
    assert cancel.button(QDialogButtonBox.StandardButton.Cancel).text() == "取消"  # type: ignore[union-attr]
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "t",
        "x",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
    )
    assert box.button(QMessageBox.StandardButton.Yes).text() == "是(&Y)"  # type: ignore[union-attr]
    files = QFileDialog()
    files.setOption(QFileDialog.Option.DontUseNativeDialog)
    texts = [b.text() for b in files.findChildren(QPushButton)]
    assert "取消" in texts
    labels = [label.text() for label in files.findChildren(QLabel)]
    assert any("文件" in t for t in labels), labels
    ask = QInputDialog()
    assert ask.cancelButtonText() == "取消"
    # Qt's catalogue is shipped with the application, not taken from the Qt install.
    assert (I18N / "qtbase_zh_CN.qm").is_file()
    spec = (ROOT / "installer" / "rego_desktop.spec").read_text(encoding="utf-8")
    assert 'tree(ROOT / "resources", "resources")' in spec


def test_qt_translations_are_copied_reproducibly(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "tools"))
    import i18n

    (copied,) = i18n.qt(tmp_path)
    assert copied.name == "qtbase_zh_CN.qm"
    assert copied.read_bytes() == (I18N / "qtbase_zh_CN.qm").read_bytes()


def test_qt_translations_load_from_resources_first(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    translators = install_translations(qapp, "zh_CN")
    try:
        files = [Path(t.filePath()).resolve() for t in translators]
        assert (I18N / "qtbase_zh_CN.qm").resolve() in files
    finally:
        for t in translators:
            qapp.removeTranslator(t)
        qapp.setProperty(LANGUAGE_PROPERTY, "en")
    # Without the shipped copy, Qt's installed catalogue still serves.
    monkeypatch.setattr(app_module, "I18N", tmp_path)
    translators = install_translations(qapp, "zh_CN")
    try:
        assert [Path(t.filePath()).name for t in translators] == ["qtbase_zh_CN.qm"]
    finally:
        for t in translators:
            qapp.removeTranslator(t)
        qapp.setProperty(LANGUAGE_PROPERTY, "en")


# ---------------------------------------------------------------------- messages


def test_unsaved_changes_box_has_a_mnemonic_for_every_choice(lang: str) -> None:
    box = save_box(None, "Unsaved changes", "Save the changes?")
    letters = {
        mnemonic(box.button(b).text())  # type: ignore[union-attr]
        for b in (QMessageBox.StandardButton.Save, QMessageBox.StandardButton.Discard)
    }
    assert None not in letters
    assert len(letters) == 2
    assert_unique_mnemonics(box)
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Save)
    assert box.escapeButton() is box.button(QMessageBox.StandardButton.Cancel)


def test_text_box_enter_is_ok_and_shows_what_it_is_about(qtbot: QtBot, screen: QRect) -> None:
    answers: list[str | None] = []

    def script(dialog: QWidget) -> None:
        assert isinstance(dialog, TextDialog)
        context = dialog.findChild(QLabel, "textContext")
        assert context is not None
        assert "BJ01-0001" in context.text()
        fits(dialog)
        type_text("Checked against the chart")
        press(Qt.Key.Key_Return)

    while_modal(
        lambda: answers.append(
            MessageService().ask_text(None, "Answer", "Why?", "Subject: BJ01-0001")
        ),
        script,
    )
    assert answers == ["Checked against the chart"]


# ---------------------------------------------------------------------- audit viewer


def written_action_codes() -> set[str]:
    """Every action code the code base writes to the audit trail."""
    codes: set[str] = set()
    for path in (ROOT / "rego_desktop").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        calls = r"(?<!def )\b(?:trail\.append|_audit|audit_query|_audited)\((.{0,300}?)\)"
        for call in re.finditer(calls, text, re.S):
            # the action: the first string given as a positional argument
            positional = r'(?:^|,)\s*"([a-z_]+(?:\.[a-z_]+)?)"'
            codes.update(re.findall(positional, call.group(1))[:1])
        codes.update(re.findall(r'\baction = "([a-z_]+\.[a-z_]+)"', text))
    return {c for c in codes if c not in {"rego_desktop"}}


def test_every_audit_action_has_a_name_in_both_languages() -> None:
    written = written_action_codes()
    assert {"record.create", "record.update", "query.answer", "export"} <= written
    assert written <= set(ACTION_LABELS), written - set(ACTION_LABELS)
    for label in ACTION_LABELS.values():
        assert label.en
        assert label.zh
        assert label.zh != label.en


@pytest.fixture
def audited(study: OpenStudy) -> str:
    service = PatientService(study)
    code = service.create_patient()
    service.save(code, "demographics", {"sex": "male", "ecog": 1})
    long_reason = "Chart re-read with the ward nurse; " * 8
    service.save(code, "demographics", {"sex": "male", "ecog": 2}, reason=long_reason)
    return code


def test_audit_viewer_names_actions_filters_and_closes_on_esc(
    qtbot: QtBot, study: OpenStudy, audited: str, screen: QRect
) -> None:
    dialog = AuditDialog(study, audited)
    qtbot.addWidget(dialog)
    dialog.show()
    activate(qtbot, dialog)
    fits(dialog)
    actions = {dialog.table.item(r, 3).text() for r in range(dialog.table.rowCount())}  # type: ignore[union-attr]
    assert {"Patient added", "Record entered", "Record changed"} <= actions
    assert not any("." in a for a in actions)
    # Long values and reasons wrap: no sideways scrolling, and the detail pane has all.
    assert dialog.table.horizontalScrollBar().maximum() == 0
    assert "Chart re-read with the ward nurse" in dialog.detail.toPlainText()
    # Ctrl+F and Alt+F reach the filter; typing narrows the list.
    dialog.table.setFocus()
    press(Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert focused() is dialog.filter
    dialog.table.setFocus()
    alt("f")
    assert focused() is dialog.filter
    type_text("ECOG")
    shown = dialog.visible_rows()
    assert shown
    assert len(shown) < dialog.table.rowCount()
    assert all(dialog.table.item(r, 5).text() == "ECOG performance status" for r in shown)  # type: ignore[union-attr]
    assert "ECOG" in dialog.detail.toPlainText()
    dialog.filter.clear()
    type_text("ward nurse")
    assert len(dialog.visible_rows()) == 1
    assert_unique_mnemonics(dialog)
    one_default(dialog)
    press(Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_audit_viewer_in_chinese(qtbot: QtBot, study: OpenStudy, audited: str, lang: str) -> None:
    dialog = AuditDialog(study, audited)
    qtbot.addWidget(dialog)
    dialog.show()
    assert_unique_mnemonics(dialog)
    if lang == "zh_CN":
        actions = {dialog.table.item(r, 3).text() for r in range(dialog.table.rowCount())}  # type: ignore[union-attr]
        assert "记录已修改" in actions


# ---------------------------------------------------------------------- queries


@pytest.fixture
def with_queries(study: OpenStudy) -> OpenStudy:
    generate(study, 6, seed=21)
    QueryService(study).sync_all()
    return study


def test_queries_mnemonics_and_answer_box_shows_the_query(
    qtbot: QtBot, with_queries: OpenStudy, screen: QRect, lang: str
) -> None:
    dialog = QueriesDialog(with_queries, MessageService(), None)
    qtbot.addWidget(dialog)
    dialog.show()
    activate(qtbot, dialog)
    fits(dialog)
    assert_unique_mnemonics(dialog)
    assert one_default(dialog) == []
    assert dialog.rows, "the demo has open findings"
    query = dialog.rows[0]
    dialog.table.selectRow(0)
    dialog.table.setFocus()

    def script(box: QWidget) -> None:
        context = box.findChild(QLabel, "textContext")
        assert context is not None
        zh = lang == "zh_CN"
        assert query.subject in context.text()
        assert (query.message_zh if zh else query.message) in context.text()
        assert (query.where_zh if zh else query.where) in context.text()
        assert context.wordWrap()
        assert_unique_mnemonics(box)
        type_text("Checked against the chart")
        press(Qt.Key.Key_Return)

    while_modal(lambda: alt("a"), script)
    assert QueryService(with_queries).get(query.uid).status == "answered"


def test_run_checks_confirms_in_the_status_bar(
    qtbot: QtBot, with_queries: OpenStudy, messages: ScriptedMessages
) -> None:
    dialog = QueriesDialog(with_queries, messages, None)
    qtbot.addWidget(dialog)
    dialog.show()
    activate(qtbot, dialog)
    dialog.table.setFocus()
    alt("c")
    qtbot.waitUntil(lambda: bool(dialog.status_bar.currentMessage()), timeout=20_000)
    assert "6 patient" in dialog.status_bar.currentMessage()
    assert messages.shown == []


# ---------------------------------------------------------------------- print / save


def test_print_and_save_say_where_the_summary_went(
    qtbot: QtBot, study: OpenStudy, tmp_path: Path
) -> None:
    code = PatientService(study).create_patient()
    window = QMainWindow()
    qtbot.addWidget(window)
    printer = QPrinter()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert print_casebook(window, study, code, printer=printer, ask=False)
    assert str(tmp_path / "printed.pdf") in window.statusBar().currentMessage()
    saved = save_casebook_pdf(window, study, code, path=tmp_path / "saved.pdf")
    assert saved is not None
    assert str(saved) in window.statusBar().currentMessage()
    messages = ScriptedMessages()
    save_casebook_pdf(None, study, code, path=tmp_path / "again.pdf", messages=messages)
    assert messages.shown
    assert str(tmp_path / "again.pdf") in messages.shown[0][2]
    assert default_file_name(code).endswith("-summary.pdf")


def test_printer_name_is_in_the_confirmation() -> None:
    from rego_desktop.ui.print_casebook import printed_text

    printer = QPrinter()
    printer.setOutputFormat(QPrinter.OutputFormat.NativeFormat)
    text = printed_text("BJ01-0001", printer, 3)
    assert "BJ01-0001" in text
    assert "printer" in text


@pytest.mark.usefixtures("chinese")
def test_print_names_are_chinese() -> None:
    assert default_file_name("BJ01-0001") == "BJ01-0001-摘要.pdf"


# ---------------------------------------------------------------------- users


def test_add_user_defaults_to_data_entry_and_keeps_input_when_refused(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages, screen: QRect, lang: str
) -> None:
    users = UsersDialog(study, messages)
    users.service = UserService(study, kdf=FAST_KDF)
    qtbot.addWidget(users)
    fits(users)
    assert_unique_mnemonics(users)
    editor = UserEditor(users, submit=users._add)
    qtbot.addWidget(editor)
    editor.show()
    activate(qtbot, editor)
    fits(editor)
    assert_unique_mnemonics(editor)
    (ok,) = one_default(editor)
    assert ok.text() in ("OK", "确定")
    assert editor.role.currentData() == Role.DATA_ENTRY
    rules = editor.findChild(QLabel, "passwordRules")
    assert rules is not None
    assert rules.wordWrap()
    assert rules.height() >= rules.heightForWidth(rules.width())  # not clipped
    assert focused() is editor.username
    type_text("nurse3")
    press(Qt.Key.Key_Tab)
    type_text("Zhou Min")
    press(Qt.Key.Key_Tab)
    assert focused() is editor.role
    press(Qt.Key.Key_Tab)
    type_text("short1")
    press(Qt.Key.Key_Tab)
    type_text("short1")
    press(Qt.Key.Key_Return)
    assert editor.isVisible(), "a refused password keeps the dialog open"
    assert editor.error.isVisible()
    assert editor.error.text()
    assert (editor.username.text(), editor.full_name.text()) == ("nurse3", "Zhou Min")
    assert editor.role.currentData() == Role.DATA_ENTRY
    assert editor.password.text() == editor.repeat.text() == ""
    assert focused() is editor.password
    type_text("Ward-round-2025")
    press(Qt.Key.Key_Tab)
    type_text("Ward-round-2025")
    press(Qt.Key.Key_Return)
    assert not editor.isVisible()
    assert ("nurse3", "Zhou Min", Role.DATA_ENTRY) in [
        (u.username, u.full_name, u.role) for u in UserService(study).list_users()
    ]


# ---------------------------------------------------------------------- settings


def test_settings_enter_is_ok_and_backup_folder_has_a_mnemonic(
    qtbot: QtBot, tmp_path: Path, screen: QRect, lang: str
) -> None:
    settings = Settings(tmp_path / "settings.ini")
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    dialog.show()
    activate(qtbot, dialog)
    fits(dialog)
    assert_unique_mnemonics(dialog)
    assert len(one_default(dialog)) == 1
    alt("b")
    assert focused() is dialog.backup_folder
    type_text(str(tmp_path / "usb"))
    alt("k")
    assert focused() is dialog.backup_keep
    press(Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    from rego_desktop.ui import settings as keys

    assert settings.get(keys.BACKUP_FOLDER) == str(tmp_path / "usb")


# ---------------------------------------------------------------------- dashboard


def test_dashboard_fits_the_screen_and_closes_on_esc(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages, screen: QRect, lang: str
) -> None:
    generate(study, 6, seed=3)
    window = Dashboard(study, messages)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.summary is not None, timeout=30_000)
    activate(qtbot, window)
    fits(window)
    assert_unique_mnemonics(window)
    one_default(window)
    window.tabs.setFocus()
    press(Qt.Key.Key_Escape)
    assert not window.isVisible()


# ---------------------------------------------------------------------- export


def test_export_preview_and_keys(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages, screen: QRect, lang: str
) -> None:
    generate(study, 4, seed=4)
    dialog = ExportDialog(study, messages)
    qtbot.addWidget(dialog)
    dialog.show()
    activate(qtbot, dialog)
    fits(dialog)
    assert_unique_mnemonics(dialog)
    assert one_default(dialog) == [dialog.export_button]
    text = dialog.preview.toPlainText()
    if lang == "zh_CN":
        assert "可识别身份" in text
        assert no_ascii_words(text, {"monospace"}) == [], text
    else:
        assert "Entries sent per form" in text
    # Enter in a file field exports (here: refused, no key file), never Browse.
    dialog.key_path.clear()
    alt("t")
    assert focused() is dialog.out_path
    press(Qt.Key.Key_Return)
    assert dialog.error.isVisible()


# ---------------------------------------------------------------------- lock


def test_lock_dialog_enter_unlocks(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages, screen: QRect, lang: str
) -> None:
    dialog = LockDialog(study, messages)
    qtbot.addWidget(dialog)
    unlocked: list[bool] = []
    dialog.unlocked.connect(lambda: unlocked.append(True))
    dialog.show()
    activate(qtbot, dialog)
    fits(dialog)
    assert_unique_mnemonics(dialog)
    assert len(one_default(dialog)) == 1
    assert focused() is dialog.password
    type_text(PASSWORD)
    press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(unlocked), timeout=20_000)


# ---------------------------------------------------------------------- restore


def test_restore_dialog_focus_enter_and_mnemonics(
    qtbot: QtBot, study: OpenStudy, db_path: Path, tmp_path: Path, screen: QRect, lang: str
) -> None:
    messages = ScriptedMessages()
    dialog = RestoreDialog(db_path, messages, folders=[tmp_path])
    qtbot.addWidget(dialog)
    dialog.show()
    activate(qtbot, dialog)
    fits(dialog)
    assert_unique_mnemonics(dialog)
    assert one_default(dialog) == [dialog.restore_button]
    assert focused() is dialog.username
    type_text(ADMIN)
    press(Qt.Key.Key_Tab)
    assert focused() is dialog.password
    type_text(PASSWORD)
    press(Qt.Key.Key_Return)
    # No backup in the folder: Enter asked to restore, once, and says what is missing.
    assert dialog.error.isVisible()
    assert [m for m in messages.shown if m[0] == "confirm"] == []
    known = RestoreDialog(db_path, messages, folders=[tmp_path], username=ADMIN)
    qtbot.addWidget(known)
    known.show()
    activate(qtbot, known)
    assert focused() is known.password


# ---------------------------------------------------------------------- setup wizard


def test_setup_wizard_focus_enter_and_mnemonics_on_every_page(
    qtbot: QtBot, messages: ScriptedMessages, tmp_path: Path, screen: QRect, lang: str
) -> None:
    wizard = SetupWizard(messages)
    qtbot.addWidget(wizard)
    wizard.show()
    activate(qtbot, wizard)
    fits(wizard)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is wizard.site_page.site, timeout=5000)
    assert_unique_mnemonics(wizard)
    type_text("BJ01")
    press(Qt.Key.Key_Return)
    assert wizard.currentPage() is wizard.database_page
    qtbot.waitUntil(lambda: QApplication.focusWidget() is wizard.database_page.path)
    assert_unique_mnemonics(wizard)
    focused().clear()  # type: ignore[attr-defined]
    type_text(str(tmp_path / "site.rego"))
    press(Qt.Key.Key_Return)
    assert wizard.currentPage() is wizard.admin_page
    qtbot.waitUntil(lambda: QApplication.focusWidget() is wizard.admin_page.username)
    assert_unique_mnemonics(wizard)
    press(Qt.Key.Key_Tab)
    type_text("Site Admin")
    press(Qt.Key.Key_Tab)
    type_text(PASSWORD)
    press(Qt.Key.Key_Tab)
    type_text(PASSWORD)
    press(Qt.Key.Key_Return)
    assert wizard.currentPage() is wizard.center_page
    qtbot.waitUntil(lambda: QApplication.focusWidget() is wizard.center_page.path)
    assert_unique_mnemonics(wizard)
    press(Qt.Key.Key_Return)
    assert wizard.currentPage() is wizard.recovery_page
    qtbot.waitUntil(lambda: QApplication.focusWidget() is wizard.recovery_page.confirm)
    assert_unique_mnemonics(wizard)
    for button in wizard.findChildren(QPushButton):
        if "rowse" in button.text() or "浏览" in button.text():
            assert not button.isDefault()
            assert not button.autoDefault()
    settle()


def test_fits_helper_catches_a_window_too_tall(qtbot: QtBot) -> None:
    tall = QWidget()
    qtbot.addWidget(tall)
    tall.resize(1280, 800)
    with pytest.raises(AssertionError):
        fits(tall)


def test_query_messages_in_the_audit_trail_read_in_the_users_language(
    qapp: QApplication, study: OpenStudy
) -> None:
    from rego_desktop.audit import trail
    from rego_desktop.ui.audit_view import audit_rows

    code = PatientService(study).create_patient()
    PatientService(study).save(code, "demographics", {"sex": "male"})
    QueryService(study).sync(code)
    with study.reading() as session:
        records = trail.read(session, study.keyring, study.info.db_uid, code)
    qapp.setProperty(LANGUAGE_PROPERTY, "zh_CN")
    try:
        texts = [row.cells for row in audit_rows(study, records) if row.details]
    finally:
        qapp.setProperty(LANGUAGE_PROPERTY, "en")
    opened = [" ".join(cells) for cells in texts if "质疑已提出" in cells]
    assert opened, texts
    assert all("is required and not entered" not in text for text in opened)
    assert any("必填" in text for text in opened)
