"""Each site's state at the center, for the data manager (``rego-center status``).

Per site: the newest merged package (its sequence, when the site made it, when it was
merged), the patients the center holds, screen failures, completeness per form (share
of patients, screen failures excluded, whose exported form is complete by the site's own rule,
:meth:`~rego_desktop.casebook.Casebook.form_status`), the share of casebooks signed, the
patients sent without a first dose date (each package carries this; a patient without
it has no study days and is left out of every time-to-event analysis), and the days
since the site made its last package, marked overdue after the center's overdue period.

**Stored facts.** Screen failure and completeness need each patient's casebook rebuilt
from the pooled data (:func:`~rego_desktop.center.pooled.casebook_of`, the same rules as
at the site), which takes seconds at 10,000 patients. So each patient's facts (screen
failed, forms complete) are stored in ``center_patient_facts`` with the content hash
and code fingerprint they were computed from, like the analysis rows
(:mod:`rego_desktop.center.analysis_rows`): the status computes them only for patients
whose content changed since (merged, rolled back) or when the program changed, and
otherwise reads stored facts, package rows and patient flags. A stored fact never
changes a result, only how fast it comes (``use_stored=False`` recomputes everything).

**Overdue period.** A setting of the center (``center_settings``, default
:data:`DEFAULT_OVERDUE_DAYS`), shared by the command line and the window, changed with
:func:`set_overdue_days` (recorded in the audit trail). ``rego-center status
--overdue-days N`` uses another period for one report without changing the setting.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Final, cast

from sqlalchemy import Table, case, func, or_, select
from sqlalchemy.orm import Session

from rego_desktop.analysis.stored import code_fingerprint, source_digest
from rego_desktop.casebook import FormStatus
from rego_desktop.center import audit as center_audit
from rego_desktop.center.audit import AuditAction
from rego_desktop.center.db import CenterDatabase
from rego_desktop.center.models import (
    CenterEntry,
    CenterPackage,
    CenterPatient,
    CenterPatientFacts,
    CenterSetting,
    CenterSite,
)
from rego_desktop.center.pooled import _age, _definition, casebook_of
from rego_desktop.center.row_cache import keep
from rego_desktop.errors import RegoError
from rego_desktop.exchange.deidentify import (
    DeidentifiedEntry,
    DeidentifiedPatient,
    ExportPolicy,
    export_policy,
)
from rego_desktop.models.base import utcnow

__all__ = [
    "DEFAULT_OVERDUE_DAYS",
    "MAX_OVERDUE_DAYS",
    "SiteStatus",
    "overdue_days",
    "refresh_facts",
    "set_overdue_days",
    "site_status",
]

DEFAULT_OVERDUE_DAYS: Final = 30
MAX_OVERDUE_DAYS: Final = 3650
OVERDUE_KEY: Final = "overdue_days"
FACTS_FORMAT: Final = "rego-center/status-facts/1"
_BATCH: Final = 2000

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class SiteStatus:
    site_code: str
    sequence: int
    """The newest package whose data are current (not rolled back)."""
    created_at: dt.datetime
    """When the site made that package."""
    merged_at: dt.datetime
    packages: int
    patients: int
    screen_failures: int
    signed: int
    without_first_dose: tuple[str, ...]
    completeness: dict[str, float]
    """Form id -> share (0-1) of patients, screen failures excluded, with the form complete."""
    days_since_package: int
    overdue: bool

    @property
    def signed_share(self) -> float:
        return self.signed / self.patients if self.patients else 0.0

    @property
    def complete_share(self) -> float:
        """The mean completeness over the forms (0 without forms)."""
        values = list(self.completeness.values())
        return sum(values) / len(values) if values else 0.0

    def to_json_object(self) -> dict[str, Any]:
        return {
            "site": self.site_code,
            "sequence": self.sequence,
            "package_created_at": self.created_at.isoformat(),
            "merged_at": self.merged_at.isoformat(),
            "packages": self.packages,
            "patients": self.patients,
            "screen_failures": self.screen_failures,
            "signed": self.signed,
            "signed_share": round(self.signed_share, 4),
            "without_first_dose": len(self.without_first_dose),
            "without_first_dose_subjects": list(self.without_first_dose),
            "completeness": {k: round(v, 4) for k, v in self.completeness.items()},
            "days_since_package": self.days_since_package,
            "overdue": self.overdue,
        }


# --------------------------------------------------------------------------- setting


class OverdueSettingError(RegoError):
    """An overdue period outside what is allowed."""


def overdue_days(db: CenterDatabase) -> int:
    """The center's overdue period in days (:data:`DEFAULT_OVERDUE_DAYS` if never set)."""
    with db.reading() as session:
        row = session.get(CenterSetting, OVERDUE_KEY)
    if row is None:
        return DEFAULT_OVERDUE_DAYS
    try:
        value = int(row.value)
    except ValueError:
        return DEFAULT_OVERDUE_DAYS
    return value if 0 <= value <= MAX_OVERDUE_DAYS else DEFAULT_OVERDUE_DAYS


_stored_overdue_days = overdue_days


def check_overdue_days(days: int) -> int:
    if not 0 <= days <= MAX_OVERDUE_DAYS:
        raise OverdueSettingError(
            f"The overdue period must be between 0 and {MAX_OVERDUE_DAYS} days, not {days}.",
            zh=f"逾期期限必须在 0 到 {MAX_OVERDUE_DAYS} 天之间，而不是 {days}。",
        )
    return days


def set_overdue_days(db: CenterDatabase, days: int) -> bool:
    """Store the center's overdue period, with an audit entry; False if unchanged."""
    check_overdue_days(days)
    with db.transaction() as session:
        row = session.get(CenterSetting, OVERDUE_KEY, with_for_update=True)
        old = row.value if row is not None else str(DEFAULT_OVERDUE_DAYS)
        if row is not None and row.value == str(days):
            return False
        if row is None:
            session.add(CenterSetting(key=OVERDUE_KEY, value=str(days), changed_at=utcnow()))
        else:
            row.value = str(days)
            row.changed_at = utcnow()
        center_audit.append(
            session,
            AuditAction.SETTING,
            details={"setting": OVERDUE_KEY, "old": old, "new": str(days)},
        )
    return True


# --------------------------------------------------------------------------- facts


@cache
def facts_code(study_id: str, study_version: str) -> str:
    """Fingerprint of the code deciding a patient's facts: the analysis rows' (study
    definition, rules, casebook) and the center's rebuilding of casebooks and this module."""
    return source_digest(
        f"{FACTS_FORMAT}|{code_fingerprint(study_id, study_version)}",
        (),
        ("rego_desktop.center.pooled", "rego_desktop.center.status"),
    )


_policies: dict[tuple[str, str], ExportPolicy] = {}


def _policy(study_id: str, version: str) -> ExportPolicy:
    key = (study_id, version)
    if key not in _policies:
        _policies[key] = export_policy(_definition(study_id, version))
    return _policies[key]


def _compute(session: Session, patients: Sequence[CenterPatient]) -> list[dict[str, Any]]:
    """The facts of these patients, from their entries (one query)."""
    forms: dict[int, dict[str, list[DeidentifiedEntry]]] = defaultdict(lambda: defaultdict(list))
    query = (
        select(
            CenterEntry.patient_id,
            CenterEntry.form_id,
            CenterEntry.entry_id,
            CenterEntry.values_json,
        )
        .where(CenterEntry.patient_id.in_([p.id for p in patients]))
        .order_by(CenterEntry.patient_id, CenterEntry.form_id, CenterEntry.entry_id)
    )
    for patient_id, form_id, entry_id, text in session.execute(query):
        forms[patient_id][form_id].append(DeidentifiedEntry(entry_id, json.loads(text)))
    out = []
    for p in patients:
        policy = _policy(p.study_id, p.study_version)
        book = casebook_of(
            DeidentifiedPatient(
                subject_code=p.subject_code,
                signed=p.signed,
                first_dose_known=p.first_dose_known,
                age_at_first_dose=_age(p.age),
                forms={f: tuple(items) for f, items in forms.get(p.id, {}).items()},
            ),
            policy.definition,
            patient_uid=p.uid,
            updated_at=p.package_created_at,
            policy=policy,
        )
        complete = [
            form.id
            for form in policy.exported_forms()
            if book.form_status(form.id) is FormStatus.COMPLETE
        ]
        out.append(
            {
                "patient_id": p.id,
                "content_sha256": p.content_sha256,
                "code": facts_code(p.study_id, p.study_version),
                "screen_failed": book.screen_failed(),
                "complete_forms": json.dumps(complete, separators=(",", ":")),
            }
        )
    return out


def _stale_ids(session: Session) -> list[int]:
    """Patients without facts computed from their current content by the current code.

    The database returns only candidates (no facts, other content, or a code that is not
    the current one of any study version present); each is then checked exactly."""
    versions = session.execute(
        select(CenterPatient.study_id, CenterPatient.study_version).distinct()
    ).all()
    codes = sorted({facts_code(study_id, version) for study_id, version in versions})
    query = select(
        CenterPatient.id,
        CenterPatient.content_sha256,
        CenterPatient.study_id,
        CenterPatient.study_version,
        CenterPatientFacts.content_sha256,
        CenterPatientFacts.code,
    ).outerjoin(CenterPatientFacts, CenterPatientFacts.patient_id == CenterPatient.id)
    if len(versions) == 1:  # else several study versions: each row's code is checked below
        query = query.where(
            or_(
                CenterPatientFacts.patient_id.is_(None),
                CenterPatientFacts.content_sha256 != CenterPatient.content_sha256,
                CenterPatientFacts.code.not_in(codes),
            )
        )
    return [
        pid
        for pid, content, study_id, version, facts_content, code in session.execute(query)
        if facts_content != content or code != facts_code(study_id, version)
    ]


def _compute_stale(
    session: Session, ids: Sequence[int], progress: Progress | None
) -> dict[int, dict[str, Any]]:
    """Facts of the patients ``ids``, computed from their entries in batches."""
    out: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), _BATCH):
        part = ids[start : start + _BATCH]
        patients = list(session.scalars(select(CenterPatient).where(CenterPatient.id.in_(part))))
        for values in _compute(session, patients):
            out[values["patient_id"]] = values
        if progress is not None:
            progress(min(start + _BATCH, len(ids)), len(ids))
    return out


def _store(db: CenterDatabase, computed: dict[int, dict[str, Any]]) -> None:
    """Keep computed facts (computing happened before, outside any write lock)."""
    keep(db, cast(Table, CenterPatientFacts.__table__), list(computed.values()))


def refresh_facts(db: CenterDatabase, progress: Progress | None = None) -> int:
    """Compute and store the facts of every patient without valid stored ones; the
    number of patients computed (facts are a cache: a batch lost to a crash is
    computed again next time)."""
    with db.reading() as session:
        computed = _compute_stale(session, _stale_ids(session), progress)
    _store(db, computed)
    return len(computed)


# --------------------------------------------------------------------------- status


def site_status(
    db: CenterDatabase,
    *,
    overdue_days: int | None = None,
    now: dt.datetime | None = None,
    use_stored: bool = True,
    progress: Progress | None = None,
) -> list[SiteStatus]:
    """The state of every site that has sent a package, by site code.

    ``overdue_days``: the period for this report (default: the center's setting).
    ``use_stored=False`` recomputes every patient's facts (the stored ones are replaced).
    Computing happens in the reading snapshot; storing the new facts afterwards is
    skipped, not failed, when the database is busy with a merge.
    """
    moment = now or utcnow()
    if overdue_days is None:
        overdue_days = _stored_overdue_days(db)
    check_overdue_days(overdue_days)
    with db.reading() as session:
        # One snapshot: the facts computed now and the counts read below agree.
        everyone = not use_stored
        stale = list(session.scalars(select(CenterPatient.id))) if everyone else _stale_ids(session)
        computed = _compute_stale(session, stale, progress)
        sites = list(session.scalars(select(CenterSite).order_by(CenterSite.site_code)))
        package_counts: Counter[str] = Counter()
        current: dict[str, tuple[int, dt.datetime]] = {}
        for code, sequence, created, rolled_back in session.execute(
            select(
                CenterPackage.site_code,
                CenterPackage.sequence,
                CenterPackage.created_at,
                CenterPackage.rolled_back_at,
            )
        ):
            package_counts[code] += 1
            if rolled_back is None and (code not in current or sequence > current[code][0]):
                current[code] = (sequence, created)
        counts = {
            code: (int(n), int(signed or 0))
            for code, n, signed in session.execute(
                select(
                    CenterPatient.site_code,
                    func.count(),
                    func.sum(case((CenterPatient.signed, 1), else_=0)),
                ).group_by(CenterPatient.site_code)
            )
        }
        study_of: dict[str, tuple[str, str]] = {}
        for code, study_id, version in session.execute(
            select(
                CenterPatient.site_code, CenterPatient.study_id, CenterPatient.study_version
            ).order_by(CenterPatient.site_code, CenterPatient.subject_code)
        ):
            study_of.setdefault(code, (study_id, version))
        missing_dose: dict[str, list[str]] = defaultdict(list)
        for code, site_code in session.execute(
            select(CenterPatient.subject_code, CenterPatient.site_code)
            .where(CenterPatient.first_dose_known.is_(False))
            .order_by(CenterPatient.subject_code)
        ):
            missing_dose[site_code].append(code)
        failures: Counter[str] = Counter()
        complete: dict[str, Counter[str]] = defaultdict(Counter)
        analysed: Counter[str] = Counter()
        for pid, site_code, stored_failed, stored_forms in session.execute(
            select(
                CenterPatient.id,
                CenterPatient.site_code,
                CenterPatientFacts.screen_failed,
                CenterPatientFacts.complete_forms,
            ).outerjoin(CenterPatientFacts, CenterPatientFacts.patient_id == CenterPatient.id)
        ):
            fresh = computed.get(pid)
            failed = fresh["screen_failed"] if fresh is not None else stored_failed
            forms = fresh["complete_forms"] if fresh is not None else stored_forms
            if failed:
                failures[site_code] += 1
                continue
            analysed[site_code] += 1
            complete[site_code].update(json.loads(forms))
    _store(db, computed)  # busy with a merge: computed next time
    out = []
    for site in sites:
        code = site.site_code
        patients, signed = counts.get(code, (0, 0))
        completeness: dict[str, float] = {}
        if code in study_of:
            n = analysed[code]
            for form in _policy(*study_of[code]).exported_forms():
                completeness[form.id] = complete[code][form.id] / n if n else 0.0
        sequence, created = current.get(code, (site.last_sequence, site.last_merged_at))
        days = max(0, (moment - created).days)
        out.append(
            SiteStatus(
                site_code=code,
                sequence=sequence,
                created_at=created,
                merged_at=site.last_merged_at,
                packages=package_counts[code],
                patients=patients,
                screen_failures=failures[code],
                signed=signed,
                without_first_dose=tuple(missing_dose.get(code, ())),
                completeness=completeness,
                days_since_package=days,
                overdue=days > overdue_days,
            )
        )
    return out
