"""Site side: what a transfer file will contain (preview) and writing it (export).

:func:`preview_export` tells the user, before anything leaves the site, how many
patients and entries per form will be sent and what is removed (identifying forms and
fields, free text, dates that cannot become study days). :func:`export_transfer` then
writes the de-identified dataset (``payload.py``) into a transfer file encrypted for the
coordinating center and signed with the site's key (``container.py``), records the
package and its sequence number in the site database and audits it, all in one
transaction: if anything fails the file is removed and the sequence number is not used.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rego_desktop.audit import trail
from rego_desktop.auth.roles import Permission
from rego_desktop.authority.digests import signed_transfer_digests
from rego_desktop.exchange.container import MAX_SEQUENCE, TransferHeader, write_transfer_file
from rego_desktop.exchange.deidentify import (
    AGE_GROUP_TOP,
    DatasetTally,
    DeidentifiedPatient,
    Removal,
    RemovedItem,
    deidentify_casebook,
    export_policy,
)
from rego_desktop.exchange.errors import InvalidExchangeParameter
from rego_desktop.exchange.keys import CenterPublicKey
from rego_desktop.exchange.payload import Manifest, payload_lines
from rego_desktop.exchange.site_keys import current_site_key_row, ensure_site_key
from rego_desktop.models import Patient, utcnow
from rego_desktop.models.site_keys import TransferExport
from rego_desktop.services.center_queries import center_query_responses
from rego_desktop.services.patients import load_casebook
from rego_desktop.store.study import OpenStudy
from rego_desktop.study.schema import Label, StudyDefinition

__all__ = [
    "ExportPreview",
    "ExportResult",
    "FormCount",
    "PreviousExport",
    "RemovedRow",
    "deidentified_patients",
    "export_transfer",
    "preview_export",
]

_REASON_LABELS = {
    Removal.IDENTIFYING: Label("identifying", "可识别身份的信息"),
    Removal.FREE_TEXT: Label("free text", "自由文本"),
    Removal.NO_FIRST_DOSE: Label(
        "date of a patient without a first dose date", "无首次给药日期患者的日期"
    ),
}


@dataclass(frozen=True)
class FormCount:
    """Entries of one form that will be sent."""

    form_id: str
    label: Label
    entries: int


@dataclass(frozen=True)
class RemovedRow:
    """One line of "what stays at the site"."""

    form_id: str
    field_id: str | None
    """None: the whole form."""
    reason: Removal
    count: int
    """Entries (whole form) or values (field) held now and left out."""
    form_label: Label
    field_label: Label | None
    reason_label: Label


@dataclass(frozen=True)
class PreviousExport:
    sequence: int
    package_id: str
    created_at: datetime
    username: str


@dataclass(frozen=True)
class ExportPreview:
    """What a transfer file made now would contain. Nothing is written to make it."""

    site_code: str
    study_id: str
    study_version: str
    patients: int
    forms: tuple[FormCount, ...]
    removed: tuple[RemovedRow, ...]
    patients_without_first_dose: tuple[str, ...]
    ages_grouped: int
    """Patients aged 90 or more at first dose, sent as "90+"."""
    ages_unknown: int
    """Patients sent without an age (no birth date or no first dose date)."""
    next_sequence: int
    site_key_fingerprint: str | None
    """None until the site's key is made (at the first export or ``site-key``)."""
    previous: PreviousExport | None

    @property
    def entries(self) -> int:
        return sum(f.entries for f in self.forms)

    def lines(self, language: str = "en") -> list[str]:
        """A plain-text description for the command line (or a simple dialog)."""

        def t(label: Label) -> str:
            return label.text(language)

        out = [
            f"Site {self.site_code}, study {self.study_id} {self.study_version}: "
            f"{self.patients} patient(s), {self.entries} entries; package sequence number "
            f"{self.next_sequence}.",
        ]
        if self.previous is not None:
            out.append(
                f"Previous export: sequence {self.previous.sequence} on "
                f"{self.previous.created_at:%Y-%m-%d %H:%M} UTC by {self.previous.username}."
            )
        out.append("Entries sent per form:")
        width = max((len(t(f.label)) for f in self.forms), default=0)
        out += [f"  {t(f.label):<{width}}  {f.entries:>7}" for f in self.forms]
        out.append("Removed (stays at the site):")
        for row in self.removed:
            what = t(row.form_label)
            if row.field_label is None:
                out.append(f"  {what}: whole form ({t(row.reason_label)}), {row.count} entries")
            else:
                out.append(
                    f"  {what} / {t(row.field_label)} ({t(row.reason_label)}): {row.count} value(s)"
                )
        if self.patients_without_first_dose:
            codes = ", ".join(self.patients_without_first_dose)
            out.append(f"Sent without any dates (no first dose date, so no study day 1): {codes}.")
        out.append(
            "Dates are sent as study days (day 1 = first dose date, no day 0); ages at first "
            f'dose of 90 or more as "{AGE_GROUP_TOP}" ({self.ages_grouped} patient(s)); '
            f"{self.ages_unknown} patient(s) without an age."
        )
        return out


@dataclass(frozen=True)
class ExportResult:
    path: Path
    header: TransferHeader
    preview: ExportPreview
    """What was exported (``next_sequence`` is this package's sequence number)."""
    file_sha256: str
    size: int


def deidentified_patients(
    study: OpenStudy, session: Session
) -> tuple[list[DeidentifiedPatient], DatasetTally]:
    """Every patient of the study, de-identified, in subject-code order, and the tally."""
    policy = export_policy(study.definition)
    tally = DatasetTally(policy)
    patients = [
        deidentify_casebook(load_casebook(study, session, patient), policy, tally)
        for patient in session.scalars(select(Patient).order_by(Patient.subject_code))
    ]
    return patients, tally


def _removed_rows(
    definition: StudyDefinition, items: tuple[RemovedItem, ...]
) -> tuple[RemovedRow, ...]:
    rows = []
    for item in items:
        form = definition.form(item.form_id)
        rows.append(
            RemovedRow(
                form_id=item.form_id,
                field_id=item.field_id,
                reason=item.reason,
                count=item.count,
                form_label=form.label,
                field_label=None if item.field_id is None else form.field(item.field_id).label,
                reason_label=_REASON_LABELS[item.reason],
            )
        )
    return tuple(rows)


def _previous(session: Session) -> PreviousExport | None:
    row = session.scalar(select(TransferExport).order_by(TransferExport.sequence.desc()).limit(1))
    if row is None:
        return None
    return PreviousExport(row.sequence, row.package_id, row.created_at, row.username)


def _next_sequence(session: Session, at_least: int | None) -> int:
    last = session.scalar(select(func.max(TransferExport.sequence))) or 0
    sequence = max(last + 1, at_least or 1)
    if sequence > MAX_SEQUENCE:
        raise InvalidExchangeParameter("The sequence number is too large.")
    return sequence


def _preview(
    study: OpenStudy,
    session: Session,
    tally: DatasetTally,
    sequence: int,
    fingerprint: str | None,
) -> ExportPreview:
    definition = study.definition
    return ExportPreview(
        site_code=study.info.site_code,
        study_id=definition.id,
        study_version=definition.version,
        patients=tally.patients,
        forms=tuple(
            FormCount(f.id, f.label, tally.entries[f.id]) for f in tally.policy.exported_forms()
        ),
        removed=_removed_rows(definition, tally.removed_items()),
        patients_without_first_dose=tuple(sorted(tally.without_first_dose)),
        ages_grouped=tally.ages_grouped,
        ages_unknown=tally.ages_unknown,
        next_sequence=sequence,
        site_key_fingerprint=fingerprint,
        previous=_previous(session),
    )


def preview_export(study: OpenStudy) -> ExportPreview:
    """What :func:`export_transfer` would send now (read-only; for the Export screen)."""
    study.user.require(Permission.EXPORT)
    study.user.require(Permission.VIEW_DATA)
    with study.reading() as session:
        _patients, tally = deidentified_patients(study, session)
        row = current_site_key_row(session)
        return _preview(
            study,
            session,
            tally,
            _next_sequence(session, None),
            None if row is None else row.fingerprint,
        )


def _sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while block := f.read(1024 * 1024):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def export_transfer(
    study: OpenStudy,
    center: CenterPublicKey,
    path: Path,
    *,
    overwrite: bool = False,
    sequence_at_least: int | None = None,
    created: datetime | None = None,
) -> ExportResult:
    """Write the de-identified transfer file for ``center`` to ``path``.

    The sequence number is one more than the last export's (or ``sequence_at_least`` if
    that is larger: after restoring an old backup, continue above the number the center
    has already merged). The site's signing key is created on first need.
    """
    study.user.require(Permission.EXPORT)
    study.user.require(Permission.VIEW_DATA)
    path = Path(path)
    if sequence_at_least is not None and not 1 <= sequence_at_least <= MAX_SEQUENCE:
        raise InvalidExchangeParameter(
            f"The sequence number must be a whole number from 1 to {MAX_SEQUENCE}."
        )
    written = False
    try:
        with study.transaction() as session:
            key = ensure_site_key(study, session)
            sequence = _next_sequence(session, sequence_at_least)
            patients, tally = deidentified_patients(study, session)
            package_id = uuid.uuid4()
            manifest = Manifest.from_tally(
                tally, site_code=study.info.site_code, package_id=package_id, sequence=sequence
            )
            header = write_transfer_file(
                path,
                payload_lines(
                    manifest,
                    patients,
                    signed_transfer_digests(session),
                    # Issue 16: answers and corrections to the center's queries.
                    center_query_responses(study, session),
                ),
                site_key=key,
                recipient=center,
                study_id=study.definition.id,
                study_version=study.definition.version,
                sequence=sequence,
                package_id=package_id,
                created=created,
                overwrite=overwrite,
            )
            written = True
            file_sha256, size = _sha256(path)
            preview = _preview(study, session, tally, sequence, key.fingerprint)
            session.add(
                TransferExport(
                    package_id=str(package_id),
                    sequence=sequence,
                    created_at=utcnow(),
                    user_uid=study.user.uid,
                    username=study.user.username,
                    site_key_fingerprint=key.fingerprint,
                    recipient_fingerprint=center.fingerprint,
                    patients=tally.patients,
                    entries=preview.entries,
                    file_sha256=file_sha256,
                )
            )
            trail.append(
                session,
                study.keyring,
                study.user,
                "export",
                details={
                    "package_id": str(package_id),
                    "sequence": sequence,
                    "file": path.name,
                    "sha256": file_sha256,
                    "patients": tally.patients,
                    "entries": {f.form_id: f.entries for f in preview.forms},
                    "removed": [
                        [r.form_id, r.field_id, r.reason.value, r.count] for r in preview.removed
                    ],
                    "without_first_dose": len(preview.patients_without_first_dose),
                    "ages_grouped": preview.ages_grouped,
                    "site_key": key.fingerprint,
                    "center": center.center,
                    "center_key": center.fingerprint,
                },
            )
    except BaseException:
        if written:
            path.unlink(missing_ok=True)
        raise
    return ExportResult(path, header, preview, file_sha256, size)
