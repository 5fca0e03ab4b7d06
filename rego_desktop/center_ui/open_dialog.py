"""Opening the center: database, center key folder and passphrase, site key folder."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from rego_desktop.center_ui import settings as keys
from rego_desktop.center_ui.choosers import FileChooser
from rego_desktop.center_ui.key_dialog import KeyDialog
from rego_desktop.center_ui.reasons import error_text
from rego_desktop.center_ui.session import CenterSession, open_session
from rego_desktop.center_ui.text import say
from rego_desktop.errors import RegoError
from rego_desktop.ui.errors import show_failure
from rego_desktop.ui.geometry import place
from rego_desktop.ui.keyboard import focus_first_editable, set_default_button
from rego_desktop.ui.messages import MessageService
from rego_desktop.ui.operations import Operation, Progress
from rego_desktop.ui.settings import Settings
from rego_desktop.ui.widgets import error_label, heading

LANGUAGES = (("en", "English"), ("zh_CN", "简体中文"))


def is_url(target: str) -> bool:
    return "://" in target


class OpenDialog(QDialog):
    """Emits ``opened(CenterSession)`` when the database is open and the key unlocked;
    ``language_chosen(str)`` when the language is changed (the caller rebuilds)."""

    opened = Signal(object)
    language_chosen = Signal(str)

    def __init__(
        self,
        settings: Settings,
        messages: MessageService,
        chooser: FileChooser,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.messages = messages
        self.chooser = chooser
        self.operation: Operation | None = None
        self.session: CenterSession | None = None
        self.setObjectName("centerOpenDialog")
        self.setWindowTitle(say("open_title"))

        intro = QLabel(say("open_intro"))
        intro.setWordWrap(True)
        self.database = QLineEdit(settings.get(keys.DATABASE))
        self.database.setObjectName("centerDatabase")
        self.database_browse = QPushButton(say("browse"))
        self.database_browse.setObjectName("browseDatabase")
        self.database_browse.clicked.connect(self.choose_database)
        self.key_folder = QLineEdit(settings.get(keys.KEY_FOLDER))
        self.key_folder.setObjectName("centerKeyFolder")
        self.key_browse = QPushButton(say("key_browse"))
        self.key_browse.setObjectName("browseKeyFolder")
        self.key_browse.clicked.connect(lambda: self.choose_folder(self.key_folder))
        self.passphrase = QLineEdit()
        self.passphrase.setObjectName("centerPassphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.site_keys = QLineEdit(settings.get(keys.SITE_KEYS))
        self.site_keys.setObjectName("siteKeysFolder")
        self.sites_browse = QPushButton(say("sites_browse"))
        self.sites_browse.setObjectName("browseSiteKeys")
        self.sites_browse.clicked.connect(lambda: self.choose_folder(self.site_keys))
        self.language = QComboBox()
        self.language.setObjectName("centerLanguage")
        for code, name in LANGUAGES:
            self.language.addItem(name, code)
        current = settings.get(keys.LANGUAGE)
        self.language.setCurrentIndex(max(0, [c for c, _ in LANGUAGES].index(current)))
        self.language.currentIndexChanged.connect(self._language_changed)

        grid = QGridLayout()
        rows: list[tuple[str, QWidget, QPushButton | None]] = [
            ("db_label", self.database, self.database_browse),
            ("key_label", self.key_folder, self.key_browse),
            ("passphrase_label", self.passphrase, None),
            ("sites_label", self.site_keys, self.sites_browse),
            ("language_label", self.language, None),
        ]
        for row, (key, field, button) in enumerate(rows):
            label = QLabel(say(key))
            label.setBuddy(field)
            label.setWordWrap(True)
            grid.addWidget(label, row, 0)
            if button is None:
                grid.addWidget(field, row, 1, 1, 2)
            else:
                grid.addWidget(field, row, 1)
                grid.addWidget(button, row, 2)
        grid.setColumnStretch(1, 1)
        grid.setColumnMinimumWidth(0, 230)
        self.new_key_button = QPushButton(say("new_key"))
        self.new_key_button.setObjectName("newCenterKey")
        self.new_key_button.clicked.connect(self.new_key)
        grid.addWidget(self.new_key_button, len(rows), 1, Qt.AlignmentFlag.AlignLeft)

        self.error = error_label()
        self.buttons = QDialogButtonBox()
        self.open_button = QPushButton(say("open"))
        self.open_button.setObjectName("openCenter")
        self.buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.open_button.clicked.connect(self.try_open)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(heading(say("open_title")))
        layout.addWidget(intro)
        layout.addLayout(grid)
        layout.addWidget(self.error)
        layout.addStretch(1)
        buttons_row = QHBoxLayout()
        buttons_row.addStretch(1)
        buttons_row.addWidget(self.buttons)
        layout.addLayout(buttons_row)
        set_default_button(self, self.open_button)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        escape.activated.connect(self.reject)
        place(self, "centerOpenDialog", QSize(760, 400))

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if self.database.text() and self.key_folder.text() and self.site_keys.text():
            self.passphrase.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            focus_first_editable(self)

    # ------------------------------------------------------------------ choosing

    def choose_database(self) -> None:
        name = self.chooser.save_file(
            self, say("db_label").replace("&", ""), self.database.text(), say("database_files")
        )
        if name:
            self.database.setText(name)
        self.database.setFocus()

    def choose_folder(self, field: QLineEdit) -> None:
        name = self.chooser.folder(self, say("open_title"), field.text())
        if name:
            field.setText(name)
        field.setFocus()

    def new_key(self) -> None:
        dialog = KeyDialog(self.chooser, self.key_folder.text(), self)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        self.activateWindow()  # the keyboard comes back here
        if accepted and dialog.key is not None:
            self.key_folder.setText(str(dialog.made_in))
            self.messages.info(
                self,
                say("keygen_title"),
                say(
                    "keygen_done",
                    name=dialog.key.public.center,
                    folder=dialog.made_in,
                    fingerprint=dialog.key.fingerprint,
                ),
            )
            self.passphrase.setFocus()
        else:
            self.new_key_button.setFocus()

    def _language_changed(self) -> None:
        code = str(self.language.currentData())
        self.settings.set(keys.LANGUAGE, code)
        self.language_chosen.emit(code)

    # ------------------------------------------------------------------ opening

    def _fail(self, text: str, field: QWidget) -> None:
        self.error.setText(text)
        self.error.show()
        field.setFocus()

    def try_open(self) -> None:
        if self.operation is not None and self.operation.running:
            return None
        target = self.database.text().strip()
        key_folder = self.key_folder.text().strip()
        passphrase = self.passphrase.text()
        site_keys = self.site_keys.text().strip()
        if not target:
            return self._fail(say("need_db"), self.database)
        if not key_folder:
            return self._fail(say("need_key"), self.key_folder)
        if not passphrase:
            return self._fail(say("need_passphrase"), self.passphrase)
        if not site_keys:
            return self._fail(say("need_sites"), self.site_keys)
        create = False
        if not is_url(target):
            path = Path(target).expanduser()
            if not path.exists():
                if not self.messages.confirm(
                    self, say("create_db_title"), say("create_db", path=path)
                ):
                    return self._fail(say("need_db"), self.database)
                create = True
        create_sites = False
        if not Path(site_keys).expanduser().exists():
            if not self.messages.confirm(
                self, say("open_title"), say("create_sites", path=site_keys)
            ):
                return self._fail(say("need_sites"), self.site_keys)
            create_sites = True
        self.error.hide()

        def work(_progress: Progress) -> CenterSession:
            return open_session(
                target,
                Path(key_folder).expanduser(),
                passphrase,
                Path(site_keys).expanduser(),
                create=create,
                create_site_keys=create_sites,
            )

        self.open_button.setEnabled(False)
        self.operation = Operation(
            work,
            parent=self,
            label=say("opening"),
            messages=self.messages,
            report_errors=False,
        )
        self.operation.succeeded.connect(self._opened)
        self.operation.failed.connect(self._failed)
        self.operation.start()
        return None

    def _opened(self, session: object) -> None:
        assert isinstance(session, CenterSession)
        self.open_button.setEnabled(True)
        self.settings.set(keys.DATABASE, self.database.text().strip())
        self.settings.set(keys.KEY_FOLDER, self.key_folder.text().strip())
        self.settings.set(keys.SITE_KEYS, self.site_keys.text().strip())
        self.passphrase.clear()
        self.session = session
        self.opened.emit(session)
        self.accept()

    def _failed(self, exc: object) -> None:
        self.open_button.setEnabled(True)
        if isinstance(exc, RegoError):
            self.error.setText(error_text(exc))
            self.error.show()
        else:
            show_failure(self, self.error, exc, self.messages)  # a bug: logged
        self.activateWindow()  # back from the progress dialog, if one was shown
        self.passphrase.selectAll()
        self.passphrase.setFocus()
