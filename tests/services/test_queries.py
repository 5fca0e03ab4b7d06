"""Queries: findings become queries, answered, closed, re-opened, all in the audit trail."""

from __future__ import annotations

import argparse
import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from rego_desktop.audit import trail
from rego_desktop.auth.roles import Role
from rego_desktop.cli import check_commands
from rego_desktop.errors import NotFound, PermissionDenied, ValidationError
from rego_desktop.services.damage import AlteredQuery
from rego_desktop.services.patients import PatientService
from rego_desktop.services.queries import RESOLVED_BY_DATA, QueryService
from rego_desktop.services.users import UserService
from rego_desktop.store.opening import open_study
from rego_desktop.store.study import OpenStudy
from rego_desktop.study.values import Value
from tests.checks.casebooks import TODAY, clean_forms
from tests.conftest import ADMIN, FAST_KDF, PASSWORD

D = date
USERS = {
    "nurse": (Role.DATA_ENTRY, "Ward-seven-123"),
    "doctor": (Role.INVESTIGATOR, "Clinic-rounds-123"),
    "monitor": (Role.MONITOR, "Source-verify-123"),
}


def enter(study: OpenStudy, **changes: dict[str, Value]) -> tuple[str, dict[str, list[str]]]:
    """A clean patient; ``changes`` override values of the first record of a form."""
    forms = clean_forms()
    for form_id, values in changes.items():
        forms[form_id][0].update(values)
    uids: dict[str, list[str]] = {}
    with PatientService(study).editing() as editor:
        code = editor.create_patient()
        for form_id, records in forms.items():
            for values in records:
                clean = {k: v for k, v in values.items() if v is not None}
                uids.setdefault(form_id, []).append(editor.save(code, form_id, clean))
    return code, uids


def actions(study: OpenStudy, code: str) -> list[str]:
    with study.reading() as session:
        records = trail.read(session, study.keyring, study.info.db_uid, code)
    return [r.action for r in records if r.action.startswith("query.")]


@pytest.fixture
def team(study: OpenStudy) -> OpenStudy:
    users = UserService(study, kdf=FAST_KDF)
    for name, (role, password) in USERS.items():
        users.add_user(name, name.title(), role, password)
    return study


def login(path: Path, name: str) -> OpenStudy:
    return open_study(path, name, USERS[name][1])


def test_findings_open_queries_once(study: OpenStudy) -> None:
    code, _ = enter(study, demographics={"ecog": None})
    deviating, _ = enter(study)
    PatientService(study).save(deviating, "cycles", {**clean_forms()["cycles"][2],
                               "daily_dose": 200.0}, item_uid=_cycle_uid(study, deviating, 2),
                               reason="chart re-read")  # fmt: skip
    service = QueryService(study)
    # Saving already raised the queries; a full sync finds nothing new.
    result = service.sync_all(today=TODAY)
    assert (result.patients, result.opened, result.open_now) == (2, 0, 2)
    rows = service.list()
    assert [(r.subject, r.rule, r.severity, r.status) for r in rows] == [
        (code, "form.required_missing", "warning", "open"),
        (deviating, "dose.range", "deviation", "open"),
    ]
    deviation = rows[1]
    assert deviation.message.startswith("Cycle 3 (from 2024-03-06): 200 mg/day is above")
    assert deviation.where == "Cycle 3 (from 2024-03-06) / Daily dose at cycle start"
    assert (deviation.form, deviation.field, deviation.cycle) == ("cycles", "daily_dose", 3)
    again = service.sync_all(today=TODAY)
    assert (again.opened, again.closed, again.reopened, again.updated) == (0, 0, 0, 0)
    assert len(service.list()) == 2
    assert actions(study, deviating) == ["query.open"]
    listed = {r.subject_code: r.open_queries for r in PatientService(study).list_patients()}
    assert listed == {code: 1, deviating: 1}


def _cycle_uid(study: OpenStudy, code: str, index: int) -> str:
    return PatientService(study).casebook(code).items("cycles")[index].item_uid


def test_corrected_data_close_the_query_and_a_returning_finding_reopens_it(
    study: OpenStudy,
) -> None:
    code, _ = enter(study, demographics={"ecog": None})
    service = QueryService(study)
    service.sync(code, today=TODAY)
    (query,) = service.list(code)
    patients = PatientService(study)
    # The save that corrects the data closes the query in the same transaction.
    patients.save(code, "demographics", {**clean_forms()["demographics"][0], "ecog": 1})
    result = service.sync(code, today=TODAY)
    assert (result.closed, result.open_now) == (0, 0)
    closed = service.get(query.uid)
    assert (closed.status, closed.note, closed.resolved_by_data) == (
        "closed",
        RESOLVED_BY_DATA,
        True,
    )
    assert service.list(code, "open") == []
    patients.save(
        code,
        "demographics",
        {k: v for k, v in clean_forms()["demographics"][0].items() if k != "ecog"},
        reason="ECOG not in the chart after all",
    )
    assert service.get(query.uid).status == "open"  # re-opened by the save
    result = service.sync(code, today=TODAY)
    assert (result.reopened, result.opened) == (0, 0)
    assert actions(study, code) == ["query.open", "query.close", "query.reopen"]


def test_answer_then_a_reviewer_closes(team: OpenStudy, db_path: Path) -> None:
    code, _ = enter(team, demographics={"ecog": None})
    QueryService(team).sync(code, today=TODAY)
    (query,) = QueryService(team).list(code)
    nurse = login(db_path, "nurse")
    answered = QueryService(nurse).answer(query.uid, "  ECOG not documented in the chart ")
    assert (answered.status, answered.answer, answered.answered_by) == (
        "answered",
        "ECOG not documented in the chart",
        "nurse",
    )
    with pytest.raises(PermissionDenied, match="close queries"):
        QueryService(nurse).close(query.uid, "fine")
    nurse.close()
    monitor = login(db_path, "monitor")
    with pytest.raises(PermissionDenied, match="answer queries"):
        QueryService(monitor).answer(query.uid, "x")
    closed = QueryService(monitor).close(query.uid)
    assert (closed.status, closed.closed_by, closed.resolved_by_data) == (
        "closed",
        "monitor",
        False,
    )
    with pytest.raises(ValidationError, match="already closed"):
        QueryService(monitor).close(query.uid)
    monitor.close()
    # An accepted query stays closed while its finding remains ...
    assert QueryService(team).sync(code, today=TODAY).reopened == 0
    history = QueryService(team).history(query.uid)
    assert [(h.action, h.username, h.reason) for h in history] == [
        ("query.open", ADMIN, None),
        ("query.answer", "nurse", "ECOG not documented in the chart"),
        ("query.close", "monitor", None),
    ]
    # ... and comes back if the finding goes away with a data change and then returns.
    patients = PatientService(team)
    demographics = clean_forms()["demographics"][0]
    patients.save(code, "demographics", demographics)
    assert QueryService(team).sync(code, today=TODAY).closed == 0
    assert not QueryService(team).get(query.uid).present
    without_ecog = {k: v for k, v in demographics.items() if k != "ecog"}
    patients.save(code, "demographics", without_ecog, reason="ECOG was from another visit")
    assert QueryService(team).get(query.uid).status == "open"  # re-opened by the save
    assert QueryService(team).sync(code, today=TODAY).reopened == 0
    assert history[0].details["rule"] == "form.required_missing"


def test_reviewer_reopens_an_answer_not_accepted(team: OpenStudy, db_path: Path) -> None:
    code, _ = enter(team, demographics={"ecog": None})
    QueryService(team).sync(code, today=TODAY)
    (query,) = QueryService(team).list(code)
    QueryService(team).answer(query.uid, "will check")
    doctor = login(db_path, "doctor")
    service = QueryService(doctor)
    with pytest.raises(ValidationError, match="Say why"):
        service.reopen(query.uid, " ")
    reopened = service.reopen(query.uid, "please look in the admission note")
    assert (reopened.status, reopened.note) == ("open", "please look in the admission note")
    with pytest.raises(ValidationError, match="no answer yet"):
        service.close(query.uid)
    assert service.close(query.uid, "not collected at this site").status == "closed"
    doctor.close()
    with pytest.raises(ValidationError, match="closed"):
        QueryService(team).answer(query.uid, "late answer")


def test_impossible_data_cannot_be_accepted(team: OpenStudy, db_path: Path) -> None:
    code, _ = enter(team)
    service = QueryService(team)
    # Seen from 2024-09-01, the death on 2024-09-15 lies in the future: a hard finding.
    service.sync(code, today=D(2024, 9, 1))
    future = [r for r in service.list(code) if r.rule == "date.future"]
    assert future
    assert all(r.severity == "error" for r in future)
    service.answer(future[0].uid, "typed the wrong year")
    doctor = login(db_path, "doctor")
    with pytest.raises(ValidationError, match="cannot be accepted"):
        QueryService(doctor).close(future[0].uid, "ok")
    doctor.close()
    result = service.sync(code, today=TODAY)
    assert result.closed == len(future)
    assert {service.get(r.uid).status for r in future} == {"closed"}
    assert service.get(future[0].uid).resolved_by_data


def test_lists_per_patient_and_per_site(study: OpenStudy) -> None:
    first, _ = enter(study, demographics={"ecog": None})
    second, _ = enter(study, demographics={"ecog": None}, adverse_events={"grade": None})
    service = QueryService(study)
    service.sync_all(today=TODAY)
    assert len(service.list()) == 3
    assert [r.subject for r in service.list(second)] == [second, second]
    assert [r.field for r in service.list(second)] == ["ecog", "grade"]
    uid = service.list(first)[0].uid
    service.answer(uid, "not in chart")
    assert [r.uid for r in service.list(status="answered")] == [uid]
    assert len(service.list(status=("open", "answered"))) == 3
    assert service.list(severity="deviation") == []
    assert service.counts() == {"open": 2, "answered": 1, "closed": 0}
    assert service.counts(first) == {"open": 0, "answered": 1, "closed": 0}
    with pytest.raises(NotFound):
        service.list("BJ01-9999")
    with pytest.raises(NotFound):
        service.answer("0" * 32, "x")


def test_query_text_is_encrypted_and_bound_to_its_status(study: OpenStudy, db_path: Path) -> None:
    code, _ = enter(study, demographics={"ecog": None})
    service = QueryService(study)
    service.sync(code, today=TODAY)
    raw = db_path.read_bytes()
    assert b"is required and not entered" not in raw
    with sqlite3.connect(db_path) as con:
        con.execute("UPDATE queries SET status = 'closed'")
    with pytest.raises(AlteredQuery) as caught:  # named, with what to do
        service.list(code)
    assert code in str(caught.value)
    assert "audit --verify" in str(caught.value)


def test_check_command(
    study: OpenStudy,
    db_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _ = enter(study, demographics={"ecog": None})
    enter(study)
    monkeypatch.setenv("REGO_PASSWORD", PASSWORD)
    parser = argparse.ArgumentParser()
    check_commands.register(parser.add_subparsers())

    def check(*extra: str) -> str:
        args = parser.parse_args(["check", "--db", str(db_path), "--user", ADMIN, *extra])
        assert args.run(args) == 0
        return capsys.readouterr().out

    out = check()
    assert f"{code}  (1 warning)" in out
    assert "Demographics: ECOG performance status is required and not entered." in out
    assert "at: Demographics / ECOG performance status" in out
    # Saving raised the query already, so this run adds nothing new.
    assert "1 findings in 1 of 2 patients (1 warning; 1 open); this run: 0 new" in out
    (item,) = json.loads(check("--json"))
    for key in ("subject", "form", "field", "rule", "severity", "message", "status"):
        assert key in item
    assert (item["subject"], item["form"], item["field"], item["status"]) == (
        code,
        "demographics",
        "ecog",
        "open",
    )
    QueryService(study).answer(item["query"], "not documented")
    out = check("--subject", code.lower())
    assert "form.required_missing [answered]" in out
    assert "answer (admin): not documented" in out
    assert [i["status"] for i in json.loads(check("--json"))] == ["answered"]
    assert json.loads(check("--json", "--severity", "deviation")) == []
