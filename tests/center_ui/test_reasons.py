"""Refusals and key-file errors are shown in Chinese in the Chinese window."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication

from rego_desktop.center.errors import MergeProblem, MergeRefused
from rego_desktop.center_ui.reasons import REASONS, error_text
from rego_desktop.errors import RegoError
from rego_desktop.exchange.errors import KeyProblem, TransferFileError, TransferProblem
from rego_desktop.exchange.payload import PayloadProblem
from rego_desktop.ui.widgets import LANGUAGE_PROPERTY


@pytest.fixture
def chinese(qapp: QApplication) -> Iterator[None]:
    qapp.setProperty(LANGUAGE_PROPERTY, "zh_CN")
    yield
    qapp.setProperty(LANGUAGE_PROPERTY, "en")


@pytest.mark.parametrize("kind", [TransferProblem, KeyProblem, MergeProblem, PayloadProblem])
def test_every_reason_has_both_languages(kind: type[object]) -> None:
    for reason in kind:  # type: ignore[attr-defined]
        label = REASONS[str(reason)]
        assert label.en
        assert any("\u4e00" <= ch <= "\u9fff" for ch in label.zh)


def test_reason_first_then_the_english_details(chinese: None) -> None:
    exc = TransferFileError("The transfer file x.rgt was altered.", TransferProblem.ALTERED)
    assert error_text(exc) == "文件已被篡改或损坏（The transfer file x.rgt was altered.）"
    removal = MergeRefused(
        "x.rgt would remove BJ01-0004", MergeProblem.REMOVALS_NOT_ALLOWED, subjects=("BJ01-0004",)
    )
    assert error_text(removal).startswith("该数据包会删除")
    assert error_text(RegoError("English", zh="中文")) == "中文"
    assert error_text(RegoError("Only English")).startswith("无法继续（")


def test_english_is_unchanged(qapp: QApplication) -> None:
    exc = TransferFileError("The transfer file x.rgt was altered.", TransferProblem.ALTERED)
    assert error_text(exc) == "The transfer file x.rgt was altered."
