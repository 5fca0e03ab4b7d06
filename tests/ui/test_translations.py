"""Every user-visible string is translated; the Chinese interface loads and renders."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from rego_desktop.services.patients import PatientService
from rego_desktop.store.study import OpenStudy
from rego_desktop.ui.app import I18N, install_translations
from rego_desktop.ui.casebook_window import CasebookWindow
from rego_desktop.ui.form_wizard import FormWizard
from rego_desktop.ui.main_window import MainWindow
from rego_desktop.ui.messages import ScriptedMessages
from rego_desktop.ui.settings import Settings
from rego_desktop.ui.widgets import LANGUAGE_PROPERTY
from tests.ui.conftest import snapshot

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import i18n  # noqa: E402


def messages_of(ts: Path) -> dict[tuple[str, str], ET.Element]:
    tree = ET.parse(ts)
    out = {}
    for context in tree.getroot():
        name = context.findtext("name") or ""
        for message in context.findall("message"):
            out[(name, message.findtext("source") or "")] = message
    return out


def test_translation_file_is_up_to_date_with_the_sources(tmp_path: Path) -> None:
    committed = messages_of(I18N / "rego_desktop_zh_CN.ts")
    fresh = messages_of(i18n.update(tmp_path)[0])
    assert set(fresh) == set(committed), "run: python tools/i18n.py update, then translate"


def test_every_string_has_a_chinese_translation() -> None:
    untranslated = []
    for key, message in messages_of(I18N / "rego_desktop_zh_CN.ts").items():
        translation = message.find("translation")
        assert translation is not None
        text = "".join(translation.itertext()).strip()
        if translation.get("type") == "unfinished" or not text:
            untranslated.append(key)
    assert untranslated == []


def test_compiled_translations_match_the_sources(tmp_path: Path) -> None:
    built = i18n.release(I18N, tmp_path)[0]
    assert built.read_bytes() == (I18N / built.name).read_bytes(), (
        "run: python tools/i18n.py release"
    )


@pytest.fixture
def chinese(qapp: QApplication) -> Iterator[None]:
    translators = install_translations(qapp, "zh_CN")
    assert translators, "the Chinese .qm file did not load"
    yield
    for translator in translators:
        qapp.removeTranslator(translator)
    qapp.setProperty(LANGUAGE_PROPERTY, "en")


@pytest.mark.usefixtures("chinese")
def test_chinese_interface(qtbot: QtBot, study: OpenStudy, shots: Path) -> None:
    service = PatientService(study)
    code = service.create_patient()
    service.save(code, "identification", {"full_name": "王秀英"})
    messages = ScriptedMessages()
    window = MainWindow(study, messages, Settings())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=10_000)
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus == ["研究(&S)", "工具(&T)", "帮助(&H)"]
    assert window.model.headerData(0, Qt.Orientation.Horizontal) == "受试者"
    snapshot(window, shots, "zh-patient-list")
    book = CasebookWindow(study, code, messages)
    qtbot.addWidget(book)
    book.show()
    assert book.tree.topLevelItem(0).text(0) == "筛选及基线"  # type: ignore[union-attr]
    snapshot(book, shots, "zh-casebook")
    wizard = FormWizard(
        study, service.casebook(code), study.definition.form("baseline_liver"), None, messages
    )
    qtbot.addWidget(wizard)
    wizard.show()
    assert wizard.rows["bilirubin"].label.text() == "总胆红素 *:"
    snapshot(wizard, shots, "zh-crf-liver")
