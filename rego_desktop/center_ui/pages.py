"""The pages of the center window: sites and keys, inbox, audit trail, rollback, backups.

Each page calls the plain functions of :mod:`rego_desktop.center` (the same as the
``rego-center`` commands) and shows their results; long work runs in the background
with a progress dialog after a short delay (:class:`~rego_desktop.ui.operations.Operation`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from rego_desktop.center import backup as center_backup
from rego_desktop.center import desk
from rego_desktop.center.merge import MergeResult, MergeStatus
from rego_desktop.center.rollback import RollbackResult, rollback
from rego_desktop.center_ui import settings as keys
from rego_desktop.center_ui.choosers import FileChooser
from rego_desktop.center_ui.common import Page, buddy, fill, selected_row, table, when
from rego_desktop.center_ui.reasons import error_text
from rego_desktop.center_ui.register_dialog import RegisterDialog
from rego_desktop.center_ui.session import CenterSession
from rego_desktop.center_ui.text import action_words, say
from rego_desktop.errors import RegoError
from rego_desktop.ui.keyboard import EnterKey
from rego_desktop.ui.messages import MessageService
from rego_desktop.ui.operations import Progress
from rego_desktop.ui.settings import Settings
from rego_desktop.ui.widgets import ERROR_STYLE

# --------------------------------------------------------------------------- sites


class SitesPage(Page):
    """The center key and the registered site keys: registration after comparing the
    fingerprint read by telephone, replacement and revocation (all audited)."""

    changed = Signal()

    def __init__(
        self, session: CenterSession, messages: MessageService, chooser: FileChooser
    ) -> None:
        super().__init__(session, messages)
        self.chooser = chooser
        self.setObjectName("sitesPage")
        key = session.key.public
        box = QGroupBox(say("center_key"))
        box_layout = QVBoxLayout(box)
        self.center_text = QLabel(
            say(
                "center_key_text",
                name=key.center,
                fingerprint=session.key.fingerprint,
                folder=session.key_folder,
            )
        )
        self.center_text.setObjectName("centerKeyText")
        self.center_text.setWordWrap(True)
        self.center_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box_layout.addWidget(self.center_text)

        self.sites = table(
            "registeredSites",
            [say("col_site"), say("col_fingerprint"), say("col_key_made"), say("col_file")],
        )
        self.empty = QLabel(say("no_sites"))
        self.empty.setObjectName("noSites")
        self.empty.setWordWrap(True)
        self.register_button = QPushButton(say("register"))
        self.register_button.setObjectName("registerSite")
        self.register_button.clicked.connect(self.register)
        buttons = QHBoxLayout()
        buttons.addWidget(self.register_button)
        self.replace_button = QPushButton(say("replace"))
        self.replace_button.setObjectName("replaceSiteKey")
        self.replace_button.clicked.connect(self.replace)
        self.revoke_button = QPushButton(say("revoke"))
        self.revoke_button.setObjectName("revokeSiteKey")
        self.revoke_button.clicked.connect(self.revoke)
        buttons.addWidget(self.replace_button)
        buttons.addWidget(self.revoke_button)
        buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addWidget(box)
        layout.addWidget(buddy("sites_table", self.sites, folder=session.site_keys))
        layout.addWidget(self.sites, 1)
        layout.addWidget(self.empty)
        layout.addLayout(buttons)

    def first_focus(self) -> QWidget | None:
        return self.sites if self.sites.rowCount() else self.register_button

    def refresh(self) -> None:
        try:
            registry = self.session.registry()
        except RegoError as exc:
            self.messages.error(self, say("cannot"), error_text(exc))
            registry = {}
        rows = [
            (code, k.fingerprint, when(k.created), str(self.session.site_keys / f"{code}.json"))
            for code, k in sorted(registry.items())
        ]
        fill(self.sites, rows)
        self.empty.setVisible(not rows)

    def _selected_site(self) -> str | None:
        row = selected_row(self.sites)
        item = self.sites.item(row, 0) if row is not None else None
        if item is None:
            self.messages.info(self, say("tab_sites"), say("select_site"))
            return None
        return item.text()

    def register(self) -> None:
        dialog = RegisterDialog(self.session, self.messages, self.chooser, self)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        self.window().activateWindow()  # the keyboard comes back here
        if accepted and dialog.registered is not None:
            key = dialog.registered
            self.messages.notify(
                self,
                say("tab_sites"),
                say("registered", site=key.site_code, fingerprint=key.fingerprint),
            )
            self.refresh()
            self.changed.emit()
        self.register_button.setFocus()

    def replace(self) -> None:
        site = self._selected_site()
        if site is None:
            return
        dialog = RegisterDialog(self.session, self.messages, self.chooser, self, replacing=site)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        self.window().activateWindow()  # the keyboard comes back here
        if accepted and dialog.registered is not None:
            self.messages.notify(
                self,
                say("tab_sites"),
                say("replaced", site=site, fingerprint=dialog.registered.fingerprint),
            )
            self.refresh()
            self.changed.emit()
        self.replace_button.setFocus()

    def revoke(self) -> None:
        site = self._selected_site()
        if site is None:
            return
        row = selected_row(self.sites)
        item = self.sites.item(row, 1) if row is not None else None
        current = item.text() if item is not None else ""
        title = say("revoke_title", site=site)
        typed = self.messages.ask_text(self, title, say("revoke_fp", fingerprint=current))
        if not typed:
            return
        reason = self.messages.ask_text(self, title, say("revoke_reason", site=site))
        if not reason or not reason.strip():
            return
        try:
            desk.revoke_site(self.session.db, self.session.site_keys, site, typed, reason.strip())
        except RegoError as exc:
            self.messages.error(self, say("cannot"), error_text(exc))
            return
        self.messages.notify(self, say("tab_sites"), say("revoked", site=site))
        self.refresh()
        self.changed.emit()
        self.revoke_button.setFocus()


# --------------------------------------------------------------------------- inbox


class InboxPage(Page):
    """Choose transfer files (or a folder), verify, merge with a progress dialog."""

    merged = Signal()

    def __init__(
        self,
        session: CenterSession,
        messages: MessageService,
        chooser: FileChooser,
        settings: Settings,
    ) -> None:
        super().__init__(session, messages)
        self.chooser = chooser
        self.settings = settings
        self.setObjectName("inboxPage")
        self.paths: list[str] = []
        self.outcomes: dict[str, desk.InboxOutcome] = {}
        """The last merge's outcome per file (as listed)."""
        self.files = table(
            "inboxFiles",
            [
                say("col_file"),
                say("col_site"),
                say("col_sequence"),
                say("col_made"),
                say("col_status"),
                say("col_details"),
            ],
        )
        self.files.horizontalHeader().setStretchLastSection(True)
        self.results = table(
            "mergeResults",
            [
                say("col_file"),
                say("col_site"),
                say("col_sequence"),
                say("col_status"),
                say("col_details"),
            ],
        )
        self.results.setWordWrap(True)
        self.summary = QLabel()
        self.summary.setObjectName("mergeSummary")
        self.summary.setWordWrap(True)

        def button(key: str, name: str, slot: Callable[[], None]) -> QPushButton:
            b = QPushButton(say(key))
            b.setObjectName(name)
            b.clicked.connect(slot)
            return b

        self.add_files_button = button("add_files", "addFiles", self.add_files)
        self.add_folder_button = button("add_folder", "addFolder", self.add_folder)
        self.remove_button = button("remove_file", "removeFile", self.remove_file)
        self.clear_button = button("clear_files", "clearFiles", self.clear)
        self.verify_button = button("verify", "verifyFiles", self.verify)
        self.merge_button = button("merge", "mergeFiles", self.merge)
        EnterKey(self.files, self.merge)
        row = QHBoxLayout()
        for b in (
            self.add_files_button,
            self.add_folder_button,
            self.remove_button,
            self.clear_button,
        ):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(self.verify_button)
        row.addWidget(self.merge_button)

        layout = QVBoxLayout(self)
        layout.addWidget(buddy("inbox_files", self.files))
        layout.addWidget(self.files, 2)
        layout.addLayout(row)
        layout.addWidget(buddy("results", self.results))
        layout.addWidget(self.results, 2)
        layout.addWidget(self.summary)

    def first_focus(self) -> QWidget | None:
        return self.files if self.paths else self.add_files_button

    # -- the list

    def _show_files(self, details: dict[str, tuple[str, str, str, str, str]] | None = None) -> None:
        shown = []
        for path in self.paths:
            site, seq, made, status, text = (details or {}).get(path, ("", "", "", "", ""))
            shown.append((os.path.basename(path), site, seq, made, status, text))
        fill(self.files, shown, numeric=(2,))
        for r, path in enumerate(self.paths):
            item = self.files.item(r, 0)
            if item is not None:
                item.setToolTip(path)

    def add_paths(self, paths: list[str]) -> None:
        for path in paths:
            if path and path not in self.paths:
                self.paths.append(path)
        self._show_files()

    def add_files(self) -> None:
        start = self.settings.get(keys.INBOX_FOLDER)
        names = self.chooser.open_files(
            self, say("add_files").replace("&", ""), start, say("transfer_files")
        )
        if names:
            self.settings.set(keys.INBOX_FOLDER, str(Path(names[0]).parent))
            self.add_paths(names)
            self.files.setFocus()

    def add_folder(self) -> None:
        start = self.settings.get(keys.INBOX_FOLDER)
        folder = self.chooser.folder(self, say("add_folder").replace("&", ""), start)
        if folder:
            self.settings.set(keys.INBOX_FOLDER, folder)
            self.add_paths([str(p) for p in desk.inbox_files(Path(folder))])
            self.files.setFocus()

    def remove_file(self) -> None:
        row = selected_row(self.files)
        if row is not None and row < len(self.paths):
            del self.paths[row]
            self._show_files()
            if self.paths:
                self.files.setCurrentCell(min(row, len(self.paths) - 1), 0)
        self.files.setFocus()

    def clear(self) -> None:
        self.paths = []
        self._show_files()
        self.add_files_button.setFocus()

    # -- verify

    def verify(self) -> None:
        if not self.paths:
            self.messages.info(self, say("tab_inbox"), say("nothing_to_merge"))
            return
        paths, session = list(self.paths), self.session

        def work(progress: Progress) -> list[desk.VerifyOutcome]:
            return desk.verify_inbox(
                paths,
                session.registry(),
                session.key,
                progress,
                site_keys_folder=session.site_keys,
            )

        self.run(work, say("verifying"), self._verified)

    def _verified(self, result: object) -> None:
        assert isinstance(result, list)
        details: dict[str, tuple[str, str, str, str, str]] = {}
        for outcome in result:
            assert isinstance(outcome, desk.VerifyOutcome)
            if outcome.checked is not None:
                h = outcome.checked.header
                m = outcome.checked.manifest
                details[outcome.path] = (
                    h.site_code,
                    str(h.sequence),
                    when(h.created),
                    say("st_ok"),
                    say("verified_detail", patients=m.patients if m else "?"),
                )
            else:
                details[outcome.path] = ("", "", "", say("st_refused"), error_text(outcome.error))
        self._show_files(details)
        self.files.setFocus()

    # -- merge

    def merge(self) -> None:
        if not self.paths:
            self.messages.info(self, say("tab_inbox"), say("nothing_to_merge"))
            return
        self._merge(list(self.paths), allowed=())

    def _merge(self, paths: list[str], allowed: tuple[str, ...]) -> None:
        session = self.session

        def work(progress: Progress) -> list[desk.InboxOutcome]:
            return desk.merge_inbox(
                session.db,
                paths,
                session.key,
                session.registry(),
                allow_removals=allowed,
                progress=progress,
                site_keys_folder=session.site_keys,
            )

        def done(result: object) -> None:
            assert isinstance(result, list)
            self._merged(result, first_round=not allowed)

        self.run(work, say("merging"), done)

    def _merged(self, outcomes: list[desk.InboxOutcome], *, first_round: bool) -> None:
        if first_round:
            self.outcomes = {}
        for outcome in outcomes:
            self.outcomes[outcome.path] = outcome
        # Packages that remove patients: ask, naming them, like --allow-removals.
        confirmed: list[str] = []
        if first_round:
            for outcome in outcomes:
                if outcome.removals:
                    question = say(
                        "removals_question",
                        file=os.path.basename(outcome.path),
                        site=_site_of(outcome.removals),
                        n=len(outcome.removals),
                        subjects=", ".join(outcome.removals),
                    )
                    if self.messages.confirm(self, say("removals_title"), question):
                        confirmed.append(outcome.path)
        if confirmed:
            self._merge(confirmed, allowed=tuple(confirmed))
            return
        self._show_results()
        self.merged.emit()

    def _show_results(self) -> None:
        rows = []
        counts = {"merged": 0, "already": 0, "refused": 0}
        for path in self.paths:
            outcome = self.outcomes.get(path)
            if outcome is None:
                continue
            r = outcome.result
            if r is not None:
                already = r.status is MergeStatus.ALREADY_MERGED
                counts["already" if already else "merged"] += 1
                text = (
                    _already_text(r)
                    if already
                    else say(
                        "merged_detail",
                        patients=r.patients,
                        added=len(r.added),
                        updated=len(r.updated),
                        unchanged=r.unchanged,
                        removed=len(r.removed),
                    )
                )
                rows.append(
                    (
                        os.path.basename(path),
                        r.site_code,
                        str(r.sequence),
                        say("st_already") if already else say("st_merged"),
                        text,
                    )
                )
            else:
                counts["refused"] += 1
                status = say("st_not_merged") if outcome.removals else say("st_refused")
                rows.append((os.path.basename(path), "", "", status, error_text(outcome.error)))
        fill(self.results, rows, numeric=(2,))
        for row in range(self.results.rowCount()):
            status_item = self.results.item(row, 3)
            if status_item is not None and status_item.text() in (
                say("st_refused"),
                say("st_not_merged"),
            ):
                for column in range(self.results.columnCount()):
                    item = self.results.item(row, column)
                    if item is not None:
                        item.setForeground(Qt.GlobalColor.darkRed)
        self.results.resizeRowsToContents()
        self.summary.setText(say("merge_summary", **counts))
        self.summary.setStyleSheet(ERROR_STYLE if counts["refused"] else "")
        self.results.setFocus()


def _already_text(result: MergeResult) -> str:
    if result.rolled_back_at is not None:
        return say(
            "already_rolled_back", merged=when(result.merged_at), rolled=when(result.rolled_back_at)
        )
    if result.superseded_by is not None:
        return say("already_superseded", merged=when(result.merged_at), newer=result.superseded_by)
    return say("already_same", merged=when(result.merged_at))


def _site_of(subjects: tuple[str, ...]) -> str:
    return subjects[0].split("-", 1)[0] if subjects else ""


# --------------------------------------------------------------------------- audit


AUDIT_ACTION_COLUMN = 3


class AuditPage(Page):
    """The center's audit trail, filtered by typing, with its hash chain checked. Each
    action is shown in words in the window's language, its code in the tooltip."""

    def __init__(self, session: CenterSession, messages: MessageService) -> None:
        super().__init__(session, messages)
        self.setObjectName("auditPage")
        self.view_data: desk.AuditView | None = None
        self.filter = QLineEdit()
        self.filter.setObjectName("auditFilter")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.apply_filter)
        self.verify_button = QPushButton(say("audit_verify"))
        self.verify_button.setObjectName("verifyAudit")
        self.verify_button.clicked.connect(self.refresh)
        self.entries = table(
            "auditEntries",
            [
                say("col_seq"),
                say("col_at"),
                say("col_operator"),
                say("col_action"),
                say("col_site"),
                say("col_details"),
            ],
        )
        self.chain = QLabel()
        self.chain.setObjectName("auditChain")
        self.chain.setWordWrap(True)
        self.chain.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top = QHBoxLayout()
        top.addWidget(buddy("audit_filter", self.filter))
        top.addWidget(self.filter, 1)
        top.addWidget(self.verify_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(buddy("audit_entries", self.entries))
        layout.addWidget(self.entries, 1)
        layout.addWidget(self.chain)

    def first_focus(self) -> QWidget | None:
        return self.filter

    def refresh(self) -> None:
        db = self.session.db

        def work(_progress: Progress) -> desk.AuditView:
            return desk.read_audit(db)

        def done(result: object) -> None:
            assert isinstance(result, desk.AuditView)
            self.show_view(result)

        self.run(work, say("working"), done)

    def show_view(self, view: desk.AuditView) -> None:
        self.view_data = view
        if view.problems:
            self.chain.setText(
                say("audit_broken", problems=" ".join(p.message for p in view.problems))
            )
            self.chain.setStyleSheet(ERROR_STYLE)
        else:
            self.chain.setText(say("audit_intact", n=len(view.lines), head=view.head))
            self.chain.setStyleSheet("")
        self.apply_filter()
        if self.entries.rowCount():
            self.entries.scrollToBottom()

    @staticmethod
    def _details(details: dict[str, Any]) -> str:
        parts = [
            f"{k}={v}" for k, v in details.items() if k != "message" and v not in ([], "", None)
        ]
        text = ", ".join(parts)
        if "message" in details:
            text = f"{details['message']} ({text})" if text else str(details["message"])
        return text

    def apply_filter(self) -> None:
        if self.view_data is None:
            return
        needle = self.filter.text().strip().lower()
        rows = []
        codes: list[str] = []
        for line in self.view_data.lines:
            shown = (
                str(line.seq),
                when(line.at),
                line.operator,
                action_words(line.action),
                line.site_code,
                self._details(line.details),
            )
            # The filter finds an action by its words and by its code ("export").
            if not needle or any(needle in part.lower() for part in (*shown, line.action)):
                rows.append(shown)
                codes.append(line.action)
        fill(self.entries, rows, numeric=(0,))
        for row, code in enumerate(codes):
            item = self.entries.item(row, AUDIT_ACTION_COLUMN)
            if item is not None:
                item.setToolTip(code)

    def visible_rows(self) -> int:
        return self.entries.rowCount()


# --------------------------------------------------------------------------- rollback


class RollbackPage(Page):
    """Return a site to its state as of an earlier package (``rego-center rollback``)."""

    rolled_back = Signal()

    def __init__(self, session: CenterSession, messages: MessageService) -> None:
        super().__init__(session, messages)
        self.setObjectName("rollbackPage")
        self.site = QComboBox()
        self.site.setObjectName("rollbackSite")
        self.site.currentIndexChanged.connect(lambda _i: self.show_packages())
        self.packages = table(
            "rollbackPackages",
            [
                say("col_sequence"),
                say("col_made"),
                say("col_merged"),
                say("col_patients"),
                say("col_changes"),
                say("col_rolled_back"),
                say("col_file_name"),
            ],
        )
        self.infos: list[desk.PackageInfo] = []
        self.button = QPushButton(say("rb_button"))
        self.button.setObjectName("rollbackButton")
        self.button.clicked.connect(self.roll_back)
        EnterKey(self.packages, self.roll_back)
        top = QHBoxLayout()
        top.addWidget(buddy("rb_site", self.site))
        top.addWidget(self.site)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(buddy("rb_packages", self.packages))
        layout.addWidget(self.packages, 1)
        row = QHBoxLayout()
        row.addWidget(self.button)
        row.addStretch(1)
        layout.addLayout(row)

    def first_focus(self) -> QWidget | None:
        return self.site

    def refresh(self) -> None:
        packages = desk.site_packages(self.session.db)
        codes = sorted({p.site_code for p in packages})
        current = self.site.currentText()
        self.site.blockSignals(True)
        self.site.clear()
        self.site.addItems(codes)
        if current in codes:
            self.site.setCurrentText(current)
        self.site.blockSignals(False)
        self.show_packages()

    def show_packages(self) -> None:
        code = self.site.currentText()
        self.infos = desk.site_packages(self.session.db, code) if code else []
        fill(
            self.packages,
            [
                (
                    str(p.sequence),
                    when(p.created_at),
                    when(p.merged_at),
                    str(p.patients),
                    f"{p.added} / {p.updated} / {p.removed}",
                    when(p.rolled_back_at),
                    p.file_name,
                )
                for p in self.infos
            ],
            numeric=(0, 3),
        )

    def roll_back(self) -> None:
        row = selected_row(self.packages)
        if row is None or row >= len(self.infos):
            self.messages.info(self, say("tab_rollback"), say("rb_select"))
            return
        target = self.infos[row]
        later = [
            p.sequence
            for p in self.infos
            if p.sequence > target.sequence and p.rolled_back_at is None
        ]
        if not later:
            self.messages.info(
                self,
                say("tab_rollback"),
                say("rb_nothing", seq=target.sequence, site=target.site_code),
            )
            return
        if not self.messages.confirm(
            self,
            say("rb_title", site=target.site_code),
            say(
                "rb_question",
                site=target.site_code,
                seq=target.sequence,
                later=", ".join(str(s) for s in sorted(later)),
            ),
        ):
            return
        db, site, seq = self.session.db, target.site_code, target.sequence

        def work(_progress: Progress) -> RollbackResult:
            return rollback(db, site, seq)

        def done(result: object) -> None:
            assert isinstance(result, RollbackResult)
            text = say(
                "rb_done",
                site=result.site_code,
                seq=result.to_sequence,
                undone=", ".join(str(s) for s in result.undone),
                removed=len(result.removed),
                restored=len(result.restored),
            )
            if result.reopened_queries:
                text += " " + say(
                    "rb_reopened",
                    count=len(result.reopened_queries),
                    ids=", ".join(result.reopened_queries),
                )
            self.messages.notify(self, say("tab_rollback"), text)
            self.show_packages()
            self.rolled_back.emit()

        self.run(work, say("working"), done)


# --------------------------------------------------------------------------- backups


class BackupPage(Page):
    """``rego-center backup`` / ``restore`` for a SQLite center; advice for PostgreSQL."""

    restored = Signal()

    def __init__(
        self,
        session: CenterSession,
        messages: MessageService,
        chooser: FileChooser,
        settings: Settings,
        before_restore: Callable[[], None],
    ) -> None:
        super().__init__(session, messages)
        self.chooser = chooser
        self.settings = settings
        self.before_restore = before_restore
        self.setObjectName("backupPage")
        self.folder = QLineEdit(settings.get(keys.BACKUP_FOLDER))
        self.folder.setObjectName("backupFolder")
        self.folder.editingFinished.connect(self._folder_changed)
        self.browse = QPushButton(say("browse"))
        self.browse.setObjectName("browseBackupFolder")
        self.browse.clicked.connect(self.choose_folder)
        self.backup_button = QPushButton(say("bk_now"))
        self.backup_button.setObjectName("backupNow")
        self.backup_button.clicked.connect(self.backup)
        self.list = table(
            "backupList",
            [
                say("col_file"),
                say("col_made_utc"),
                say("col_sites"),
                say("col_patients"),
                say("col_audit_head"),
            ],
        )
        self.found: list[tuple[Path, center_backup.CenterBackupManifest | None]] = []
        self.check_button = QPushButton(say("bk_check"))
        self.check_button.setObjectName("checkBackup")
        self.check_button.clicked.connect(self.check)
        self.restore_button = QPushButton(say("bk_restore"))
        self.restore_button.setObjectName("restoreBackup")
        self.restore_button.clicked.connect(self.restore)
        self.result = QLabel()
        self.result.setObjectName("backupResult")
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.postgres = QLabel(say("bk_postgres"))
        self.postgres.setObjectName("postgresAdvice")
        self.postgres.setWordWrap(True)

        top = QHBoxLayout()
        top.addWidget(buddy("bk_folder", self.folder))
        top.addWidget(self.folder, 1)
        top.addWidget(self.browse)
        top.addWidget(self.backup_button)
        row = QHBoxLayout()
        row.addWidget(self.check_button)
        row.addWidget(self.restore_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.postgres)
        layout.addLayout(top)
        layout.addWidget(buddy("bk_list", self.list))
        layout.addWidget(self.list, 1)
        layout.addLayout(row)
        layout.addWidget(self.result)
        sqlite = session.is_sqlite
        self.postgres.setVisible(not sqlite)
        for widget in (
            self.folder,
            self.browse,
            self.backup_button,
            self.list,
            self.check_button,
            self.restore_button,
        ):
            widget.setEnabled(sqlite)

    def first_focus(self) -> QWidget | None:
        return self.folder if self.session.is_sqlite else None

    def _folder_changed(self) -> None:
        self.settings.set(keys.BACKUP_FOLDER, self.folder.text().strip())
        self.refresh()

    def choose_folder(self) -> None:
        name = self.chooser.folder(self, say("bk_folder").replace("&", ""), self.folder.text())
        if name:
            self.folder.setText(name)
            self._folder_changed()
        self.folder.setFocus()

    def refresh(self) -> None:
        text = self.folder.text().strip()
        if not self.session.is_sqlite:
            return
        self.found = center_backup.list_backups(Path(text).expanduser()) if text else []
        rows = []
        for path, m in self.found:
            if m is None:
                rows.append((path.name, say("no_manifest"), "", "", ""))
            else:
                rows.append(
                    (path.name, when(m.created_at), str(m.sites), str(m.patients), m.audit_head)
                )
        fill(self.list, rows, numeric=(2, 3))

    def _selected(self) -> Path | None:
        row = selected_row(self.list)
        if row is None or row >= len(self.found):
            self.messages.info(self, say("tab_backup"), say("bk_select"))
            return None
        return self.found[row][0]

    def _failed(self, exc: object) -> None:
        self.result.setText(error_text(exc))
        self.result.setStyleSheet(ERROR_STYLE)

    def backup(self) -> None:
        text = self.folder.text().strip()
        if not text:
            self.messages.info(self, say("tab_backup"), say("bk_need_folder"))
            self.folder.setFocus()
            return
        self.settings.set(keys.BACKUP_FOLDER, text)
        target, folder = self.session.target, Path(text).expanduser()

        def work(_progress: Progress) -> center_backup.CenterBackupResult:
            return center_backup.backup_center(target, folder)

        def done(result: object) -> None:
            assert isinstance(result, center_backup.CenterBackupResult)
            m = result.manifest
            self.result.setText(
                say(
                    "bk_done_detail",
                    path=result.path,
                    sites=m.sites,
                    patients=m.patients,
                    entries=m.audit_entries,
                    head=m.audit_head,
                    sha=m.sha256,
                )
            )
            self.result.setStyleSheet("")
            self.refresh()
            self.list.setFocus()

        self.run(work, say("backing_up"), done, failed=self._failed)

    def check(self) -> None:
        path = self._selected()
        if path is None:
            return

        def work(_progress: Progress) -> center_backup.CheckedBackup:
            return center_backup.check_backup(path)

        def done(result: object) -> None:
            assert isinstance(result, center_backup.CheckedBackup)
            m = result.manifest
            self.result.setText(
                say("bk_verified", path=result.path, patients=m.patients, head=m.audit_head)
            )
            self.result.setStyleSheet("")

        self.run(work, say("checking"), done, failed=self._failed)

    def restore(self) -> None:
        path = self._selected()
        if path is None:
            return
        manifest = dict(self.found)[path]
        if manifest is None:
            self.result.setText(say("no_manifest"))
            self.result.setStyleSheet(ERROR_STYLE)
            return
        if not self.messages.confirm(
            self,
            say("bk_restore_title"),
            say(
                "bk_restore_question",
                db=self.session.target,
                made=when(manifest.created_at),
                patients=manifest.patients,
            ),
        ):
            return
        try:
            center_backup.check_backup(path)
        except RegoError as exc:
            self._failed(exc)
            return
        self.before_restore()
        self.session.close()
        target = self.session.target

        def work(_progress: Progress) -> center_backup.RestoreResult:
            return center_backup.restore_center(target, path)

        def done(result: object) -> None:
            assert isinstance(result, center_backup.RestoreResult)
            self.session.reopen()
            kept = f"\n{result.replaced}" if result.replaced is not None else ""
            self.result.setText(say("bk_restored", path=path) + kept)
            self.result.setStyleSheet("")
            self.restored.emit()

        def failed(exc: object) -> None:
            self.session.reopen()
            self._failed(exc)
            self.restored.emit()

        self.run(work, say("restoring"), done, failed=failed)
