"""The study workbook (site copy and de-identified): listings, dictionary, queries,
ADTTE and ADRS."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from rego_desktop.auth.roles import Role
from rego_desktop.cli import main as cli_main
from rego_desktop.cli import report_commands, study_commands
from rego_desktop.demo.generator import DemoReport, generate
from rego_desktop.derive import Computed, PatientData
from rego_desktop.errors import PermissionDenied
from rego_desktop.services.patients import PatientService
from rego_desktop.services.users import UserService
from rego_desktop.store.opening import open_study
from rego_desktop.store.study import OpenStudy
from rego_desktop.study.schema import FieldType
from rego_desktop.study.values import Quantity
from rego_desktop.workbooks.export import export_workbook
from rego_desktop.workbooks.listings import exported_forms, listing_header
from rego_desktop.workbooks.sheets import as_table, read_rows
from tests.conftest import ADMIN, FAST_KDF, PASSWORD


@pytest.fixture
def demo(study: OpenStudy) -> DemoReport:
    return generate(study, 20, seed=1)


@pytest.fixture
def workbook(study: OpenStudy, demo: DemoReport, tmp_path: Path) -> Path:
    path = tmp_path / "site.xlsx"
    report = export_workbook(study, path)
    assert report.patients == demo.patients
    return path


def table(path: Path, sheet: str) -> list[dict[str, Any]]:
    return as_table(read_rows(path, sheet))


def test_sheets_are_frozen_filtered_and_sized(workbook: Path, study: OpenStudy) -> None:
    wb = load_workbook(workbook)
    forms = [f.id for f in exported_forms(study.definition)]
    assert wb.sheetnames == [
        "README",
        *forms,
        "dictionary",
        "codelists",
        "queries",
        "ADTTE",
        "ADRS",
    ]
    assert "identification" not in wb.sheetnames
    for name in wb.sheetnames[1:]:
        ws = wb[name]
        assert ws.freeze_panes == "A2", name
        assert str(ws.auto_filter.ref).startswith("A1:"), name
        assert all(ws.column_dimensions[c].width >= 6 for c in ("A", "B")), name
        assert ws["A1"].font.bold
    cycles = wb["cycles"]
    start = [c.value for c in cycles[1]].index("start_date") + 1
    cell = cycles.cell(row=2, column=start)
    assert isinstance(cell.value, dt.datetime)  # a real Excel date
    assert cell.number_format == "yyyy-mm-dd"


def test_listings_hold_every_record_without_identifying_or_free_text(
    workbook: Path, study: OpenStudy
) -> None:
    definition = study.definition
    patients = PatientService(study)
    books = {code: patients.casebook(code) for code in patients.subject_codes()}
    secrets: set[str] = set()
    for book in books.values():
        ident = book.single("identification")
        secrets |= {str(v) for v in ident.values() if isinstance(v, str)}
    assert secrets
    wb = load_workbook(workbook, read_only=True)
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            for value in row:
                assert not (isinstance(value, str) and value in secrets), ws.title
    wb.close()
    for form in exported_forms(definition):
        rows = table(workbook, form.id)
        assert list(rows[0].keys()) if rows else True
        header = [str(h) for h in read_rows(workbook, form.id)[0]]
        assert header == listing_header(form)
        for f in form.fields:
            assert (f.id in header) == (not f.identifying and not f.free_text)
        expected = sum(len(book.items(form.id)) for book in books.values())
        assert len(rows) == expected, form.id
    # Values as stored: a bilirubin keeps the unit it was entered in.
    cycles = table(workbook, "cycles")
    first = cycles[0]
    book = books[first["subject_code"]]
    entry = book.items("cycles")[0]
    bilirubin = entry.get("bilirubin")
    assert isinstance(bilirubin, Quantity)
    assert first["bilirubin"] == pytest.approx(bilirubin.value)
    # The unit as people read it; the stored id stays in the database and transfer files.
    assert first["bilirubin_unit"] == {"umol/L": "µmol/L", "mg/dL": "mg/dL"}[bilirubin.unit]
    assert {r["bilirubin_unit"] for r in cycles} - {None} <= {"µmol/L", "mg/dL"}
    assert first["child_pugh_class"] in ("A", "B", "C")  # derived, from rego_desktop.derive
    treatment = {r["subject_code"]: r for r in table(workbook, "treatment")}
    for code, book in books.items():
        if code in treatment:
            cycles_of = treatment[code]["number_of_cycles"]
            summary = PatientData(book).dosing
            if isinstance(summary, Computed):
                assert cycles_of == summary.value.number_of_cycles


def test_dictionary_describes_every_field(workbook: Path, study: OpenStudy) -> None:
    rows = table(workbook, "dictionary")
    by_key = {(r["form"], r["field"]): r for r in rows}
    assert len(rows) == sum(len(f.fields) for f in study.definition.forms)
    bilirubin = by_key[("baseline_liver", "bilirubin")]
    assert bilirubin["label_zh"] == "总胆红素"
    # Symbols people read, with the id stored in the database and transfer files.
    assert bilirubin["units"] == "µmol/L (stored as umol/L); mg/dL (x 17.104 = µmol/L)"
    assert bilirubin["range"] == "0 to 1000 µmol/L"
    assert by_key[("lab_tests", "platelets")]["units"] == "10⁹/L (stored as 10^9/L)"
    assert by_key[("demographics", "bmi")]["units"] == "kg/m² (stored as kg/m2)"
    assert by_key[("demographics", "bmi")]["range"] == "5 to 100 kg/m²"
    assert bilirubin["listing_columns"] == "bilirubin, bilirubin_unit"
    sex = by_key[("demographics", "sex")]
    assert "male = Male / 男" in sex["codes"]
    assert sex["required"] == "yes"
    assert by_key[("demographics", "bmi")]["derived"] == "bmi"
    name = by_key[("identification", "full_name")]
    assert name["identifying"] == "yes"
    assert name["listing_columns"] == "(not listed)"
    death = by_key[("survival", "death_date")]
    assert death["applies_when"] == "status in (dead)"
    assert any(r["type"] == FieldType.MULTI_CHOICE.value for r in rows)
    codes = table(workbook, "codelists")
    assert {"codelist": "bclc", "value": "C", "label_en": "C - Advanced",
            "label_zh": "C期 - 进展期", "max_grade": None} in codes  # fmt: skip


def test_adtte_and_adrs_come_from_the_derivations(workbook: Path, study: OpenStudy) -> None:
    patients = PatientService(study)
    adtte = table(workbook, "ADTTE")
    adrs = {r["USUBJID"]: r for r in table(workbook, "ADRS")}
    by_key = {(r["USUBJID"], r["PARAMCD"]): r for r in adtte}
    checked = 0
    for code in patients.subject_codes():
        data = PatientData(patients.casebook(code))
        if data.first_dose is None:
            assert code not in adrs
            continue
        ends = data.endpoints
        for param, result in (("OS", ends.os), ("PFS", ends.pfs), ("TTP", ends.ttp)):
            row = by_key.get((code, param))
            if not isinstance(result, Computed):
                assert row is None
                continue
            assert row is not None
            assert row["AVAL"] == result.value.days
            assert row["CNSR"] == (0 if result.value.event else 1)
            assert row["ADT"].date() == result.value.on
            assert row["STARTDT"].date() == data.first_dose
            assert row["STUDYID"] == "REGO-HCC-RWS"
            checked += 1
        best = data.best_response
        row = adrs[code]
        assert row["PARAMCD"] == "BOR"
        if isinstance(best, Computed):
            assert row["AVALC"] == best.value.response
            assert row["RESPFL"] == ("Y" if best.value.response in ("CR", "PR") else "N")
        else:
            assert row["AVALC"] is None
            assert row["REASND"]
    assert checked > 20
    assert {r["PARAMCD"] for r in adtte} == {"OS", "PFS", "TTP"}
    assert {r["CNSR"] for r in adtte} == {0, 1}


def test_queries_sheet_lists_findings_with_their_status(
    study: OpenStudy, demo: DemoReport, tmp_path: Path
) -> None:
    from rego_desktop.services.queries import QueryService

    code = demo.deviating[0]
    QueryService(study).sync(code)
    path = tmp_path / "q.xlsx"
    export_workbook(study, path)
    rows = table(path, "queries")
    mine = [r for r in rows if r["subject_code"] == code and r["severity"] == "deviation"]
    assert mine
    assert all(r["status"] == "open" and r["in_current_data"] == "yes" for r in mine)
    planted = {d.rule_id for d in demo.deviations_of(code)}
    assert planted <= {r["rule"] for r in mine}
    # Saving raises queries, so every current finding of the demo is a query by now.
    assert all(r["status"] in ("open", "answered", "closed") for r in rows)
    assert "answer" not in rows[0]


def test_xlsx_command_and_export_rights(
    study: OpenStudy,
    demo: DemoReport,
    db_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(cli_main, "COMMAND_MODULES", (study_commands, report_commands))
    monkeypatch.setenv("REGO_PASSWORD", PASSWORD)
    monkeypatch.setenv("REGO_USER", ADMIN)
    out = tmp_path / "export.xlsx"
    assert cli_main.main(["xlsx", "--db", str(db_path), "--out", str(out)]) == 0
    said = capsys.readouterr()
    assert f"{demo.patients} patients" in said.out
    # The site copy says what it is before and after writing, never "de-identified".
    assert "SITE COPY, not de-identified" in said.out
    assert "calendar dates" in said.err
    assert "(de-identified" not in said.out
    assert load_workbook(out, read_only=True).sheetnames[0] == "README"
    deidentified = tmp_path / "deidentified.xlsx"
    args = ["xlsx", "--db", str(db_path), "--out", str(deidentified), "--deidentified"]
    assert cli_main.main(args) == 0
    said = capsys.readouterr()
    assert "de-identified as the transfer file" in said.out
    assert "SITE COPY" not in said.out + said.err
    assert read_rows(deidentified, "README")[1][0] == "DE-IDENTIFIED"
    assert cli_main.main(["xlsx", "--db", str(db_path), "--out", str(tmp_path / "x.csv")]) == 2
    UserService(study, kdf=FAST_KDF).add_user("mon", "Monitor Ma", Role.MONITOR, "Quiet-review-42")
    monitor = open_study(db_path, "mon", "Quiet-review-42")
    try:
        with pytest.raises(PermissionDenied):
            export_workbook(monitor, tmp_path / "no.xlsx")
    finally:
        monitor.close()
