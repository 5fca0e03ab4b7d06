"""Raising queries automatically: the study's edit checks on the pooled data, each
patient's findings kept with its content, worker processes for thousands (see
:mod:`rego_desktop.center.queries`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing
import os
import re
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, cast

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.orm import Session

from rego_desktop.center import audit
from rego_desktop.center.audit import AuditAction
from rego_desktop.center.db import CenterDatabase, open_center_database
from rego_desktop.center.models import CenterEntry, CenterPatient
from rego_desktop.center.pooled import ANCHOR, _age, _definition, casebook_of, date_to_day
from rego_desktop.center.queries.common import (
    _BATCH,
    _DATE_RE,
    BY_CHECKS,
    RESOLVED_BY_DATA,
    _change,
    _event,
    _serialise,
    display_value,
)
from rego_desktop.center.queries.raising import (
    _next_id,
    _query_id,
)
from rego_desktop.center.query_models import CenterQuery, CenterQueryCheck
from rego_desktop.checks import run_checks
from rego_desktop.checks.catalogue import RULES, SITE_ONLY_RULES
from rego_desktop.errors import NotFound, RegoError
from rego_desktop.exchange.deidentify import (
    DeidentifiedEntry,
    DeidentifiedPatient,
    ExportPolicy,
    export_policy,
)
from rego_desktop.logs import log_bug
from rego_desktop.models.base import utcnow
from rego_desktop.study.schema import FieldType


@dataclass
class AutoRaiseResult:
    """What one run of the edit checks on the pooled data changed."""

    patients: int = 0
    raised: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    already_raised: int = 0
    skipped_site_only: int = 0
    per_site: dict[str, int] = field(default_factory=dict)
    """Queries raised per site by this run."""

    def to_json_object(self) -> dict[str, Any]:
        return {
            "patients": self.patients,
            "raised": len(self.raised),
            "closed": len(self.closed),
            "already_raised": self.already_raised,
            "skipped_site_only": self.skipped_site_only,
            "per_site": self.per_site,
            "raised_ids": self.raised,
            "closed_ids": self.closed,
        }


def _study_days(text: str) -> str:
    """Anchored dates (``casebook_of``) in a finding's message, written as study days."""

    def one(match: re.Match[str]) -> str:
        try:
            day = dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return match[0]
        if abs((day - ANCHOR).days) > 100_000:
            return match[0]
        return f"study day {date_to_day(day)}"

    return _DATE_RE.sub(one, text)


def _study_days_zh(text: str) -> str:
    return _study_days(text).replace("study day ", "研究第").replace("研究第-", "研究第-")


def raise_automatic(
    db: CenterDatabase, *, site: str | None = None, today: dt.date | None = None
) -> AutoRaiseResult:
    """Run the edit checks on the pooled data (or one site's) and raise their queries.

    New findings get a query (``origin`` auto, the rule's severity, the finding's text
    with dates as study days); a finding already raised is left alone whatever its
    status; an open or answered automatic query whose finding is gone is closed
    (resolved by data change). Each patient's findings are kept with its content
    (``center_query_checks``), so only patients merged or changed since the last run are
    checked again. One audit entry records the run.
    """
    result = AutoRaiseResult()
    precomputed = _precompute(db, site, today)
    now = utcnow()
    with db.transaction() as session:
        _serialise(session)
        patients = _patient_keys(session, site)
        if site is not None and not patients:
            raise NotFound(
                f"Site {site} has no patients in the pooled data yet; merge its transfer file "
                "first.",
                zh=f"站点 {site} 在汇总数据中还没有患者；请先合并其传输文件。",
            )
        findings = _findings(session, patients, today, precomputed)
        existing: dict[tuple[str, str], tuple[int, str]] = {}
        auto = select(
            CenterQuery.id, CenterQuery.subject_code, CenterQuery.fingerprint, CenterQuery.status
        ).where(CenterQuery.origin == "auto")
        if site is not None:
            auto = auto.where(CenterQuery.site_code == site)
        for qid, subject, fingerprint, status in session.execute(auto):
            existing[(subject, fingerprint or "")] = (qid, status)
        found: set[tuple[str, str]] = set()
        new_rows: list[dict[str, Any]] = []
        number = _next_id(session)
        history = json.dumps([_event("raised", BY_CHECKS, None, now)], ensure_ascii=False)
        for pid, subject, site_code, *_rest in patients:
            result.patients += 1
            for item in findings[pid]:
                fingerprint, form, entry, field_id, rule, text, text_zh, value = item
                if rule == _SITE_ONLY:
                    result.skipped_site_only += 1
                    continue
                key = (subject, fingerprint)
                if key in found:
                    continue
                found.add(key)
                if key in existing:
                    result.already_raised += 1
                    continue
                new_rows.append(
                    {
                        "id": number,
                        "query_id": _query_id(number),
                        "site_code": site_code,
                        "subject_code": subject,
                        "form_id": form,
                        "entry_id": entry,
                        "field_id": field_id,
                        "origin": "auto",
                        "rule": rule,
                        "severity": RULES[rule].severity,
                        "fingerprint": fingerprint,
                        "status": "open",
                        "revision": 1,
                        "acked_revision": 0,
                        "text": text,
                        "text_zh": text_zh,
                        "center_value": value,
                        "raised_at": now,
                        "raised_by": BY_CHECKS,
                        "updated_at": now,
                        "answer": None,
                        "answered_by": None,
                        "answered_at": None,
                        "site_events": 0,
                        "corrections_json": "[]",
                        "history_json": history,
                    }
                )
                result.raised.append(_query_id(number))
                result.per_site[site_code] = result.per_site.get(site_code, 0) + 1
                number += 1
        statement = insert(cast(Table, CenterQuery.__table__))
        for start in range(0, len(new_rows), _BATCH):
            session.connection().execute(statement, new_rows[start : start + _BATCH])
        gone = [
            qid
            for key, (qid, status) in existing.items()
            if status in ("open", "answered") and key not in found
        ]
        for start in range(0, len(gone), _BATCH):
            for q in session.scalars(
                select(CenterQuery).where(CenterQuery.id.in_(gone[start : start + _BATCH]))
            ):
                _change(q, "closed", "closed", BY_CHECKS, RESOLVED_BY_DATA, now)
                result.closed.append(q.query_id)
        audit.append(
            session,
            AuditAction.QUERY_AUTO,
            site_code=site,
            details={"operator": audit.operator(), **result.to_json_object()},
        )
    return result


_SITE_ONLY: Final = "-site-only-"
"""Stands for a finding of a site-only rule in the stored findings (counted, not raised)."""
Finding5 = tuple[str, str, str | None, str | None, str, str, str, str | None]
"""fingerprint, form, entry, field, rule, text, Chinese text, value (as stored)."""


def checks_code(study_id: str, study_version: str) -> str:
    """Hash of the code deciding a patient's findings (stored findings of another code
    are computed again): the program version, the study, the checks' source."""
    key = (study_id, study_version)
    if key not in _CODES:
        import rego_desktop
        from rego_desktop import __version__

        root = Path(rego_desktop.__file__).parent
        digest = hashlib.sha256(f"{__version__}|{study_id}|{study_version}".encode())
        for folder in ("checks", "rules", "derive", "study"):
            for path in sorted((root / folder).glob("*.py")):
                digest.update(f"|{folder}/{path.name}|".encode())
                digest.update(path.read_bytes())
        digest.update(Path(__file__).read_bytes())
        _CODES[key] = digest.hexdigest()
    return _CODES[key]


_CODES: dict[tuple[str, str], str] = {}


def _patient_keys(session: Session, site: str | None) -> list[Any]:
    """(id, subject, site, content hash, study id, study version) of each pooled patient."""
    stmt = select(
        CenterPatient.id,
        CenterPatient.subject_code,
        CenterPatient.site_code,
        CenterPatient.content_sha256,
        CenterPatient.study_id,
        CenterPatient.study_version,
    ).order_by(CenterPatient.id)
    if site is not None:
        stmt = stmt.where(CenterPatient.site_code == site)
    return list(session.execute(stmt))


Computed = dict[int, tuple[str, str, list[Finding5]]]
"""Patient id -> (content hash, check code, findings) computed outside the transaction."""
PARALLEL_MIN: Final = 2000
"""Patients to check before the work is shared among processes (one per CPU, at most 4)."""
MAX_WORKERS: Final = 4


def _stored(session: Session, ids: Sequence[int]) -> dict[int, tuple[str, str, str]]:
    stored: dict[int, tuple[str, str, str]] = {}
    for start in range(0, len(ids), _BATCH):
        rows = session.execute(
            select(
                CenterQueryCheck.patient_id,
                CenterQueryCheck.content_sha256,
                CenterQueryCheck.code,
                CenterQueryCheck.findings_json,
            ).where(CenterQueryCheck.patient_id.in_(ids[start : start + _BATCH]))
        )
        for pid, content, code, text in rows:
            stored[pid] = (content, code, text)
    return stored


def _precompute(db: CenterDatabase, site: str | None, today: dt.date | None) -> Computed:
    """The findings of many patients without valid stored ones, computed by several
    processes before the write transaction (each reads the database on its own). Empty
    when there are few (or one CPU): the transaction then computes them itself."""
    workers = min(os.cpu_count() or 1, MAX_WORKERS)
    if workers < 2:
        return {}
    with db.reading() as session:
        patients = _patient_keys(session, site)
        stored = _stored(session, [p[0] for p in patients])
    stale = [
        p[0]
        for p in patients
        if (kept := stored.get(p[0])) is None
        or kept[0] != p[3]
        or kept[1] != checks_code(p[4], p[5])
    ]
    if len(stale) < PARALLEL_MIN:
        return {}
    target = (
        db.description  # a SQLite center is named by its file
        if db.engine.dialect.name == "sqlite"
        else db.engine.url.render_as_string(hide_password=False)
    )
    size = -(-len(stale) // (workers * 2))
    parts = [(target, stale[i : i + size], today) for i in range(0, len(stale), size)]
    out: Computed = {}
    try:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            for computed in pool.map(_check_part, parts):
                out.update(computed)
    except (OSError, BrokenProcessPool, RegoError):
        # The transaction computes them in this process instead (slower, same result).
        log_bug("the edit checks could not be shared among processes")
        return {}
    return out


def _check_part(job: tuple[str, list[int], dt.date | None]) -> Computed:
    """A worker process: the findings of some patients (see :func:`_precompute`)."""
    target, ids, today = job
    checks_day = today or dt.date(2100, 1, 1)
    out: Computed = {}
    db = open_center_database(target)
    try:
        with db.reading() as session:
            for row, patient, book, policy in _pooled(session, ids):
                out[row.id] = (
                    row.content_sha256,
                    checks_code(row.study_id, row.study_version),
                    _patient_findings(patient, book, policy, checks_day),
                )
    finally:
        db.close()
    return out


def _findings(
    session: Session, patients: Sequence[Any], today: dt.date | None, precomputed: Computed
) -> dict[int, list[Finding5]]:
    """Each patient's findings: stored ones when still valid, else computed by
    :func:`_precompute` for the same content, else computed now; new ones are stored."""
    out: dict[int, list[Finding5]] = {}
    ids = [p[0] for p in patients]
    stored = _stored(session, ids)
    stale: list[int] = []
    for pid, _subject, _site, content, study_id, version in patients:
        kept = stored.get(pid)
        if kept is not None and kept[0] == content and kept[1] == checks_code(study_id, version):
            out[pid] = [cast(Finding5, tuple(f)) for f in json.loads(kept[2])]
        else:
            stale.append(pid)
    checks_day = today or dt.date(2100, 1, 1)
    keys = {p[0]: (p[3], checks_code(p[4], p[5])) for p in patients}
    for start in range(0, len(stale), _BATCH):
        part = stale[start : start + _BATCH]
        rows_out: list[dict[str, Any]] = []
        todo: list[int] = []
        for pid in part:
            done = precomputed.get(pid)
            if done is not None and (done[0], done[1]) == keys[pid]:
                out[pid] = done[2]
            else:
                todo.append(pid)
        for row, patient, book, policy in _pooled(session, todo):
            out[row.id] = _patient_findings(patient, book, policy, checks_day)
        for pid in part:
            rows_out.append(
                {
                    "patient_id": pid,
                    "content_sha256": keys[pid][0],
                    "code": keys[pid][1],
                    "findings_json": json.dumps(out[pid], ensure_ascii=False),
                }
            )
        session.execute(delete(CenterQueryCheck).where(CenterQueryCheck.patient_id.in_(part)))
        if rows_out:
            session.connection().execute(insert(cast(Table, CenterQueryCheck.__table__)), rows_out)
    return out


def _patient_findings(
    patient: DeidentifiedPatient, book: Any, policy: ExportPolicy, checks_day: dt.date
) -> list[Finding5]:
    """The findings the center raises queries for (site-only ones as markers)."""
    out: list[Finding5] = []
    dateless = not patient.first_dose_known
    definition = policy.definition
    for finding in run_checks(book, today=checks_day):
        if finding.rule in SITE_ONLY_RULES:
            out.append((finding.fingerprint, "", None, None, _SITE_ONLY, "", "", None))
            continue
        if finding.form in policy.removed_forms or (
            finding.field is not None
            and finding.field in policy.removed_fields.get(finding.form, {})
        ):
            continue
        if dateless and finding.field is not None:
            form = definition.form(finding.form)
            if form.has_field(finding.field) and form.field(finding.field).type is FieldType.DATE:
                continue  # sent without dates: a missing date is not missing
        values = next(
            (
                e.values
                for e in patient.forms.get(finding.form, ())
                if e.entry_id == finding.item_uid
            ),
            None,
        )
        value = (
            display_value(definition, finding.form, finding.field, values.get(finding.field))
            if values is not None and finding.field is not None
            else None
        )
        out.append(
            (
                finding.fingerprint,
                finding.form,
                finding.item_uid or None,
                finding.field,
                finding.rule,
                _study_days(finding.message),
                _study_days_zh(finding.message_zh),
                value,
            )
        )
    return out


def _pooled(
    session: Session, patient_ids: Sequence[int]
) -> Iterable[tuple[CenterPatient, DeidentifiedPatient, Any, ExportPolicy]]:
    """These pooled patients with their rebuilt casebooks and export policies."""
    patients = list(
        session.scalars(
            select(CenterPatient)
            .where(CenterPatient.id.in_(list(patient_ids)))
            .order_by(CenterPatient.id)
        )
    )
    policies: dict[tuple[str, str], ExportPolicy] = {}
    forms: dict[int, dict[str, list[DeidentifiedEntry]]] = {p.id: {} for p in patients}
    rows = session.execute(
        select(
            CenterEntry.patient_id,
            CenterEntry.form_id,
            CenterEntry.entry_id,
            CenterEntry.values_json,
        )
        .where(CenterEntry.patient_id.in_(list(patient_ids)))
        .order_by(CenterEntry.patient_id, CenterEntry.form_id, CenterEntry.entry_id)
    )
    for patient_id, form_id, entry_id, text in rows:
        forms[patient_id].setdefault(form_id, []).append(
            DeidentifiedEntry(entry_id, json.loads(text))
        )
    for p in patients:
        key = (p.study_id, p.study_version)
        if key not in policies:
            policies[key] = export_policy(_definition(*key))
        policy = policies[key]
        patient = DeidentifiedPatient(
            subject_code=p.subject_code,
            signed=p.signed,
            first_dose_known=p.first_dose_known,
            age_at_first_dose=_age(p.age),
            forms={f: tuple(items) for f, items in forms[p.id].items()},
        )
        book = casebook_of(
            patient,
            policy.definition,
            patient_uid=p.uid,
            updated_at=p.package_created_at,
            policy=policy,
        )
        yield p, patient, book, policy
