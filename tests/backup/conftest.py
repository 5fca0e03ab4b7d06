"""Helpers for backup tests: a study with a few patients, damaging files on purpose."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from rego_desktop.services.patients import PatientService
from rego_desktop.store.study import OpenStudy

NAMES = ("Zhang Weiqiang", "王秀英", "Liu Mingyuan")


def add_patients(study: OpenStudy, names: tuple[str, ...] = NAMES) -> list[str]:
    service = PatientService(study)
    codes = []
    for i, name in enumerate(names):
        code = service.create_patient()
        service.save(
            code,
            "identification",
            {
                "full_name": name,
                "hospital_record_number": f"MRN-{4821397 + i}",
                "date_of_birth": dt.date(1950 + i, 3, 5),
            },
        )
        codes.append(code)
    return codes


@pytest.fixture
def filled(study: OpenStudy) -> OpenStudy:
    """The ``study`` fixture with three identified patients."""
    add_patients(study)
    return study


def names_in(study: OpenStudy) -> set[str]:
    return {row.name for row in PatientService(study).list_patients()}


def damage_pages(path: Path, *, table: str = "records", pages: int = 3) -> None:
    """Overwrite a few b-tree pages of ``table`` with garbage (what a bad sector does)."""
    conn = sqlite3.connect(path)
    try:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)
        ).fetchone()[0]
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        conn.close()
    with path.open("r+b") as fh:
        for page in range(root, root + pages):
            fh.seek((page - 1) * page_size)
            fh.write(b"\xa5\x5a" * (page_size // 2))


def flip_byte(path: Path, offset_fraction: float = 0.5) -> None:
    data = bytearray(path.read_bytes())
    data[int(len(data) * offset_fraction)] ^= 0xFF
    path.write_bytes(bytes(data))
