"""The ``cdisc`` subcommand of both command lines."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from rego_desktop.auth.roles import Role
from rego_desktop.cdisc.odm import NS
from rego_desktop.center import cli as center_cli
from rego_desktop.cli import main as site_cli
from rego_desktop.demo.generator import generate
from rego_desktop.services.patients import PatientService
from rego_desktop.services.signatures import MEANING, SignatureService
from rego_desktop.services.users import UserService
from rego_desktop.store.opening import open_study
from rego_desktop.store.study import OpenStudy
from tests.cdisc.schemas import errors, odm_schema
from tests.conftest import ADMIN, FAST_KDF, PASSWORD

DOCTOR_PASSWORD = "Clinic-rounds-123"


def test_site_command_writes_the_package(
    study: OpenStudy, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    study.close()
    monkeypatch.setenv("REGO_PASSWORD", PASSWORD)
    out = tmp_path / "cdisc"
    code = site_cli.main(["cdisc", "--db", str(db_path), "--user", ADMIN, "--out", str(out),
                          "--deidentified"])  # fmt: skip
    assert code == 0
    for name in ("dm.xpt", "adsl.xpt", "adtte.xpt", "odm.xml", "define.xml", "README.txt"):
        assert (out / name).is_file()


def test_center_command_is_registered() -> None:
    args = center_cli.build_parser().parse_args(["cdisc", "--db", "c.db", "--out", "x"])
    assert args.out == Path("x")
    assert args.run.__name__ == "cmd_center"


def test_site_package_carries_the_audit_trail_and_the_signature(
    study: OpenStudy, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate(study, 4, seed=11)
    UserService(study, kdf=FAST_KDF).add_user(
        "drliu", "Liu Yang", Role.INVESTIGATOR, DOCTOR_PASSWORD
    )
    doctor = open_study(db_path, "drliu", DOCTOR_PASSWORD)
    try:
        service = SignatureService(doctor)
        code = next(
            c for c in PatientService(doctor).subject_codes() if not service.incomplete_forms(c)
        )
        service.sign(code, DOCTOR_PASSWORD)
    finally:
        doctor.close()
    study.close()
    monkeypatch.setenv("REGO_PASSWORD", PASSWORD)
    out = tmp_path / "cdisc"
    assert site_cli.main(["cdisc", "--db", str(db_path), "--user", ADMIN, "--out", str(out)]) == 0
    root = ET.parse(out / "odm.xml").getroot()
    o = f"{{{NS}}}"
    users = {u.findtext(f"{o}LoginName"): u for u in root.iter(f"{o}User")}
    assert users["drliu"].get("UserType") == "Investigator"
    assert users["drliu"].findtext(f"{o}FullName") == "Liu Yang"
    assert ADMIN in users  # the demo data were entered by the administrator
    records = list(root.iter(f"{o}AuditRecord"))
    assert len(records) == len(list(root.iter(f"{o}ItemGroupData")))
    [signed] = [s for s in root.iter(f"{o}SubjectData") if s.find(f"{o}Signature") is not None]
    assert signed.get("SubjectKey", "").endswith(code)
    ref = signed.find(f"{o}Signature/{o}UserRef")
    assert ref is not None
    assert ref.get("UserOID") == users["drliu"].get("OID")
    meaning = root.findtext(f".//{o}SignatureDef/{o}Meaning")
    assert meaning == MEANING.en
    assert errors(odm_schema(), out / "odm.xml") == []
