"""The coordinating center's operations as plain functions, for the center window.

The window (:mod:`rego_desktop.center_ui`) holds no SQL, merge rules or cryptography:
it calls these, which call the same code as the ``rego-center`` commands. Each returns
plain data the window shows as it is.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from rego_desktop.center import audit as center_audit
from rego_desktop.center.audit import AuditAction, AuditIssue
from rego_desktop.center.db import CenterDatabase
from rego_desktop.center.errors import MergeProblem, MergeRefused
from rego_desktop.center.merge import MergeResult, VerifiedFile, merge_file, order_for_merge
from rego_desktop.center.merge import verify_file as _verify_file
from rego_desktop.center.models import CenterAuditEntry, CenterPackage
from rego_desktop.center.registry import (
    PRIVATE_KEY_FILE,
    PUBLIC_KEY_FILE,
    keys_for_file,
    register_site_key,
    replace_site_key,
    revoke_site_key,
)
from rego_desktop.errors import RegoError
from rego_desktop.exchange.container import read_header
from rego_desktop.exchange.errors import ExchangeError
from rego_desktop.exchange.keys import (
    CenterPrivateKey,
    SitePublicKey,
    generate_center_keys,
    load_site_public_key,
    write_center_private_key,
    write_center_public_key,
)
from rego_desktop.files import write_error

__all__ = [
    "TRANSFER_SUFFIX",
    "AuditView",
    "InboxOutcome",
    "PackageInfo",
    "VerifyOutcome",
    "inbox_files",
    "make_center_key",
    "merge_inbox",
    "read_audit",
    "read_site_key",
    "register_site",
    "replace_site",
    "revoke_site",
    "site_packages",
    "verify_inbox",
]

TRANSFER_SUFFIX = ".rgt"
Progress = Callable[[int, int], None]


def _no_progress(_done: int, _total: int) -> None:
    return None


def inbox_files(folder: Path) -> list[Path]:
    """The transfer files (``*.rgt``) directly in ``folder``, by name."""
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == TRANSFER_SUFFIX
    )


@dataclass(frozen=True)
class VerifyOutcome:
    path: str
    checked: VerifiedFile | None
    error: ExchangeError | None


def keys_for(
    site_keys: Mapping[str, SitePublicKey], folder: Path | None, path: str
) -> Mapping[str, SitePublicKey]:
    """The registered keys to verify one file with, as ``rego-center verify`` and
    ``merge`` choose them: a file made before its site's key was replaced verifies with
    the retired key (:func:`~rego_desktop.center.registry.keys_for_file`)."""
    if folder is None:
        return site_keys
    try:
        header = read_header(path)
    except ExchangeError:
        return site_keys  # refused with its reason by the verification itself
    return keys_for_file(
        site_keys, folder, header.site_code, header.site_key_fingerprint, header.created
    )


def verify_inbox(
    paths: Sequence[str | os.PathLike[str]],
    site_keys: Mapping[str, SitePublicKey],
    center_key: CenterPrivateKey | None,
    progress: Progress = _no_progress,
    *,
    site_keys_folder: Path | None = None,
) -> list[VerifyOutcome]:
    """Verify each file (structure, signature, known site; with the center key also the
    recipient and the whole content), as ``rego-center verify`` does. With
    ``site_keys_folder``, files made before a key replacement verify with the old key."""
    out: list[VerifyOutcome] = []
    for index, path in enumerate(paths):
        name = os.fspath(path)
        try:
            keys = keys_for(site_keys, site_keys_folder, name)
            out.append(VerifyOutcome(name, _verify_file(name, keys, center_key), None))
        except ExchangeError as exc:
            out.append(VerifyOutcome(name, None, exc))
        progress(index + 1, len(paths))
    return out


@dataclass(frozen=True)
class InboxOutcome:
    path: str
    result: MergeResult | None
    error: ExchangeError | None

    @property
    def refused(self) -> bool:
        return self.error is not None

    @property
    def removals(self) -> tuple[str, ...]:
        """For a package refused because it removes patients: those patients."""
        if (
            isinstance(self.error, MergeRefused)
            and self.error.reason is MergeProblem.REMOVALS_NOT_ALLOWED
        ):
            return self.error.subjects
        return ()

    @property
    def reason(self) -> str:
        return str(getattr(self.error, "reason", "")) if self.error is not None else ""


def merge_inbox(
    db: CenterDatabase,
    paths: Sequence[str | os.PathLike[str]],
    center_key: CenterPrivateKey,
    site_keys: Mapping[str, SitePublicKey],
    *,
    allow_removals: Collection[str] = (),
    progress: Progress = _no_progress,
    site_keys_folder: Path | None = None,
) -> list[InboxOutcome]:
    """Merge the files as ``rego-center merge`` does (by site and sequence, each in its own
    transaction, refusals audited). ``allow_removals``: the files (paths as given) whose
    removals the operator confirmed. ``site_keys_folder``: as for :func:`verify_inbox`."""
    allowed = {os.fspath(p) for p in allow_removals}
    ordered = order_for_merge(list(paths))
    out: list[InboxOutcome] = []
    for index, name in enumerate(ordered):
        try:
            keys = keys_for(site_keys, site_keys_folder, name)
            result = merge_file(db, name, center_key, keys, allow_removals=name in allowed)
        except ExchangeError as exc:
            out.append(InboxOutcome(name, None, exc))
        else:
            out.append(InboxOutcome(name, result, None))
        progress(index + 1, len(ordered))
    return out


def read_site_key(path: Path) -> SitePublicKey:
    """A site's public key file, to show its site and fingerprint before registering."""
    return load_site_public_key(path)


def register_site(
    db: CenterDatabase | None, folder: Path, key_file: Path, fingerprint: str
) -> tuple[SitePublicKey, Path]:
    """``rego-center register-site``: check the fingerprint read by telephone, copy the
    key into the registry folder and, with ``db``, record it in the audit trail."""
    key, target = register_site_key(folder, key_file, fingerprint)
    if db is not None:
        center_audit.record(
            db,
            AuditAction.REGISTER_KEY,
            site_code=key.site_code,
            details={"fingerprint": key.fingerprint, "file": str(target)},
        )
    return key, target


def replace_site(
    db: CenterDatabase, folder: Path, key_file: Path, fingerprint: str
) -> tuple[SitePublicKey, SitePublicKey]:
    """``rego-center replace-key``: the site's new key (fingerprint read by telephone)
    in place of its current one, which is kept to verify older files; audited.
    Returns (new key, old key)."""
    new, old, target = replace_site_key(folder, key_file, fingerprint)
    center_audit.record(
        db,
        AuditAction.REPLACE_KEY,
        site_code=new.site_code,
        details={"fingerprint": new.fingerprint, "replaced": old.fingerprint, "file": str(target)},
    )
    return new, old


def revoke_site(
    db: CenterDatabase, folder: Path, site_code: str, fingerprint: str, reason: str
) -> SitePublicKey:
    """``rego-center revoke-key``: files signed with the key are refused from now on;
    audited with the reason."""
    key, moved = revoke_site_key(folder, site_code, fingerprint)
    center_audit.record(
        db,
        AuditAction.REVOKE_KEY,
        site_code=key.site_code,
        details={"fingerprint": key.fingerprint, "reason": reason, "file": str(moved)},
    )
    return key


MIN_PASSPHRASE = 12


class CenterKeyError(RegoError):
    """The center key cannot be made where or as asked; nothing was written."""


def make_center_key(folder: Path, name: str, passphrase: str) -> CenterPrivateKey:
    """``rego-center keygen``: the center's key pair in ``folder``, the private key
    encrypted with ``passphrase``. Refuses to replace existing key files (every file
    encrypted for the old key would become unreadable)."""
    if not name.strip():
        raise CenterKeyError(
            "Give the coordinating center's name; it is shown to the sites with the key.",
            zh="请给出协调中心的名称；它会随密钥显示给各分中心。",
        )
    if len(passphrase) < MIN_PASSPHRASE:
        raise CenterKeyError(
            f"The passphrase must have at least {MIN_PASSPHRASE} characters.",
            zh=f"口令至少需要 {MIN_PASSPHRASE} 个字符。",
        )
    if folder.exists() and not folder.is_dir():
        raise CenterKeyError(
            f"{folder} is a file; give a folder for the key files.",
            zh=f"{folder} 是文件；请给出存放密钥文件的文件夹。",
        )
    private, public = folder / PRIVATE_KEY_FILE, folder / PUBLIC_KEY_FILE
    for path in (private, public):
        if path.exists():
            raise CenterKeyError(
                f"{path} already exists; it was not replaced. Choose another folder: a new "
                "key would make every file encrypted for the old one unreadable.",
                zh=f"{path} 已存在，未被替换。请选择其他文件夹："
                "新密钥会使所有为旧密钥加密的文件无法读取。",
            )
    key = generate_center_keys(name.strip())
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_error("the key folder", "密钥文件夹", folder, exc) from exc
    write_center_private_key(private, key, passphrase)
    write_center_public_key(public, key.public)
    return key


@dataclass(frozen=True)
class PackageInfo:
    site_code: str
    sequence: int
    created_at: dt.datetime
    merged_at: dt.datetime
    file_name: str
    patients: int
    added: int
    updated: int
    removed: int
    rolled_back_at: dt.datetime | None
    versions_kept: bool


def site_packages(db: CenterDatabase, site_code: str | None = None) -> list[PackageInfo]:
    """The merge log (``rego-center log``), one site's or all, newest first."""
    query: Any = select(CenterPackage).order_by(
        CenterPackage.site_code, CenterPackage.sequence.desc()
    )
    if site_code is not None:
        query = query.where(CenterPackage.site_code == site_code)
    with db.reading() as session:
        packages = list(session.scalars(query))
    return [
        PackageInfo(
            p.site_code,
            p.sequence,
            p.created_at,
            p.merged_at,
            p.file_name,
            p.patients,
            p.added,
            p.updated,
            p.removed,
            p.rolled_back_at,
            p.versions_kept,
        )
        for p in packages
    ]


@dataclass(frozen=True)
class AuditLine:
    seq: int
    at: dt.datetime
    operator: str
    action: str
    site_code: str
    file_sha256: str
    details: dict[str, Any]
    hash: str


@dataclass(frozen=True)
class AuditView:
    lines: tuple[AuditLine, ...]
    head: str | None
    """``SEQ:HASH`` of the newest entry, to keep outside the database."""
    problems: tuple[AuditIssue, ...]
    """What ``rego-center audit --verify`` reports (empty: the chain is intact)."""


def _line(entry: CenterAuditEntry) -> AuditLine:
    try:
        details = json.loads(entry.details)
    except ValueError:
        details = {"details": entry.details}
    return AuditLine(
        entry.seq,
        entry.at,
        entry.operator,
        entry.action,
        entry.site_code or "",
        entry.file_sha256 or "",
        details if isinstance(details, dict) else {"details": details},
        entry.hash,
    )


def read_audit(db: CenterDatabase) -> AuditView:
    """The audit trail, checked (``rego-center audit --verify``)."""
    entries, head = center_audit.read(db)
    problems = center_audit.check_chain(entries, head)
    head_text = f"{head.seq}:{head.hash}" if head is not None else None
    return AuditView(tuple(_line(e) for e in entries), head_text, tuple(problems))
