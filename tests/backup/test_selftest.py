"""The headless self-test an installed build runs (`rego-desktop --self-test`)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from rego_desktop import selftest


def test_self_test_passes_and_leaves_nothing_behind(data_dir: Path) -> None:
    before = sorted(data_dir.rglob("*"))
    out = io.StringIO()
    assert selftest.run(out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("rego-desktop ")
    assert lines[-1] == "Self-test passed."
    steps = lines[1:-1]
    assert len(steps) == 9
    assert all(line.startswith("ok    ") for line in steps), steps
    assert any("render a PDF" in line for line in steps)
    assert sorted(data_dir.rglob("*")) == before  # the user's data folder is untouched
    assert os.environ["REGO_DATA_DIR"] == str(data_dir)


def test_a_failing_step_is_named_and_exits_1(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: object) -> str:
        raise RuntimeError("simulated")

    monkeypatch.setattr(selftest._Run, "pdf", broken)
    out = io.StringIO()
    assert selftest.run(out) == 1
    text = out.getvalue()
    assert "FAIL  render a PDF: RuntimeError: simulated" in text
    assert text.endswith("Self-test FAILED.\n")
