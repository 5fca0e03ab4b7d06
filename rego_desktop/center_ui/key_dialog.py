"""Making the coordinating center's key pair (``rego-center keygen`` in the window)."""

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

from rego_desktop.center.desk import MIN_PASSPHRASE, make_center_key
from rego_desktop.center_ui.choosers import FileChooser
from rego_desktop.center_ui.reasons import error_text
from rego_desktop.center_ui.text import say
from rego_desktop.errors import RegoError
from rego_desktop.exchange.keys import CenterPrivateKey
from rego_desktop.ui.geometry import place
from rego_desktop.ui.keyboard import set_default_button
from rego_desktop.ui.widgets import error_label, heading


class KeyDialog(QDialog):
    """On success ``key`` and ``folder`` are set and the dialog is accepted."""

    def __init__(self, chooser: FileChooser, start: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.chooser = chooser
        self.key: CenterPrivateKey | None = None
        self.made_in: Path | None = None
        self.setObjectName("centerKeyDialog")
        self.setWindowTitle(say("keygen_title"))
        intro = QLabel(say("keygen_intro", n=MIN_PASSPHRASE))
        intro.setWordWrap(True)
        self.folder = QLineEdit(start)
        self.folder.setObjectName("newKeyFolder")
        self.browse = QPushButton(say("browse"))
        self.browse.setObjectName("browseNewKeyFolder")
        self.browse.clicked.connect(self.choose_folder)
        self.name = QLineEdit()
        self.name.setObjectName("centerName")
        self.passphrase = QLineEdit()
        self.passphrase.setObjectName("newPassphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.again = QLineEdit()
        self.again.setObjectName("newPassphraseAgain")
        self.again.setEchoMode(QLineEdit.EchoMode.Password)
        grid = QGridLayout()
        for row, (key, field) in enumerate(
            (
                ("keygen_folder", self.folder),
                ("keygen_name", self.name),
                ("keygen_passphrase", self.passphrase),
                ("keygen_again", self.again),
            )
        ):
            label = QLabel(say(key))
            label.setBuddy(field)
            grid.addWidget(label, row, 0)
            grid.addWidget(field, row, 1, 1, 1 if field is self.folder else 2)
        grid.addWidget(self.browse, 0, 2)
        grid.setColumnStretch(1, 1)
        self.error = error_label()
        self.make_button = QPushButton(say("keygen_make"))
        self.make_button.setObjectName("makeCenterKey")
        self.make_button.clicked.connect(self.make)
        buttons = QDialogButtonBox()
        buttons.addButton(self.make_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(say("keygen_title")))
        layout.addWidget(intro)
        layout.addLayout(grid)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(buttons)
        set_default_button(self, self.make_button)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        escape.activated.connect(self.reject)
        place(self, "centerKeyDialog", QSize(680, 330))
        (self.name if start else self.folder).setFocus()

    def choose_folder(self) -> None:
        name = self.chooser.folder(self, say("keygen_title"), self.folder.text())
        if name:
            self.folder.setText(name)
        self.folder.setFocus()

    def _fail(self, text: str, field: QWidget) -> None:
        self.error.setText(text)
        self.error.show()
        field.setFocus()

    def make(self) -> None:
        folder = self.folder.text().strip()
        if not folder:
            return self._fail(say("need_key"), self.folder)
        if self.passphrase.text() != self.again.text():
            self.again.clear()
            return self._fail(say("keygen_differ"), self.again)
        try:
            key = make_center_key(
                Path(folder).expanduser(), self.name.text(), self.passphrase.text()
            )
        except RegoError as exc:
            field = self.name if not self.name.text().strip() else self.passphrase
            return self._fail(error_text(exc), field)
        self.key = key
        self.made_in = Path(folder).expanduser()
        self.passphrase.clear()
        self.again.clear()
        self.accept()
        return None
