"""The entry template and its import: structure, round trip, refusals, all or nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from rego_desktop.casebook import Casebook
from rego_desktop.cli import main as cli_main
from rego_desktop.cli import report_commands, study_commands
from rego_desktop.demo.generator import generate
from rego_desktop.services.patients import PatientService
from rego_desktop.services.queries import QueryService
from rego_desktop.store.opening import create_study
from rego_desktop.store.study import OpenStudy
from rego_desktop.study import CURRENT
from rego_desktop.study.values import Quantity
from rego_desktop.workbooks.export import export_workbook
from rego_desktop.workbooks.importer import ImportReport, Problem, import_workbook
from rego_desktop.workbooks.sheets import as_table, read_rows
from rego_desktop.workbooks.template import (
    FIRST_ROW,
    INSTRUCTIONS,
    KEY_ROW,
    LISTS,
    template_columns,
    write_template,
)
from tests.conftest import ADMIN, FAST_KDF, PASSWORD

TODAY = dt.date(2025, 6, 1)


@pytest.fixture
def target(tmp_path: Path) -> Iterator[OpenStudy]:
    """A second, empty study of the same site to import into."""
    created = create_study(tmp_path / "target.rego", "BJ01", ADMIN, PASSWORD, kdf=FAST_KDF)
    yield created.study
    created.study.close()


def fill(path: Path, sheet: str, rows: list[Mapping[str, Any]]) -> None:
    """Type ``rows`` (column key -> cell) into a template sheet, as a person would."""
    wb = load_workbook(path)
    ws = wb[sheet]
    keys = {cell.value: cell.column for cell in ws[KEY_ROW] if cell.value}
    start = FIRST_ROW
    while any(ws.cell(row=start, column=c).value is not None for c in keys.values()):
        start += 1
    for offset, row in enumerate(rows):
        for key, value in row.items():
            ws.cell(row=start + offset, column=keys[key], value=value)
    wb.save(path)


def entries(book: Casebook) -> dict[str, list[list[tuple[str, Any]]]]:
    return {
        form: sorted((sorted(e.values.items()) for e in items), key=repr)
        for form, items in book.entries.items()
    }


def by_cell(report: ImportReport) -> dict[str, Problem]:
    return {p.cell: p for p in report.refused}


# ---------------------------------------------------------------- template


@pytest.mark.parametrize("language", ["en", "zh"])
def test_template_has_a_sheet_per_form_with_keys_lists_and_prompts(
    tmp_path: Path, language: str
) -> None:
    path = write_template(CURRENT, tmp_path / "t.xlsx", language=language, site_code="BJ01")
    wb = load_workbook(path)
    assert wb.sheetnames == [INSTRUCTIONS, *(f.id for f in CURRENT.forms), LISTS]
    assert wb[LISTS].sheet_state == "hidden"
    assert "BJ01-0001" in " ".join(str(c.value) for c in wb[INSTRUCTIONS]["A"] if c.value)
    for form in CURRENT.forms:
        ws = wb[form.id]
        keys = [c.value for c in ws[KEY_ROW] if c.value]
        assert keys == [c.key for c in template_columns(form)]
        assert not any(f.id in keys for f in form.fields if f.derived)
        assert ws.freeze_panes == "B3"
    liver = wb["baseline_liver"]
    keys = [c.value for c in liver[KEY_ROW]]
    assert keys[keys.index("bilirubin") + 1] == "bilirubin_unit"
    labels = [c.value for c in liver[1]]
    expected = CURRENT.form("baseline_liver").field("bilirubin").label.text(language)
    assert any(isinstance(v, str) and v.startswith(expected) for v in labels)
    sex = validation(wb, "demographics", "sex")
    assert sex.type == "list"
    assert LISTS in sex.formula1
    # ECOG may be "not done" or "unknown": its cell admits 0-4 (whole) or those codes.
    ecog = validation(wb, "demographics", "ecog")
    cell = get_column_letter(keys_of(wb, "demographics").index("ecog") + 1) + str(FIRST_ROW)
    assert ecog.type == "custom"
    for part in (">=0", "<=4", f"INT({cell})={cell}", '="ND"', '="UNK"'):
        assert f"{cell}{part}" in ecog.formula1 or part in ecog.formula1
    assert f'{cell}="ND"' in ecog.formula1
    assert '="NA"' not in ecog.formula1
    assert "0-4" in ecog.prompt
    assert "ND/UNK" in ecog.prompt
    # A number that needs a value keeps Excel's plain whole-number check.
    cycle = validation(wb, "cycles", "cycle_number")
    assert cycle.type == "whole"
    assert "ND" not in cycle.prompt
    # A date the chart may give as 2021-05 or 2019: text column, and the cell admits it.
    keys = keys_of(wb, "hcc_history")
    letter = get_column_letter(keys.index("hcc_diagnosis_date") + 1)
    assert wb["hcc_history"].column_dimensions[letter].number_format == "@"
    diagnosis = validation(wb, "hcc_history", "hcc_diagnosis_date")
    assert diagnosis.type == "custom"
    assert "LEN(" in diagnosis.formula1
    assert "YYYY-MM" in diagnosis.prompt
    first_dose = validation(wb, "treatment", "first_dose_date")
    assert first_dose.type == "date"
    assert "YYYY-MM or" not in first_dose.prompt
    assert "月" not in first_dose.prompt
    # A yes/no that may be unknown offers UNK in its drop-down list.
    cirrhosis = validation(wb, "hcc_history", "cirrhosis")
    column = cirrhosis.formula1.split("$")[1]
    assert "UNK" in [c.value for c in wb[LISTS][column]]
    unit = validation(wb, "baseline_liver", "bilirubin_unit")
    assert unit.type == "list"
    listed = [c.value for c in wb[LISTS][unit.formula1.split("$")[1]] if c.value]
    assert listed == ["unit:bilirubin", "µmol/L", "mg/dL"]  # symbols; ids are accepted too
    pvtt = validation(wb, "primary_tumour", "pvtt")
    assert "Only when" in pvtt.prompt or "仅当" in pvtt.prompt


def validation(wb: Any, sheet: str, key: str) -> Any:
    keys = keys_of(wb, sheet)
    letter = get_column_letter(keys.index(key) + 1)
    for dv in wb[sheet].data_validations.dataValidation:
        if str(dv.sqref).startswith(f"{letter}{FIRST_ROW}:"):
            return dv
    raise AssertionError(f"no validation on {sheet}.{key}")


def keys_of(wb: Any, sheet: str) -> list[str]:
    return [str(c.value) for c in wb[sheet][KEY_ROW] if c.value]


# ---------------------------------------------------------------- round trip


def test_round_trip_template_import_xlsx(
    study: OpenStudy, target: OpenStudy, tmp_path: Path
) -> None:
    report = generate(study, 12, seed=1)
    source = PatientService(study)
    books = [source.casebook(code) for code in source.subject_codes()]
    path = write_template(CURRENT, tmp_path / "filled.xlsx", language="zh", casebooks=books)
    result = import_workbook(target, path, today=TODAY)
    assert result.ok, [p.line() for p in result.refused]
    assert result.saved
    assert result.patients == list(report.subject_codes)
    assert result.records == report.records
    imported = PatientService(target)
    for book in books:
        assert entries(imported.casebook(book.subject_code)) == entries(book), book.subject_code
    # Soft findings became queries, the same ones the source would raise.
    deviations = {(q.subject, q.rule) for q in QueryService(target).list(severity="deviation")}
    assert {(d.subject_code, d.rule_id) for d in report.deviations} <= deviations
    # And the export of the imported study lists them all.
    export = tmp_path / "export.xlsx"
    export_workbook(target, export)
    cycles = as_table(read_rows(export, "cycles"))
    assert len(cycles) == sum(len(b.items("cycles")) for b in books)
    ae = as_table(read_rows(export, "adverse_events"))
    assert len(ae) == sum(len(b.items("adverse_events")) for b in books)


def test_a_template_typed_by_hand_imports(target: OpenStudy, tmp_path: Path) -> None:
    path = write_template(CURRENT, tmp_path / "t.xlsx", language="zh")
    code = "BJ01-0101"
    fill(path, "eligibility", [{"subject_code": code.lower(), "inc_age_18": "是",
         "inc_hcc_diagnosed": "是", "inc_bclc_b_c": "yes", "inc_regorafenib_dose": "Yes",
         "inc_chart_available": "是", "exc_interventional_trial": "否",
         "exc_other_malignancy": "no"}])  # fmt: skip
    fill(path, "identification", [{"subject_code": code, "full_name": "李娜",
         "hospital_record_number": 20240031, "date_of_birth": "1958-07-12"}])  # fmt: skip
    fill(path, "demographics", [{"subject_code": code, "sex": "女", "height": 158,
         "weight": "52.5", "ecog": 1}])  # fmt: skip
    fill(path, "hcc_history", [{"subject_code": code, "diagnosis_basis": "histology",
         "hcc_diagnosis_date": dt.datetime(2022, 3, 1), "advanced_diagnosis_date": "2023-01-15",
         "aetiology": "乙型肝炎(HBV); Alcohol", "cirrhosis": "是"}])  # fmt: skip
    fill(path, "baseline_liver", [{"subject_code": code, "liver_date": "2024-01-05",
         "bilirubin": 1.2, "bilirubin_unit": "mg/dL", "albumin": 3.6, "albumin_unit": "g/dL",
         "inr": 1.1, "alt": 40, "ast": 45, "ascites": "无", "encephalopathy": "none"}])  # fmt: skip
    fill(path, "treatment", [{"subject_code": code, "first_dose_date": "2024-01-10",
         "initial_daily_dose": 160, "treatment_status": "ongoing"}])  # fmt: skip
    fill(path, "cycles", [
        {"subject_code": code, "cycle_number": 1, "start_date": "2024-01-10",
         "daily_dose": 160, "dosing_end_date": "2024-01-30", "ecog": 1},
        {"subject_code": code, "cycle_number": 2, "start_date": "2024-02-07",
         "daily_dose": 120, "dosing_end_date": "2024-02-27", "ecog": 1},
    ])  # fmt: skip
    result = import_workbook(target, path, today=TODAY)
    assert result.ok, [p.line() for p in result.refused]
    book = PatientService(target).casebook(code)
    assert book.value("identification", "hospital_record_number") == "20240031"
    assert book.value("demographics", "sex") == "female"
    assert book.value("demographics", "weight") == 52.5
    assert book.value("hcc_history", "aetiology") == ("hbv", "alcohol")
    assert book.value("hcc_history", "hcc_diagnosis_date") == dt.date(2022, 3, 1)
    assert book.value("baseline_liver", "bilirubin") == Quantity(1.2, "mg/dL")
    assert len(book.items("cycles")) == 2
    export = tmp_path / "export.xlsx"
    export_workbook(target, export)
    liver = as_table(read_rows(export, "baseline_liver"))[0]
    assert (liver["bilirubin"], liver["bilirubin_unit"]) == (1.2, "mg/dL")
    assert liver["child_pugh_score"] == 5
    cycles = as_table(read_rows(export, "cycles"))
    assert [c["start_date"] for c in cycles] == [dt.datetime(2024, 1, 10), dt.datetime(2024, 2, 7)]
    assert "20240031" not in str(read_rows(export, "demographics"))


# ---------------------------------------------------------------- refusals


def test_every_refused_cell_is_reported_and_nothing_is_imported(
    target: OpenStudy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    path = write_template(CURRENT, tmp_path / "t.xlsx")
    good, bad = "BJ01-0001", "BJ01-0002"
    fill(path, "demographics", [
        {"subject_code": good, "sex": "male", "height": 170, "weight": 70, "ecog": 0},
        {"subject_code": bad, "sex": "male", "height": 170, "weight": 70, "ecog": 7},
        {"subject_code": bad, "sex": "female", "height": 160, "weight": 60, "ecog": 1},
        {"subject_code": "SH02-0001", "sex": "male"},
    ])  # fmt: skip
    fill(path, "hcc_history", [{"subject_code": bad, "hcc_diagnosis_date": "2024-02-30",
         "aetiology": "hbv; martian"}])  # fmt: skip
    fill(path, "baseline_liver", [{"subject_code": bad, "bilirubin": 20}])
    fill(path, "primary_tumour", [{"subject_code": bad, "macrovascular_invasion": "no",
         "pvtt": "vp4"}])  # fmt: skip
    fill(path, "treatment", [{"subject_code": bad, "first_dose_date": "2024-03-01",
         "initial_daily_dose": 160, "treatment_status": "ongoing"}])  # fmt: skip
    fill(path, "adverse_events", [{"subject_code": bad, "term": "hypertension", "grade": 2,
         "onset_date": "2024-02-01", "serious": "no", "relation": "possible",
         "action": "none", "outcome": "recovered"}])  # fmt: skip
    wb = load_workbook(path)
    wb["survival"].cell(row=KEY_ROW, column=30, value="favourite_colour")
    wb.create_sheet("notes")
    wb.save(path)

    result = import_workbook(target, path, today=TODAY)
    assert not result.ok
    assert not result.saved
    cells = by_cell(result)
    assert "not a subject code of this site" in cells["demographics!A6"].reason
    assert cells["demographics!A6"].value == "SH02-0001"
    assert (
        "ECOG performance status: 7 is impossible; allowed 0-4" in cells["demographics!E4"].reason
    )
    assert cells["demographics!E4"].subject == bad
    assert "one record per patient" in cells["demographics!A5"].reason
    assert "not a real calendar date" in cells["hcc_history!C3"].reason
    assert "'martian'" in cells["hcc_history!E3"].reason
    assert "unit is missing" in cells["baseline_liver!C3"].reason
    assert "applies only when" in cells["primary_tumour!G3"].reason
    onset = cells["adverse_events!E3"]
    assert onset.rule == "date.before_first_dose"
    assert onset.key == "onset_date"
    assert "unknown column key" in cells["survival!AD2"].reason
    assert "not a form of this study" in cells["notes"].reason
    assert "demographics!E3" not in cells  # the good row is fine...
    assert PatientService(target).subject_codes() == []  # ...and still nothing was saved

    monkeypatch.setattr(cli_main, "COMMAND_MODULES", (study_commands, report_commands))
    monkeypatch.setenv("REGO_PASSWORD", PASSWORD)
    monkeypatch.setenv("REGO_USER", ADMIN)
    code = cli_main.main(["import", "--db", str(target.path), str(path)])
    out, err = capsys.readouterr()
    assert code == 1
    assert "demographics!E4 [ecog] '7': ECOG performance status: 7 is impossible" in out
    assert "nothing was imported" in err
    assert cli_main.main(["import", "--db", str(target.path), str(path), "--json"]) == 1
    assert '"sheet": "adverse_events"' in capsys.readouterr().out


def test_deviations_import_and_become_queries(target: OpenStudy, tmp_path: Path) -> None:
    path = write_template(CURRENT, tmp_path / "t.xlsx")
    code = "BJ01-0007"
    fill(path, "treatment", [{"subject_code": code, "first_dose_date": "2024-03-01",
         "initial_daily_dose": 200, "treatment_status": "ongoing"}])  # fmt: skip
    fill(path, "cycles", [{"subject_code": code, "cycle_number": 1, "start_date": "2024-03-01",
         "daily_dose": 200, "dosing_end_date": "2024-03-21"}])  # fmt: skip
    result = import_workbook(target, path, today=TODAY)
    assert result.ok
    assert result.saved
    rules = {p.rule for p in result.notes if p.severity == "deviation"}
    assert "dose.range" in rules
    note = next(p for p in result.notes if p.rule == "dose.range")
    assert note.sheet in ("treatment", "cycles")
    assert note.row == FIRST_ROW
    queries = QueryService(target).list(code, "open", severity="deviation")
    assert {q.rule for q in queries} >= {"dose.range"}
    again = import_workbook(target, path, today=TODAY)  # the subject exists now
    assert not again.ok
    assert "already in the study" in again.refused[0].reason


def test_template_and_import_commands(
    target: OpenStudy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setattr(cli_main, "COMMAND_MODULES", (study_commands, report_commands))
    monkeypatch.setenv("REGO_PASSWORD", PASSWORD)
    monkeypatch.setenv("REGO_USER", ADMIN)
    path = tmp_path / "template.xlsx"
    assert (
        cli_main.main(["template", "--out", str(path), "--language", "zh", "--site", "bj01"]) == 0
    )
    assert "template" in capsys.readouterr().out
    fill(path, "demographics", [{"subject_code": "BJ01-0001", "sex": "男", "height": 170,
         "weight": 60, "ecog": 0}])  # fmt: skip
    assert cli_main.main(["import", "--db", str(target.path), str(path)]) == 0
    out = capsys.readouterr().out
    assert "Imported 1 patients (1 records)" in out
    assert PatientService(target).subject_codes() == ["BJ01-0001"]
    empty = write_template(CURRENT, tmp_path / "empty.xlsx")
    assert cli_main.main(["import", "--db", str(target.path), str(empty)]) == 1
    assert "no patient rows" in capsys.readouterr().err
    not_xlsx = tmp_path / "x.xlsx"
    not_xlsx.write_text("hello")
    assert cli_main.main(["import", "--db", str(target.path), str(not_xlsx)]) == 2


def test_a_number_without_its_unit_takes_the_sites_usual_unit_or_is_refused(
    target: OpenStudy, tmp_path: Path
) -> None:
    from rego_desktop.services.site_units import SiteUnits

    path = write_template(CURRENT, tmp_path / "t.xlsx")
    code = "BJ01-0201"
    fill(path, "baseline_liver", [{"subject_code": code, "liver_date": "2024/1/5",
         "bilirubin": 20, "albumin": 3.5, "albumin_unit": "g/dL", "inr": 1.1}])  # fmt: skip
    fill(path, "lab_tests", [{"subject_code": code, "sample_date": "20240105",
         "creatinine": 80, "creatinine_unit": "µmol/L"}])  # fmt: skip
    refused = import_workbook(target, path, today=TODAY)
    assert not refused.saved
    cells = by_cell(refused)
    assert list(cells) == ["baseline_liver!C3"]  # the unit symbol µmol/L is understood
    problem = cells["baseline_liver!C3"]
    where = (problem.sheet, problem.row, problem.column, problem.key)
    assert where == ("baseline_liver", 3, "C", "bilirubin")
    assert "no usual unit" in problem.reason
    assert "choose µmol/L or mg/dL in column D" in problem.reason
    assert "µmol/L或mg/dL" in problem.reason_zh

    SiteUnits(target).set("bilirubin", "umol/L", "hospital laboratory")
    result = import_workbook(target, path, today=TODAY)
    assert result.ok, [p.line() for p in result.refused]
    book = PatientService(target).casebook(code)
    assert book.value("baseline_liver", "bilirubin") == Quantity(20.0, "umol/L")
    assert book.value("baseline_liver", "albumin") == Quantity(3.5, "g/dL")  # its own unit
    assert book.value("baseline_liver", "liver_date") == dt.date(2024, 1, 5)
    assert book.items("lab_tests")[0].get("creatinine") == Quantity(80.0, "umol/L")
