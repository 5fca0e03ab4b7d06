"""The site's usual units: a study fact in the study database, set by administrators
only, audited, encrypted, readable by everyone signed in, checked against the study
definition."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, update

from rego_desktop.audit import trail
from rego_desktop.auth.roles import Role
from rego_desktop.errors import DamagedDatabase, PermissionDenied, ValidationError
from rego_desktop.models import StudySetting
from rego_desktop.services.site_units import SETTING_KEY, SiteUnits, multi_unit_fields
from rego_desktop.services.users import UserService
from rego_desktop.store.opening import open_study
from rego_desktop.store.study import OpenStudy
from rego_desktop.study import CURRENT
from tests.conftest import FAST_KDF


def test_only_fields_with_a_choice_of_units_are_offered() -> None:
    fields = multi_unit_fields(CURRENT)
    assert {"bilirubin", "albumin", "creatinine", "haemoglobin", "afp"} <= set(fields)
    assert "platelets" not in fields  # one unit only
    assert "weight" not in fields
    # Bilirubin is asked in three forms, with the same units: one usual unit serves all.
    found = [(form.id, f) for form, f in CURRENT.all_fields() if f.id == "bilirubin"]
    assert [form_id for form_id, _ in found] == ["baseline_liver", "lab_tests", "cycles"]
    assert {tuple(u.id for u in f.units) for _, f in found} == {("umol/L", "mg/dL")}


def test_set_read_clear_and_audit(study: OpenStudy) -> None:
    units = SiteUnits(study)
    assert units.all() == {}
    assert units.unit_for("bilirubin") is None
    assert units.set("bilirubin", "µmol/L", "hospital lab reports µmol/L")  # symbol accepted
    assert units.set_many({"albumin": "g/L", "creatinine": "mg/dL"}) == {
        "albumin": (None, "g/L"),
        "creatinine": (None, "mg/dL"),
    }
    assert not units.set("bilirubin", "umol/L")  # unchanged: nothing written
    assert units.all() == {"bilirubin": "umol/L", "albumin": "g/L", "creatinine": "mg/dL"}
    assert units.set("bilirubin", "mg/dL", "lab changed analyser")
    assert units.clear("creatinine", "no longer reported")
    assert units.all() == {"bilirubin": "mg/dL", "albumin": "g/L"}
    rows = {r.field_id: r for r in units.rows()}
    assert rows["bilirubin"].unit_text() == "mg/dL"
    assert rows["creatinine"].unit is None
    with study.reading() as session:
        records = [
            r
            for r in trail.read(session, study.keyring, study.info.db_uid)
            if r.action == "study.site_units"
        ]
        _, problems = trail.verify(session, study.keyring)
    assert problems == []
    assert [(c.field, c.old, c.new) for r in records for c in r.changes] == [
        ("bilirubin", None, "umol/L"),
        ("albumin", None, "g/L"),
        ("creatinine", None, "mg/dL"),
        ("bilirubin", "umol/L", "mg/dL"),
        ("creatinine", "mg/dL", None),
    ]
    assert records[0].reason == "hospital lab reports µmol/L"
    assert records[0].username == "admin"


def test_bad_names_are_refused_with_what_is_allowed(study: OpenStudy) -> None:
    units = SiteUnits(study)
    with pytest.raises(ValidationError) as info:
        units.set_many({"bilirubin": "umol/L", "platelets": "10^9/L"})
    assert "'platelets' is not a field with a choice of units" in str(info.value)
    assert "bilirubin (µmol/L, mg/dL)" in str(info.value)
    assert "Nothing was changed" in str(info.value)
    with pytest.raises(ValidationError, match=r"'mmol/L' is not a unit of Total bilirubin"):
        units.set("bilirubin", "mmol/L")
    with pytest.raises(ValidationError, match="use µmol/L or mg/dL"):
        units.set("bilirubin", "g/L")
    assert units.all() == {}  # all or none


def test_only_administrators_change_it_everyone_reads_it(study: OpenStudy, db_path: Path) -> None:
    SiteUnits(study).set("albumin", "g/dL")
    others = {
        "nurse": (Role.DATA_ENTRY, "Ward-seven-123"),
        "doctor": (Role.INVESTIGATOR, "Clinic-rounds-123"),
        "monitor": (Role.MONITOR, "Source-verify-123"),
    }
    for name, (role, password) in others.items():
        UserService(study, kdf=FAST_KDF).add_user(name, name.title(), role, password)
    for name, (_, password) in others.items():
        other = open_study(db_path, name, password)
        try:
            assert SiteUnits(other).all() == {"albumin": "g/dL"}
            with pytest.raises(PermissionDenied, match="change study settings"):
                SiteUnits(other).set("albumin", "g/L")
        finally:
            other.close()


def test_stored_encrypted_and_authenticated(study: OpenStudy) -> None:
    SiteUnits(study).set("bilirubin", "umol/L")
    with study.reading() as session:
        key, payload = session.execute(select(StudySetting.key, StudySetting.payload)).one()
    assert key == SETTING_KEY
    assert b"umol" not in payload
    assert b"bilirubin" not in payload
    with study.transaction() as session:  # a ciphertext moved to another revision fails
        session.execute(update(StudySetting).values(revision=StudySetting.revision + 1))
    with pytest.raises(DamagedDatabase, match="usual units cannot be read"):
        SiteUnits(study).all()
