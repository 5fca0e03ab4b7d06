"""The casebook window shows a signature whose casebook changed after signing as BROKEN."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from rego_desktop.ui.casebook_window import CasebookWindow
from rego_desktop.ui.messages import ScriptedMessages
from tests.authority.sites import open_admin, raw
from tests.authority.sites import site as site  # fixture
from tests.authority.sites import template as template  # fixture


def subtitle(qtbot: QtBot, path: Path, code: str, messages: ScriptedMessages) -> str:
    study = open_admin(path)
    try:
        window = CasebookWindow(study, code, messages)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitUntil(lambda: window.book is not None, timeout=10_000)
        text = window.subtitle.text()
        window.close()
        return text
    finally:
        study.close()


def test_signature_broken_in_the_casebook_window(
    qtbot: QtBot, site: tuple[Path, str], messages: ScriptedMessages
) -> None:
    path, code = site
    intact = subtitle(qtbot, path, code, messages)
    assert "Signed by User inv" in intact
    assert "BROKEN" not in intact
    with raw(path) as conn:  # a record of the signed casebook removed with sqlite3
        conn.execute(
            "DELETE FROM records WHERE id = (SELECT r.id FROM records r JOIN patients p "
            "ON p.id = r.patient_id WHERE p.subject_code = ? AND r.form_id = 'demographics')",
            (code,),
        )
    broken = subtitle(qtbot, path, code, messages)
    assert "Signed by User inv" in broken
    assert "SIGNATURE BROKEN: changed after signing" in broken
