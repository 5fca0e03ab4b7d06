"""First-run set-up: site, database location, administrator, center key, recovery key.

Pages only collect and validate; nothing is written until :meth:`SetupWizard.accept`,
which creates the study in the background. The recovery key is generated up front
so it can be shown (and printed or saved) before the study exists.

Signals: ``created(object)`` with the unlocked :class:`OpenStudy`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from rego_desktop.auth.passwords import RULES, join_problems, password_problem_labels
from rego_desktop.crypto import recovery
from rego_desktop.errors import RegoError
from rego_desktop.paths import data_dir
from rego_desktop.store.opening import check_site_code, check_username, create_study
from rego_desktop.store.study import OpenStudy
from rego_desktop.study import CURRENT
from rego_desktop.ui.geometry import place
from rego_desktop.ui.keyboard import focus_first_editable, set_default_button
from rego_desktop.ui.messages import MessageService
from rego_desktop.ui.operations import Operation, Progress
from rego_desktop.ui.widgets import buddy_label, error_label, language

CENTER_KEY_NAME = "center-public-key.json"


def stored_center_key() -> Path:
    """Where the site keeps the coordinating center's public key file."""
    return data_dir() / CENTER_KEY_NAME


class _Page(QWizardPage):
    def __init__(self, title: str, subtitle: str) -> None:
        super().__init__()
        self.setTitle(title)
        self.setSubTitle(subtitle)
        self.error = error_label()

    def watch(self, *edits: QLineEdit) -> None:
        """Typing again hides the last complaint."""
        for edit in edits:
            edit.textEdited.connect(self.error.hide)

    def fail(self, text: str) -> bool:
        self.error.setText(text)
        self.error.show()
        return False

    def passed(self) -> bool:
        self.error.hide()
        return True


class SitePage(_Page):
    def __init__(self) -> None:
        super().__init__(
            self.tr("Your site"),
            self.tr("The site code the coordinating center gave your hospital, e.g. BJ01."),
        )
        self.site = QLineEdit()
        self.site.setObjectName("siteCode")
        self.site.setMaxLength(8)
        study = QLabel(CURRENT.title.text(language()) + f"  ({CURRENT.id} {CURRENT.version})")
        study.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow(self.tr("Study:"), study)
        form.addRow(self.tr("&Site code:"), self.site)
        form.addRow(self.error)

    def validatePage(self) -> bool:  # noqa: N802 (Qt API)
        try:
            self.site.setText(check_site_code(self.site.text()))
        except RegoError as exc:
            return self.fail(exc.text(language()))
        return self.passed()


class DatabasePage(_Page):
    def __init__(self) -> None:
        super().__init__(
            self.tr("Study database"),
            self.tr(
                "Where the encrypted study database is kept on this computer. The default "
                "is your user data folder."
            ),
        )
        self.path = QLineEdit(str(data_dir() / "study.rego"))
        self.path.setObjectName("databasePath")
        # Alt+B is the wizard's Back button.
        browse = QPushButton(self.tr("B&rowse…"))
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form = QFormLayout(self)
        form.addRow(buddy_label(self.tr("&File:"), self.path), row)
        form.addRow(self.error)

    def _browse(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(
            self, self.tr("Study database"), self.path.text(), self.tr("Study database (*.rego)")
        )
        if chosen:
            self.path.setText(chosen if chosen.endswith(".rego") else chosen + ".rego")

    def chosen(self) -> Path:
        return Path(self.path.text().strip()).expanduser()

    def validatePage(self) -> bool:  # noqa: N802
        path = self.chosen()
        if not self.path.text().strip():
            return self.fail(self.tr("Choose where to keep the study database."))
        if path.exists():
            return self.fail(
                self.tr("{path} already exists. Choose a new file name.").format(path=path)
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return self.fail(
                self.tr("The folder {folder} cannot be created: {reason}").format(
                    folder=path.parent, reason=exc.strerror
                )
            )
        return self.passed()


class AdminPage(_Page):
    def __init__(self) -> None:
        super().__init__(
            self.tr("Administrator"),
            self.tr("The first user manages the other accounts. Choose a strong password."),
        )
        self.username = QLineEdit("admin")
        self.username.setObjectName("adminUser")
        self.full_name = QLineEdit()
        self.full_name.setObjectName("adminName")
        self.password = QLineEdit()
        self.password.setObjectName("adminPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat = QLineEdit()
        self.repeat.setObjectName("adminRepeat")
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        rules = QLabel(RULES.text(language()))
        rules.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow(self.tr("&User name:"), self.username)
        form.addRow(self.tr("&Full name:"), self.full_name)
        form.addRow(self.tr("&Password:"), self.password)
        form.addRow(self.tr("&Repeat password:"), self.repeat)
        form.addRow("", rules)
        form.addRow(self.error)
        self.watch(self.username, self.full_name, self.password, self.repeat)

    def validatePage(self) -> bool:  # noqa: N802
        try:
            name = check_username(self.username.text())
        except RegoError as exc:
            return self.fail(exc.text(language()))
        if not self.full_name.text().strip():
            return self.fail(self.tr("Type the administrator's full name."))
        problems = password_problem_labels(self.password.text(), name)
        if problems:
            return self.fail(
                self.tr("Password not accepted: {problems}.").format(
                    problems=join_problems(problems).text(language())
                )
            )
        if self.password.text() != self.repeat.text():
            return self.fail(self.tr("The two passwords differ."))
        return self.passed()


class CenterKeyPage(_Page):
    def __init__(self) -> None:
        super().__init__(
            self.tr("Coordinating center key"),
            self.tr(
                "Transfer files are encrypted to the coordinating center's public key. Import "
                "the key file they sent you, and compare the fingerprint with them by phone. "
                "You can also do this later."
            ),
        )
        self.path = QLineEdit()
        self.path.setObjectName("centerKeyPath")
        self.path.setPlaceholderText(self.tr("(optional)"))
        browse = QPushButton(self.tr("B&rowse…"))
        browse.clicked.connect(self._browse)
        self.fingerprint = QLabel()
        self.fingerprint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.fingerprint.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form = QFormLayout(self)
        form.addRow(buddy_label(self.tr("&Key file:"), self.path), row)
        form.addRow(self.tr("Fingerprint:"), self.fingerprint)
        form.addRow(self.error)
        self.path.editingFinished.connect(self._show_fingerprint)

    def _browse(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(
            self, self.tr("Coordinating center public key"), "", self.tr("Key files (*.json)")
        )
        if chosen:
            self.path.setText(chosen)
            self._show_fingerprint()

    def _show_fingerprint(self) -> None:
        self.validatePage()

    def key_file(self) -> Path | None:
        text = self.path.text().strip()
        return Path(text).expanduser() if text else None

    def validatePage(self) -> bool:  # noqa: N802
        path = self.key_file()
        self.fingerprint.clear()
        if path is None:
            return self.passed()
        from rego_desktop.exchange.keys import load_center_public_key

        try:
            key = load_center_public_key(path)
        except RegoError as exc:
            return self.fail(exc.text(language()))
        self.fingerprint.setText(f"{key.center}: {key.fingerprint}")
        return self.passed()


class RecoveryPage(_Page):
    def __init__(self, key_text: str) -> None:
        super().__init__(
            self.tr("Recovery key"),
            self.tr(
                "If every password is forgotten, this key is the only way into the study. It "
                "is shown only now: print it or save it to a USB stick, and keep it locked "
                "away from this computer."
            ),
        )
        self.key_text = key_text
        key = QLabel(key_text)
        key.setObjectName("recoveryKey")
        key.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setPointSizeF(key.font().pointSizeF() * 1.2)
        key.setFont(font)
        key.setWordWrap(True)
        key.setStyleSheet("border: 1px solid #8a8886; padding: 10px; background: #faf9f8;")
        print_button = QPushButton(self.tr("&Print…"))
        print_button.clicked.connect(self.print_key)
        save_button = QPushButton(self.tr("&Save to file…"))
        save_button.clicked.connect(self.save_key)
        self.confirm = QCheckBox(self.tr("I have printed or saved the recovery key"))
        self.confirm.setObjectName("recoveryConfirm")
        self.registerField("recoverySaved*", self.confirm)
        buttons = QHBoxLayout()
        buttons.addWidget(print_button)
        buttons.addWidget(save_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(key)
        layout.addLayout(buttons)
        layout.addWidget(self.confirm)
        layout.addWidget(self.error)

    def document(self) -> QTextDocument:
        doc = QTextDocument()
        doc.setHtml(
            "<h2>rego-desktop recovery key</h2>"
            f"<p>{CURRENT.title.en}<br>{CURRENT.title.zh}</p>"
            f"<p style='font-family: monospace; font-size: 14pt'>{self.key_text}</p>"
            "<p>Keep this sheet locked away. With it, a forgotten password never loses "
            "the study.</p>"
        )
        return doc

    def print_key(self) -> None:
        printer = QPrinter()
        dialog = QPrintDialog(printer, self)
        if dialog.exec() == QPrintDialog.DialogCode.Accepted:
            self.document().print_(printer)

    def save_key(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save recovery key"), "recovery-key.txt", self.tr("Text (*.txt)")
        )
        if chosen:
            self.write_key(Path(chosen))

    def write_key(self, path: Path) -> None:
        path.write_text(
            f"rego-desktop recovery key\n{CURRENT.title.en}\n\n{self.key_text}\n", encoding="utf-8"
        )


class SetupWizard(QWizard):
    created = Signal(object)

    def __init__(self, messages: MessageService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.messages = messages
        self.operation: Operation | None = None
        self.recovery_secret = recovery.generate()
        self.setObjectName("setupWizard")
        self.setWindowTitle(self.tr("Set up rego-desktop"))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setMinimumSize(600, 420)
        self.site_page = SitePage()
        self.database_page = DatabasePage()
        self.admin_page = AdminPage()
        self.center_page = CenterKeyPage()
        self.recovery_page = RecoveryPage(recovery.format_key(self.recovery_secret))
        for page in (
            self.site_page,
            self.database_page,
            self.admin_page,
            self.center_page,
            self.recovery_page,
        ):
            self.addPage(page)
            # Enter is the wizard's Next / Create study, never a button on the page.
            set_default_button(page, None)
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("&Create study"))
        self.currentIdChanged.connect(lambda _id: QTimer.singleShot(0, self.focus_page))
        place(self, "setup", QSize(700, 500))

    def focus_page(self) -> None:
        """The first field of the page that shows has the focus (typing starts there)."""
        page = self.currentPage()
        if page is not None and page.isVisible():
            focus_first_editable(page)

    def accept(self) -> None:
        path = self.database_page.chosen()
        site = self.site_page.site.text()
        username = self.admin_page.username.text().strip()
        password = self.admin_page.password.text()
        full_name = self.admin_page.full_name.text().strip()
        secret = self.recovery_secret
        center_key = self.center_page.key_file()

        def work(_progress: Progress) -> OpenStudy:
            created = create_study(
                path, site, username, password, full_name=full_name, recovery_secret=secret
            )
            if center_key is not None:
                target = stored_center_key()
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(center_key, target)
            return created.study

        self.button(QWizard.WizardButton.FinishButton).setEnabled(False)
        self.operation = Operation(
            work, parent=self, label=self.tr("Creating the study…"), messages=self.messages
        )
        self.operation.succeeded.connect(self._created)
        self.operation.failed.connect(
            lambda _exc: self.button(QWizard.WizardButton.FinishButton).setEnabled(True)
        )
        self.operation.start()

    def _created(self, study: object) -> None:
        self.created.emit(study)
        super().accept()
