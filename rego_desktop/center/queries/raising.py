"""Raising a query by hand on a patient, a form, an entry or a field (see
:mod:`rego_desktop.center.queries`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rego_desktop.center import audit
from rego_desktop.center.audit import AuditAction
from rego_desktop.center.db import CenterDatabase
from rego_desktop.center.models import CenterEntry, CenterPatient
from rego_desktop.center.pooled import _definition
from rego_desktop.center.queries.common import (
    _BATCH,
    MAX_TEXT,
    CenterQueryRow,
    _event,
    _rows,
    _serialise,
    _study_of,
    display_value,
)
from rego_desktop.center.queries.places import listing_order
from rego_desktop.center.query_models import CenterQuery
from rego_desktop.errors import NotFound, ValidationError
from rego_desktop.exchange.deidentify import (
    ExportPolicy,
    export_policy,
)
from rego_desktop.models.base import utcnow
from rego_desktop.study.schema import Field, Form, StudyDefinition

# --------------------------------------------------------------------------- raising


def _check_text(text: str, what: str = "the query text") -> str:
    value = text.strip()
    if not value:
        raise ValidationError(
            f"Give {what}: say what the site should check.",
            zh="请填写质疑内容：说明站点需要核查什么。",
        )
    if len(value) > MAX_TEXT:
        raise ValidationError(
            f"{what[0].upper() + what[1:]} is {len(value)} characters long; at most "
            f"{MAX_TEXT} are allowed.",
            zh=f"文字长度为 {len(value)} 个字符，最多允许 {MAX_TEXT} 个。",
        )
    if any(ord(c) < 0x20 and c not in "\n\t" for c in value):
        raise ValidationError(
            f"{what[0].upper() + what[1:]} contains control characters; use plain text.",
            zh="文字中含有控制字符；请使用纯文本。",
        )
    return value


def _next_id(session: Session) -> int:
    return int(session.scalar(select(func.coalesce(func.max(CenterQuery.id), 0))) or 0) + 1


def _query_id(number: int) -> str:
    return f"Q{number:06d}"


def raise_manual(
    db: CenterDatabase,
    *,
    site: str,
    subject: str,
    text: str,
    form: str | None = None,
    entry: str | None = None,
    field: str | None = None,
) -> CenterQueryRow:
    """Raise a query on a patient, a form, an entry or a field, with a text.

    ``entry`` is an entry id as the site sent it, or the entry's number (1, 2, ... in
    the order the pooled data list the form's entries). The patient must be in the
    pooled data of ``site``; the form and field must be in the study definition and
    sent by the sites.
    """
    body = _check_text(text)
    if form is None and (entry is not None or field is not None):
        raise ValidationError(
            "Give --form with --entry or --field: an entry or field belongs to a form.",
            zh="指定 --entry 或 --field 时请同时指定 --form：条目或字段属于某个表单。",
        )
    now = utcnow()
    with db.transaction() as session:
        _serialise(session)
        patient = session.scalar(
            select(CenterPatient).where(CenterPatient.subject_code == subject.strip())
        )
        if patient is None or patient.site_code != site:
            where = "" if patient is None else f" (it is a patient of site {patient.site_code})"
            raise NotFound(
                f"Subject {subject} is not in the pooled data of site {site}{where}. Queries "
                "can be raised only on merged patients; check the subject code.",
                zh=f"站点 {site} 的汇总数据中没有受试者 {subject}。只能对已合并的患者提出质疑；"
                "请核对受试者编号。",
            )
        definition = _definition(patient.study_id, patient.study_version)
        policy = export_policy(definition)
        entry_id: str | None = None
        value: str | None = None
        if form is not None:
            _check_form(definition, policy, form, field)
            entries = list(
                session.execute(
                    select(CenterEntry.entry_id, CenterEntry.values_json)
                    .where(CenterEntry.patient_id == patient.id, CenterEntry.form_id == form)
                    .order_by(CenterEntry.entry_id)
                )
            )
            values: dict[str, Any] | None = None
            if definition.form(form).repeating:
                if entry is not None:
                    # Numbered as the window and the pooled listings number them.
                    texts = {row[0]: row[1] for row in entries}
                    order = listing_order(definition.form(form), texts.items())
                    ordered = [(entry_id, texts[entry_id]) for entry_id in order]
                    entry_id, values = _pick_entry(ordered, entry, subject, form)
            else:
                if entry is not None:
                    raise ValidationError(
                        f"The form {form} is not repeating; leave out --entry.",
                        zh=f"表单 {form} 不是重复表单；请不要指定 --entry。",
                    )
                values = json.loads(entries[0][1]) if entries else None
            if field is not None and values is not None:
                value = display_value(definition, form, field, values.get(field))
        number = _next_id(session)
        history = [_event("raised", audit.operator(), body, now)]
        q = CenterQuery(
            id=number,
            query_id=_query_id(number),
            site_code=site,
            subject_code=patient.subject_code,
            form_id=form,
            entry_id=entry_id,
            field_id=field,
            origin="manual",
            rule=None,
            severity=None,
            fingerprint=None,
            status="open",
            revision=1,
            acked_revision=0,
            text=body,
            text_zh=None,
            center_value=value,
            raised_at=now,
            raised_by=audit.operator(),
            updated_at=now,
            site_events=0,
            corrections_json="[]",
            history_json=json.dumps(history, ensure_ascii=False),
        )
        session.add(q)
        session.flush()
        audit.append(
            session,
            AuditAction.QUERY_RAISE,
            site_code=site,
            details={
                "query": q.query_id,
                "subject": q.subject_code,
                "form": form,
                "entry": entry_id,
                "field": field,
                "text": body,
                "value": value,
            },
        )
        return _rows(session, [q])[0]


@dataclass(frozen=True)
class QueryTargets:
    """What a manual query of one site can be raised on: the site's pooled subjects with
    their entries per form, and the forms and fields the sites send (from the study
    definition and its export policy), for the center window's choosers."""

    site: str
    subjects: dict[str, dict[str, tuple[str, ...]]]
    """Subject code -> form id -> entry ids (``""`` for a non-repeating form)."""
    forms: tuple[tuple[Form, tuple[Field, ...]], ...]


def query_targets(db: CenterDatabase, site: str) -> QueryTargets:
    """The subjects, entries, forms and fields of ``site`` a query can be raised on."""
    from rego_desktop.study import CURRENT

    with db.reading() as session:
        study = _study_of(session, site)
        patients = list(
            session.scalars(
                select(CenterPatient)
                .where(CenterPatient.site_code == site)
                .order_by(CenterPatient.subject_code)
            )
        )
        subjects: dict[str, dict[str, tuple[str, ...]]] = {p.subject_code: {} for p in patients}
        codes = {p.id: p.subject_code for p in patients}
        ids = list(codes)
        for start in range(0, len(ids), _BATCH):
            rows = session.execute(
                select(CenterEntry.patient_id, CenterEntry.form_id, CenterEntry.entry_id)
                .where(CenterEntry.patient_id.in_(ids[start : start + _BATCH]))
                .order_by(CenterEntry.patient_id, CenterEntry.form_id, CenterEntry.entry_id)
            )
            for patient_id, form_id, entry_id in rows:
                forms = subjects[codes[patient_id]]
                forms[form_id] = (*forms.get(form_id, ()), entry_id)
    definition = _definition(*study) if study is not None else CURRENT
    policy = export_policy(definition)
    choices = tuple(
        (
            form,
            tuple(
                f
                for f in form.fields
                if f.id not in policy.removed_fields.get(form.id, {})
                and policy.field(form.id, f.id) is not None
            ),
        )
        for form in policy.exported_forms()
        if form.id not in policy.removed_forms
    )
    return QueryTargets(site, subjects, choices)


def _check_form(
    definition: StudyDefinition, policy: ExportPolicy, form: str, field: str | None
) -> None:
    if not definition.has_form(form) or form in policy.removed_forms:
        sent = ", ".join(f.id for f in policy.exported_forms())
        raise ValidationError(
            f"{form!r} is not a form the sites send to the center. Forms: {sent}.",
            zh=f"“{form}”不是站点发送给中心的表单。可用表单：{sent}。",
        )
    if field is None:
        return
    removed = policy.removed_fields.get(form, {})
    if not definition.form(form).has_field(field) or field in removed:
        fields = ", ".join(f.id for f in definition.form(form).fields if f.id not in removed)
        raise ValidationError(
            f"{field!r} is not a field of {form} that the sites send. Fields: {fields}.",
            zh=f"“{field}”不是站点发送的 {form} 表单字段。可用字段：{fields}。",
        )


def _pick_entry(
    entries: Sequence[Any], entry: str, subject: str, form: str
) -> tuple[str, dict[str, Any]]:
    by_id = {row[0]: json.loads(row[1]) for row in entries}
    if entry in by_id:
        return entry, by_id[entry]
    if entry.isdigit() and 1 <= int(entry) <= len(entries):
        row = entries[int(entry) - 1]
        return row[0], json.loads(row[1])
    raise NotFound(
        f"Subject {subject} has no entry {entry} in {form} (it has {len(entries)}). Give the "
        "entry's number (1, 2, ...) or its id as listed in the pooled data.",
        zh=f"受试者 {subject} 的 {form} 表单中没有条目 {entry}（共 {len(entries)} 条）。"
        "请填写条目序号（1、2……）或汇总数据中列出的条目编号。",
    )
