"""The site's signing key, kept encrypted in the site's study database.

Each site database holds its own Ed25519 signing key. The raw 32-byte private key is
encrypted with the study's data key (``keyring.records``) with associated data that names
the database, the row, the site and the key's fingerprint, so it cannot be moved to
another row or database. The public key and fingerprint are stored in the clear. The
site's X25519 key (query files from the center are encrypted to it) is derived from the
same seed (:meth:`~rego_desktop.exchange.keys.SiteSigningKey.x25519_private`), so the
public key file written by :func:`export_site_public_key` (version 2) carries both.

A study created by a version without this feature gets its key on first need (the first
``site-key`` or ``export``), audited as ``site_key.create``. :func:`add_site_key` is also
what ``create_study`` calls to make the key at creation (its fingerprint then goes into
the ``study.create`` audit entry).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from rego_desktop.audit import trail
from rego_desktop.auth.roles import Permission, UserInfo
from rego_desktop.crypto.envelope import DataKeyring, DecryptionFailed
from rego_desktop.errors import DamagedDatabase
from rego_desktop.exchange.keys import (
    SitePublicKey,
    SiteSigningKey,
    generate_site_key,
    site_private_key_bytes,
    site_signing_key_from_bytes,
    write_site_public_key,
)
from rego_desktop.models import new_uid
from rego_desktop.models.site_keys import SiteKey
from rego_desktop.store.study import OpenStudy

__all__ = [
    "add_site_key",
    "current_site_key_row",
    "ensure_site_key",
    "export_site_public_key",
    "site_public_key",
    "stored_site_key",
]


def _aad(db_uid: str, row: SiteKey) -> bytes:
    return f"site-key|{db_uid}|{row.uid}|{row.site_code}|{row.fingerprint}".encode()


def current_site_key_row(session: Session) -> SiteKey | None:
    """The key in use (newest, not retired), or None if the site has none yet."""
    return session.scalar(
        select(SiteKey)
        .where(SiteKey.retired_at.is_(None))
        .order_by(SiteKey.created_at.desc(), SiteKey.id.desc())
        .limit(1)
    )


def add_site_key(
    session: Session,
    keyring: DataKeyring,
    user: UserInfo,
    db_uid: str,
    site_code: str,
    *,
    audit: bool = True,
) -> SiteSigningKey:
    """Create and store (encrypted) a new signing key in the caller's transaction.

    With ``audit`` (the default) the creation gets its own audit entry
    (``site_key.create``). ``create_study`` passes ``audit=False`` and records the key's
    fingerprint in the details of its ``study.create`` entry instead.
    """
    key = generate_site_key(site_code)
    public = key.public_key()
    row = SiteKey(
        uid=new_uid(),
        site_code=site_code,
        public_key=public.ed25519_public,
        fingerprint=public.fingerprint,
        wrapped=b"",
        created_at=key.created,
    )
    row.wrapped = keyring.records.encrypt(site_private_key_bytes(key), _aad(db_uid, row))
    session.add(row)
    session.flush()
    if audit:
        trail.append(
            session,
            keyring,
            user,
            "site_key.create",
            details={"fingerprint": public.fingerprint, "site": site_code},
        )
    return key


def _unwrap(study: OpenStudy, row: SiteKey) -> SiteSigningKey:
    try:
        raw = study.keyring.records.decrypt(row.wrapped, _aad(study.info.db_uid, row))
    except DecryptionFailed:
        raise DamagedDatabase(
            f"The site signing key stored in {study.path} is damaged or was altered. Restore "
            "the database from a backup."
        ) from None
    key = site_signing_key_from_bytes(row.site_code, raw, created=row.created_at)
    if key.fingerprint != row.fingerprint or row.site_code != study.info.site_code:
        raise DamagedDatabase(
            f"The site signing key stored in {study.path} does not match its record. Restore "
            "the database from a backup."
        )
    return key


def stored_site_key(study: OpenStudy, session: Session) -> SiteSigningKey | None:
    """The site's key if it has one (never creates it: for read-only uses such as checking
    that a query file was made for this site). Its X25519 key decrypts query files."""
    row = current_site_key_row(session)
    return None if row is None else _unwrap(study, row)


def ensure_site_key(study: OpenStudy, session: Session) -> SiteSigningKey:
    """The site's signing key, created (and audited) in ``session`` if there is none yet.

    ``session`` must be a write transaction of ``study``.
    """
    row = current_site_key_row(session)
    if row is None:
        return add_site_key(
            session, study.keyring, study.user, study.info.db_uid, study.info.site_code
        )
    return _unwrap(study, row)


def site_public_key(study: OpenStudy) -> SitePublicKey:
    """The site's public key (the key pair is created on first need)."""
    study.user.require(Permission.EXPORT)
    with study.transaction() as session:
        return ensure_site_key(study, session).public_key()


def export_site_public_key(
    study: OpenStudy, path: Path, *, overwrite: bool = False
) -> SitePublicKey:
    """Write the site's public key file for registration at the coordinating center."""
    public = site_public_key(study)
    write_site_public_key(path, public, overwrite=overwrite)
    return public
