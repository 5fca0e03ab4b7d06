"""The coordinating center's main window: one tab per task, every one reachable by keys.

Ctrl+1 … Ctrl+9 (View menu) or Ctrl+Tab switch pages; each page gives the keyboard to
its first control when shown and reads its data again. Menus: Center (open another
database, language, quit) and View.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QTabWidget, QWidget

from rego_desktop.center_ui import settings as keys
from rego_desktop.center_ui.choosers import FileChooser
from rego_desktop.center_ui.common import Page
from rego_desktop.center_ui.dashboard_page import DashboardPage
from rego_desktop.center_ui.exports_page import ExportsPage
from rego_desktop.center_ui.open_dialog import LANGUAGES
from rego_desktop.center_ui.pages import AuditPage, BackupPage, InboxPage, RollbackPage, SitesPage
from rego_desktop.center_ui.queries_page import QueriesPage
from rego_desktop.center_ui.session import CenterSession
from rego_desktop.center_ui.status_page import StatusPage
from rego_desktop.center_ui.text import say
from rego_desktop.ui.geometry import place
from rego_desktop.ui.messages import MessageService
from rego_desktop.ui.operations import wait_all
from rego_desktop.ui.settings import Settings


class CenterWindow(QMainWindow):
    """Signals: ``open_other()`` (choose another database), ``language_chosen(str)``."""

    open_other = Signal()
    language_chosen = Signal(str)

    def __init__(
        self,
        session: CenterSession,
        settings: Settings,
        messages: MessageService,
        chooser: FileChooser,
    ) -> None:
        super().__init__()
        self.session = session
        self.settings = settings
        self.messages = messages
        self.setObjectName("centerWindow")
        self.setWindowTitle(say("app"))

        self.sites = SitesPage(session, messages, chooser)
        self.inbox = InboxPage(session, messages, chooser, settings)
        self.status = StatusPage(session, messages)
        self.dashboard = DashboardPage(session, messages)
        self.audit = AuditPage(session, messages)
        self.rollback = RollbackPage(session, messages)
        self.backups = BackupPage(session, messages, chooser, settings, self.wait_for_work)
        self.queries = QueriesPage(session, messages, chooser)
        self.exports = ExportsPage(session, messages, chooser, settings)
        self.pages: list[tuple[str, Page]] = [
            ("tab_sites", self.sites),
            ("tab_inbox", self.inbox),
            ("tab_status", self.status),
            ("tab_dashboard", self.dashboard),
            ("tab_audit", self.audit),
            ("tab_rollback", self.rollback),
            ("tab_backup", self.backups),
            ("tab_queries", self.queries),
            ("tab_exports", self.exports),
        ]
        self.tabs = QTabWidget()
        self.tabs.setObjectName("centerTabs")
        self.tabs.setDocumentMode(True)
        for number, (key, page) in enumerate(self.pages, start=1):
            self.tabs.addTab(page, f"{say(key)}  (Ctrl+{number})")
        self.tabs.currentChanged.connect(self._page_shown)
        self.setCentralWidget(self.tabs)

        self.backups.restored.connect(self._restored)

        self._menus()
        self.connection = QLabel(
            say("connected", db=session.db.description, fingerprint=session.key.fingerprint)
        )
        self.connection.setToolTip(str(session.site_keys))
        self.connection.setObjectName("connectionText")
        self.statusBar().addPermanentWidget(self.connection, 1)
        place(self, "centerWindow", QSize(1280, 760))
        self._page_shown(0)

    def _menus(self) -> None:
        center = self.menuBar().addMenu(say("menu_center"))
        other = QAction(say("open_other"), self)
        other.setShortcut(QKeySequence.StandardKey.Open)
        other.triggered.connect(self.open_other.emit)
        center.addAction(other)
        languages = center.addMenu(say("language_menu"))
        group = QActionGroup(self)
        current = self.settings.get(keys.LANGUAGE)
        for code, name in LANGUAGES:
            action = QAction(name, self)
            action.setCheckable(True)
            action.setChecked(code == current)
            action.triggered.connect(self._language(code))
            group.addAction(action)
            languages.addAction(action)
        center.addSeparator()
        quit_action = QAction(say("quit"), self)
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.triggered.connect(self.close)
        center.addAction(quit_action)

        view = self.menuBar().addMenu(say("menu_view"))
        self.page_actions: list[QAction] = []
        for number, (key, _page) in enumerate(self.pages, start=1):
            action = QAction(say(key), self)
            action.setShortcut(QKeySequence(f"Ctrl+{number}"))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(self._show_page(number - 1))
            view.addAction(action)
            self.page_actions.append(action)

    def _language(self, code: str) -> Callable[[], None]:
        def chosen() -> None:
            if code != self.settings.get(keys.LANGUAGE):
                self.settings.set(keys.LANGUAGE, code)
                self.language_chosen.emit(code)

        return chosen

    def _show_page(self, index: int) -> Callable[[], None]:
        return lambda: self.tabs.setCurrentIndex(index)

    def show_page(self, page: Page) -> None:
        self.tabs.setCurrentWidget(page)

    def _page_shown(self, index: int) -> None:
        page = self.pages[index][1] if 0 <= index < len(self.pages) else None
        if page is None:
            return
        page.refresh()
        target: QWidget | None = page.first_focus()
        if target is not None:
            target.setFocus(Qt.FocusReason.OtherFocusReason)

    def current_page(self) -> Page:
        widget = self.tabs.currentWidget()
        assert isinstance(widget, Page)
        return widget

    def wait_for_work(self) -> None:
        """Let every background operation finish (before the database is replaced)."""
        wait_all()

    def _restored(self) -> None:
        for _key, page in self.pages:
            if page is not self.backups:
                page.refresh() if page.isVisible() else None
        self.backups.refresh()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        wait_all()
        super().closeEvent(event)
