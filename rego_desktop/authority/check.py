"""Verifying the authority rows of an unlocked study, and tagging them the first time.

:func:`verify` recomputes every row's tag and every kind's set digest, and compares the
users, signatures and locks with what the audit trail says the program did (who was
given which role, who was (de)activated, which casebooks were signed and unlocked).
:func:`establish` tags an upgraded study's rows at its first unlocked open, but only the
rows the audit trail vouches for: a user whose role differs from the trail's, or a
signature the trail never recorded, stays untagged and is reported.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from rego_desktop.audit import trail
from rego_desktop.authority.errors import AuthorityProblem, subject_zh
from rego_desktop.authority.guard import TAGGED, PatientFacts, content, current
from rego_desktop.authority.tags import (
    SET_KINDS,
    AuthorityKey,
    AuthoritySets,
    Kind,
    SetDigest,
)
from rego_desktop.crypto.envelope import NONCE_BYTES, DataKeyring, DecryptionFailed
from rego_desktop.models import (
    AuditEntry,
    KeySlot,
    Patient,
    Query,
    Signature,
    StudyMeta,
    StudySetting,
    User,
)

ESTABLISH_ACTION = "authority.establish"
CREATE_DETAIL = "authority"
"""Key in the ``study.create`` entry's details of a study tagged from its creation."""

_AUDITED = (
    "study.create",
    "user.create",
    "user.role",
    "user.activate",
    "user.deactivate",
    "casebook.sign",
    "casebook.unlock",
    "patient.create",
    ESTABLISH_ACTION,
)

NOUNS = {
    Kind.USERS: ("user", "用户"),
    Kind.KEY_SLOTS: ("key slot", "密钥槽"),
    Kind.SIGNATURES: ("signature", "签名"),
    Kind.PATIENTS: ("patient", "受试者"),
    Kind.SETTINGS: ("study setting", "研究设置"),
    Kind.META: ("study metadata row", "研究元数据"),
    Kind.QUERIES: ("query", "质疑"),
}


@dataclass
class AuditedState:
    """Users, signatures and locks as the audit trail says the program left them."""

    established: bool = False
    roles: dict[str, str] = field(default_factory=dict)
    """Lower-case user name -> role."""
    active: dict[str, bool] = field(default_factory=dict)
    signs: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(subject code, signing time as written in the entry) -> number of signings."""
    signs_per_subject: Counter[str] = field(default_factory=Counter)
    locked: dict[str, bool] = field(default_factory=dict)
    """Subject code -> locked after its last sign or unlock entry."""
    patients: set[str] = field(default_factory=set)
    """Subject codes the program added."""


def audited_state(session: Session, keyring: DataKeyring, db_uid: str) -> AuditedState:
    state = AuditedState()
    rows = session.scalars(
        select(AuditEntry).where(AuditEntry.action.in_(_AUDITED)).order_by(AuditEntry.seq)
    )
    for entry in rows:
        action = entry.action
        if action == "patient.create":
            if entry.subject_code:
                state.patients.add(entry.subject_code)
            continue
        details: dict[str, Any] = trail.decrypt(keyring, db_uid, entry).details
        if action == ESTABLISH_ACTION:
            state.established = True
        elif action == "study.create":
            name = entry.username.casefold()
            state.roles[name] = "administrator"
            state.active[name] = True
            if CREATE_DETAIL in details:
                state.established = True
        elif action == "user.create":
            name = str(details.get("username", "")).casefold()
            state.roles[name] = str(details.get("role", ""))
            state.active[name] = True
        elif action == "user.role":
            state.roles[str(details.get("username", "")).casefold()] = str(details.get("new", ""))
        elif action in ("user.activate", "user.deactivate"):
            name = str(details.get("username", "")).casefold()
            state.active[name] = action == "user.activate"
        elif action == "casebook.sign" and entry.subject_code:
            state.signs[(entry.subject_code, str(details.get("at", "")))] += 1
            state.signs_per_subject[entry.subject_code] += 1
            state.locked[entry.subject_code] = True
        elif action == "casebook.unlock" and entry.subject_code:
            state.locked[entry.subject_code] = False
    return state


def is_established(session: Session, keyring: DataKeyring, db_uid: str) -> bool:
    """Whether this study's authority rows were ever tagged, by its audit trail (which
    an outside edit cannot change without ``audit --verify`` saying so)."""
    found = session.scalar(
        select(AuditEntry.seq).where(AuditEntry.action == ESTABLISH_ACTION).limit(1)
    )
    if found is not None:
        return True
    first = session.get(AuditEntry, 1)
    if first is None or first.action != "study.create":
        return False
    try:
        return CREATE_DETAIL in trail.decrypt(keyring, db_uid, first).details
    except DecryptionFailed:
        return True  # an altered first entry: never re-tag over it


@dataclass
class Rows:
    """Every authority row of the study, loaded once."""

    meta: StudyMeta
    users: list[User]
    slots: list[KeySlot]
    signatures: list[Signature]
    patients: list[PatientFacts]
    settings: list[StudySetting]
    _by_id: dict[int, PatientFacts] | None = None

    @classmethod
    def load(cls, session: Session) -> Rows:
        return cls(
            meta=session.get_one(StudyMeta, trail.META_ID),
            users=list(session.scalars(select(User).order_by(User.username))),
            slots=list(session.scalars(select(KeySlot).order_by(KeySlot.id))),
            signatures=list(session.scalars(select(Signature).order_by(Signature.id))),
            patients=[
                PatientFacts(*row)
                for row in session.execute(
                    select(
                        Patient.id,
                        Patient.uid,
                        Patient.subject_code,
                        Patient.locked,
                        Patient.auth_tag,
                    ).order_by(Patient.subject_code)
                )
            ],
            settings=list(session.scalars(select(StudySetting).order_by(StudySetting.key))),
        )

    def of(self, kind: Kind) -> Sequence[Any]:
        by_kind: dict[Kind, Sequence[Any]] = {
            Kind.USERS: self.users,
            Kind.KEY_SLOTS: self.slots,
            Kind.SIGNATURES: self.signatures,
            Kind.PATIENTS: self.patients,
            Kind.SETTINGS: self.settings,
            Kind.META: [self.meta],
        }
        return by_kind[kind]

    def _patient(self, patient_id: int | None) -> PatientFacts | None:
        if self._by_id is None:
            self._by_id = {p.id: p for p in self.patients}
        return self._by_id.get(patient_id or 0)

    def patient_uid(self, patient_id: int | None) -> str:
        patient = self._patient(patient_id)
        return "" if patient is None else patient.uid

    def patient_code(self, patient_id: int | None) -> str:
        patient = self._patient(patient_id)
        return "?" if patient is None else patient.subject_code

    def user_uid(self, user_id: int | None) -> str:
        return next((u.uid for u in self.users if u.id == user_id), "")

    def tag(self, key: AuthorityKey, session: Session, obj: Any) -> bytes:
        get = current(obj)
        return key.tag(
            content(session, obj, get, patient_uid=self.patient_uid, user_uid=self.user_uid)
        )


def _subject_of(rows: Rows, obj: Any) -> str:
    if isinstance(obj, User):
        return f"user {obj.username!r}"
    if isinstance(obj, KeySlot):
        owner = next((u.username for u in rows.users if u.id == obj.user_id), None)
        if obj.kind == "recovery":
            return "the recovery key slot"
        return f"the password key slot of user {owner!r}" if owner else f"key slot {obj.uid}"
    if isinstance(obj, Signature):
        return f"the signature of {rows.patient_code(obj.patient_id)} by {obj.username!r}"
    if isinstance(obj, PatientFacts):
        return f"patient {obj.subject_code}"
    if isinstance(obj, StudySetting):
        return f"study setting {obj.key!r}"
    return "the study metadata (site code, study, subject counter)"


def _problem(kind: Kind, subject: str, en: str, zh: str) -> AuthorityProblem:
    return AuthorityProblem(kind, subject, f"{subject}: {en}", f"{subject_zh(subject)}：{zh}")


def _signed_at(signature: Signature) -> str:
    return signature.signed_at.astimezone(dt.UTC).isoformat()


def _row_problem(
    rows: Rows, obj: Any, state: AuditedState | None, extra: bool = False
) -> AuthorityProblem:
    """What is wrong with ``obj`` (``extra``: its kind has more rows than recorded)."""
    kind = TAGGED[type(obj)]
    subject = _subject_of(rows, obj)
    if extra or (
        isinstance(obj, PatientFacts)
        and state is not None
        and obj.subject_code not in state.patients
    ):
        return _problem(kind, subject, "added outside the program", "在程序之外添加")
    if isinstance(obj, User) and state is not None:
        name = obj.username.casefold()
        if name not in state.roles:
            return _problem(kind, subject, "added outside the program", "在程序之外添加")
        if state.roles[name] != obj.role:
            return _problem(
                kind,
                subject,
                f"role changed outside the program (the audit trail says {state.roles[name]}, "
                f"the row says {obj.role})",
                f"角色在程序之外被修改（稽查轨迹为 {state.roles[name]}，记录为 {obj.role}）",
            )
        if state.active.get(name) != bool(obj.active):
            return _problem(
                kind,
                subject,
                "activated or deactivated outside the program",
                "在程序之外被启用或停用",
            )
    if isinstance(obj, PatientFacts) and state is not None:
        expected = state.locked.get(obj.subject_code, False)
        if expected != bool(obj.locked):
            return _problem(
                kind,
                subject,
                "lock changed outside the program (locked without a signature)"
                if obj.locked
                else "lock cleared outside the program",
                "锁定状态在程序之外被修改（无签名却已锁定）"
                if obj.locked
                else "锁定在程序之外被解除",
            )
    if obj.auth_tag is None:
        return _problem(
            kind,
            subject,
            "added outside the program (it has no authentication)",
            "在程序之外添加（没有认证）",
        )
    return _problem(kind, subject, "changed outside the program", "在程序之外被修改")


def _set_problem(
    kind: Kind, expected: SetDigest, actual: SetDigest, named: int
) -> AuthorityProblem | None:
    noun, noun_zh = NOUNS[kind]
    if actual.count < expected.count:
        n = expected.count - actual.count
        return _problem(
            kind,
            f"{kind.value}",
            f"{n} {noun}(s) deleted outside the program ({expected.count} recorded, "
            f"{actual.count} present)",
            f"{n} 个{noun_zh}在程序之外被删除（记录 {expected.count} 个，现有 {actual.count} 个）",
        )
    if actual.count > expected.count and named < actual.count - expected.count:
        n = actual.count - expected.count
        return _problem(
            kind,
            f"{kind.value}",
            f"{n} {noun}(s) added outside the program",
            f"{n} 个{noun_zh}在程序之外被添加",
        )
    if actual.count == expected.count and actual.digest != expected.digest and not named:
        return _problem(
            kind,
            f"{kind.value}",
            f"a {noun} was replaced by an older copy outside the program",
            f"某个{noun_zh}在程序之外被替换为旧副本",
        )
    return None


def verify(
    session: Session,
    keyring: DataKeyring,
    *,
    with_audit: bool = True,
    rows: Rows | None = None,
) -> list[AuthorityProblem]:
    """Every altered, inserted or deleted authority row (empty: all intact).

    ``with_audit`` also compares users, signatures and locks with the audit trail (it
    decrypts the entries that changed them; used by ``audit --verify``, and at open only
    to name what a tag or set digest found).
    """
    key = AuthorityKey.of(keyring)
    rows = rows or Rows.load(session)
    meta = rows.meta
    state = audited_state(session, keyring, meta.db_uid) if with_audit else None
    problems: list[AuthorityProblem] = []
    if meta.auth_tag is None and not is_established(session, keyring, meta.db_uid):
        # An upgraded study whose first open could not vouch for its rows (its audit
        # trail is broken): one problem, not every row of the study.
        problems.append(
            _problem(
                Kind.META,
                "the study",
                "its users, signatures and locks were never authenticated (the audit "
                "trail was broken when the program was upgraded)",
                "其用户、签名和锁定从未经过认证（程序升级时稽查轨迹已损坏）",
            )
        )
        if state is not None:
            problems.extend(_audit_problems(rows, state, set()))
            problems.extend(query_problems(session, keyring, meta.db_uid))
        return problems
    meta_ok = meta.auth_tag is not None and bytes(meta.auth_tag) == rows.tag(key, session, meta)
    if not meta_ok:
        problems.append(_row_problem(rows, meta, None))
    sets = AuthoritySets.from_text(meta.authority_sets)
    for kind in SET_KINDS:
        bad = 0
        actual = SetDigest()
        of_kind = rows.of(kind)
        extra = sets is not None and meta_ok and len(of_kind) > sets.of(kind).count
        for obj in of_kind:
            stored = None if obj.auth_tag is None else bytes(obj.auth_tag)
            actual.add(stored or bytes(32))
            if stored is None or stored != rows.tag(key, session, obj):
                problems.append(_row_problem(rows, obj, state, extra))
                bad += 1
        if sets is not None and meta_ok:
            found = _set_problem(kind, sets.of(kind), actual, bad)
            if found is not None:
                problems.append(found)
    bound = query_binding_problems(session, keyring, meta.db_uid)
    if state is not None:
        problems.extend(_audit_problems(rows, state, {p.subject for p in problems}))
        named = query_problems(session, keyring, meta.db_uid)
        problems.extend(named)
        bound = [p for p in bound if p.subject not in {n.subject for n in named}]
    problems.extend(bound)
    return problems


def query_binding_problems(
    session: Session, keyring: DataKeyring, db_uid: str
) -> list[AuthorityProblem]:
    """Query rows whose clear columns (status, rule, place) no longer match their
    encrypted text, checked at every open.

    A query's text is encrypted with associated data naming the row and its status
    (:func:`rego_desktop.services.queries.query_aad`), so a status changed with
    ``sqlite3`` makes the row fail to decrypt: the row is authenticated by its own
    ciphertext. One AES-GCM context for all rows; a deleted query row is found only by
    ``audit --verify`` (the trail lists the queries it opened).
    """
    from rego_desktop.services.queries import query_aad  # the one definition of the binding

    decrypt = AESGCM(keyring.records.key).decrypt
    rows = session.execute(
        select(Query, Patient.uid, Patient.subject_code)
        .join(Patient, Patient.id == Query.patient_id)
        .order_by(Patient.subject_code, Query.id)
    )
    found: list[AuthorityProblem] = []
    for query, patient_uid, code in rows:
        blob = bytes(query.payload)
        try:
            decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], query_aad(db_uid, patient_uid, query))
        except (InvalidTag, ValueError):
            found.append(
                _problem(
                    Kind.QUERIES,
                    f"the query of {code} ({query.rule}, {query.form_id})",
                    f"its status or place was changed outside the program (the row now says "
                    f"{query.status}); its encrypted text no longer matches",
                    f"其状态或位置在程序之外被修改（记录现为 {query.status}）；与加密内容不再一致",
                )
            )
    return found


def query_problems(session: Session, keyring: DataKeyring, db_uid: str) -> list[AuthorityProblem]:
    """Queries whose status differs from the last status the audit trail gives them.

    Query rows are not tagged (the query service is another module's); every status
    change is audited with the query's uid and new status (``query.*`` entries), so the
    trail is what a row must match. Reads every such entry: ``audit --verify`` only.
    """
    audited: dict[str, str] = {}
    where: dict[str, tuple[str | None, str | None]] = {}  # uid -> (subject, form)
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.action.like("query.%")).order_by(AuditEntry.seq)
    )
    for entry in entries:
        record = trail.decrypt(keyring, db_uid, entry)
        details = record.details
        uid, status = details.get("query"), details.get("status")
        if isinstance(uid, str) and isinstance(status, str):
            audited[uid] = status
            where.setdefault(uid, (record.subject_code, record.form_id))
    rows = session.execute(
        select(Query.uid, Query.status, Query.rule, Query.form_id, Patient.subject_code)
        .join(Patient, Patient.id == Query.patient_id)
        .order_by(Patient.subject_code, Query.id)
    )
    found: list[AuthorityProblem] = []
    present: set[str] = set()
    for uid, status, rule, form_id, code in rows:
        present.add(uid)
        expected = audited.get(uid)
        if expected is not None and expected != status:
            found.append(
                _problem(
                    Kind.QUERIES,
                    f"the query of {code} ({rule}, {form_id})",
                    f"status changed outside the program (the audit trail says {expected}, "
                    f"the row says {status})",
                    f"状态在程序之外被修改（稽查轨迹为 {expected}，记录为 {status}）",
                )
            )
    # The program never deletes a query: one the trail knows and the table lacks was
    # deleted outside it.
    for gone in sorted(set(audited) - present):
        subject, form = where[gone]
        found.append(
            _problem(
                Kind.QUERIES,
                f"the query {gone[:8]} of {subject or '?'} ({form or 'the casebook'})",
                f"deleted outside the program (the audit trail last gives it as {audited[gone]})",
                f"在程序之外被删除（稽查轨迹中最后状态为 {audited[gone]}）",
            )
        )
    return found


def _audit_problems(
    rows: Rows, state: AuditedState, already: set[str]
) -> Iterable[AuthorityProblem]:
    """Rows whose tags are valid but that disagree with the audit trail."""
    present = {u.username.casefold() for u in rows.users}
    for user in rows.users:
        if _subject_of(rows, user) in already:
            continue
        name = user.username.casefold()
        if state.roles.get(name) != user.role or state.active.get(name) != bool(user.active):
            yield _row_problem(rows, user, state)
    for name in sorted(set(state.roles) - present):
        yield _problem(
            Kind.USERS, f"user {name!r}", "deleted outside the program", "在程序之外被删除"
        )
    counted: Counter[tuple[str, str]] = Counter()
    per_subject: Counter[str] = Counter()
    for signature in rows.signatures:
        code = rows.patient_code(signature.patient_id)
        per_subject[code] += 1
        key = (code, _signed_at(signature))
        counted[key] += 1
        subject = _subject_of(rows, signature)
        if counted[key] > state.signs[key] and subject not in already:
            yield _problem(
                Kind.SIGNATURES,
                subject,
                "not made by the program (the audit trail has no such signing)",
                "不是由程序签署的（稽查轨迹中没有这次签署）",
            )
    for code, signed in sorted(state.signs_per_subject.items()):
        if per_subject[code] < signed:
            yield _problem(
                Kind.SIGNATURES,
                f"the signature of {code}",
                "deleted outside the program",
                "在程序之外被删除",
            )
    for patient in rows.patients:
        subject = _subject_of(rows, patient)
        if subject in already:
            continue
        if state.locked.get(patient.subject_code, False) != bool(patient.locked):
            yield _row_problem(rows, patient, state)


def establish(session: Session, keyring: DataKeyring) -> tuple[int, list[AuthorityProblem]]:
    """Tag every authority row of an upgraded study in ``session`` (a session without
    the guard: this is the one place rows are tagged without a stored tag to check).

    Returns the rows left untagged because the audit trail contradicts them (a user
    whose role or state differs from the trail's, a signature it never recorded, a lock
    without a signing): they are reported at every open from then on.
    """
    rows = Rows.load(session)
    state = audited_state(session, keyring, rows.meta.db_uid)
    refused = list(_audit_problems(rows, state, set()))
    refused_subjects = {p.subject for p in refused}
    key = AuthorityKey.of(keyring)
    sets = AuthoritySets()
    tagged = 1
    patient_tags: list[dict[str, Any]] = []
    for kind in SET_KINDS:
        digest = sets.of(kind)
        for obj in rows.of(kind):
            tag: bytes | None = None
            if _subject_of(rows, obj) not in refused_subjects:
                tag = rows.tag(key, session, obj)
                tagged += 1
            digest.add(tag or bytes(32))
            if isinstance(obj, PatientFacts):
                patient_tags.append({"id": obj.id, "auth_tag": tag})
            else:
                obj.auth_tag = tag
    if patient_tags:
        session.execute(update(Patient), patient_tags)
    rows.meta.authority_sets = sets.to_text()
    rows.meta.auth_tag = rows.tag(key, session, rows.meta)
    session.flush()
    return tagged, refused
