"""Keeping the tags current: every flush of an unlocked study's session re-tags the
authority rows it writes and updates the per-kind set digests.

The program never re-tags a row whose stored tag it cannot vouch for: before a changed
or deleted row gets its new tag, the tag over its values as they were read is checked,
so a row altered with ``sqlite3`` while the program runs is refused at the next save
instead of being laundered into a valid one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, UOWTransaction

from rego_desktop.authority.errors import AuthorityProblem, authority_altered, subject_zh
from rego_desktop.authority.tags import (
    AuthorityKey,
    AuthoritySets,
    Kind,
    key_slot_content,
    meta_content,
    patient_content,
    setting_content,
    signature_content,
    user_content,
)
from rego_desktop.models import KeySlot, Patient, Signature, StudyMeta, StudySetting, User

INFO_KEY = "rego_authority"
META_ID = 1

Getter = Callable[[str], Any]


def _user_uid(session: Session, user_id: int | None) -> str:
    if user_id is None:
        return ""
    user = session.get(User, user_id)
    return "" if user is None else user.uid


def _patient_uid(session: Session, patient_id: int | None) -> str:
    if patient_id is None:
        return ""
    patient = session.get(Patient, patient_id)
    return "" if patient is None else patient.uid


class PatientFacts(NamedTuple):
    """The columns of a patient row its tag covers (verification reads only these)."""

    id: int
    uid: str
    subject_code: str
    locked: bool
    auth_tag: bytes | None


TAGGED: dict[type[Any], Kind] = {
    User: Kind.USERS,
    PatientFacts: Kind.PATIENTS,
    KeySlot: Kind.KEY_SLOTS,
    Signature: Kind.SIGNATURES,
    Patient: Kind.PATIENTS,
    StudySetting: Kind.SETTINGS,
    StudyMeta: Kind.META,
}

UidOf = Callable[[int | None], str]


def content(
    session: Session,
    obj: object,
    get: Getter,
    *,
    patient_uid: UidOf | None = None,
    user_uid: UidOf | None = None,
) -> list[Any]:
    """The tagged content of ``obj`` with its values read through ``get``; foreign keys
    are resolved with ``patient_uid``/``user_uid`` when given (else from the session)."""
    if isinstance(obj, User):
        return user_content(
            get("uid"),
            get("username"),
            get("full_name"),
            get("role"),
            get("active"),
            get("created_at"),
            get("password_changed_at"),
        )
    if isinstance(obj, KeySlot):
        return key_slot_content(
            get("uid"),
            get("kind"),
            (user_uid or (lambda i: _user_uid(session, i)))(get("user_id")),
            get("kdf"),
            get("salt"),
            get("wrapped"),
            get("created_at"),
        )
    if isinstance(obj, Signature):
        return signature_content(
            get("uid"),
            (patient_uid or (lambda i: _patient_uid(session, i)))(get("patient_id")),
            get("user_uid"),
            get("username"),
            get("full_name"),
            get("meaning"),
            get("signed_at"),
            get("content_hash"),
            get("casebook_digest"),
            get("transfer_digest"),
            get("revoked_at"),
            get("revoked_by"),
        )
    if isinstance(obj, Patient | PatientFacts):
        return patient_content(get("uid"), get("subject_code"), get("locked"))
    if isinstance(obj, StudySetting):
        return setting_content(get("key"), get("revision"), get("updated_at"), get("payload"))
    if isinstance(obj, StudyMeta):
        return meta_content(
            get("id"),
            get("db_uid"),
            get("site_code"),
            get("study_id"),
            get("study_version"),
            get("created_at"),
            get("created_by_version"),
            get("next_subject_number"),
            get("authority_sets"),
        )
    raise TypeError(f"{type(obj).__name__} is not an authority row")


def current(obj: object) -> Getter:
    return lambda name: getattr(obj, name)


def committed(obj: object) -> Getter:
    """Values as last read from (or flushed to) the database."""
    attrs = inspect(obj).attrs

    def get(name: str) -> Any:
        history = attrs[name].load_history()
        if history.deleted:
            return history.deleted[0]
        if history.unchanged:
            return history.unchanged[0]
        return None

    return get


def describe(obj: object) -> str:
    """A row named for a user: "user 'entry'", "patient BJ01-0003", ..."""
    get = committed(obj)
    if isinstance(obj, User):
        return f"user {get('username')!r}"
    if isinstance(obj, KeySlot):
        return f"key slot {get('uid')}"
    if isinstance(obj, Signature):
        return f"signature by {get('username')!r} at {get('signed_at')}"
    if isinstance(obj, Patient):
        return f"patient {get('subject_code')}"
    if isinstance(obj, StudySetting):
        return f"study setting {get('key')!r}"
    return "the study metadata"


class Guard:
    """Tags authority rows in one session; installed by :func:`install`."""

    def __init__(self, key: AuthorityKey) -> None:
        self.key = key

    def tag(self, session: Session, obj: object, get: Getter) -> bytes:
        return self.key.tag(content(session, obj, get))

    def _old_tag(self, session: Session, obj: object) -> bytes:
        """The stored tag, after checking that it matches the stored values."""
        stored = committed(obj)("auth_tag")
        if stored is None or bytes(stored) != self.tag(session, obj, committed(obj)):
            what = describe(obj)
            raise authority_altered(
                [
                    AuthorityProblem(
                        TAGGED[type(obj)],
                        what,
                        f"{what} was changed outside the program",
                        f"{subject_zh(what)} 在程序之外被修改",
                    )
                ]
            )
        return bytes(stored)

    def before_flush(self, session: Session) -> None:
        with session.no_autoflush:
            self._before_flush(session)

    def _before_flush(self, session: Session) -> None:
        metas = [o for o in list(session.new) + list(session.dirty) if isinstance(o, StudyMeta)]
        sets_changed = False
        delta: dict[Kind, list[tuple[bytes | None, bytes | None]]] = {}
        # Each change of a kind: (tag taken out of its set, tag put in).
        deleted = list(session.deleted)
        for obj in deleted:
            if isinstance(obj, Patient):  # its signatures go with it (ON DELETE CASCADE)
                cascaded = session.scalars(select(Signature).where(Signature.patient_id == obj.id))
                deleted.extend(s for s in cascaded if s not in session.deleted)
        for obj in deleted:
            kind = TAGGED.get(type(obj))
            if kind is None or kind is Kind.META:
                continue
            delta.setdefault(kind, []).append((self._old_tag(session, obj), None))
        for obj in list(session.new):
            kind = TAGGED.get(type(obj))
            if kind is None or kind is Kind.META:
                continue
            tag = self.tag(session, obj, current(obj))
            obj.auth_tag = tag
            delta.setdefault(kind, []).append((None, tag))
        for obj in list(session.dirty):
            kind = TAGGED.get(type(obj))
            if kind is None or kind is Kind.META or not session.is_modified(obj):
                continue
            old = self._old_tag(session, obj)
            tag = self.tag(session, obj, current(obj))
            if tag != old:
                obj.auth_tag = tag
                delta.setdefault(kind, []).append((old, tag))
        if delta:
            sets_changed = True
            if not metas:
                meta = session.get(StudyMeta, META_ID)
                if meta is None:
                    raise RuntimeError("authority rows written before the study's metadata")
                metas = [meta]
        for meta in metas:
            if meta in session.dirty and not (sets_changed or session.is_modified(meta)):
                continue
            fresh = meta in session.new
            if not fresh:
                self._old_tag(session, meta)
            if sets_changed:
                sets = AuthoritySets() if fresh else AuthoritySets.from_text(meta.authority_sets)
                if sets is None:
                    raise authority_altered(
                        [
                            AuthorityProblem(
                                Kind.META,
                                "the study metadata",
                                "the study metadata was changed outside the program",
                                "研究元数据在程序之外被修改",
                            )
                        ]
                    )
                for kind, changes in delta.items():
                    digest = sets.of(kind)
                    for taken, put in changes:
                        if taken is not None:
                            digest.remove(taken)
                        if put is not None:
                            digest.add(put)
                meta.authority_sets = sets.to_text()
            meta.auth_tag = self.tag(session, meta, current(meta))


def install(session: Session, key: AuthorityKey) -> Session:
    """Tag authority rows at every flush of ``session``."""
    guard = Guard(key)
    session.info[INFO_KEY] = guard

    def before_flush(sess: Session, _ctx: UOWTransaction, _instances: object) -> None:
        guard.before_flush(sess)

    event.listen(session, "before_flush", before_flush)
    return session
