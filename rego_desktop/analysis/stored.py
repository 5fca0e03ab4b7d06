"""Stored analysis rows: written by every save, read by the summary.

See :mod:`rego_desktop.models.analysis` for the table. A row is used only when it was
computed at the patient's current revision by the current code; everything else
(patients saved before this table existed, rows of an older program version, a row
that fails authentication) is recomputed from the records, and stored again when the
database can be written. A stored row never changes a result, only how fast it comes:
``rego-desktop summary --no-cache`` recomputes every row, and the tests hold both ways
equal.

The code fingerprint hashes the version, the study definition and the source of every
module that decides a row's values, so a changed rule or derivation cannot be served
rows computed by the old one. In a frozen build, where the sources are not on disk,
the version stands for them.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from rego_desktop import __version__
from rego_desktop.analysis.dataset import AnalysisRow, row_from_json, row_to_json
from rego_desktop.bulk import JsonObjects
from rego_desktop.crypto.envelope import NONCE_BYTES, derive_subkey
from rego_desktop.errors import StudyFileError
from rego_desktop.models import Patient, StoredAnalysisRow
from rego_desktop.store.study import OpenStudy

ROW_FORMAT = "rego-desktop/analysis-row/1"
_KEY_PURPOSE = "rego-desktop/v1/analysis-rows"
CODE_CHARS = 16  # of the fingerprint, stored in clear to skip rows of other code cheaply

# Code whose change may change a row: hashed into the fingerprint.
_FINGERPRINT_PACKAGES = ("rego_desktop.rules", "rego_desktop.derive", "rego_desktop.study")
_FINGERPRINT_MODULES = (
    "rego_desktop.casebook",
    "rego_desktop.analysis.dataset",
    "rego_desktop.analysis.loading",
    "rego_desktop.analysis.stored",
)

log = logging.getLogger(__name__)


def _source_files(packages: Sequence[str], modules: Sequence[str]) -> Iterator[Path]:
    # Located, not imported: a summary read from stored rows need not load them.
    for name in packages:
        spec = importlib.util.find_spec(name)
        for folder in (spec.submodule_search_locations or []) if spec else []:
            yield from sorted(Path(folder).glob("*.py"))
    for name in modules:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin:
            yield Path(spec.origin)


def source_digest(label: str, packages: Sequence[str], modules: Sequence[str]) -> str:
    """SHA-256 of ``label`` and the source of these packages (their ``*.py`` files) and
    modules: what stored results computed by that code are checked against."""
    digest = hashlib.sha256(label.encode())
    for path in _source_files(packages, modules):
        with contextlib.suppress(OSError):
            data = path.read_bytes()
            digest.update(f"|{path.parent.name}/{path.name}|{len(data)}|".encode())
            digest.update(data)
    return digest.hexdigest()


@cache
def code_fingerprint(study_id: str, study_version: str) -> str:
    """Hash of everything that decides a row's values (computed once per process)."""
    return source_digest(
        f"{ROW_FORMAT}|{__version__}|{study_id}|{study_version}",
        _FINGERPRINT_PACKAGES,
        _FINGERPRINT_MODULES,
    )


class RowCodec:
    """Encrypts and decrypts one study's analysis rows with one AES-GCM context."""

    def __init__(self, study: OpenStudy) -> None:
        self.db_uid = study.info.db_uid
        self.fingerprint = code_fingerprint(study.definition.id, study.definition.version)
        self.code = self.fingerprint[:CODE_CHARS]
        self._cipher = AESGCM(derive_subkey(study.keyring.data_key, _KEY_PURPOSE))
        self._json = JsonObjects()

    def _aad(self, patient_uid: str, revision: int) -> bytes:
        return f"{ROW_FORMAT}|{self.db_uid}|{patient_uid}|{revision}|{self.fingerprint}".encode()

    def encrypt(self, patient_uid: str, revision: int, row: AnalysisRow) -> bytes:
        plain = json.dumps(row_to_json(row), ensure_ascii=False, separators=(",", ":"))
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._cipher.encrypt(nonce, plain.encode(), self._aad(patient_uid, revision))
        return nonce + sealed

    def decrypt(self, patient_uid: str, revision: int, payload: bytes) -> AnalysisRow | None:
        """The row, or None if it was not written for this patient, revision and code
        (or was altered): the caller recomputes it from the records."""
        try:
            plain = self._cipher.decrypt(
                payload[:NONCE_BYTES], payload[NONCE_BYTES:], self._aad(patient_uid, revision)
            )
            return row_from_json(self._json(plain))
        except (InvalidTag, ValueError):
            return None


@dataclass(frozen=True, slots=True)
class Recomputed:
    """A row the summary had to compute, with the patient state it was computed at."""

    patient_id: int
    patient_uid: str
    revision: int
    row: AnalysisRow


def store_recomputed(study: OpenStudy, codec: RowCodec, rows: Sequence[Recomputed]) -> int:
    """Store rows a summary recomputed, so the next one reads them; returns how many.

    Derived data only: nothing a user entered changes, so there is no audit entry and
    no revision. A patient saved since the rows were read keeps the row its save wrote.
    A database that cannot be written now (read-only copy, busy, disk full) is left as
    it is: the rows are recomputed next time.
    """
    if not rows:
        return 0
    try:
        with study.transaction() as session:
            current: dict[int, int] = dict(
                session.execute(
                    select(Patient.id, Patient.revision).where(
                        Patient.id.in_([r.patient_id for r in rows])
                    )
                ).all()
            )
            written = _upsert(
                session, codec, [r for r in rows if current.get(r.patient_id) == r.revision]
            )
    except StudyFileError as exc:
        log.info("analysis rows not stored (%s): they are recomputed next time", type(exc).__name__)
        return 0
    return written


def store_row(session: Session, codec: RowCodec, patient: Patient, row: AnalysisRow) -> None:
    """Add or replace ``patient``'s row (at its current revision) in ``session``'s
    transaction; the caller commits."""
    _upsert(session, codec, [Recomputed(patient.id, patient.uid, patient.revision, row)])


def _upsert(session: Session, codec: RowCodec, rows: Sequence[Recomputed]) -> int:
    """Insert or replace these rows in the session's transaction; returns how many."""
    if not rows:
        return 0
    statement = sqlite_insert(StoredAnalysisRow)
    session.connection().execute(
        statement.on_conflict_do_update(
            index_elements=["patient_id"],
            set_={
                "revision": statement.excluded.revision,
                "code": statement.excluded.code,
                "payload": statement.excluded.payload,
            },
        ),
        [
            {
                "patient_id": r.patient_id,
                "revision": r.revision,
                "code": codec.code,
                "payload": codec.encrypt(r.patient_uid, r.revision, r.row),
            }
            for r in rows
        ],
    )
    return len(rows)
