"""The audit trail records every change and names any tampering."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from rego_desktop.audit import trail
from rego_desktop.services.patients import PatientService
from rego_desktop.store.opening import open_study
from rego_desktop.store.study import OpenStudy
from tests.conftest import ADMIN, PASSWORD


def fill(study: OpenStudy) -> str:
    service = PatientService(study)
    code = service.create_patient()
    service.save(code, "demographics", {"sex": "male", "ecog": 1, "weight": 70.0, "height": 172.0})
    service.save(
        code,
        "demographics",
        {"sex": "male", "ecog": 2, "weight": 70.0, "height": 172.0},
        reason="chart re-read",
    )
    service.save(
        code, "treatment", {"first_dose_date": dt.date(2024, 3, 5), "initial_daily_dose": 160.0}
    )
    item = service.save(
        code,
        "dose_changes",
        {
            "change_date": dt.date(2024, 3, 14),
            "method": "reduction",
            "new_daily_dose": 120.0,
            "reason": "adverse_event",
        },
    )
    service.delete(code, "dose_changes", item, "entered twice")
    return code


def verify(path: Path) -> list[trail.AuditProblem]:
    study = open_study(path, ADMIN, PASSWORD)
    try:
        with study.reading() as session:
            return trail.verify(session, study.keyring)[1]
    finally:
        study.close()


def test_each_change_is_recorded_with_who_when_what_old_new_and_why(study: OpenStudy) -> None:
    code = fill(study)
    with study.reading() as session:
        records = trail.read(session, study.keyring, study.info.db_uid, code)
    actions = [r.action for r in records if not r.action.startswith("query.")]
    assert actions == [
        "patient.create",
        "record.create",
        "record.update",
        "record.create",
        "record.create",
        "record.delete",
    ]
    records = [r for r in records if not r.action.startswith("query.")]
    update = records[2]
    assert update.username == ADMIN
    assert update.at.tzinfo == dt.UTC
    assert update.form_id == "demographics"
    assert [(c.field, c.old, c.new) for c in update.changes] == [("ecog", 1, 2)]
    assert update.reason == "chart re-read"
    deletion = records[-1]
    assert deletion.reason == "entered twice"
    assert ("new_daily_dose", 120.0, None) in [(c.field, c.old, c.new) for c in deletion.changes]


def test_intact_chain_verifies(study: OpenStudy) -> None:
    fill(study)
    with study.reading() as session:
        count, problems = trail.verify(session, study.keyring)
        everything = trail.read(session, study.keyring, study.info.db_uid)
    assert count == len(everything) >= 7
    assert [e.seq for e in everything] == list(range(1, count + 1))
    assert problems == []


def _tamper(path: Path, *statements: str) -> None:
    with sqlite3.connect(path) as conn:
        for sql in statements:
            conn.execute(sql)


def test_edited_entry_is_named(study: OpenStudy, db_path: Path) -> None:
    fill(study)
    study.close()
    _tamper(db_path, "UPDATE audit_entries SET username = 'mallory' WHERE seq = 4")
    problems = verify(db_path)
    assert [(p.seq, p.kind) for p in problems] == [(4, "altered")]
    assert problems[0].message == "Entry #4 was altered."


def test_edited_payload_is_named(study: OpenStudy, db_path: Path) -> None:
    fill(study)
    study.close()
    _tamper(
        db_path,
        "UPDATE audit_entries SET payload = CAST(x'00' || substr(payload, 2) AS BLOB) "
        "WHERE seq = 3",
    )
    assert [(p.seq, p.kind) for p in verify(db_path)] == [(3, "altered")]


def test_deleted_entry_is_named(study: OpenStudy, db_path: Path) -> None:
    fill(study)
    study.close()
    _tamper(db_path, "DELETE FROM audit_entries WHERE seq = 5")
    problems = verify(db_path)
    assert [(p.seq, p.kind) for p in problems] == [(5, "missing")]
    assert "#5 is missing" in problems[0].message


def test_deleted_and_renumbered_entry_is_found(study: OpenStudy, db_path: Path) -> None:
    fill(study)
    study.close()
    _tamper(
        db_path,
        "DELETE FROM audit_entries WHERE seq = 5",
        "UPDATE audit_entries SET seq = seq - 1 WHERE seq > 5",
        "UPDATE study_meta SET audit_head_seq = audit_head_seq - 1",
    )
    kinds = {p.kind for p in verify(db_path)}
    assert "missing" in kinds or "altered" in kinds


def test_reordered_entries_are_named(study: OpenStudy, db_path: Path) -> None:
    fill(study)
    study.close()
    _tamper(
        db_path,
        "UPDATE audit_entries SET seq = 100 WHERE seq = 3",
        "UPDATE audit_entries SET seq = 3 WHERE seq = 4",
        "UPDATE audit_entries SET seq = 4 WHERE seq = 100",
    )
    problems = verify(db_path)
    assert "out_of_order" in {p.kind for p in problems}
    assert any("#3 is out of order" in p.message for p in problems)


def test_entries_removed_from_the_end_are_named(study: OpenStudy, db_path: Path) -> None:
    fill(study)
    with study.reading() as session:
        last = len(trail.read(session, study.keyring, study.info.db_uid))
    study.close()
    _tamper(db_path, f"DELETE FROM audit_entries WHERE seq >= {last - 1}")
    problems = verify(db_path)
    assert [(p.seq, p.kind) for p in problems] == [(last - 1, "truncated")]
    assert problems[0].message == f"Entries #{last - 1}-#{last} were removed from the end."


def test_the_audit_table_holds_no_plaintext_values(study: OpenStudy, db_path: Path) -> None:
    fill(study)
    study.close()
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT fields, action FROM audit_entries").fetchall()
    assert ("ecog", "record.update") in rows
    data = db_path.read_bytes()
    assert b"chart re-read" not in data
    assert b"entered twice" not in data


@pytest.mark.parametrize("role_user", ["monitor"])
def test_audit_is_readable_by_every_role(study: OpenStudy, role_user: str) -> None:
    from rego_desktop.auth.roles import Permission, Role, UserInfo

    assert UserInfo("x", role_user, role_user, Role.MONITOR).can(Permission.VIEW_AUDIT)
