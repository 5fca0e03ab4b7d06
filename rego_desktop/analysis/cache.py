"""An encrypted cache of analysis rows, so a summary only recomputes changed patients.

Decrypting and deriving 10,000 casebooks takes several seconds; a summary after a few
edits needs only the patients edited since the last one. Each cached row carries the
stamp of the patient it came from: ``Patient.revision`` and ``Patient.updated_at``,
which every save or deletion of one of the patient's records changes in the same
transaction. A row whose stamp differs from the database is recomputed.

The cache is one file per study in the application data folder
(``<data dir>/cache/analysis-<db uid>.bin``), never beside the study file, and holds
clinical values, so it is encrypted like the database: AES-256-GCM with a subkey of
the study's data key. Its associated data name the study and a fingerprint of the code
that computes rows (the version, the study definition, and the source of the casebook,
rules, derivations, analysis loading and dataset modules), so rows computed by other
code, a file from another study, or an altered file fail authentication and are simply
recomputed. The cache is an optimisation only: a missing, unreadable or unwritable cache
never changes a result.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import importlib.util
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from rego_desktop import __version__
from rego_desktop.analysis.dataset import AnalysisRow, row_from_json, row_to_json
from rego_desktop.crypto.envelope import NONCE_BYTES, derive_subkey
from rego_desktop.paths import data_dir
from rego_desktop.store.study import OpenStudy
from rego_desktop.study.schema import StudyDefinition

CACHE_FORMAT = "rego-desktop/analysis-cache/1"
MAGIC = b"REGOAC1\n"
_KEY_PURPOSE = "rego-desktop/v1/analysis-cache"
# Code whose change may change a row: hashed into the cache's associated data.
_FINGERPRINT_PACKAGES = ("rego_desktop.rules", "rego_desktop.derive", "rego_desktop.study")
_FINGERPRINT_MODULES = (
    "rego_desktop.casebook",
    "rego_desktop.analysis.dataset",
    "rego_desktop.analysis.loading",
    "rego_desktop.analysis.cache",
)

Stamp = tuple[int, str]  # (patient revision, updated_at as stored)


def stamp_of(revision: int, updated_at: dt.datetime | str) -> Stamp:
    text = updated_at if isinstance(updated_at, str) else updated_at.isoformat()
    return (revision, text)


def _source_files() -> Iterator[Path]:
    # Located, not imported: a summary served from the cache need not load them.
    for name in _FINGERPRINT_PACKAGES:
        spec = importlib.util.find_spec(name)
        for folder in (spec.submodule_search_locations or []) if spec else []:
            yield from sorted(Path(folder).glob("*.py"))
    for name in _FINGERPRINT_MODULES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin:
            yield Path(spec.origin)


@cache
def code_fingerprint(study_id: str, study_version: str) -> str:
    """Hash of everything that decides a row's values (read once per process).

    Where the sources are not on disk (a frozen build) the version stands for them.
    """
    digest = hashlib.sha256(f"{CACHE_FORMAT}|{__version__}|{study_id}|{study_version}".encode())
    for path in _source_files():
        with contextlib.suppress(OSError):
            data = path.read_bytes()
            digest.update(f"|{path.parent.name}/{path.name}|{len(data)}|".encode())
            digest.update(data)
    return digest.hexdigest()


def cache_path(db_uid: str) -> Path:
    return data_dir() / "cache" / f"analysis-{db_uid}.bin"


def _aad(db_uid: str, definition: StudyDefinition) -> bytes:
    fingerprint = code_fingerprint(definition.id, definition.version)
    return f"{CACHE_FORMAT}|{db_uid}|{fingerprint}".encode()


@dataclass
class RowCache:
    """Analysis rows by patient uid, each with the stamp it was computed at."""

    entries: dict[str, tuple[Stamp, AnalysisRow]] = field(default_factory=dict)
    changed: bool = False

    def get(self, patient_uid: str, stamp: Stamp) -> AnalysisRow | None:
        """The cached row if it was computed from the patient's current data."""
        entry = self.entries.get(patient_uid)
        if entry is None or entry[0] != stamp:
            return None
        return entry[1]

    def put(self, patient_uid: str, stamp: Stamp, row: AnalysisRow) -> None:
        self.entries[patient_uid] = (stamp, row)
        self.changed = True

    def keep_only(self, patient_uids: Iterable[str]) -> None:
        """Forget patients no longer in the study."""
        wanted = set(patient_uids)
        for uid in [uid for uid in self.entries if uid not in wanted]:
            del self.entries[uid]
            self.changed = True

    # -------------------------------------------------------------- the file

    @classmethod
    def load(cls, study: OpenStudy) -> RowCache:
        """The study's cache; empty if there is none or it cannot be used."""
        path = cache_path(study.info.db_uid)
        try:
            blob = path.read_bytes()
        except OSError:
            return cls()
        if not blob.startswith(MAGIC):
            return cls()
        body = blob[len(MAGIC) :]
        cipher = AESGCM(derive_subkey(study.keyring.data_key, _KEY_PURPOSE))
        try:
            plain = cipher.decrypt(
                body[:NONCE_BYTES], body[NONCE_BYTES:], _aad(study.info.db_uid, study.definition)
            )
            data = json.loads(plain)
            entries = {
                uid: ((int(revision), str(updated)), row_from_json(row))
                for uid, (revision, updated, row) in data["patients"].items()
            }
        except (InvalidTag, ValueError, TypeError, KeyError, AttributeError):
            return cls()  # other code, another study, or damaged: recompute
        return cls(entries)

    def save(self, study: OpenStudy) -> bool:
        """Write the cache (atomically); False if the folder cannot be written."""
        path = cache_path(study.info.db_uid)
        data: dict[str, Any] = {
            "patients": {
                uid: [stamp[0], stamp[1], row_to_json(row)]
                for uid, (stamp, row) in self.entries.items()
            }
        }
        plain = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        nonce = os.urandom(NONCE_BYTES)
        cipher = AESGCM(derive_subkey(study.keyring.data_key, _KEY_PURPOSE))
        blob = (
            MAGIC + nonce + cipher.encrypt(nonce, plain, _aad(study.info.db_uid, study.definition))
        )
        tmp_name: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            with os.fdopen(fd, "wb") as out:
                out.write(blob)
            os.replace(tmp_name, path)
            tmp_name = None
        except OSError:
            return False
        finally:
            if tmp_name is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp_name)
        self.changed = False
        return True


def clear(study: OpenStudy) -> None:
    """Delete the study's cache file (if any)."""
    with contextlib.suppress(FileNotFoundError):
        cache_path(study.info.db_uid).unlink()
