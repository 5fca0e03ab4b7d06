"""Verifying transfer files and merging them into the center database.

Merging one file is one database transaction, committed only after every byte of the
file has been authenticated and decrypted and every line of its payload validated:

1. the container is checked (``open_transfer``: format version, recipient, structure,
   signature by the key registered for the site it names);
2. the package is looked up: a package already merged (same package id and file hash)
   is reported as such and changes nothing; a package whose sequence number is not
   higher than the newest merged from its site is refused;
3. the payload is read and validated (``PayloadReader``) while the site's patients are
   replaced patient by patient: new subjects are added, changed ones replaced, equal ones
   left alone, and subjects of that site missing from the package are removed (the site
   deleted them) and reported. A package that would remove patients is refused
   (``removals_not_allowed``, naming them) unless the caller allows removals;
4. the merge is logged (file name, SHA-256, site, sequence, time and the counts) and
   recorded in the center's audit trail (:mod:`rego_desktop.center.audit`), in the same
   transaction. A refused file is recorded in the audit trail after the rollback. The
   analysis row of every patient added or changed is computed and stored in the same
   transaction (:mod:`rego_desktop.center.analysis_rows`).

Any refusal raises an :class:`~rego_desktop.exchange.errors.ExchangeError` subclass
naming the file and the reason; the transaction is rolled back, so the database is
exactly as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO, Final, cast

from sqlalchemy import Table, delete, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rego_desktop.bulk import gc_paused
from rego_desktop.center import audit
from rego_desktop.center.analysis_rows import delete_rows, store_rows
from rego_desktop.center.audit import AuditAction
from rego_desktop.center.db import CenterDatabase
from rego_desktop.center.errors import CenterDatabaseError, MergeProblem, MergeRefused
from rego_desktop.center.models import (
    CenterEntry,
    CenterPackage,
    CenterPatient,
    CenterPatientVersion,
    CenterSite,
)
from rego_desktop.center.queries import apply_responses
from rego_desktop.exchange.container import (
    TransferHeader,
    open_transfer,
    read_header,
    verify_transfer,
)
from rego_desktop.exchange.deidentify import DeidentifiedPatient
from rego_desktop.exchange.errors import ExchangeError, TransferFileError, TransferProblem
from rego_desktop.exchange.keys import CenterPrivateKey, SitePublicKey
from rego_desktop.exchange.payload import Manifest, PayloadReader, encode_line
from rego_desktop.models.base import new_uid, utcnow

__all__ = [
    "MergeResult",
    "MergeStatus",
    "VerifiedFile",
    "merge_file",
    "merge_files",
    "order_for_merge",
    "patient_content_hash",
    "values_to_text",
    "verify_file",
]

_INSERT_BATCH = 2000
# New or changed patients whose rows are written (one flush) before their entries.
_PATIENT_BATCH = 500
# What json.dumps(values, sort_keys=True, ...) builds on every call, built once.
_VALUES_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class MergeStatus(StrEnum):
    MERGED = "merged"
    ALREADY_MERGED = "already_merged"
    """The same file was merged before; nothing changed."""


@dataclass(frozen=True)
class MergeResult:
    path: str
    status: MergeStatus
    site_code: str
    sequence: int
    package_id: str
    file_sha256: str
    created: datetime
    """When the site made the package."""
    merged_at: datetime
    """When it was merged (for ALREADY_MERGED: the first time)."""
    patients: int
    entries: int
    added: tuple[str, ...]
    updated: tuple[str, ...]
    unchanged: int
    removed: tuple[str, ...]
    """Subjects of the site that are no longer in its data (deleted at the site)."""
    superseded_by: int | None = None
    """For ALREADY_MERGED: the newest sequence merged from the site since, if newer."""
    rolled_back_at: datetime | None = None
    """For ALREADY_MERGED: when ``rego-center rollback`` undid the package, if it did."""
    broken_signatures: tuple[str, ...] = ()
    """Subjects sent as signed whose content is not what was signed: counted unsigned."""

    def describe(self) -> str:
        if self.status is MergeStatus.ALREADY_MERGED:
            if self.rolled_back_at is not None:
                return (
                    f"{self.path}: merged on {self.merged_at:%Y-%m-%d %H:%M} UTC (site "
                    f"{self.site_code}, sequence {self.sequence}) and rolled back on "
                    f"{self.rolled_back_at:%Y-%m-%d %H:%M} UTC; not merged again."
                )
            if self.superseded_by is not None:
                return (
                    f"{self.path}: merged on {self.merged_at:%Y-%m-%d %H:%M} UTC (site "
                    f"{self.site_code}, sequence {self.sequence}) and since superseded by "
                    f"sequence {self.superseded_by}; not merged again."
                )
            return (
                f"{self.path}: already merged on {self.merged_at:%Y-%m-%d %H:%M} UTC (site "
                f"{self.site_code}, sequence {self.sequence}); nothing changed."
            )
        text = (
            f"{self.path}: merged site {self.site_code} sequence {self.sequence}: "
            f"{self.patients} patients ({len(self.added)} added, {len(self.updated)} updated, "
            f"{self.unchanged} unchanged, {len(self.removed)} removed), {self.entries} entries."
        )
        if self.removed:
            text += " Removed at the site: " + ", ".join(self.removed) + "."
        if self.broken_signatures:
            text += (
                " Signature BROKEN (changed after signing; counted as not signed): "
                + ", ".join(self.broken_signatures)
                + "."
            )
        return text

    def to_json_object(self) -> dict[str, Any]:
        return {
            "file": self.path,
            "status": self.status.value,
            "site": self.site_code,
            "sequence": self.sequence,
            "package_id": self.package_id,
            "sha256": self.file_sha256,
            "created": self.created.isoformat(),
            "merged_at": self.merged_at.isoformat(),
            "patients": self.patients,
            "entries": self.entries,
            "added": list(self.added),
            "updated": list(self.updated),
            "unchanged": self.unchanged,
            "removed": list(self.removed),
            "broken_signatures": list(self.broken_signatures),
            "superseded_by": self.superseded_by,
            "rolled_back_at": None
            if self.rolled_back_at is None
            else self.rolled_back_at.isoformat(),
        }


def values_to_text(values: Mapping[str, Any]) -> str:
    """The stored JSON text of an entry's values (compact, keys sorted)."""
    return _VALUES_ENCODER.encode(values)


def patient_content_hash(patient: DeidentifiedPatient) -> str:
    return hashlib.sha256(encode_line(patient.to_json_object())).hexdigest()


def _unreadable(path: str, exc: OSError) -> TransferFileError:
    return TransferFileError(
        f"Could not read the transfer file {path}: {exc.strerror or exc}. Check the file name "
        "and that the USB stick or folder is available.",
        TransferProblem.UNREADABLE,
        path,
    )


def _hash(f: BinaryIO, path: str) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    try:
        f.seek(0)
        while block := f.read(1024 * 1024):
            digest.update(block)
            size += len(block)
        f.seek(0)
    except OSError as exc:
        raise _unreadable(path, exc) from exc
    return digest.hexdigest(), size


def _open(path: str) -> BinaryIO:
    try:
        return open(path, "rb")
    except OSError as exc:
        raise _unreadable(path, exc) from exc


@dataclass(frozen=True)
class VerifiedFile:
    """A transfer file that passed verification."""

    path: str
    header: TransferHeader
    file_sha256: str
    size: int
    manifest: Manifest | None
    """With the center's private key: the validated manifest (the whole payload was
    decrypted and validated); without it: None (signature and structure only)."""


def verify_file(
    path: str | os.PathLike[str],
    site_keys: Mapping[str, SitePublicKey],
    center_key: CenterPrivateKey | None = None,
) -> VerifiedFile:
    """Check a transfer file without touching any database.

    Without ``center_key``: structure and signature by the registered site key. With it
    also the recipient, the decryption of every chunk and the whole payload.
    """
    name = os.fspath(path)
    with _open(name) as f:
        digest, size = _hash(f, name)
        if center_key is None:
            return VerifiedFile(name, verify_transfer(f, site_keys), digest, size, None)
        opened = open_transfer(f, center_key, site_keys)
        reader = PayloadReader(opened.plaintext, opened.header, source=name)
        for _patient in reader.patients():
            pass
        return VerifiedFile(name, opened.header, digest, size, reader.manifest)


def merge_file(
    db: CenterDatabase,
    path: str | os.PathLike[str],
    center_key: CenterPrivateKey,
    site_keys: Mapping[str, SitePublicKey],
    *,
    allow_removals: bool = False,
) -> MergeResult:
    """Verify and merge one transfer file (one transaction). See the module docstring.

    A refusal is recorded in the audit trail and re-raised.
    """
    name = os.fspath(path)
    known: dict[str, str] = {}
    try:
        # One file's objects (payload, rows, rebuilt casebooks) are freed by reference
        # counting; the collector's passes over them cost a fifth of a merge.
        with gc_paused():
            return _merge_file(db, name, center_key, site_keys, allow_removals, known)
    except ExchangeError as exc:
        _record_refusal(db, name, exc, known)
        raise


def _record_refusal(
    db: CenterDatabase, name: str, exc: ExchangeError, known: dict[str, str]
) -> None:
    site = known.get("site")
    details: dict[str, Any] = {
        "file": name,
        "reason": str(getattr(exc, "reason", "error")),
        "message": exc.message,
    }
    if site is None:
        # Not authenticated: the site the header claims, if it can be read at all.
        try:
            site = read_header(name).site_code
        except (ExchangeError, OSError):
            site = None
        else:
            details["site_unverified"] = True
    subjects = getattr(exc, "subjects", ())
    if subjects:
        details["subjects"] = list(subjects)
    # The refusal itself is the message to show: a database that cannot take the audit
    # entry either fails the next step with its own message.
    with contextlib.suppress(CenterDatabaseError):
        audit.record(
            db,
            AuditAction.REFUSED,
            site_code=site,
            file_sha256=known.get("sha256"),
            details=details,
        )


def _merge_file(
    db: CenterDatabase,
    name: str,
    center_key: CenterPrivateKey,
    site_keys: Mapping[str, SitePublicKey],
    allow_removals: bool,
    known: dict[str, str],
) -> MergeResult:
    with _open(name) as f:
        digest, size = _hash(f, name)
        known["sha256"] = digest
        opened = open_transfer(f, center_key, site_keys)
        header = opened.header
        known["site"] = header.site_code
        try:
            with db.transaction() as session:
                previous = _already_merged(session, header, digest, name)
                if previous is not None:
                    return previous
                result = _merge(
                    session, name, header, digest, size, opened.plaintext, allow_removals
                )
                if _hash(f, name)[0] != digest:
                    raise MergeRefused(
                        f"The transfer file {name} changed while it was being merged; nothing "
                        "was merged. Copy the file again and merge the copy.",
                        MergeProblem.CHANGED_WHILE_READING,
                        name,
                    )
                session.flush()
        except IntegrityError:
            raise MergeRefused(
                f"Another merge of site {header.site_code} ran at the same time as the merge "
                f"of {name}; {name} was not merged. Merge it again.",
                MergeProblem.CONCURRENT_MERGE,
                name,
            ) from None
    return result


def _already_merged(
    session: Session, header: TransferHeader, digest: str, name: str
) -> MergeResult | None:
    if session.get_bind().dialect.name == "postgresql":
        # Merges of one site wait for each other (until the transaction ends), so the
        # second merge of the same new file sees the first and reports "already merged"
        # instead of colliding with it. SQLite write transactions are serial already.
        session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
            {"key": f"rego-center-merge:{header.site_code}"},
        )
    site = session.get(CenterSite, header.site_code, with_for_update=True)
    package = session.scalar(
        select(CenterPackage).where(CenterPackage.package_id == str(header.package_id))
    )
    if package is not None:
        if package.file_sha256 == digest and package.site_code == header.site_code:
            newest = site.last_sequence if site is not None else package.sequence
            return MergeResult(
                path=name,
                status=MergeStatus.ALREADY_MERGED,
                site_code=package.site_code,
                sequence=package.sequence,
                package_id=package.package_id,
                file_sha256=digest,
                created=header.created,
                merged_at=package.merged_at,
                patients=package.patients,
                entries=package.entries,
                added=(),
                updated=(),
                unchanged=0,
                removed=(),
                superseded_by=newest if newest > package.sequence else None,
                rolled_back_at=package.rolled_back_at,
            )
        raise MergeRefused(
            f"The transfer file {name} has the package id {header.package_id} of a package "
            f"merged on {package.merged_at:%Y-%m-%d %H:%M} UTC from {package.file_name}, but "
            "its content is different. It was not merged; ask site "
            f"{header.site_code} which file is right.",
            MergeProblem.PACKAGE_CONFLICT,
            name,
        )
    if site is not None and header.sequence <= site.last_sequence:
        newer = "the same as" if header.sequence == site.last_sequence else "older than"
        raise MergeRefused(
            f"The transfer file {name} is package number {header.sequence} of site "
            f"{header.site_code}, {newer} package number {site.last_sequence} already merged "
            f"on {site.last_merged_at:%Y-%m-%d %H:%M} UTC. It was not merged, because it would "
            "replace newer data with older. Ask the site for a new export if data is missing.",
            MergeProblem.STALE_PACKAGE,
            name,
        )
    return None


def _merge(
    session: Session,
    name: str,
    header: TransferHeader,
    digest: str,
    size: int,
    chunks: Iterable[bytes],
    allow_removals: bool,
) -> MergeResult:
    site_code = header.site_code
    package_id = str(header.package_id)
    now = utcnow()
    reader = PayloadReader(chunks, header, source=name)
    existing = {
        row.subject_code: row
        for row in session.scalars(
            select(CenterPatient).where(CenterPatient.site_code == site_code)
        )
    }
    added: list[str] = []
    updated: list[str] = []
    unchanged = 0
    seen: set[str] = set()
    # Patients are written a batch at a time: the current versions of the batch's changed
    # patients are kept with one query each for all of them (keep_versions), then rows,
    # entries and analysis rows are bulk-inserted (_insert_entries).
    pending: list[tuple[CenterPatient | None, DeidentifiedPatient, str]] = []
    entries = 0

    def write_pending() -> None:
        previous = [row for row, _patient, _content in pending if row is not None]
        if previous:
            keep_versions(session, previous, header.sequence, now)
        changed: list[tuple[CenterPatient, DeidentifiedPatient]] = []
        for known, patient, content in pending:
            code = patient.subject_code
            if known is None:
                row = CenterPatient(
                    uid=new_uid(),
                    site_code=site_code,
                    subject_code=code,
                    first_merged_at=now,
                )
                session.add(row)
                added.append(code)
            else:
                row = known
                updated.append(code)
            row.study_id = header.study_id
            row.study_version = header.study_version
            row.signed = patient.signed
            row.first_dose_known = patient.first_dose_known
            row.age = None if patient.age_at_first_dose is None else str(patient.age_at_first_dose)
            row.content_sha256 = content
            row.package_id = package_id
            row.package_created_at = header.created
            row.updated_at = now
            changed.append((row, patient))
        _insert_entries(session, changed)
        pending.clear()

    for patient in reader.patients():
        code = patient.subject_code
        seen.add(code)
        content = patient_content_hash(patient)
        entries += patient.entry_count()
        row = existing.get(code)
        if row is not None and row.content_sha256 == content:
            unchanged += 1
            row.package_id = package_id
            row.package_created_at = header.created
            continue
        pending.append((row, patient, content))
        if len(pending) >= _PATIENT_BATCH:
            write_pending()
    write_pending()

    removed = sorted(set(existing) - seen)
    if removed and not allow_removals:
        raise MergeRefused(
            _removals_message(name, header, removed),
            MergeProblem.REMOVALS_NOT_ALLOWED,
            name,
            subjects=tuple(removed),
        )
    if removed:
        gone = [existing[code] for code in removed]
        keep_versions(session, gone, header.sequence, now)
        ids = [row.id for row in gone]
        for start in range(0, len(ids), _INSERT_BATCH):
            session.execute(
                delete(CenterPatient).where(
                    CenterPatient.id.in_(ids[start : start + _INSERT_BATCH])
                )
            )

    # Issue 16: the site's answers and corrections to center queries (payload version 2).
    apply_responses(session, site_code, reader.query_responses, package_sequence=header.sequence)
    site = session.get(CenterSite, site_code)
    if site is None:
        site = CenterSite(site_code=site_code, first_merged_at=now)
        session.add(site)
    site.last_sequence = header.sequence
    site.last_package_id = package_id
    site.site_key_fingerprint = header.site_key_fingerprint
    site.last_merged_at = now
    manifest = reader.manifest
    session.add(
        CenterPackage(
            package_id=package_id,
            site_code=site_code,
            sequence=header.sequence,
            file_name=name,
            file_sha256=digest,
            file_size=size,
            created_at=header.created,
            merged_at=now,
            site_key_fingerprint=header.site_key_fingerprint,
            study_id=header.study_id,
            study_version=header.study_version,
            patients=manifest.patients,
            entries=entries,
            added=len(added),
            updated=len(updated),
            unchanged=unchanged,
            removed=len(removed),
            manifest=values_to_text(manifest.to_json_object()),
            changes=values_to_text({"added": added, "updated": updated, "removed": removed}),
        )
    )
    audit.append(
        session,
        AuditAction.MERGE,
        site_code=site_code,
        file_sha256=digest,
        details={
            "file": name,
            "package_id": package_id,
            "sequence": header.sequence,
            "created": header.created.isoformat(),
            "patients": manifest.patients,
            "entries": entries,
            "added": len(added),
            "updated": len(updated),
            "unchanged": unchanged,
            "removed": removed,
            "removals_allowed": allow_removals,
            "broken_signatures": reader.broken_signatures,
        },
    )
    return MergeResult(
        path=name,
        status=MergeStatus.MERGED,
        site_code=site_code,
        sequence=header.sequence,
        package_id=package_id,
        file_sha256=digest,
        created=header.created,
        merged_at=now,
        patients=manifest.patients,
        entries=entries,
        added=tuple(added),
        updated=tuple(updated),
        unchanged=unchanged,
        removed=tuple(removed),
        broken_signatures=tuple(reader.broken_signatures),
    )


_NAMED_MAX = 30


def keep_versions(
    session: Session, rows: Sequence[CenterPatient], replaced_by: int, now: datetime
) -> None:
    """Copy the patients' current versions (row and entries) into
    ``center_patient_versions``, then delete their entries (the caller replaces or
    removes the rows)."""
    by_id = {row.id: row for row in rows}
    ids = list(by_id)
    items: dict[int, list[list[str]]] = {i: [] for i in ids}
    for start in range(0, len(ids), _INSERT_BATCH):
        part = ids[start : start + _INSERT_BATCH]
        query = (
            select(
                CenterEntry.patient_id,
                CenterEntry.form_id,
                CenterEntry.entry_id,
                CenterEntry.values_json,
            )
            .where(CenterEntry.patient_id.in_(part))
            .order_by(CenterEntry.patient_id, CenterEntry.form_id, CenterEntry.entry_id)
        )
        for patient_id, form_id, entry_id, values in session.execute(query):
            items[patient_id].append([form_id, entry_id, values])
        session.execute(delete(CenterEntry).where(CenterEntry.patient_id.in_(part)))
    delete_rows(session, ids)
    versions = [
        {
            "site_code": row.site_code,
            "subject_code": row.subject_code,
            "replaced_by": replaced_by,
            "replaced_at": now,
            "uid": row.uid,
            "study_id": row.study_id,
            "study_version": row.study_version,
            "signed": row.signed,
            "first_dose_known": row.first_dose_known,
            "age": row.age,
            "content_sha256": row.content_sha256,
            "package_id": row.package_id,
            "package_created_at": row.package_created_at,
            "first_merged_at": row.first_merged_at,
            "updated_at": row.updated_at,
            "entries_json": values_to_text({"entries": items[row.id]}),
        }
        for row in rows
    ]
    table_insert = insert(cast(Table, CenterPatientVersion.__table__))
    for start in range(0, len(versions), _INSERT_BATCH):
        session.connection().execute(table_insert, versions[start : start + _INSERT_BATCH])


def _removals_message(name: str, header: TransferHeader, removed: Sequence[str]) -> str:
    named = ", ".join(removed[:_NAMED_MAX])
    if len(removed) > _NAMED_MAX:
        named += f" and {len(removed) - _NAMED_MAX} more (all listed with --json)"
    return (
        f"The transfer file {name} (site {header.site_code}, package {header.sequence}) would "
        f"remove {len(removed)} patient(s) the center holds: {named}. Nothing was merged; ask "
        "the site whether it really deleted them, and if so merge again with --allow-removals."
    )


def _insert_entries(
    session: Session, changed: Sequence[tuple[CenterPatient, DeidentifiedPatient]]
) -> None:
    """Write the rows of new and changed patients (one flush gives the new ones their
    ids), then all their entries, in patient order, with bulk inserts."""
    if not changed:
        return
    session.flush()
    rows = [
        {
            "patient_id": row.id,
            "form_id": form_id,
            "entry_id": entry.entry_id,
            "values_json": values_to_text(entry.values),
        }
        for row, patient in changed
        for form_id, form_entries in patient.forms.items()
        for entry in form_entries
    ]
    bulk_insert(session, cast(Table, CenterEntry.__table__), rows)
    store_rows(session, changed)


_COPY_COLUMNS: Final = 200_000
"""Values per COPY statement (rows x columns), to bound the buffered data."""


def bulk_insert(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert plain column values (ints and text, every row with the same columns) in the
    session's transaction: on PostgreSQL with COPY (psycopg), elsewhere with a Core
    executemany in batches (the ORM's per-row bookkeeping has nothing to add)."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
        columns = list(rows[0])
        names = ", ".join(table.c[c].name for c in columns)
        statement = f"COPY {table.name} ({names}) FROM STDIN"
        per_copy = max(1, _COPY_COLUMNS // len(columns))
        raw = connection.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cursor:
            for start in range(0, len(rows), per_copy):
                with cursor.copy(statement) as copy:
                    for row in rows[start : start + per_copy]:
                        copy.write_row([row[c] for c in columns])
        return
    statement_insert = insert(table)
    for start in range(0, len(rows), _INSERT_BATCH):
        connection.execute(statement_insert, rows[start : start + _INSERT_BATCH])


def merge_files(
    db: CenterDatabase,
    paths: Sequence[str | os.PathLike[str] | Path],
    center_key: CenterPrivateKey,
    site_keys: Mapping[str, SitePublicKey],
    *,
    allow_removals: bool = False,
) -> list[MergeResult | ExchangeError]:
    """Merge each file in its own transaction; a refused file does not stop the others.

    Files are merged in the order given; to avoid refusing an older package that
    arrives in the same batch as a newer one, sort by site and sequence first
    (:func:`order_for_merge`).
    """
    outcomes: list[MergeResult | ExchangeError] = []
    for path in paths:
        try:
            outcomes.append(
                merge_file(db, path, center_key, site_keys, allow_removals=allow_removals)
            )
        except ExchangeError as exc:
            outcomes.append(exc)
    return outcomes


def order_for_merge(paths: Sequence[str | os.PathLike[str] | Path]) -> list[str]:
    """The files sorted by site and sequence number (from their not yet verified headers),
    so that a batch holding several packages of one site merges them oldest first.

    Files whose header cannot be read keep their relative order at the end (merging them
    reports why they are refused). Sorting only decides the order: every file is still
    fully verified when merged.
    """
    keyed: list[tuple[int, str, int, int, str]] = []
    for index, path in enumerate(paths):
        name = os.fspath(path)
        try:
            header = read_header(name)
        except TransferFileError:
            keyed.append((1, "", 0, index, name))
        else:
            keyed.append((0, header.site_code, header.sequence, index, name))
    return [name for *_key, name in sorted(keyed)]
