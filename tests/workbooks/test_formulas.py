"""Formula cells in an imported template are refused with their cell named (issue 14)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rego_desktop.services.patients import PatientService
from rego_desktop.store.opening import create_study
from rego_desktop.store.study import OpenStudy
from rego_desktop.study import CURRENT
from rego_desktop.workbooks.importer import import_workbook
from rego_desktop.workbooks.template import write_template
from tests.conftest import ADMIN, FAST_KDF, PASSWORD
from tests.workbooks.test_template_import import fill


@pytest.fixture
def target(tmp_path: Path) -> Iterator[OpenStudy]:
    created = create_study(tmp_path / "target.rego", "BJ01", ADMIN, PASSWORD, kdf=FAST_KDF)
    yield created.study
    created.study.close()


def test_a_formula_without_a_cached_value_is_refused_with_its_cell(
    target: OpenStudy, tmp_path: Path
) -> None:
    path = write_template(CURRENT, tmp_path / "t.xlsx")
    fill(path, "demographics", [
        {"subject_code": "BJ01-0001", "sex": "male", "height": 170, "weight": "=60+5",
         "ecog": 0},
    ])  # fmt: skip
    report = import_workbook(target, path)
    assert not report.ok
    [problem] = [p for p in report.refused if "formula" in p.reason]
    assert problem.sheet == "demographics"
    assert problem.row is not None
    assert problem.row > 2
    assert problem.column is not None
    assert "=60+5" in problem.reason
    assert "公式" in problem.reason_zh
    assert PatientService(target).subject_codes() == []  # nothing imported
