"""Electronic signatures of casebooks (21 CFR Part 11 style).

An investigator re-enters the password to sign; the signature records name, UTC time
and meaning, pins digests of the casebook content and locks the casebook. Unlocking
needs a reason and is audited; the signature stays on record as revoked.

A signature covers the content it signed: ``casebook_digest`` is the digest of the
casebook's canonical values at signing, ``transfer_digest`` that of the de-identified
patient a transfer file carries (:mod:`rego_desktop.authority.digests`); both are in the
row's authentication tag. Any later change of the casebook, however it was made (even
clearing ``locked`` with ``sqlite3``, editing and setting it back), makes the signature
*broken*: :attr:`SignatureInfo.broken` here, "BROKEN" in the window, in the PDF, in
``check``/``audit --verify``, and the center counts the casebook as unsigned.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from rego_desktop.audit import trail
from rego_desktop.auth.roles import Permission
from rego_desktop.authority.digests import casebook_digest, transfer_digest
from rego_desktop.casebook import FormStatus, PatientStatus
from rego_desktop.errors import NotFound, ValidationError
from rego_desktop.models import Patient, Record, Signature, new_uid, utcnow
from rego_desktop.services.damage import DamagedRecord
from rego_desktop.services.damage import skip as skip_damaged
from rego_desktop.services.patients import load_casebook, write_summary
from rego_desktop.services.users import UserService
from rego_desktop.store.study import OpenStudy
from rego_desktop.study.schema import Label

MEANING = Label(
    "I have reviewed this casebook and confirm that the data are accurate and complete.",
    "本人已审阅此病例报告,确认数据准确、完整。",
)


@dataclass(frozen=True)
class SignatureInfo:
    full_name: str
    username: str
    meaning: str
    signed_at: dt.datetime
    revoked_at: dt.datetime | None
    revoked_by: str | None
    broken: bool = False
    """The casebook is no longer what was signed (only for a signature not revoked)."""


class SignatureService:
    def __init__(self, study: OpenStudy) -> None:
        self.study = study

    def incomplete_forms(self, subject_code: str) -> list[str]:
        """Labels of forms that keep the casebook from being signed."""
        return [label.en for label in self.incomplete_form_labels(subject_code)]

    def incomplete_form_labels(self, subject_code: str) -> list[Label]:
        """Labels (English and Chinese) of forms that keep the casebook from being signed."""
        from rego_desktop.services.patients import PatientService

        book = PatientService(self.study).casebook(subject_code)
        if book.status() is PatientStatus.SCREEN_FAILURE:
            needed = ["eligibility"]
        else:
            needed = [f.id for f in self.study.definition.forms if not f.repeating]
        return [
            self.study.definition.form(f).label
            for f in needed
            if book.form_status(f) is not FormStatus.COMPLETE
        ]

    def sign(self, subject_code: str, password: str, meaning: str = MEANING.en) -> None:
        self.study.user.require(Permission.SIGN)
        users = UserService(self.study)
        missing = self.incomplete_form_labels(subject_code)
        if missing:
            raise ValidationError(
                f"The casebook of {subject_code} is not complete; finish first: "
                + ", ".join(label.en for label in missing)
                + ".",
                zh=f"{subject_code} 的病例报告尚未完成，请先完成："
                + "、".join(label.zh for label in missing)
                + "。",
            )
        with self.study.transaction() as session:
            user = users.current_user(session)
            users.verify_password(session, user, password)
            patient = _patient(session, subject_code)
            if patient.locked:
                raise ValidationError(
                    f"The casebook of {subject_code} is already signed.",
                    zh=f"{subject_code} 的病例报告已签署。",
                )
            now = utcnow()
            book = load_casebook(self.study, session, patient)
            session.add(
                Signature(
                    uid=new_uid(),
                    patient_id=patient.id,
                    user_uid=user.uid,
                    username=user.username,
                    full_name=user.full_name,
                    meaning=meaning,
                    signed_at=now,
                    content_hash=_content_hash(session, patient),
                    casebook_digest=casebook_digest(book),
                    transfer_digest=transfer_digest(book),
                )
            )
            patient.locked = True
            session.flush()
            write_summary(self.study, patient, load_casebook(self.study, session, patient))
            trail.append(
                session,
                self.study.keyring,
                self.study.user,
                "casebook.sign",
                subject_code=subject_code,
                details={"name": user.full_name, "meaning": meaning, "at": now.isoformat()},
            )

    def unlock(self, subject_code: str, password: str, reason: str) -> None:
        self.study.user.require(Permission.UNLOCK)
        if not reason.strip():
            raise ValidationError(
                "Give a reason for unlocking a signed casebook.",
                zh="请填写解锁已签署病例报告的原因。",
            )
        users = UserService(self.study)
        with self.study.transaction() as session:
            user = users.current_user(session)
            users.verify_password(session, user, password)
            patient = _patient(session, subject_code)
            if not patient.locked:
                raise ValidationError(
                    f"The casebook of {subject_code} is not locked.",
                    zh=f"{subject_code} 的病例报告未锁定。",
                )
            for signature in session.scalars(
                select(Signature).where(
                    Signature.patient_id == patient.id, Signature.revoked_at.is_(None)
                )
            ):
                signature.revoked_at = utcnow()
                signature.revoked_by = user.username
            patient.locked = False
            session.flush()
            write_summary(self.study, patient, load_casebook(self.study, session, patient))
            trail.append(
                session,
                self.study.keyring,
                self.study.user,
                "casebook.unlock",
                subject_code=subject_code,
                reason=reason.strip(),
            )

    def signatures(self, subject_code: str) -> list[SignatureInfo]:
        """Every signature of the casebook, oldest first; a current one says whether the
        casebook is still what was signed."""
        with self.study.reading() as session:
            patient = _patient(session, subject_code)
            rows = list(
                session.scalars(
                    select(Signature)
                    .where(Signature.patient_id == patient.id)
                    .order_by(Signature.signed_at)
                )
            )
            current: bytes | None = None
            if any(r.revoked_at is None for r in rows):
                current = casebook_digest(load_casebook(self.study, session, patient))
            return [
                SignatureInfo(
                    r.full_name,
                    r.username,
                    r.meaning,
                    r.signed_at,
                    r.revoked_at,
                    r.revoked_by,
                    broken=r.revoked_at is None
                    and (r.casebook_digest is None or bytes(r.casebook_digest) != current),
                )
                for r in rows
            ]

    def broken(self) -> list[str]:
        """Subject codes whose current signature no longer covers the casebook."""
        with self.study.reading() as session:
            rows = session.execute(
                select(Patient, Signature)
                .join(Signature, Signature.patient_id == Patient.id)
                .where(Signature.revoked_at.is_(None))
                .order_by(Patient.subject_code)
            ).all()
            found: list[str] = []
            for patient, signature in rows:
                try:
                    book = load_casebook(self.study, session, patient)
                except DamagedRecord as exc:  # listed as skipped by read-only commands
                    if not skip_damaged(exc):
                        raise
                    continue
                digest = casebook_digest(book)
                stored = signature.casebook_digest
                broken = stored is None or bytes(stored) != digest or not patient.locked
                if broken and patient.subject_code not in found:
                    found.append(patient.subject_code)
            return found


def complete_legacy_signatures(study: OpenStudy) -> int:
    """Give signatures made before casebook digests existed their digests, when the
    casebook is unchanged since signing (by the older content hash); returns how many.

    Runs once, after an upgraded study's authority rows are first tagged. A signature
    whose casebook changed since keeps no digest and shows as broken.
    """
    done = 0
    with study.transaction() as session:
        rows = session.execute(
            select(Patient, Signature)
            .join(Signature, Signature.patient_id == Patient.id)
            .where(Signature.revoked_at.is_(None), Signature.casebook_digest.is_(None))
        ).all()
        for patient, signature in rows:
            if _content_hash(session, patient) != bytes(signature.content_hash):
                continue
            book = load_casebook(study, session, patient)
            signature.casebook_digest = casebook_digest(book)
            signature.transfer_digest = transfer_digest(book)
            done += 1
    return done


def _patient(session: Session, subject_code: str) -> Patient:
    patient = session.scalar(select(Patient).where(Patient.subject_code == subject_code))
    if patient is None:
        raise NotFound(
            f"There is no subject {subject_code} in this study.",
            zh=f"本研究中没有受试者 {subject_code}。",
        )
    return patient


def _content_hash(session: Session, patient: Patient) -> bytes:
    digest = hashlib.sha256()
    for record in session.scalars(
        select(Record).where(Record.patient_id == patient.id).order_by(Record.uid)
    ):
        digest.update(f"{record.uid}:{record.revision}:".encode())
        digest.update(hashlib.sha256(record.payload).digest())
    return digest.digest()
