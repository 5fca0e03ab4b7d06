"""Registering a site's public key: the fingerprint read by telephone must be the file's."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from rego_desktop.center.desk import read_site_key, register_site, replace_site
from rego_desktop.center_ui.choosers import FileChooser
from rego_desktop.center_ui.reasons import error_text
from rego_desktop.center_ui.session import CenterSession
from rego_desktop.center_ui.text import say
from rego_desktop.errors import RegoError
from rego_desktop.exchange.keys import SitePublicKey
from rego_desktop.ui.errors import report_exception
from rego_desktop.ui.geometry import place
from rego_desktop.ui.keyboard import set_default_button
from rego_desktop.ui.messages import MessageService
from rego_desktop.ui.widgets import ERROR_STYLE, error_label, heading

OK_STYLE = "color: #0b5a0b; background: #dff6dd; border: 1px solid #9fd89f; padding: 4px;"


def _compact(fingerprint: str) -> str:
    return "".join(ch for ch in fingerprint.upper() if ch.isalnum())


class RegisterDialog(QDialog):
    def __init__(
        self,
        session: CenterSession,
        messages: MessageService,
        chooser: FileChooser,
        parent: QWidget | None = None,
        *,
        replacing: str | None = None,
    ) -> None:
        """``replacing``: the site whose registered key the new one replaces."""
        super().__init__(parent)
        self.session = session
        self.messages = messages
        self.chooser = chooser
        self.replacing = replacing
        self.key: SitePublicKey | None = None
        self.registered: SitePublicKey | None = None
        self.replaced: SitePublicKey | None = None
        self.setObjectName("registerSiteDialog")
        title = say("register_title") if replacing is None else say("replace_title", site=replacing)
        self.setWindowTitle(title)

        intro = QLabel(say("register_intro"))
        intro.setWordWrap(True)
        self.file = QLineEdit()
        self.file.setObjectName("siteKeyFile")
        self.file.editingFinished.connect(self.read_file)
        self.browse = QPushButton(say("browse"))
        self.browse.setObjectName("browseSiteKey")
        self.browse.clicked.connect(self.choose_file)
        self.site = QLabel("–")
        self.site.setObjectName("keyFileSite")
        self.file_fp = QLabel("–")
        self.file_fp.setObjectName("keyFileFingerprint")
        self.file_fp.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.phone = QLineEdit()
        self.phone.setObjectName("phoneFingerprint")
        self.phone.textChanged.connect(self.compare)
        self.comparison = QLabel()
        self.comparison.setObjectName("fingerprintComparison")
        self.comparison.setWordWrap(True)
        self.comparison.hide()
        self.error = error_label()

        grid = QGridLayout()
        file_label = QLabel(say("key_file_label"))
        file_label.setBuddy(self.file)
        grid.addWidget(file_label, 0, 0)
        grid.addWidget(self.file, 0, 1)
        grid.addWidget(self.browse, 0, 2)
        grid.addWidget(QLabel(say("key_file_site")), 1, 0)
        grid.addWidget(self.site, 1, 1, 1, 2)
        grid.addWidget(QLabel(say("key_file_fp")), 2, 0)
        grid.addWidget(self.file_fp, 2, 1, 1, 2)
        phone_label = QLabel(say("phone_label"))
        phone_label.setBuddy(self.phone)
        grid.addWidget(phone_label, 3, 0)
        grid.addWidget(self.phone, 3, 1, 1, 2)
        grid.setColumnStretch(1, 1)

        self.register_button = QPushButton(say("register_button"))
        self.register_button.setObjectName("registerKey")
        self.register_button.setEnabled(False)
        self.register_button.clicked.connect(self.register)
        buttons = QDialogButtonBox()
        buttons.addButton(self.register_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(heading(title))
        layout.addWidget(intro)
        layout.addLayout(grid)
        layout.addWidget(self.comparison)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(buttons)
        set_default_button(self, self.register_button)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        escape.activated.connect(self.reject)
        place(self, "registerSiteDialog", QSize(720, 360))
        self.file.setFocus()

    def choose_file(self) -> None:
        name = self.chooser.open_file(
            self, say("register_title"), self.file.text(), say("key_files")
        )
        if name:
            self.file.setText(name)
            self.read_file()
            self.phone.setFocus()
        else:
            self.file.setFocus()

    def read_file(self) -> None:
        text = self.file.text().strip()
        self.key = None
        self.site.setText("–")
        self.file_fp.setText("–")
        self.error.hide()
        if text:
            try:
                self.key = read_site_key(Path(text).expanduser())
            except RegoError as exc:
                self.error.setText(error_text(exc))
                self.error.show()
            else:
                self.site.setText(self.key.site_code)
                self.file_fp.setText(self.key.fingerprint)
        self.compare()

    def compare(self) -> None:
        typed = _compact(self.phone.text())
        if self.key is None or not typed:
            self.comparison.hide()
            self.register_button.setEnabled(False)
            return
        wanted = _compact(self.key.fingerprint)
        if typed == wanted:
            self.comparison.setText(say("fp_match"))
            self.comparison.setStyleSheet(OK_STYLE)
            self.register_button.setEnabled(True)
        elif wanted.startswith(typed):
            self.comparison.setText(say("fp_partial", typed=len(typed), total=len(wanted)))
            self.comparison.setStyleSheet("")
            self.register_button.setEnabled(False)
        else:
            self.comparison.setText(say("fp_differ"))
            self.comparison.setStyleSheet(ERROR_STYLE)
            self.register_button.setEnabled(False)
        self.comparison.show()

    def register(self) -> None:
        if self.key is None:
            return
        key_file = Path(self.file.text().strip()).expanduser()
        try:
            if self.replacing is not None and self.key.site_code != self.replacing:
                raise RegoError(
                    f"The key file is for site {self.key.site_code}, not {self.replacing}.",
                    zh=f"该密钥文件属于分中心 {self.key.site_code}，而不是 {self.replacing}。",
                )
            if self.replacing is None:
                key, _target = register_site(
                    self.session.db, self.session.site_keys, key_file, self.phone.text()
                )
            else:
                key, self.replaced = replace_site(
                    self.session.db, self.session.site_keys, key_file, self.phone.text()
                )
        except RegoError as exc:
            self.error.setText(error_text(exc))
            self.error.show()
            return
        except Exception as exc:  # a bug: logged and reported
            report_exception(self, exc, self.messages)
            return
        self.registered = key
        self.accept()
