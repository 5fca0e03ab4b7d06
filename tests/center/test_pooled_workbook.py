"""The center's streamed workbook: one site's listings, the ADaM sheets, the derived
scores, missing-data codes and partial dates, on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from rego_desktop.cdisc.adam import DATASETS
from rego_desktop.cdisc.source import source_of
from rego_desktop.center.cli import main as center_main
from rego_desktop.center.db import CenterDatabase, open_center_database
from rego_desktop.center.errors import CenterDatabaseError
from rego_desktop.center.merge import merge_file
from rego_desktop.center.pooled import pooled_casebooks
from rego_desktop.center.pooled_derived import score_columns, score_rows
from rego_desktop.center.pooled_workbook import write_pooled_workbook
from rego_desktop.center.xlsx_stream import SpooledSheet, StreamingWorkbook, sheet_title
from rego_desktop.derive import PatientData
from rego_desktop.exchange.deidentify import export_policy
from rego_desktop.study import CURRENT
from rego_desktop.study.schema import FieldType
from tests.center.conftest import CENTER, Network

POLICY = export_policy(CURRENT)
ADAM = ["ADSL", "ADTTE", "ADRS", "ADAE"]


@pytest.fixture
def merged_db(network: Network, center_db: CenterDatabase) -> CenterDatabase:
    for path in network.last_files():
        merge_file(center_db, path, CENTER, network.registry)
    return center_db


def table(path: Path, name: str) -> list[dict[str, Any]]:
    wb = load_workbook(path, read_only=True)
    try:
        rows = list(wb[name].iter_rows(values_only=True))
    finally:
        wb.close()
    header = [str(h) for h in rows[0]]
    padded = [tuple(r) + (None,) * (len(header) - len(r)) for r in rows[1:]]
    return [dict(zip(header, r, strict=True)) for r in padded]


def expected_adam(db: CenterDatabase, site: str | None = None) -> dict[str, list[tuple[Any, ...]]]:
    """The ADaM tables the CDISC package code builds from the same pooled casebooks."""
    source = source_of(pooled_casebooks(db, site=site), CURRENT, deidentified=True)
    return {t.name: t.rows for t in (build(source) for build in DATASETS)}


def _cells(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    # An empty string is written as an empty cell, which reads back as None.
    return [tuple(None if v == "" else v for v in r) for r in rows]


def check_workbook(db: CenterDatabase, path: Path, site: str | None) -> None:
    wb = load_workbook(path)
    listings = [f.id for f in POLICY.exported_forms()]
    assert wb.sheetnames == [
        "patients", *listings, "scores", *ADAM, "dictionary", "merge_log"
    ]  # fmt: skip
    for name in wb.sheetnames:
        sheet = wb[name]
        assert sheet.freeze_panes == "A2", name
        assert sheet["A1"].font.b, name
        assert sheet.auto_filter.ref == (
            f"A1:{sheet.cell(1, sheet.max_column).column_letter}{sheet.max_row}"
        ), name
    wb.close()
    adam = expected_adam(db, site)
    for name in ADAM:
        rows = [tuple(r.values()) for r in table(path, name)]
        assert rows == _cells(adam[name]), name
    books = pooled_casebooks(db, site=site)
    expected_scores = [r for b in books for r in score_rows(PatientData(b), score_columns(CURRENT))]
    got = [tuple(r.values()) for r in table(path, "scores")]
    assert got == [tuple(r) for r in expected_scores]
    subjects = {r["subject"] for r in table(path, "patients")}
    assert subjects == {b.subject_code for b in books}
    if site is not None:
        assert all(r["site"] == site for r in table(path, "patients"))
        assert all(r["SITEID"] == site for r in table(path, "ADSL"))
        assert {r["site"] for r in table(path, "merge_log")} == {site}


def test_center_workbook_has_adam_and_scores(merged_db: CenterDatabase, tmp_path: Path) -> None:
    path = tmp_path / "center.xlsx"
    report = write_pooled_workbook(merged_db, path)
    check_workbook(merged_db, path, None)
    assert report.rows["ADSL"] == report.rows["patients"] > 0
    scores = table(path, "scores")
    assert any(r["bmi"] is not None for r in scores)
    assert any(r["child_pugh_class"] in ("A", "B", "C") for r in scores)
    assert any(r["albi_grade"] is not None for r in scores)
    for r in scores:  # a blank score always says what it lacked
        if r["bmi"] is None and r["form"] == "demographics":
            assert "bmi" in (r["not_computable"] or "")
    adtte = table(path, "ADTTE")
    assert {r["PARAMCD"] for r in adtte} <= {"OS", "PFS", "TTP"}
    assert all(r["STARTDT"] is None and r["ADT"] is None for r in adtte)  # no dates
    assert all(isinstance(r["AVAL"], int) for r in adtte)
    dictionary = {(r["sheet"], r["column"]) for r in table(path, "dictionary")}
    assert ("scores", "bmi") in dictionary
    assert ("ADSL", "USUBJID") in dictionary
    assert ("ADAE", "AETOXGR") in dictionary


def test_one_site(network: Network, merged_db: CenterDatabase, tmp_path: Path) -> None:
    site = sorted(network.sites)[0]
    path = tmp_path / "one.xlsx"
    report = write_pooled_workbook(merged_db, path, site=site)
    assert report.rows["patients"] == len(network.sites[site].expected[-1])
    check_workbook(merged_db, path, site)
    for form in POLICY.exported_forms():
        assert all(r["site"] == site for r in table(path, form.id))
    with pytest.raises(CenterDatabaseError, match="No site XX9") as info:
        write_pooled_workbook(merged_db, tmp_path / "none.xlsx", site="XX9")
    assert info.value.message_zh
    assert not (tmp_path / "none.xlsx").exists()


def test_cli_site_option(
    network: Network, merged_db: CenterDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = sorted(network.sites)[-1]
    path = tmp_path / "cli.xlsx"
    assert (
        center_main(["xlsx", "--db", merged_db.description, "--out", str(path), "--site", site])
        == 0
    )
    assert "ADSL" in capsys.readouterr().out
    assert {r["site"] for r in table(path, "patients")} == {site}
    assert (
        center_main(["xlsx", "--db", merged_db.description, "--out", str(path), "--site", "ZZ"])
        != 0
    )
    assert "ZZ" in capsys.readouterr().err


def test_codes_and_partial_dates_stay_as_sent(merged_db: CenterDatabase, tmp_path: Path) -> None:
    """Every listing cell is what the site sent: missing-data codes as codes, dates as
    study days or periods of study days (``date_cell``), quantities as value and unit."""
    from rego_desktop.center.pooled import pooled_patients
    from rego_desktop.exchange.study_days import date_cell

    path = tmp_path / "cells.xlsx"
    write_pooled_workbook(merged_db, path)
    patients = {p.subject_code: p for p in pooled_patients(merged_db)}
    codes_seen: set[str] = set()
    for form in POLICY.exported_forms():
        rows = table(path, form.id)
        for row in rows:
            patient = patients[row["subject"]]
            entry = next(
                e
                for e in patient.forms[form.id]
                if not form.repeating or e.entry_id == row["entry"]
            )
            for f in POLICY.exported_fields[form.id]:
                sent = entry.values.get(f.id)
                if f.type is FieldType.DATE:
                    assert row[f"{f.id}_day"] == date_cell(sent), (form.id, f.id)
                elif isinstance(sent, dict) and "missing" in sent:
                    assert row[f.id] == sent["missing"]
                    codes_seen.add(sent["missing"])
                elif isinstance(sent, dict):
                    assert row[f.id] == pytest.approx(float(sent["value"]))
                    assert row[f"{f.id}_unit"] == sent["unit"]
                elif isinstance(sent, list):
                    assert row[f.id] == ";".join(sent)
                elif sent is not None and len(f.units) <= 1:
                    assert row[f.id] == sent, (form.id, f.id)
    assert codes_seen <= {"ND", "UNK", "NA"}


def test_streaming_writer_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "w.xlsx"
    spooled = SpooledSheet("later", ["a", "b"])
    spooled.extend([[1, "x"], [None, "y & <z>\x01"]])
    with path.open("wb") as out:
        wb = StreamingWorkbook(out)
        wb.sheet(
            "first",
            ["text", "int", "float", "date", "when", "list", "flag"],
            [
                [
                    " lead",
                    3,
                    2.5,
                    dt.date(2020, 2, 29),
                    dt.datetime(2021, 1, 2, 3, 4),
                    ["a", "b"],
                    True,
                ],
                ["中文", -1, float("nan"), None, None, [], False],
            ],
        )
        wb.add_spooled(spooled)
        wb.sheet("a/b:c*d?[e]-a-very-long-name-beyond-31", ["x"], [])
        wb.close()
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
    book = load_workbook(path)
    assert book.sheetnames == [
        "first",
        "later",
        sheet_title("a/b:c*d?[e]-a-very-long-name-beyond-31"),
    ]
    first = list(book["first"].iter_rows(values_only=True))
    assert first[1] == (
        " lead",
        3,
        2.5,
        dt.datetime(2020, 2, 29),
        dt.datetime(2021, 1, 2, 3, 4),
        "a;b",
        True,
    )
    assert first[2][:3] == ("中文", -1, "nan")
    assert first[2][6] is False
    assert book["first"]["D2"].number_format == "yyyy-mm-dd"
    later = list(book["later"].iter_rows(values_only=True))
    assert later == [("a", "b"), (1, "x"), (None, "y & <z>")]
    assert book["later"].auto_filter.ref == "A1:B3"


@pytest.fixture
def postgres_db(postgres_url: str) -> Iterator[CenterDatabase]:
    with open_center_database(postgres_url, create=True) as db:
        yield db


def test_postgresql_workbook(network: Network, postgres_db: CenterDatabase, tmp_path: Path) -> None:
    for path in network.last_files():
        merge_file(postgres_db, path, CENTER, network.registry)
    full = tmp_path / "pg.xlsx"
    write_pooled_workbook(postgres_db, full)
    check_workbook(postgres_db, full, None)
    site = sorted(network.sites)[0]
    one = tmp_path / "pg-one.xlsx"
    write_pooled_workbook(postgres_db, one, site=site)
    check_workbook(postgres_db, one, site)


def test_bulk_loaded_postgresql_equals_sqlite(
    network: Network, center_db: CenterDatabase, postgres_db: CenterDatabase
) -> None:
    """PostgreSQL bulk-loads entries and analysis rows with COPY; SQLite uses executemany.
    Merging every package of every site (adds, updates keeping versions, removals)
    leaves both with the same patients, versions and analysis rows."""
    from sqlalchemy import func, select

    from rego_desktop.center.analysis_rows import pooled_rows
    from rego_desktop.center.merge import MergeStatus
    from rego_desktop.center.models import (
        CenterAnalysisRow,
        CenterPatient,
        CenterPatientVersion,
        CenterSheetRows,
    )
    from rego_desktop.center.pooled import pooled_patients

    for db in (center_db, postgres_db):
        for path in network.all_files():
            merge_file(db, path, CENTER, network.registry, allow_removals=True)
        again = merge_file(db, network.last_files()[0], CENTER, network.registry)
        assert again.status is MergeStatus.ALREADY_MERGED
    assert pooled_patients(postgres_db) == pooled_patients(center_db)
    counts: list[tuple[int | None, int | None]] = []
    for db in (center_db, postgres_db):
        with db.reading() as session:
            counts.append(
                (
                    session.scalar(select(func.count()).select_from(CenterAnalysisRow)),
                    session.scalar(select(func.count()).select_from(CenterPatientVersion)),
                )
            )
    assert counts[0] == counts[1]
    assert counts[0][0] == len(pooled_patients(center_db))
    assert (counts[0][1] or 0) > 0  # updated and removed patients were kept as versions
    assert pooled_rows(postgres_db)[0] == pooled_rows(center_db)[0]
    sheets: list[dict[str, str]] = []
    for db in (center_db, postgres_db):  # derived-sheet rows, bulk-loaded the same way
        with db.reading() as session:
            query = select(CenterPatient.subject_code, CenterSheetRows.rows_json).join(
                CenterPatient, CenterPatient.id == CenterSheetRows.patient_id
            )
            found: dict[str, str] = {}
            for subject, text in session.execute(query):
                found[subject] = text
            sheets.append(found)
    assert sheets[0] == sheets[1]
    assert len(sheets[0]) == len(pooled_patients(center_db))


def test_versions_kept_a_batch_at_a_time(network: Network, center_db: CenterDatabase) -> None:
    """Updating patients keeps their versions with one insert per batch of patients, and
    their analysis rows are deleted once (with their entries), not again when the new
    rows are stored."""
    from sqlalchemy import event

    for path in network.first_files():
        merge_file(center_db, path, CENTER, network.registry)
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(center_db.engine, "before_cursor_execute", seen)
    try:
        updated = 0
        for site in network.sites.values():
            result = merge_file(
                center_db, site.files[1], CENTER, network.registry, allow_removals=True
            )
            updated += len(result.updated)
    finally:
        event.remove(center_db.engine, "before_cursor_execute", seen)
    assert updated >= 2
    files = len(network.sites)
    versions = [s for s in statements if s.startswith("INSERT INTO center_patient_versions")]
    deletes = [s for s in statements if s.startswith("DELETE FROM center_analysis_rows")]
    # At most one batch of updated and one of removed patients per file (20 patients
    # here, 500 per batch); rows are deleted once, with the entries.
    assert 0 < len(versions) <= 2 * files
    assert 0 < len(deletes) <= 2 * files
    assert len(deletes) == len(versions)
