"""Known errors speak the user's language: English on the command line, Chinese in the
Chinese GUI.

The static rule checked here, for every module of the domain (``rego_desktop`` except
``cli``, ``center``, ``exchange``, ``cdisc``, ``study`` and ``ui``): each call that
constructs a :class:`~rego_desktop.errors.RegoError` or one of its subclasses (found by
importing the modules, so local subclasses such as ``MistypedRecoveryKey`` count too),
whether it is raised at once or returned by a helper, must give the Chinese text either

* as a ``zh=`` keyword argument, or
* as the second positional argument, when the class keeps ``RegoError``'s
  ``(message, zh)`` signature.

When that Chinese argument is written out as a string (plain or f-string), it must
contain Chinese characters. A helper that builds both texts returns a ``Label`` whose
``.en`` and ``.zh`` are passed (e.g. ``DamagedDatabase(message.en, zh=message.zh)``).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

import rego_desktop
from rego_desktop.auth.passwords import password_problem_labels, password_problems
from rego_desktop.errors import LoginThrottled, RegoError, ValidationError
from rego_desktop.store.opening import check_new_password, create_study
from rego_desktop.ui.widgets import LANGUAGE_PROPERTY
from tests.conftest import FAST_KDF

ROOT = Path(rego_desktop.__file__).parent
NOT_DOMAIN = {"cli", "center", "exchange", "cdisc", "study", "ui"}
CHINESE = re.compile(r"[\u4e00-\u9fff]")
PASSWORD = "Ward-round-2024"


def domain_files() -> list[Path]:
    return sorted(
        p
        for p in ROOT.rglob("*.py")
        if p.relative_to(ROOT).parts[0] not in NOT_DOMAIN
        and p.name != "__main__.py"
        and "migrations" not in p.relative_to(ROOT).parts
    )


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def error_classes() -> dict[str, type[RegoError]]:
    for path in domain_files():
        importlib.import_module(module_name(path))
    found: dict[str, type[RegoError]] = {}
    todo: list[type[RegoError]] = [RegoError]
    while todo:
        cls = todo.pop()
        found[cls.__name__] = cls
        todo.extend(cls.__subclasses__())
    return found


def keeps_zh_position(cls: type[RegoError]) -> bool:
    params = list(inspect.signature(cls).parameters)
    return params[:2] == ["message", "zh"]


def called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def chinese_argument(call: ast.Call, cls: type[RegoError]) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == "zh":
            return keyword.value
    if keeps_zh_position(cls) and len(call.args) >= 2:
        return call.args[1]
    return None


def written_text(node: ast.expr) -> str | None:
    """The literal text of a string or f-string argument (None for other expressions)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = written_text(node.left), written_text(node.right)
        return None if left is None and right is None else (left or "") + (right or "")
    return None


def test_every_domain_error_has_a_chinese_text() -> None:
    classes = error_classes()
    assert {"RegoError", "ValidationError", "MistypedRecoveryKey"} <= set(classes)
    missing: list[str] = []
    checked = 0
    for path in domain_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = called_name(node)
            if name not in classes:
                continue
            checked += 1
            where = f"{path.relative_to(ROOT.parent)}:{node.lineno} {name}"
            zh = chinese_argument(node, classes[name])
            if zh is None:
                missing.append(f"{where}: no Chinese text")
                continue
            text = written_text(zh)
            if text is not None and not CHINESE.search(text):
                missing.append(f"{where}: the Chinese text has no Chinese in it")
    assert checked > 80
    assert not missing, "\n".join(missing)


# -- the bilingual error itself -------------------------------------------------------


def test_str_stays_english_and_text_follows_the_language() -> None:
    exc = ValidationError("Subject SH02-0001 already exists.", zh="受试者 SH02-0001 已存在。")
    assert str(exc) == "Subject SH02-0001 already exists."
    assert exc.text("en") == "Subject SH02-0001 already exists."
    assert exc.text("zh_CN") == "受试者 SH02-0001 已存在。"
    assert exc.text("zh") == "受试者 SH02-0001 已存在。"
    only_english = RegoError("Something only said in English.")
    assert only_english.text("zh_CN") == "Something only said in English."


def test_subclass_with_its_own_arguments_still_works() -> None:
    exc = LoginThrottled("Too many failed log-ins; wait 4 s.", 4.0, zh="登录失败次数过多。")
    assert exc.wait_seconds == 4.0
    assert str(exc) == "Too many failed log-ins; wait 4 s."
    assert exc.text("zh_CN") == "登录失败次数过多。"
    assert LoginThrottled("wait", 1.0).text("zh_CN") == "wait"


def test_password_rules_are_bilingual() -> None:
    labels = password_problem_labels("aaa", "aaa")
    assert [label.en for label in labels] == password_problems("aaa", "aaa")
    assert all(CHINESE.search(label.zh) for label in labels)
    with pytest.raises(ValidationError) as info:
        check_new_password("short1", "chen")
    assert str(info.value).startswith("Password not accepted: it has 6 characters")
    assert info.value.text("zh_CN") == "密码不符合要求：只有6个字符，至少需要10个。"


# -- what people see --------------------------------------------------------------------


def make_site(tmp_path: Path) -> Path:
    path = tmp_path / "site.rego"
    created = create_study(path, "SH02", "nurse", PASSWORD, full_name="Wang Fang", kdf=FAST_KDF)
    created.study.close()
    return path


@pytest.mark.gui
def test_wrong_password_at_log_in_is_said_in_chinese(
    qtbot: QtBot, qapp: QApplication, tmp_path: Path
) -> None:
    from rego_desktop.ui.login import LoginDialog
    from rego_desktop.ui.messages import ScriptedMessages

    path = make_site(tmp_path)
    qapp.setProperty(LANGUAGE_PROPERTY, "zh_CN")
    try:
        dialog = LoginDialog(path, ScriptedMessages(), username="nurse")
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.keyClicks(dialog.password, "Wrong-password-9")
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=10_000)
        assert dialog.error.text() == "用户名或密码错误。"
    finally:
        qapp.setProperty(LANGUAGE_PROPERTY, "en")


def test_command_line_still_says_it_in_english(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from rego_desktop.cli.main import main

    path = make_site(tmp_path)
    monkeypatch.setenv("REGO_PASSWORD", "Wrong-password-1")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    monkeypatch.setenv("LC_ALL", "zh_CN.UTF-8")
    assert main(["audit", "--db", str(path)]) == 1
    err = capsys.readouterr().err
    assert "Wrong user name or password." in err
    assert not CHINESE.search(err)
