"""One bit changed in one stored record (issue 14): every command names the damaged
patient, form and entry and the newest backup; the read-only ones carry on with the
other patients and exit 1 at the end, ``export`` refuses and writes nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import openpyxl
import pytest

from rego_desktop.cli.main import main
from rego_desktop.demo.generator import generate
from rego_desktop.exchange import keys
from rego_desktop.reports.pdf import page_count
from rego_desktop.services.damage import AlteredQuery, DamagedRecord
from rego_desktop.services.patients import PatientService
from rego_desktop.services.queries import QueryService
from rego_desktop.store.study import OpenStudy
from tests.conftest import ADMIN, PASSWORD

DAMAGED = "BJ01-0002"
FORM = "demographics"


@pytest.fixture
def site(study: OpenStudy, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Four demo patients, signed in through the environment as the CLI is."""
    generate(study, 4, seed=1)  # seed 1: three open queries
    monkeypatch.setenv("REGO_PASSWORD", PASSWORD)
    monkeypatch.setenv("REGO_USER", ADMIN)
    return db_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def flip_a_bit(db: Path, subject: str = DAMAGED, form: str = FORM) -> None:
    conn = sqlite3.connect(db)
    try:
        rid, payload = conn.execute(
            "SELECT r.id, r.payload FROM records r JOIN patients p ON p.id = r.patient_id "
            "WHERE p.subject_code = ? AND r.form_id = ?",
            (subject, form),
        ).fetchone()
        changed = bytearray(payload)
        changed[len(changed) // 2] ^= 0x10
        conn.execute("UPDATE records SET payload = ? WHERE id = ?", (bytes(changed), rid))
        conn.commit()
    finally:
        conn.close()


def backup(capsys: pytest.CaptureFixture[str], db: Path) -> Path:
    code, out, err = run(capsys, "backup", "--db", str(db))
    assert code == 0, err
    written = next(word for word in out.split() if word.endswith(".rego-backup"))
    return Path(written)


def assert_names_the_damage(err: str, backup_file: Path | None) -> None:
    assert "Traceback" not in err
    assert "this is a bug" not in err
    assert DAMAGED in err
    assert "Demographics (demographics)" in err
    assert "revision 1" in err
    if backup_file is None:
        assert "No backup of this study was found" in err
    else:
        assert f"The newest backup is {backup_file}" in err
        assert "rego-desktop restore --db" in err


def sheet_rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return {
            ws.title: [tuple(row) for row in ws.iter_rows(values_only=True)]
            for ws in book.worksheets
            if ws.title != "README"  # the date it was made, the patient count
        }
    finally:
        book.close()


def test_check_skips_the_damaged_patient_and_exits_1(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    made = backup(capsys, site)
    code, before, _ = run(capsys, "check", "--db", str(site), "--all")
    assert code == 0
    flip_a_bit(site)
    code, out, err = run(capsys, "check", "--db", str(site), "--all")
    assert code == 1
    assert_names_the_damage(err, made)
    assert f"SKIPPED because a stored record is damaged (their output is missing): {DAMAGED}" in err
    assert "of 3 patients" in out  # the other three were checked
    # The other patients' findings are listed as before.
    for line in before.splitlines():
        if line.startswith("BJ01-") and not line.startswith(DAMAGED):
            assert line in out


def test_check_of_the_damaged_subject_alone_is_one_message(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flip_a_bit(site)
    code, _out, err = run(capsys, "check", "--db", str(site), "--subject", DAMAGED)
    assert code == 1
    assert_names_the_damage(err, None)
    assert len(err.strip().splitlines()) == 1


def test_xlsx_writes_the_others_completely_and_exits_1(
    site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good, bad = tmp_path / "good.xlsx", tmp_path / "bad.xlsx"
    code, _, err = run(capsys, "xlsx", "--db", str(site), "--out", str(good))
    assert code == 0, err
    flip_a_bit(site)
    code, out, err = run(capsys, "xlsx", "--db", str(site), "--out", str(bad))
    assert code == 1
    assert_names_the_damage(err, None)
    assert "3 patients" in out
    before, after = sheet_rows(good), sheet_rows(bad)
    assert before.keys() == after.keys()
    for name, rows in before.items():
        assert not any(DAMAGED in map(str, row) for row in after[name]), name
        kept = [row for row in rows if DAMAGED not in map(str, row)]
        assert after[name] == kept, name  # everything of the other patients, unchanged


def test_pdf_all_writes_the_others_and_exits_1(
    site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    made = backup(capsys, site)
    code, _, err = run(capsys, "pdf", "--db", str(site), "--all", "--out", str(tmp_path / "a"))
    assert code == 0, err
    flip_a_bit(site)
    code, out, err = run(capsys, "pdf", "--db", str(site), "--all", "--out", str(tmp_path / "b"))
    assert code == 1
    assert_names_the_damage(err, made)
    assert "Wrote 3 PDF summaries" in out
    written = sorted(p.name for p in (tmp_path / "b").iterdir())
    assert written == ["BJ01-0001.pdf", "BJ01-0003.pdf", "BJ01-0004.pdf"]
    for name in written:
        old, new = (tmp_path / "a" / name).read_bytes(), (tmp_path / "b" / name).read_bytes()
        assert new.rstrip().endswith(b"%%EOF")
        assert page_count(new) == page_count(old)


def test_export_refuses_and_writes_nothing(
    site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    center = tmp_path / "center-public-key.json"
    keys.write_center_public_key(center, keys.generate_center_keys("Center").public)
    out_dir = tmp_path / "usb"
    out_dir.mkdir()
    made = backup(capsys, site)
    flip_a_bit(site)
    before = site.read_bytes()
    code, _, err = run(
        capsys,
        "export",
        "--db",
        str(site),
        "--center-key",
        str(center),
        "--out",
        str(out_dir / "t.rgt"),
    )
    assert code == 1
    assert_names_the_damage(err, made)
    assert "No transfer file was written: it must not silently lack a patient." in err
    assert len(err.strip().splitlines()) == 1
    assert list(out_dir.iterdir()) == []
    assert site.read_bytes() == before


def test_summary_reads_the_stored_analysis_rows_and_is_unaffected(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``summary`` reads the analysis rows stored beside the records (their own
    ciphertexts), not the records: a damaged record does not stop it."""
    code, before, _ = run(capsys, "summary", "--db", str(site))
    assert code == 0
    flip_a_bit(site)
    code, after, err = run(capsys, "summary", "--db", str(site))
    assert code == 0, err
    assert after == before


def test_opening_the_casebook_names_the_damage_in_both_languages(
    site: Path, study: OpenStudy
) -> None:
    flip_a_bit(site)
    service = PatientService(study)
    with pytest.raises(DamagedRecord) as caught:
        service.casebook(DAMAGED)
    error = caught.value
    assert error.place.subject_code == DAMAGED
    assert error.place.form_id == FORM
    assert "No backup of this study was found" in str(error)
    zh = error.text("zh")
    assert DAMAGED in zh
    assert "人口学资料" in zh
    assert "无法解密" in zh
    assert "未找到本研究的备份" in zh
    # The other patients open as before.
    for code in ("BJ01-0001", "BJ01-0003", "BJ01-0004"):
        assert service.casebook(code).entries


def test_a_query_status_changed_with_sqlite_is_named(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The query's text is bound to its status: the next open (any command) refuses the
    study naming the query, and ``audit --verify`` says what the trail recorded."""
    code, _, err = run(capsys, "check", "--db", str(site))
    assert code == 0, err
    conn = sqlite3.connect(site)
    try:
        uid, subject = conn.execute(
            "SELECT q.uid, p.subject_code FROM queries q JOIN patients p ON p.id = q.patient_id "
            "WHERE q.status = 'open' ORDER BY q.id LIMIT 1"
        ).fetchone()
        conn.execute("UPDATE queries SET status = 'closed' WHERE uid = ?", (uid,))
        conn.commit()
    finally:
        conn.close()
    # At the next open (every command): the study is not opened for work, the query named.
    code, _, err = run(capsys, "check", "--db", str(site))
    assert code == 1
    assert "this is a bug" not in err
    assert len(err.strip().splitlines()) == 1
    assert "changed outside rego-desktop" in err
    assert f"the query of {subject}" in err
    assert "status changed outside the program" in err
    code, out, err = run(capsys, "audit", "--db", str(site), "--verify")
    assert code == 1
    said = out + err
    assert f"the query of {subject}" in said
    assert (
        "status changed outside the program (the audit trail says open, the row says closed)"
        in said
    )
    assert said.count(f"the query of {subject}") == 1  # named once, by the trail's words


def test_a_query_row_altered_in_an_open_study_is_named_by_the_service(
    site: Path, study: OpenStudy
) -> None:
    """A study already open when the row is altered: listing the queries names it."""
    QueryService(study).sync_all()
    conn = sqlite3.connect(site)
    try:
        uid, subject = conn.execute(
            "SELECT q.uid, p.subject_code FROM queries q JOIN patients p ON p.id = q.patient_id "
            "WHERE q.status = 'open' ORDER BY q.id LIMIT 1"
        ).fetchone()
        conn.execute("UPDATE queries SET status = 'closed' WHERE uid = ?", (uid,))
        conn.commit()
    finally:
        conn.close()
    with pytest.raises(AlteredQuery) as caught:
        QueryService(study).list(subject)
    assert f"The query {uid[:8]} of {subject}" in str(caught.value)
    assert "audit --verify" in str(caught.value)
    assert subject in caught.value.text("zh")
