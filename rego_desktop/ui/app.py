"""Application start-up and the flow between set-up, log-in, main window and lock.

:class:`SiteApplication` owns the windows of one run; there is no global state.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import shiboken6
from PySide6.QtCore import QLibraryInfo, QLocale, QObject, Qt, QTimer, QTranslator
from PySide6.QtWidgets import QApplication, QWidget

from rego_desktop import __version__
from rego_desktop.backup.policy import AutoBackup, auto_backup, backup_due
from rego_desktop.errors import RegoError
from rego_desktop.logs import log_bug
from rego_desktop.paths import default_database
from rego_desktop.store.study import OpenStudy
from rego_desktop.ui import settings as keys
from rego_desktop.ui.geometry import set_session
from rego_desktop.ui.idle_lock import IdleWatcher, LockDialog
from rego_desktop.ui.login import LoginDialog
from rego_desktop.ui.main_window import MainWindow
from rego_desktop.ui.messages import MessageService
from rego_desktop.ui.operations import Operation, Progress, wait_all
from rego_desktop.ui.settings import Settings, backup_policy
from rego_desktop.ui.setup_wizard import SetupWizard
from rego_desktop.ui.widgets import LANGUAGE_PROPERTY, language

I18N = Path(__file__).resolve().parent.parent.parent / "resources" / "i18n"
DEMO_USER = "demo"
DEMO_PASSWORD = "Sample-study-2024"
DEMO_PATIENTS = 120
BACKUP_CHECK_MS = 60 * 60 * 1000  # is a daily backup due? checked hourly while logged in


_INSTALLED: list[QTranslator] = []
"""The translators of the language in use: a new language replaces them."""


def install_translations(app: QApplication, language: str) -> list[QTranslator]:
    """Load our translation and Qt's own (buttons and texts of message boxes, file and
    print dialogs): Qt's from resources/i18n (shipped with the installer, see
    ``tools/i18n.py qt``), else from the Qt installation. The previous language's
    translators are removed first, so switching (or going back to English) is whole."""
    while _INSTALLED:
        QApplication.removeTranslator(_INSTALLED.pop())
    app.setProperty(LANGUAGE_PROPERTY, language)
    installed = _INSTALLED
    if language == "en":
        return list(installed)
    ours = QTranslator(app)
    if ours.load(str(I18N / f"rego_desktop_{language}.qm")):
        app.installTranslator(ours)
        installed.append(ours)
    qt = QTranslator(app)
    qt_folders = (str(I18N), QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
    if any(qt.load(QLocale(language), "qtbase", "_", folder) for folder in qt_folders):
        app.installTranslator(qt)
        installed.append(qt)
    return list(installed)


class SiteApplication(QObject):
    """Drives one session of the site application."""

    def __init__(
        self,
        settings: Settings,
        messages: MessageService,
        *,
        demo_folder: Path | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.messages = messages
        self.demo_folder = demo_folder
        self.study: OpenStudy | None = None
        self.window: MainWindow | None = None
        self.login: LoginDialog | None = None
        self.wizard: SetupWizard | None = None
        self.lock_dialog: LockDialog | None = None
        self.idle: IdleWatcher | None = None
        self.operation: Operation | None = None
        self.backup_operation: Operation | None = None
        self.backup_timer = QTimer(self)
        self.backup_timer.setInterval(BACKUP_CHECK_MS)
        self.backup_timer.timeout.connect(self.daily_backup)
        self._hidden: list[QWidget] = []
        self._focus_before_lock: QWidget | None = None
        self._active_before_lock: QWidget | None = None

    # -- start ------------------------------------------------------------------------

    def start(self) -> None:
        set_session(self.settings.path, None)
        if self.demo_folder is not None:
            self.start_demo()
            return
        last = self.settings.get(keys.LAST_DATABASE)
        path = Path(last) if last else default_database()
        if path.exists():
            self.show_login(path)
        else:
            self.show_setup()

    def show_setup(self) -> None:
        if self.window is not None:
            return
        self.wizard = SetupWizard(self.messages)
        self.wizard.created.connect(self.logged_in)
        self.wizard.show()

    def show_login(self, path: Path, *, demo_password: str | None = None) -> None:
        if self.window is not None:
            return
        if self.login is not None and self.login.isVisible():
            self.login.close()
        username = DEMO_USER if demo_password else self.settings.get(keys.LAST_USER)
        self.login = LoginDialog(
            path, self.messages, username=username, demo_password=demo_password
        )
        self.login.unlocked.connect(self.logged_in)
        self.login.other_study.connect(self.choose_other_study)
        self.login.restore_requested.connect(lambda: self.show_restore(path))
        self.login.show()

    def show_restore(self, path: Path) -> None:
        from rego_desktop.ui.restore_dialog import RestoreDialog

        folder = self.settings.get(keys.BACKUP_FOLDER)
        dialog = RestoreDialog(
            path,
            self.messages,
            folders=[Path(folder)] if folder else [],
            username=self.login.username.text() if self.login is not None else "",
            parent=self.login,
        )
        dialog.open()

    def choose_other_study(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        chosen, _ = QFileDialog.getOpenFileName(
            None,
            self.tr("Open a study database"),
            str(default_database().parent),
            self.tr("Study database (*.rego);;All files (*)"),
        )
        if chosen:
            self.show_login(Path(chosen))
        else:
            self.show_setup() if not default_database().exists() else self.show_login(
                default_database()
            )

    def start_demo(self) -> None:
        from rego_desktop.demo.generator import generate
        from rego_desktop.store.opening import create_study

        assert self.demo_folder is not None
        path = self.demo_folder / "demo.rego"

        def work(progress: Progress) -> Path:
            created = create_study(path, "DEMO", DEMO_USER, DEMO_PASSWORD, full_name="Demo user")
            try:
                generate(created.study, DEMO_PATIENTS, seed=7, progress=progress)
            finally:
                created.study.close()
            return path

        self.operation = Operation(
            work,
            parent=None,
            label=self.tr("Preparing the demo study…"),
            messages=self.messages,
            show_after_ms=0,
        )
        self.operation.succeeded.connect(
            lambda p: self.show_login(Path(str(p)), demo_password=DEMO_PASSWORD)
        )
        self.operation.start()

    # -- session ----------------------------------------------------------------------

    def logged_in(self, study: object) -> None:
        assert isinstance(study, OpenStudy)
        if self.window is not None and self.study is not None:
            # One study in one main window: a second log-in (another dialog left open)
            # never opens a second window.
            same = study.path.resolve() == self.study.path.resolve()
            study.close()
            if not same:
                self.messages.error(
                    self.window,
                    self.tr("Study already open"),
                    self.tr("Log out of {path} before opening another study.").format(
                        path=self.study.path
                    ),
                )
            self.window.raise_()
            self.window.activateWindow()
            return
        self.study = study
        set_session(self.settings.path, study.user.username)
        if self.demo_folder is None:
            self.settings.set(keys.LAST_DATABASE, str(study.path))
            self.settings.set(keys.LAST_USER, study.user.username)
        self.window = MainWindow(study, self.messages, self.settings)
        self.window.logout_requested.connect(self.logout)
        self.window.lock_requested.connect(self.lock)
        self.window.settings_changed.connect(self._settings_changed)
        self.window.show()
        self.idle = IdleWatcher(self.settings.get(keys.IDLE_LOCK_MINUTES), self)
        self.idle.idle.connect(self.lock)
        if self.demo_folder is None:
            self.backup_timer.start()
            QTimer.singleShot(0, self.daily_backup)

    # -- backups ------------------------------------------------------------------------

    def daily_backup(self) -> None:
        """Write the daily backup in the background if the newest is a day old."""
        if self.study is None or self.window is None:
            return
        if self.backup_operation is not None and self.backup_operation.running:
            return
        path, policy = self.study.path, backup_policy(self.settings)

        def work(_progress: Progress) -> AutoBackup | None:
            return auto_backup(path, policy, "daily") if backup_due(path, policy) else None

        self.backup_operation = Operation(
            work,
            parent=self.window,
            label=self.tr("Writing the daily backup…"),
            messages=self.messages,
            show_after_ms=5000,
        )
        self.backup_operation.succeeded.connect(self._backup_written)
        self.backup_operation.start()

    def _backup_written(self, done: object) -> None:
        if isinstance(done, AutoBackup) and self.window is not None:
            if done.note:
                self.messages.info(self.window, self.tr("Backup"), done.note)
            self.window.statusBar().showMessage(
                self.tr("Backup written: {path}").format(path=done.result.path), 10_000
            )

    def backup_on_close(self, path: Path) -> None:
        """Back up after the study is closed (log-out, quit); skipped if unchanged."""
        try:
            done = auto_backup(path, backup_policy(self.settings), "close")
        except RegoError as exc:
            self.messages.error(None, self.tr("Backup not written"), exc.text(language()))
            return
        except Exception:
            log_bug("backup on close failed")
            return
        if done.note:
            self.messages.info(None, self.tr("Backup"), done.note)

    def _settings_changed(self) -> None:
        if self.idle is not None:
            self.idle.set_minutes(self.settings.get(keys.IDLE_LOCK_MINUTES))

    def lock(self) -> None:
        if self.study is None or self.lock_dialog is not None:
            return
        if self.idle is not None:
            self.idle.pause()
        self._focus_before_lock = QApplication.focusWidget()
        self._active_before_lock = QApplication.activeWindow()
        self._hidden = [
            w for w in QApplication.topLevelWidgets() if w.isVisible() and w is not self.login
        ]
        for widget in self._hidden:
            widget.hide()
        self.lock_dialog = LockDialog(self.study, self.messages)
        self.lock_dialog.unlocked.connect(self._unlocked)
        self.lock_dialog.logout_requested.connect(self.logout)
        self.lock_dialog.show()

    def _unlocked(self) -> None:
        for widget in self._hidden:
            widget.show()
        self._hidden = []
        # Back to the same window and field, so the next keystroke lands where it did.
        active, focus = self._active_before_lock, self._focus_before_lock
        self._active_before_lock = self._focus_before_lock = None
        if active is not None and shiboken6.isValid(active) and active.isVisible():
            active.raise_()
            active.activateWindow()
        if focus is not None and shiboken6.isValid(focus) and focus.isVisible():
            focus.setFocus(Qt.FocusReason.OtherFocusReason)
        self.lock_dialog = None
        if self.idle is not None:
            self.idle.resume()

    def logout(self) -> None:
        if self.window is not None and not self.window.close_casebooks():
            return
        self.close_session()
        self.start()

    def close_session(self) -> None:
        self.backup_timer.stop()
        if self.idle is not None:
            self.idle.stop()
            self.idle = None
        for widget in self._hidden:
            widget.close()
        self._hidden = []
        if self.lock_dialog is not None:
            self.lock_dialog.done(0)
            self.lock_dialog = None
        if self.window is not None:
            self.window.close()
            self.window.deleteLater()
            self.window = None
        set_session(self.settings.path, None)
        wait_all()
        if self.study is not None:
            path = self.study.path
            self.study.close()
            self.study = None
            if self.demo_folder is None:
                self.backup_on_close(path)


def run_gui(demo: bool = False, argv: list[str] | None = None) -> int:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("rego-desktop")
    app.setApplicationVersion(__version__)
    settings = Settings()
    install_translations(app, settings.get(keys.LANGUAGE))
    demo_folder = Path(tempfile.mkdtemp(prefix="rego-demo-")) if demo else None
    controller = SiteApplication(settings, MessageService(), demo_folder=demo_folder)
    controller.start()
    try:
        code = app.exec()
    finally:
        controller.close_session()
        if demo_folder is not None:
            shutil.rmtree(demo_folder, ignore_errors=True)
    return int(code)
