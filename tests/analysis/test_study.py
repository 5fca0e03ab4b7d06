"""The summary of a real (encrypted) site study: bulk loading, the dataset, the CLI."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from rego_desktop.analysis import (
    ANALYSIS_FORMS,
    data_version,
    load_analysis_casebooks,
    summarize,
    summarize_study,
)
from rego_desktop.analysis.dataset import analysis_row
from rego_desktop.casebook import Casebook
from rego_desktop.cli import summary_commands
from rego_desktop.demo.generator import generate
from rego_desktop.errors import DamagedDatabase
from rego_desktop.models import Record
from rego_desktop.services.patients import PatientService
from rego_desktop.store.opening import create_study
from rego_desktop.store.study import OpenStudy
from tests.conftest import ADMIN, FAST_KDF, PASSWORD

PATIENTS = 40


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[OpenStudy, Path]]:
    """A 40-patient demo study shared by the read-only tests of this module."""
    path = tmp_path_factory.mktemp("analysis") / "site.rego"
    created = create_study(path, "BJ01", ADMIN, PASSWORD, kdf=FAST_KDF)
    generate(created.study, PATIENTS, seed=11)
    yield created.study, path
    created.study.close()


def full_casebooks(study: OpenStudy) -> list[Casebook]:
    service = PatientService(study)
    return [service.casebook(code) for code in service.subject_codes()]


def test_bulk_loading_reads_the_same_values(demo: tuple[OpenStudy, Path]) -> None:
    study, _ = demo
    fast = load_analysis_casebooks(study)
    slow = full_casebooks(study)
    assert [b.subject_code for b in fast] == [b.subject_code for b in slow]
    for quick, full in zip(fast, slow, strict=True):
        assert set(quick.entries) == set(full.entries) & set(ANALYSIS_FORMS)
        for form_id, entries in quick.entries.items():
            key = lambda e: e.item_uid  # noqa: E731
            for a, b in zip(
                sorted(entries, key=key), sorted(full.entries[form_id], key=key), strict=True
            ):
                assert (a.item_uid, a.revision, a.updated_at) == (
                    b.item_uid,
                    b.revision,
                    b.updated_at,
                )
                assert dict(a.values) == dict(b.values)
                assert a.values == b.values
                assert len(a.values) == len(b.values)
        assert analysis_row(quick) == analysis_row(full)


def test_study_summary_equals_summary_of_full_casebooks(demo: tuple[OpenStudy, Path]) -> None:
    study, _ = demo
    expected = summarize(full_casebooks(study))
    assert expected["patients"]["enrolled"] == PATIENTS
    assert expected["patients"]["screen_failures"] > 0
    assert expected["os"]["events"] > 0
    assert summarize_study(study, use_cache=False) == expected
    assert summarize_study(study) == expected  # from the rows the saves stored


def test_progress_counts_patients(demo: tuple[OpenStudy, Path]) -> None:
    study, _ = demo
    calls: list[tuple[int, int]] = []
    summarize_study(study, lambda done, total: calls.append((done, total)), use_cache=False)
    assert calls[0] == (0, PATIENTS)
    assert calls[-1] == (PATIENTS, PATIENTS)
    calls.clear()
    summarize_study(study, lambda done, total: calls.append((done, total)))
    assert calls == [(0, 0)]  # every row stored by the saves: nothing to derive


def test_altered_record_is_reported_not_skipped(study: OpenStudy) -> None:
    generate(study, 3, seed=2)
    with study.transaction() as session:
        record = session.scalars(select(Record).where(Record.form_id == "survival")).first()
        assert record is not None
        payload = bytearray(record.payload)
        payload[-1] ^= 0x01
        record.payload = bytes(payload)
    with pytest.raises(DamagedDatabase, match="cannot be decrypted"):
        summarize_study(study, use_cache=False)


def test_data_version_changes_when_data_change(study: OpenStudy) -> None:
    empty = data_version(study)
    assert empty.patients == 0
    service = PatientService(study)
    code = service.create_patient()
    created = data_version(study)
    assert created != empty
    service.save(code, "treatment", {"first_dose_date": dt.date(2024, 1, 10)})
    saved = data_version(study)
    assert saved != created
    assert saved.patients == 1
    assert data_version(study) == saved


def _run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="rego-desktop")
    summary_commands.register(parser.add_subparsers())
    args = parser.parse_args(argv)
    code: int = args.run(args)
    return code


def test_cli_json_and_table(
    demo: tuple[OpenStudy, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    study, path = demo
    monkeypatch.setenv("REGO_PASSWORD", PASSWORD)
    assert _run_cli(["summary", "--db", str(path), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == summarize_study(study, use_cache=False)
    assert set(printed) >= {"patients", "os", "pfs", "ttp", "orr", "dcr", "adverse_events"}
    assert _run_cli(["summary", "--db", str(path), "--no-cache"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Endpoint summary")
    assert f"{PATIENTS} enrolled" in text
    assert "ORR" in text
    assert "Palmar-plantar erythrodysesthesia syndrome" in text
