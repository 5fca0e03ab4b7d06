"""The audit entries every query action writes, field by field (issue 16 and the site's own
queries): the site's edit-check queries (opened, answered, closed, re-opened by a reviewer,
closed by a data change, re-opened when the finding is back) and the coordinating center's
(imported, answered, answered by correcting the field, closed and re-opened by the next
query file). Pinned so that a change in how the entries are built shows here.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from rego_desktop.audit import trail
from rego_desktop.auth.roles import Role
from rego_desktop.exchange import query_file
from rego_desktop.exchange.keys import generate_center_keys
from rego_desktop.exchange.site_keys import site_public_key
from rego_desktop.services.center_queries import correct_from_query, import_query_file
from rego_desktop.services.patients import PatientService
from rego_desktop.services.queries import RESOLVED_BY_DATA, QueryService
from rego_desktop.services.users import UserService
from rego_desktop.store.opening import open_study
from rego_desktop.store.study import OpenStudy
from tests.checks.casebooks import TODAY, clean_forms
from tests.conftest import FAST_KDF
from tests.services.test_queries import enter

CREATED = dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.UTC)
CENTER = generate_center_keys("Audit Test Center", created=CREATED)
DOCTOR, DOCTOR_PASSWORD = "doctor", "Clinic-rounds-123"

Entry = tuple[str, str | None, str | None, str | None, str | None, list[tuple[str, Any]]]


def _demographics(study: OpenStudy, code: str, item_uid: str, ecog: int | None) -> None:
    values = {k: v for k, v in clean_forms()["demographics"][0].items() if k != "ecog"}
    if ecog is not None:
        values["ecog"] = ecog
    PatientService(study).save(code, "demographics", values, item_uid=item_uid, reason="chart")


def _item(
    qid: str,
    revision: int,
    subject: str,
    status: str,
    text: str,
    *events: tuple[str, str | None],
    **place: str,
) -> query_file.QueryItem:
    """A center query (``place``: its form, entry and field) and its history."""
    history = tuple(
        query_file.HistoryEvent(CREATED + dt.timedelta(days=n), event, "dm", note)
        for n, (event, note) in enumerate((("raised", None), *events))
    )
    return query_file.QueryItem(
        id=qid, revision=revision, subject=subject, form=place.get("form"),
        entry=place.get("entry"), field=place.get("field"), rule=None, severity=None,
        status=status, text=text, text_zh=None,
        center_value="1" if "field" in place else None, history=history,
    )  # fmt: skip


def _query_file(study: OpenStudy, path: Path, sequence: int, *items: query_file.QueryItem) -> Path:
    query_file.write_query_file_to(
        path, list(items), center=CENTER, site=site_public_key(study),
        study_id=study.definition.id, study_version=study.definition.version,
        sequence=sequence,
    )  # fmt: skip
    return path


def _entries(study: OpenStudy, names: dict[str, str], since: int) -> list[Entry]:
    """The query entries after sequence ``since``, query uids replaced by ``names``."""
    with study.reading() as session:
        records = trail.read(session, study.keyring, study.info.db_uid)
    out: list[Entry] = []
    for r in records:
        if r.seq <= since or not r.action.startswith("query."):
            continue
        details = dict(r.details)
        if "query" in details:
            details["query"] = names[details["query"]]
        if "sha256" in details:
            assert re.fullmatch(r"[0-9a-f]{64}", details["sha256"])
            details["sha256"] = "<sha256>"
        if "center_key" in details:
            assert details["center_key"] == CENTER.public.fingerprint
            details["center_key"] = "<center>"
        item = "<item>" if r.item_uid else r.item_uid
        out.append((r.action, r.subject_code, r.form_id, item, r.reason, list(details.items())))
    return out


def _head(study: OpenStudy) -> int:
    with study.reading() as session:
        records = trail.read(session, study.keyring, study.info.db_uid)
    return records[-1].seq


def test_audit_entries_of_the_site_and_center_query_actions(
    study: OpenStudy, db_path: Path, tmp_path: Path
) -> None:
    UserService(study, kdf=FAST_KDF).add_user(DOCTOR, "Doctor", Role.INVESTIGATOR, DOCTOR_PASSWORD)
    site_public_key(study)  # the site's key, made by the administrator
    doctor = open_study(db_path, DOCTOR, DOCTOR_PASSWORD)
    try:
        _check_site_queries(doctor)
        _check_center_queries(doctor, tmp_path)
        with doctor.reading() as session:
            assert trail.verify(session, doctor.keyring)[1] == []
    finally:
        doctor.close()


def _check_site_queries(study: OpenStudy) -> None:
    since = _head(study)
    code, uids = enter(study, demographics={"ecog": None})
    service = QueryService(study)
    (query,) = service.list(code)
    names = {query.uid: "site"}
    service.answer(query.uid, "  ECOG not in the chart ")
    service.close(query.uid, "Accepted.")
    service.reopen(query.uid, "Please look again.")
    _demographics(study, code, uids["demographics"][0], 1)  # closed by the data change
    _demographics(study, code, uids["demographics"][0], None)  # the finding is back
    service.sync(code, today=TODAY)  # changes nothing more
    base = [("query", "site"), ("rule", "form.required_missing"), ("severity", "warning"),
            ("field", "ecog")]  # fmt: skip
    form, item = "demographics", None  # a form without repeated items
    assert _entries(study, names, since) == [
        ("query.open", code, form, item, None,
         [*base, ("status", "open"), ("automatic", True), ("message", query.message),
          ("message_zh", query.message_zh)]),
        ("query.answer", code, form, item, "ECOG not in the chart",
         [*base, ("status", "answered")]),
        ("query.close", code, form, item, "Accepted.", [*base, ("status", "closed")]),
        ("query.reopen", code, form, item, "Please look again.", [*base, ("status", "open")]),
        ("query.close", code, form, item, RESOLVED_BY_DATA,
         [*base, ("status", "closed"), ("automatic", True)]),
        ("query.reopen", code, form, item, "finding is back",
         [*base, ("status", "open"), ("automatic", True), ("message", query.message)]),
    ]  # fmt: skip


def _check_center_queries(study: OpenStudy, tmp_path: Path) -> None:
    since = _head(study)
    fix, uids = enter(study, demographics={"ecog": 1})
    whole, _ = enter(study, demographics={"ecog": 1})
    about_field = {"form": "demographics", "field": "ecog"}  # a form of one record
    first = _query_file(
        study, tmp_path / "q1.rgq", 1,
        _item("Q000001", 1, fix, "open", "ECOG looks mistyped.", **about_field),
        _item("Q000002", 1, whole, "open", "Is the chart complete?"),
        _item("Q000003", 2, whole, "closed", "Weight?", ("closed", "Found in the chart.")),
        _item("Q000004", 1, fix, "open", "Dose?", form="cycles", entry=uids["cycles"][0],
              field="daily_dose"),
    )  # fmt: skip
    imported = import_query_file(study, first, CENTER.public)
    assert imported.added == ["Q000001", "Q000002", "Q000003", "Q000004"]
    service = QueryService(study)
    rows = {str(r.center_id): r for r in service.list() if r.from_center}
    names = {r.uid: str(r.center_id) for r in rows.values()}
    service.answer(rows["Q000002"].uid, "The chart is complete.")
    service.answer(rows["Q000004"].uid, "Dose as prescribed.")
    correct_from_query(study, rows["Q000001"].uid, "2", "Typo in the CRF.")
    second = _query_file(
        study, tmp_path / "q2.rgq", 2,
        _item("Q000001", 3, fix, "closed", "ECOG looks mistyped.", ("answered", "x"),
              ("closed", "Thanks."), **about_field),
        _item("Q000002", 2, whole, "answered", "Is the chart complete?", ("answered", "y")),
        _item("Q000003", 3, whole, "open", "Weight?", ("closed", "Found in the chart."),
              ("reopened", None)),
    )  # fmt: skip
    again = import_query_file(study, second, CENTER.public)
    assert (again.closed, again.reopened, again.updated) == (["Q000001"], ["Q000003"], ["Q000002"])

    def center(qid: str, status: str) -> list[tuple[str, Any]]:
        field = {"Q000001": "ecog", "Q000004": "daily_dose"}.get(qid)
        return [("query", qid), ("center_query", qid), ("field", field), ("status", status),
                ("origin", "center")]  # fmt: skip

    def site(qid: str, status: str) -> list[tuple[str, Any]]:
        q = rows[qid]
        return [("query", qid), ("rule", q.rule), ("severity", q.severity), ("field", q.field),
                ("status", status)]  # fmt: skip

    d = "demographics"
    assert _entries(study, names, since) == [
        ("query.open", fix, d, None, None,
         [*center("Q000001", "open"), ("message", "ECOG looks mistyped."),
          ("center_revision", 1), ("raised_by", "dm")]),
        ("query.open", whole, None, None, None,
         [*center("Q000002", "open"), ("message", "Is the chart complete?"),
          ("center_revision", 1), ("raised_by", "dm")]),
        ("query.open", whole, None, None, None,
         [*center("Q000003", "closed"), ("message", "Weight?"), ("center_revision", 2),
          ("raised_by", "dm")]),
        ("query.open", fix, "cycles", "<item>", None,
         [*center("Q000004", "open"), ("message", "Dose?"), ("center_revision", 1),
          ("raised_by", "dm")]),
        ("query.import", None, None, None, None,
         [("file", "q1.rgq"), ("sha256", "<sha256>"), ("sequence", 1), ("center_key", "<center>"),
          ("added", ["Q000001", "Q000002", "Q000003", "Q000004"]), ("closed", []),
          ("reopened", []),
          ("updated", [])]),
        # answered at the site through the site's own service: its form id stays ""
        ("query.answer", whole, "", None, "The chart is complete.",
         site("Q000002", "answered")),
        ("query.answer", fix, "cycles", "<item>", "Dose as prescribed.",
         site("Q000004", "answered")),
        ("query.answer", fix, d, None, "Typo in the CRF.",
         [*center("Q000001", "answered"),
          ("correction", {"field": "ecog", "old": "1", "new": "2"})]),
        ("query.close", fix, d, None, "Thanks.",
         [*center("Q000001", "closed"), ("center_revision", 3)]),
        ("query.reopen", whole, None, None, "re-opened by the coordinating center",
         [*center("Q000003", "open"), ("center_revision", 3)]),
        ("query.import", None, None, None, None,
         [("file", "q2.rgq"), ("sha256", "<sha256>"), ("sequence", 2), ("center_key", "<center>"),
          ("added", []), ("closed", ["Q000001"]), ("reopened", ["Q000003"]),
          ("updated", ["Q000002"])]),
    ]  # fmt: skip
