"""A chart that says "diagnosed 2019, AFP not done, died March 2024" reaches the center
intact: the codes and the partial dates cross in the transfer file without a calendar
month, and the center imputes the same dates, with the same flags, as the site
(issue 13)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from rego_desktop.analysis.dataset import analysis_row
from rego_desktop.analysis.summary import summarize
from rego_desktop.center.db import CenterDatabase
from rego_desktop.center.merge import merge_file
from rego_desktop.center.pooled import pooled_casebooks, pooled_patients
from rego_desktop.derive import PatientData
from rego_desktop.exchange.export import export_transfer
from rego_desktop.exchange.site_keys import site_public_key
from rego_desktop.services.patients import PatientService
from rego_desktop.study.dates import DatePeriod, PartialDate
from rego_desktop.study.schema import FieldType, MissingReason
from rego_desktop.study.values import Missing, Value
from tests.center.conftest import CENTER
from tests.exchange.sitefill import new_site

ND = Missing(MissingReason.NOT_DONE)
UNK = Missing(MissingReason.UNKNOWN)


@pytest.fixture
def charted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[PatientService, str, Path]:
    """A site whose first dead patient's chart gives the death month only, the HCC
    diagnosis year only, and no AFP; exported once."""
    monkeypatch.setenv("REGO_DATA_DIR", str(tmp_path / "data"))
    study, _fill = new_site(tmp_path, "BJ01", 6, seed=7)
    service = PatientService(study)
    code = next(c for c in service.subject_codes() if service.casebook(c).first_dose)
    eligibility = study.definition.form("eligibility")
    answers: dict[str, Value] = {
        f.id: {"inclusion": "yes", "exclusion": "no"}[section.id]
        for section in eligibility.sections
        if section.id in ("inclusion", "exclusion")
        for f in section.fields
        if f.is_input and f.type is FieldType.YES_NO
    }
    service.save(code, "eligibility", answers, reason="chart")
    assert analysis_row(service.casebook(code)).analysed
    book = service.casebook(code)
    last_event = max(
        v
        for entries in book.entries.values()
        for e in entries
        for k, v in e.values.items()
        if isinstance(v, dt.date) and k != "date_of_birth"
    )
    death = last_event + dt.timedelta(days=45)
    service.save(
        code,
        "survival",
        {
            "status": "dead",
            "last_follow_up_date": last_event,
            "death_date": PartialDate(death.year, death.month),
            "death_cause": "progression",
        },
        reason="chart",
    )
    service.save(code, "hcc_history", {"hcc_diagnosis_date": PartialDate(2019)}, reason="chart")
    service.save(code, "primary_tumour", {"afp": ND}, reason="chart")
    path = tmp_path / "BJ01-1.rgt"
    export_transfer(study, CENTER.public, path)
    return service, code, path


def test_codes_and_partial_dates_reach_the_center_and_impute_alike(
    charted: tuple[PatientService, str, Path], center_db: CenterDatabase
) -> None:
    service, code, path = charted
    merge_file(center_db, path, CENTER, {"BJ01": site_public_key(service.study)})
    (patient,) = [p for p in pooled_patients(center_db) if p.subject_code == code]
    survival = patient.forms["survival"][0].values
    assert set(survival["death_date"]) == {"days", "flag"}
    assert survival["death_date"]["flag"] == "D"
    assert patient.forms["primary_tumour"][0].values["afp"] == {"missing": "ND"}
    diagnosis = patient.forms["hcc_history"][0].values["hcc_diagnosis_date"]
    assert diagnosis["flag"] == "M"
    assert diagnosis["days"][1] - diagnosis["days"][0] in (364, 365)

    (book,) = [b for b in pooled_casebooks(center_db) if b.subject_code == code]
    assert isinstance(book.single("survival")["death_date"], DatePeriod)
    assert book.single("primary_tumour")["afp"] == ND
    at_site = analysis_row(service.casebook(code))
    at_center = analysis_row(book)
    assert at_site.os is not None
    assert at_site.os.flag == "D"
    assert at_center.os == at_site.os
    assert at_center.pfs == at_site.pfs
    site_data = PatientData(service.casebook(code))
    assert site_data.death is not None
    assert site_data.death.flag == "D"

    site_summary = summarize([service.casebook(c) for c in service.subject_codes()])
    center_summary = summarize(pooled_casebooks(center_db, site="BJ01"))
    assert center_summary == site_summary
    assert site_summary["os"]["imputed_dates"]["events"] >= 1
