"""The small JSON manifest written beside each backup file.

It says what the backup *is* (which study, when, why, which schema, its size and
checksum), never what it *holds*: no patient, no value, no user name, no folder path.
The backup file itself is a consistent copy of the study database, whose values and
audit payloads are already encrypted record by record with the study's data key, so
backup and manifest together add nothing readable to the disk or USB drive.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from rego_desktop.files import bytes_writer, replace_atomically

FORMAT = 1
BACKUP_SUFFIX = ".rego-backup"
MANIFEST_SUFFIX = ".json"
REASONS = ("manual", "close", "daily", "restore")


@dataclass(frozen=True)
class Manifest:
    """What a backup is. Every field is non-identifying (a test checks the list)."""

    format: int
    app_version: str
    created_at: dt.datetime
    reason: str
    db_uid: str
    site_code: str
    schema_revision: str
    database_name: str
    size: int
    sha256: str
    audit_entries: int
    audit_state: str
    patients: int

    def to_json(self) -> str:
        data: dict[str, Any] = asdict(self)
        data["created_at"] = self.created_at.astimezone(dt.UTC).isoformat(timespec="microseconds")
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        """Parse a manifest; ValueError if it is not one this version understands."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError("not JSON") from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("not a rego-desktop backup manifest")
        try:
            created = dt.datetime.fromisoformat(str(data["created_at"]))
            if created.tzinfo is None:
                raise ValueError("naive time")
            values: dict[str, Any] = {
                "format": int(data["format"]),
                "app_version": str(data["app_version"]),
                "created_at": created.astimezone(dt.UTC),
                "reason": str(data["reason"]),
                "db_uid": str(data["db_uid"]),
                "site_code": str(data["site_code"]),
                "schema_revision": str(data["schema_revision"]),
                "database_name": str(data["database_name"]),
                "size": int(data["size"]),
                "sha256": str(data["sha256"]),
                "audit_entries": int(data["audit_entries"]),
                "audit_state": str(data["audit_state"]),
                "patients": int(data["patients"]),
            }
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"incomplete manifest: {exc}") from exc
        return cls(**values)


MANIFEST_FIELDS = tuple(f.name for f in fields(Manifest))


def manifest_path(backup: Path) -> Path:
    return backup.with_name(backup.name + MANIFEST_SUFFIX)


def read_manifest(backup: Path) -> Manifest | None:
    """The backup's manifest, or None if it is missing or unreadable."""
    try:
        return Manifest.from_json(manifest_path(backup).read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def write_manifest(backup: Path, manifest: Manifest) -> Path:
    """Write the manifest beside ``backup`` (temporary file and rename); ``OSError``
    propagates for the backup writer to name the folder and the reason."""
    text = manifest.to_json().encode("utf-8")
    return replace_atomically(manifest_path(backup), bytes_writer(text))
