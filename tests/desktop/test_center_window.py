"""The coordinating center's window in a real X server, by the keyboard only: open the
center with its passphrase, add an inbox folder, merge it (confirming, in Qt's real
message boxes, the packages that remove patients), and read the site status."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from rego_desktop.center.db import open_center_database
from rego_desktop.center.merge import merge_files
from rego_desktop.center.status import site_status
from rego_desktop.center_ui import settings as keys
from rego_desktop.center_ui.app import CenterApplication
from rego_desktop.center_ui.choosers import ScriptedChooser
from rego_desktop.center_ui.open_dialog import OpenDialog
from rego_desktop.center_ui.settings import center_settings
from rego_desktop.center_ui.window import CenterWindow
from rego_desktop.ui.messages import MessageService
from tests.center.conftest import CENTER, Network, network  # noqa: F401 (fixture)
from tests.center_ui.conftest import PASSPHRASE, Center, center, register_all  # noqa: F401
from tests.desktop.conftest import _CALL_FAILED, Screenshot, save_screen, shut_down
from tests.desktop.keyboard import KeyScript, focus_named, window_active


@pytest.fixture
def started(
    center: Center,  # noqa: F811
    data_dir: Path,
    shots_dir: Path,
    request: pytest.FixtureRequest,
) -> Iterator[CenterApplication]:
    """The center window's application on a center holding every site's first package;
    the inbox folder holds the second packages (each removes a patient)."""
    register_all(center)
    with open_center_database(center.database, create=True) as db:
        merge_files(db, center.network.first_files(), CENTER, center.network.registry)
    for path in center.inbox.iterdir():
        if path.name.endswith("-1.rgt"):
            path.unlink()
    settings = center_settings(data_dir / "center.ini")
    settings.set(keys.DATABASE, str(center.database))
    settings.set(keys.KEY_FOLDER, str(center.key_folder))
    settings.set(keys.SITE_KEYS, str(center.site_keys))
    chooser = ScriptedChooser()  # Qt's own folder dialog is not what is tested here
    chooser.replies.append(str(center.inbox))
    app = CenterApplication(settings, MessageService(), chooser)
    app.start()
    yield app
    if request.node.stash.get(_CALL_FAILED, False):
        save_screen(shots_dir / f"FAILED-{request.node.name}.png")
    app.close()
    shut_down([])


def opened() -> KeyScript:
    """The open dialog answered by keys: passphrase, Enter, the center window active."""
    return (
        KeyScript()
        .until(window_active(OpenDialog), "the open dialog is active")
        .until(focus_named("centerPassphrase"), "the passphrase field has the focus")
        .type(PASSPHRASE)
        .key("Enter")
        .until(window_active(CenterWindow), "the center window is active")
    )


def test_open_merge_an_inbox_and_see_the_status_by_keys(
    qtbot: QtBot,
    started: CenterApplication,
    center: Center,  # noqa: F811
    screenshot: Screenshot,
) -> None:
    def inbox_listed() -> bool:
        window = started.window
        return window is not None and len(window.inbox.paths) == len(center.network.sites)

    def merged_all() -> bool:
        window = started.window
        return window is not None and "3 merged" in window.inbox.summary.text()

    def status_shows_sequence_2() -> bool:
        window = started.window
        rows = window.status.model.rows if window is not None else []
        return len(rows) == len(center.network.sites) and {s.sequence for s in rows} == {2}

    script = (
        opened()
        .key("Ctrl+2")
        .until(focus_named("addFiles"), "the inbox page: Add files has the focus")
        .key("Alt+O")
        .until(inbox_listed, "the inbox folder's transfer files are listed")
        .key("Alt+M")
    )
    answered: list[QWidget] = []

    def new_question() -> bool:
        box = QApplication.activeModalWidget()
        return (
            isinstance(box, QMessageBox)
            and box.isActiveWindow()
            and box not in answered
            and "removes" in box.text()
        )

    def remember() -> None:
        box = QApplication.activeModalWidget()
        assert box is not None
        answered.append(box)

    for _site in center.network.sites:
        script = (
            script.until(new_question, "a new question names the patients removed")
            .check(remember, "the question is answered once")
            .key("Alt+Y")
        )
    script = (
        script.until(merged_all, "every package merged")
        .check(lambda: screenshot("center-desktop-inbox"), "screenshot")
        .key("Ctrl+3")
        .until(status_shows_sequence_2, "the status shows every site at package 2")
        .until(focus_named("statusTable"), "the status table has the focus")
        .check(lambda: screenshot("center-desktop-status"), "screenshot")
    )
    script.run(qtbot, timeout=90_000)
    with open_center_database(center.database) as db:
        assert {s.sequence for s in site_status(db)} == {2}


def test_queries_page_raise_manual_and_close_by_keys(
    qtbot: QtBot,
    started: CenterApplication,
    center: Center,  # noqa: F811
    screenshot: Screenshot,
) -> None:
    """Issue 16 in a real X server: Ctrl+8, raise the automatic queries, raise a manual
    query in its dialog (form and field chosen by typing), close it with a note typed in
    the real text dialog."""
    from rego_desktop.center import queries as cq
    from rego_desktop.center_ui.query_dialog import ManualQueryDialog
    from rego_desktop.ui.messages import TextDialog

    counts: dict[str, int] = {}

    def page_rows() -> int:
        window = started.window
        return window.queries.model.rowCount() if window is not None else -1

    def auto_done() -> bool:
        window = started.window
        return window is not None and "Edit checks run on" in window.statusBar().currentMessage()

    def remember_rows() -> None:
        counts["before"] = page_rows()

    def one_more() -> bool:
        return page_rows() == counts.get("before", -2) + 1

    def manual_selected() -> bool:
        window = started.window
        row = window.queries.selected() if window is not None else None
        return row is not None and row.origin == "manual" and row.field == "ecog"

    def closed() -> bool:
        window = started.window
        return window is not None and "Closed query" in window.statusBar().currentMessage()

    script = (
        opened()
        .key("Ctrl+8")
        .until(focus_named("raiseAutomatic"), "the queries page: Raise automatic has the focus")
        .key("Space")
        .until(auto_done, "the automatic queries are raised and counted")
        .check(remember_rows, "rows counted")
        .key("Alt+M")
        .until(window_active(ManualQueryDialog), "the manual query dialog is active")
        .until(focus_named("mqSite"), "the site chooser has the focus")
        .key("Alt+F")
        .until(focus_named("mqForm"), "the form chooser has the focus")
        .type("D")
        .key("Alt+I")
        .until(focus_named("mqField"), "the field chooser has the focus")
        .type("E")
        .key("Alt+T")
        .until(focus_named("mqText"), "the text has the focus")
        .type("Please confirm the ECOG score at screening.")
        .key("Alt+R")
        .until(window_active(CenterWindow), "back in the center window")
        .until(one_more, "the manual query is listed")
        .until(manual_selected, "the new query is selected")
        .check(lambda: screenshot("center-desktop-queries"), "screenshot")
        .key("Alt+C")
        .until(window_active(TextDialog), "the closing note dialog is active")
        .type("Confirmed by telephone with the site.")
        .key("Enter")
        .until(closed, "the query is closed")
    )
    script.run(qtbot, timeout=120_000)
    with open_center_database(center.database) as db:
        manual = [q for q in cq.list_queries(db, status=None) if q.origin == "manual"]
    assert len(manual) == 1
    assert manual[0].status == "closed"
    assert manual[0].form == "demographics"
    assert manual[0].field == "ecog"
    assert manual[0].history[-1].text == "Confirmed by telephone with the site."


def test_exports_page_writes_the_pooled_workbook_by_keys(
    qtbot: QtBot,
    started: CenterApplication,
    center: Center,  # noqa: F811
    screenshot: Screenshot,
) -> None:
    """Ctrl+9 in a real X server: the workbook's file name typed, Enter writes it (in
    the background), the rows per sheet are said on the page and the export audited."""
    from openpyxl import load_workbook

    from rego_desktop.center import audit

    target = center.folder / "pooled-all.xlsx"

    def written() -> bool:
        window = started.window
        return window is not None and str(target) in window.exports.workbook_result.text()

    script = (
        opened()
        .key("Ctrl+9")
        .until(focus_named("exportSite"), "the exports page: the site chooser has the focus")
        .key("Tab")
        .until(focus_named("workbookFile"), "the workbook file field has the focus")
        .key("Ctrl+A")
        .type(str(target))
        .key("Enter")
        .until(written, "the workbook is written and its rows per sheet shown")
        .until(focus_named("writeWorkbook"), "Write workbook has the focus")
        .check(lambda: screenshot("center-desktop-exports"), "screenshot")
    )
    script.run(qtbot, timeout=90_000)
    book = load_workbook(target, read_only=True)
    try:
        patients = sum(1 for _ in book["patients"].iter_rows()) - 1
    finally:
        book.close()
    with open_center_database(center.database) as db:
        entries, _head = audit.read(db)
    assert entries[-1].action == "export"
    window = started.window
    assert window is not None
    assert f"patients {patients};" in window.exports.workbook_result.text()
