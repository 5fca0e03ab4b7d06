"""``rego-desktop units`` and what ``summary`` says about patients left out, in process."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from rego_desktop.cli.main import main
from rego_desktop.services.patients import PatientService
from rego_desktop.services.site_units import SiteUnits
from rego_desktop.store.study import OpenStudy
from tests.conftest import ADMIN, PASSWORD


@pytest.fixture
def signed_in(study: OpenStudy, monkeypatch: pytest.MonkeyPatch) -> OpenStudy:
    monkeypatch.setenv("REGO_PASSWORD", PASSWORD)
    monkeypatch.setenv("REGO_USER", ADMIN)
    return study


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_units_set_clear_and_show(
    signed_in: OpenStudy, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(db_path)
    code, out, _ = run(capsys, "units", "--db", db)
    assert code == 0
    assert "bilirubin" in out
    assert "µmol/L, mg/dL" in out
    assert "not set" in out
    code, out, _ = run(
        capsys,
        "units",
        "--db",
        db,
        "--set",
        "bilirubin=umol/L",
        "--set",
        "albumin=g/dL",
        "--reason",
        "hospital laboratory",
    )
    assert code == 0, out
    assert "bilirubin: µmol/L (was not set)." in out
    assert SiteUnits(signed_in).all() == {"bilirubin": "umol/L", "albumin": "g/dL"}
    code, out, _ = run(capsys, "units", "--db", db, "--clear", "albumin", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["site_units"] == {"bilirubin": "umol/L"}
    assert data["changed"] == {"albumin": {"old": "g/dL", "new": None}}
    bilirubin = next(f for f in data["fields"] if f["field"] == "bilirubin")
    assert bilirubin["units"] == [
        {"id": "umol/L", "symbol": "µmol/L"},
        {"id": "mg/dL", "symbol": "mg/dL"},
    ]
    assert bilirubin["unit_symbol"] == "µmol/L"


@pytest.mark.parametrize(
    ("args", "exit_code", "says"),
    [
        (("--set", "platelets=10^9/L"), 1, "'platelets' is not a field with a choice of units"),
        (("--set", "bilirubin=mmol/L"), 1, "use µmol/L or mg/dL"),
        (("--set", "bilirubin"), 2, "--set takes FIELD=UNIT"),
        (("--set", "bilirubin=umol/L", "--clear", "bilirubin"), 2, "both set and cleared"),
    ],
)
def test_units_bad_names_give_one_clear_line(
    signed_in: OpenStudy,
    db_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    exit_code: int,
    says: str,
) -> None:
    code, _, err = run(capsys, "units", "--db", str(db_path), *args)
    assert code == exit_code
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert says in lines[0]
    assert "Traceback" not in err
    if "platelets" in says:
        assert "bilirubin (µmol/L, mg/dL)" in lines[0]
    assert SiteUnits(signed_in).all() == {}


def test_summary_names_patients_left_out(
    signed_in: OpenStudy, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    service = PatientService(signed_in)
    code = service.create_patient()
    service.save(code, "treatment", {"first_dose_date": dt.date(2024, 3, 5)})
    exit_code, out, _ = run(capsys, "summary", "--db", str(db_path), "--json")
    assert exit_code == 0
    entries = json.loads(out)["not_computable"]
    assert {(e["subject"], e["endpoint"]) for e in entries} == {
        (code, "os"),
        (code, "pfs"),
        (code, "ttp"),
        (code, "response"),
    }
    assert {e["reason"] for e in entries} == {"eligibility criteria not all answered"}
    assert {e["reason_zh"] for e in entries} == {"入选/排除标准未全部填写"}
    exit_code, out, _ = run(capsys, "summary", "--db", str(db_path))
    assert exit_code == 0
    assert f"{code}" in out
    assert "eligibility criteria not all answered / 入选/排除标准未全部填写" in out


def test_output_that_cannot_hold_a_unit_symbol_gets_its_nearest_spelling() -> None:
    from rego_desktop.cli.runner import FALLBACK_ERRORS

    text = "2000 µmol/L; BMI 61.0 kg/m²; 10⁹/L; 总胆红素"
    assert text.encode("gbk", FALLBACK_ERRORS).decode("gbk") == (
        "2000 μmol/L; BMI 61.0 kg/m2; 10^9/L; 总胆红素"
    )
    assert text[:-6].encode("ascii", FALLBACK_ERRORS).decode() == (
        "2000 umol/L; BMI 61.0 kg/m2; 10^9/L"
    )
