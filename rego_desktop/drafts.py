"""Autosaved drafts of forms being edited, encrypted like the data.

A draft is what the person has typed so far (even half-typed or invalid), so that a
closed window, a crash or a power cut loses nothing. Drafts are not study data: they
never enter the audit trail and are removed once the form is saved or discarded.
They live as encrypted files beside the settings, one per form being edited, bound
by associated data to their study, subject, form and entry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rego_desktop.crypto.envelope import DecryptionFailed
from rego_desktop.files import bytes_writer, output_folder, write_file_atomically
from rego_desktop.paths import data_dir
from rego_desktop.store.study import OpenStudy

NEW_ENTRY = "new"


@dataclass(frozen=True)
class Draft:
    state: dict[str, Any]
    saved_at: dt.datetime


class DraftStore:
    def __init__(self, study: OpenStudy, folder: Path | None = None) -> None:
        self.study = study
        self.folder = folder or data_dir() / "drafts" / study.info.db_uid

    def _key(self, subject: str, form_id: str, item: str) -> tuple[Path, bytes]:
        ident = f"{subject}|{form_id}|{item or NEW_ENTRY}"
        name = hashlib.sha256(ident.encode()).hexdigest()[:32] + ".draft"
        aad = f"draft|{self.study.info.db_uid}|{ident}".encode()
        return self.folder / name, aad

    def save(self, subject: str, form_id: str, item: str, state: dict[str, Any]) -> None:
        path, aad = self._key(subject, form_id, item)
        body = {"state": state, "saved_at": dt.datetime.now(dt.UTC).isoformat()}
        blob = self.study.keyring.records.encrypt(
            json.dumps(body, ensure_ascii=False).encode(), aad
        )
        folder = output_folder(self.folder, "drafts", "草稿")
        write_file_atomically(
            folder / path.name,
            bytes_writer(blob),
            private=True,
            what="the draft",
            what_zh="草稿",
        )

    def load(self, subject: str, form_id: str, item: str) -> Draft | None:
        path, aad = self._key(subject, form_id, item)
        try:
            blob = path.read_bytes()
            body = json.loads(self.study.keyring.records.decrypt(blob, aad))
        except (OSError, DecryptionFailed, ValueError):
            return None
        return Draft(body["state"], dt.datetime.fromisoformat(body["saved_at"]))

    def discard(self, subject: str, form_id: str, item: str) -> None:
        path, _ = self._key(subject, form_id, item)
        path.unlink(missing_ok=True)
