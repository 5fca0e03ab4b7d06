"""The template takes what charts hold: ND/UNK/NA in a cell, a year or a month for a
partial date (issue 13). The same tokens as in the wizard."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from rego_desktop.services.patients import PatientService
from rego_desktop.store.opening import create_study
from rego_desktop.store.study import OpenStudy
from rego_desktop.study import CURRENT
from rego_desktop.study.dates import PartialDate
from rego_desktop.study.schema import MissingReason
from rego_desktop.study.values import Missing
from rego_desktop.workbooks.importer import import_workbook
from rego_desktop.workbooks.template import write_template
from tests.conftest import ADMIN, FAST_KDF, PASSWORD
from tests.workbooks.test_template_import import TODAY, fill

CODE = "BJ01-0101"


@pytest.fixture
def target(tmp_path: Path) -> Iterator[OpenStudy]:
    created = create_study(tmp_path / "target.rego", "BJ01", ADMIN, PASSWORD, kdf=FAST_KDF)
    yield created.study
    created.study.close()


def test_codes_and_partial_dates_import(target: OpenStudy, tmp_path: Path) -> None:
    path = write_template(CURRENT, tmp_path / "t.xlsx")
    fill(path, "demographics", [{"subject_code": CODE, "sex": "male", "height": "ND",
         "weight": 61, "ecog": "unk"}])  # fmt: skip
    fill(path, "hcc_history", [{"subject_code": CODE, "diagnosis_basis": "histology",
         "hcc_diagnosis_date": 2019, "advanced_diagnosis_date": "2021-05",
         "aetiology": "UNK", "cirrhosis": "yes"}])  # fmt: skip
    fill(path, "baseline_liver", [{"subject_code": CODE, "liver_date": "2024-01-05",
         "bilirubin": "ND", "albumin": "未做", "inr": 1.1, "alt": 40, "ast": 45,
         "ascites": "none", "encephalopathy": "UNK"}])  # fmt: skip
    fill(path, "survival", [{"subject_code": CODE, "status": "dead",
         "last_follow_up_date": "2024-02-01", "death_date": "2024-03",
         "death_cause": "UNK"}])  # fmt: skip
    result = import_workbook(target, path, today=TODAY)
    assert result.ok, [p.line() for p in result.refused]
    book = PatientService(target).casebook(CODE)
    assert book.value("demographics", "height") == Missing(MissingReason.NOT_DONE)
    assert book.value("demographics", "ecog") == Missing(MissingReason.UNKNOWN)
    assert book.value("hcc_history", "hcc_diagnosis_date") == PartialDate(2019)
    assert book.value("hcc_history", "advanced_diagnosis_date") == PartialDate(2021, 5)
    assert book.value("hcc_history", "aetiology") == Missing(MissingReason.UNKNOWN)
    assert book.value("baseline_liver", "bilirubin") == Missing(MissingReason.NOT_DONE)
    assert book.value("baseline_liver", "albumin") == Missing(MissingReason.NOT_DONE)
    assert book.value("baseline_liver", "encephalopathy") == Missing(MissingReason.UNKNOWN)
    assert book.value("survival", "death_date") == PartialDate(2024, 3)
    assert book.value("survival", "death_cause") == Missing(MissingReason.UNKNOWN)
    assert book.value("survival", "last_follow_up_date") == dt.date(2024, 2, 1)


def test_a_code_or_partial_date_where_the_study_forbids_it_is_refused(
    target: OpenStudy, tmp_path: Path
) -> None:
    path = write_template(CURRENT, tmp_path / "t.xlsx")
    fill(path, "demographics", [{"subject_code": CODE, "sex": "ND", "height": "NA",
         "weight": 61, "ecog": 1}])  # fmt: skip
    fill(path, "treatment", [{"subject_code": CODE, "first_dose_date": "2024-01",
         "initial_daily_dose": "UNK", "treatment_status": "ongoing"}])  # fmt: skip
    result = import_workbook(target, path, today=TODAY)
    assert not result.ok
    text = " | ".join(p.reason for p in result.refused)
    assert "NA is not allowed here" in text
    assert "must be complete" in text
    assert "no missing-data code is allowed" in text
    assert PatientService(target).subject_codes() == []
