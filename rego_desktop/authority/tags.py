"""The MAC of each authority row and the per-kind set digests.

A row's tag is HMAC-SHA256, keyed by a key derived with HKDF from the study's data key
(purpose ``rego-desktop/v1/authority``), over canonical JSON that starts with the table
name and the row's identity (its ``uid``, or the setting's key, or the metadata row's
id and ``db_uid``) followed by every column that decides who may do what. Foreign keys
are resolved to the uid of the row they point to, so a signature moved to another
patient, or a key slot moved to another user, no longer matches its tag.

Each kind also has a set digest kept in ``study_meta.authority_sets`` (itself covered by
the metadata row's tag): the number of rows and the XOR of their tags. Deleting or
inserting a row, or putting back an older copy of a row with its older (valid) tag,
changes the digest. XOR keeps the digest order-free and lets a save update it in O(1).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from rego_desktop.crypto.envelope import DataKeyring, derive_subkey

AUTHORITY_PURPOSE = "rego-desktop/v1/authority"
SETS_VERSION = 1
TAG_BYTES = 32


class Kind(StrEnum):
    """The kinds of authority rows, named by their table."""

    USERS = "users"
    KEY_SLOTS = "key_slots"
    SIGNATURES = "signatures"
    PATIENTS = "patients"
    SETTINGS = "study_settings"
    META = "study_meta"
    QUERIES = "queries"
    """Not tagged: checked against the audit trail by ``audit --verify`` only."""


SET_KINDS: tuple[Kind, ...] = (
    Kind.USERS,
    Kind.KEY_SLOTS,
    Kind.SIGNATURES,
    Kind.PATIENTS,
    Kind.SETTINGS,
)
"""Kinds whose set of rows is pinned in the metadata (there is exactly one metadata row)."""


def _when(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _hex(value: bytes | None) -> str:
    return "" if value is None else bytes(value).hex()


@dataclass(frozen=True, repr=False)
class AuthorityKey:
    """The key that tags authority rows; only an unlocked study has it."""

    key: bytes

    @classmethod
    def of(cls, keyring: DataKeyring) -> AuthorityKey:
        return cls(derive_subkey(keyring.data_key, AUTHORITY_PURPOSE))

    def tag(self, content: list[Any]) -> bytes:
        message = json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode()
        return hmac.digest(self.key, b"row|" + message, "sha256")

    def __repr__(self) -> str:
        return "AuthorityKey(<secret>)"


def user_content(
    uid: str,
    username: str,
    full_name: str,
    role: str,
    active: bool | None,
    created_at: dt.datetime | None,
    password_changed_at: dt.datetime | None,
) -> list[Any]:
    return [
        Kind.USERS.value,
        uid,
        username,
        full_name,
        role,
        int(bool(active)),
        _when(created_at),
        _when(password_changed_at),
    ]


def key_slot_content(
    uid: str,
    kind: str,
    user_uid: str | None,
    kdf: str,
    salt: bytes,
    wrapped: bytes,
    created_at: dt.datetime | None,
) -> list[Any]:
    return [
        Kind.KEY_SLOTS.value,
        uid,
        kind,
        user_uid or "",
        kdf,
        _hex(salt),
        _hex(wrapped),
        _when(created_at),
    ]


def signature_content(
    uid: str,
    patient_uid: str,
    user_uid: str,
    username: str,
    full_name: str,
    meaning: str,
    signed_at: dt.datetime | None,
    content_hash: bytes | None,
    casebook_digest: bytes | None,
    transfer_digest: bytes | None,
    revoked_at: dt.datetime | None,
    revoked_by: str | None,
) -> list[Any]:
    return [
        Kind.SIGNATURES.value,
        uid,
        patient_uid,
        user_uid,
        username,
        full_name,
        meaning,
        _when(signed_at),
        _hex(content_hash),
        _hex(casebook_digest),
        _hex(transfer_digest),
        _when(revoked_at),
        revoked_by or "",
    ]


def patient_content(uid: str, subject_code: str, locked: bool | None) -> list[Any]:
    return [Kind.PATIENTS.value, uid, subject_code, int(bool(locked))]


def setting_content(
    key: str, revision: int | None, updated_at: dt.datetime | None, payload: bytes | None
) -> list[Any]:
    digest = hashlib.sha256(bytes(payload or b"")).hexdigest()
    return [Kind.SETTINGS.value, key, int(revision or 0), _when(updated_at), digest]


def meta_content(
    row_id: int,
    db_uid: str,
    site_code: str,
    study_id: str,
    study_version: str,
    created_at: dt.datetime | None,
    created_by_version: str,
    next_subject_number: int | None,
    authority_sets: str | None,
) -> list[Any]:
    return [
        Kind.META.value,
        row_id,
        db_uid,
        site_code,
        study_id,
        study_version,
        _when(created_at),
        created_by_version,
        int(next_subject_number or 0),
        authority_sets or "",
    ]


def xor(a: bytes, b: bytes) -> bytes:
    if len(a) != len(b):
        raise ValueError("tags of different lengths")
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).to_bytes(len(a), "big")


ZERO = bytes(TAG_BYTES)


@dataclass
class SetDigest:
    """Count and XOR of the tags of one kind's rows."""

    count: int = 0
    digest: bytes = ZERO

    def add(self, tag: bytes) -> None:
        self.count += 1
        self.digest = xor(self.digest, tag)

    def remove(self, tag: bytes) -> None:
        self.count -= 1
        self.digest = xor(self.digest, tag)

    @classmethod
    def of(cls, tags: Iterable[bytes]) -> SetDigest:
        result = cls()
        for tag in tags:
            result.add(tag)
        return result


@dataclass
class AuthoritySets:
    """What ``study_meta.authority_sets`` holds: one :class:`SetDigest` per kind."""

    kinds: dict[Kind, SetDigest] = field(default_factory=dict)

    def of(self, kind: Kind) -> SetDigest:
        return self.kinds.setdefault(kind, SetDigest())

    def to_text(self) -> str:
        body: dict[str, Any] = {"v": SETS_VERSION}
        for kind in SET_KINDS:
            digest = self.of(kind)
            body[kind.value] = {"n": digest.count, "x": digest.digest.hex()}
        return json.dumps(body, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_text(cls, text: str | None) -> AuthoritySets | None:
        """The sets, or None when the text is missing or not in the expected form."""
        if not text:
            return None
        try:
            body = json.loads(text)
            if not isinstance(body, Mapping) or body.get("v") != SETS_VERSION:
                return None
            kinds: dict[Kind, SetDigest] = {}
            for kind in SET_KINDS:
                item = body[kind.value]
                count, digest = item["n"], bytes.fromhex(item["x"])
                if type(count) is not int or count < 0 or len(digest) != TAG_BYTES:
                    return None
                kinds[kind] = SetDigest(count, digest)
        except (ValueError, KeyError, TypeError):
            return None
        return cls(kinds)
