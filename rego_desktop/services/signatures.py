"""Electronic signatures of casebooks (21 CFR Part 11 style).

An investigator re-enters the password to sign; the signature records name, UTC time
and meaning, pins a hash of the casebook content and locks the casebook. Unlocking
needs a reason and is audited; the signature stays on record as revoked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from rego_desktop.audit import trail
from rego_desktop.auth.roles import Permission
from rego_desktop.casebook import FormStatus, PatientStatus
from rego_desktop.errors import NotFound, ValidationError
from rego_desktop.models import Patient, Record, Signature, new_uid, utcnow
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
        with self.study.reading() as session:
            patient = _patient(session, subject_code)
            rows = session.scalars(
                select(Signature)
                .where(Signature.patient_id == patient.id)
                .order_by(Signature.signed_at)
            )
            return [
                SignatureInfo(
                    r.full_name, r.username, r.meaning, r.signed_at, r.revoked_at, r.revoked_by
                )
                for r in rows
            ]


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
