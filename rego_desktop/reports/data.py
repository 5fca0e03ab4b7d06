"""What a patient summary shows, read from the study: casebook, queries, signatures.

:func:`collect` reads one patient (three short read transactions, nothing written).
:func:`issues` joins the edit-check findings of the current data with the stored
queries, so a summary is right even when the queries were not brought up to date
since the last change: a finding without a query is shown as "not yet raised".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from rego_desktop.casebook import Casebook
from rego_desktop.checks import Finding, run_checks
from rego_desktop.checks.places import finding_place
from rego_desktop.derive import PatientData
from rego_desktop.rules.findings import Severity
from rego_desktop.services.patients import PatientService
from rego_desktop.services.queries import QueryRow, QueryService
from rego_desktop.services.signatures import SignatureInfo, SignatureService
from rego_desktop.store.study import OpenStudy

IssueStatus = Literal["open", "answered", "closed", "not_raised"]


@dataclass(frozen=True)
class PatientReportData:
    """Everything one summary needs; no database session is held."""

    book: Casebook
    site_code: str
    queries: tuple[QueryRow, ...] = ()
    signatures: tuple[SignatureInfo, ...] = ()
    today: dt.date | None = None  # for the edit checks; None = the computer's date
    data: PatientData = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "data", PatientData(self.book))


@dataclass(frozen=True)
class Issue:
    """A finding of the edit checks or a stored query, with where it is and its status."""

    subject: str
    form: str
    item_uid: str
    field: str | None
    rule: str
    severity: Severity
    message: str
    message_zh: str
    where: str
    where_zh: str
    cycle: int | None
    status: IssueStatus
    answered: bool
    answer: str | None  # free text typed by a person: never in de-identified output
    raised_at: dt.datetime | None
    current: bool  # the current data show this finding

    def text(self, language: str) -> str:
        return self.message_zh if language.startswith("zh") else self.message

    def place(self, language: str) -> str:
        return self.where_zh if language.startswith("zh") else self.where


def collect(
    study: OpenStudy, subject_code: str, *, today: dt.date | None = None
) -> PatientReportData:
    """One patient's casebook, queries and signatures."""
    book = PatientService(study).casebook(subject_code)
    queries = QueryService(study).list(subject_code)
    signatures = SignatureService(study).signatures(subject_code)
    return PatientReportData(
        book, study.info.site_code, tuple(queries), tuple(signatures), today=today
    )


def _key(
    rule: str, form: str, item_uid: str, field_id: str | None, cycle: int | None
) -> tuple[str, str, str, str, int]:
    return (rule, form, item_uid, field_id or "", -1 if cycle is None else cycle)


def issues(
    book: Casebook | PatientData,
    queries: Sequence[QueryRow] = (),
    *,
    today: dt.date | None = None,
    findings: Iterable[Finding] | None = None,
) -> list[Issue]:
    """Current findings (with their query's status) and stored queries without one.

    In CRF order for the findings, then the remaining queries in stored order.
    """
    data = book if isinstance(book, PatientData) else PatientData(book)
    current = list(run_checks(data, today=today) if findings is None else findings)
    by_key: dict[tuple[str, str, str, str, int], QueryRow] = {}
    for stored in queries:
        # A query whose finding is present wins over a stale one at the same place.
        k = _key(stored.rule, stored.form, stored.item_uid, stored.field, stored.cycle)
        if k not in by_key or stored.present:
            by_key[k] = stored
    out: list[Issue] = []
    used: set[str] = set()
    for f in current:
        match = by_key.get(_key(f.rule, f.form, f.item_uid, f.field, f.cycle))
        en, zh = finding_place(data.book, f.form, f.item_uid, f.field)
        q = match if match is not None and match.uid not in used else None
        status: IssueStatus = "not_raised"
        if q is not None:
            used.add(q.uid)
            status = q.status
        out.append(
            Issue(
                subject=f.subject,
                form=f.form,
                item_uid=f.item_uid,
                field=f.field,
                rule=f.rule,
                severity=f.severity,
                message=f.message,
                message_zh=f.message_zh,
                where=en,
                where_zh=zh,
                cycle=f.cycle,
                status=status,
                answered=q is not None and q.answer is not None,
                answer=q.answer if q is not None else None,
                raised_at=q.created_at if q is not None else None,
                current=True,
            )
        )
    for row in queries:
        if row.uid in used:
            continue
        out.append(
            Issue(
                subject=row.subject,
                form=row.form,
                item_uid=row.item_uid,
                field=row.field,
                rule=row.rule,
                severity=row.severity,
                message=row.message,
                message_zh=row.message_zh,
                where=row.where,
                where_zh=row.where_zh,
                cycle=row.cycle,
                status=row.status,
                answered=row.answer is not None,
                answer=row.answer,
                raised_at=row.created_at,
                current=False,
            )
        )
    return out


def summary_issues(items: Iterable[Issue]) -> list[Issue]:
    """What the summary lists: the label deviations the data show, and open queries."""
    rank = {"deviation": 0, "error": 1, "warning": 2}
    chosen = [i for i in items if (i.severity == "deviation" and i.current) or i.status != "closed"]
    return sorted(chosen, key=lambda i: rank.get(i.severity, 3))
