"""define.xml and odm.xml against the rules that can be checked offline: the CDISC
Define-XML 2.1 and ODM 1.3.2 XML schemas (shipped by defineutils, test-only), every
OID reference resolved, every variable with an origin and every derived one with a
method; odm.xml's audit records, signatures, missing-data flags and partial dates."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from rego_desktop.cdisc.odm import MISSING_OID, NS
from rego_desktop.cdisc.package import write_package
from rego_desktop.study import CURRENT
from tests.analysis.cohort import casebooks
from tests.cdisc.richbook import SUBJECT, rich_casebook
from tests.cdisc.schemas import define_schema, errors, odm_schema

NOW = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
Q = f"{{{NS}}}"
DEF = "{http://www.cdisc.org/ns/def/v2.1}"


@pytest.fixture(scope="module", params=[False, True], ids=["site", "deidentified"])
def package(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cdisc-rich") / "package"
    books = [*casebooks(), rich_casebook(locked=True)]
    write_package(books, CURRENT, out, deidentified=request.param, now=NOW)
    return out


def test_define_and_odm_are_schema_valid(package: Path) -> None:
    assert errors(define_schema(), package / "define.xml") == []
    assert errors(odm_schema(), package / "odm.xml") == []


def test_define_references_resolve_and_variables_have_origins(package: Path) -> None:
    root = ET.parse(package / "define.xml").getroot()
    oids = {
        tag: {e.get("OID") for e in root.iter(f"{Q}{tag}")}
        for tag in ("ItemDef", "CodeList", "MethodDef", "ItemGroupDef")
    }
    leaves = {e.get("ID") for e in root.iter(f"{DEF}leaf")}
    standards = {e.get("OID") for e in root.iter(f"{DEF}Standard")}
    derived: set[str] = set()
    for group in root.iter(f"{Q}ItemGroupDef"):
        assert group.get(f"{DEF}ArchiveLocationID") in leaves
        assert group.get(f"{DEF}StandardOID") in standards
        for ref in group.iter(f"{Q}ItemRef"):
            assert ref.get("ItemOID") in oids["ItemDef"], ref.get("ItemOID")
            method = ref.get("MethodOID")
            if method is not None:
                assert method in oids["MethodDef"], method
                derived.add(str(ref.get("ItemOID")))
    for item in root.iter(f"{Q}ItemDef"):
        for ref in item.iter(f"{Q}CodeListRef"):
            assert ref.get("CodeListOID") in oids["CodeList"]
        origins = item.findall(f"{DEF}Origin")
        assert len(origins) == 1, item.get("OID")
        if origins[0].get("Type") == "Derived":
            assert item.get("OID") in derived, f"{item.get('OID')} derived without a method"
    for code_list in root.iter(f"{Q}CodeList"):
        if code_list.get(f"{DEF}StandardOID") is not None:
            assert code_list.get(f"{DEF}StandardOID") in standards
    described = {e.get("OID") for e in root.iter(f"{Q}ItemDef")}
    referenced = {r.get("ItemOID") for r in root.iter(f"{Q}ItemRef")}
    assert described == referenced  # no ItemDef without a dataset
    html = (package / "define.html").read_text("utf-8")
    assert html.count("<h2") == len(oids["ItemGroupDef"]) + 1  # datasets and code lists
    for name in ("LB", "MH", "CM", "ADAE"):
        assert f"IG.{name}" in oids["ItemGroupDef"]
        assert f"id='{name}'" in html
    assert "id='CL.LBTESTCD'" in html


def _odm(package: Path) -> ET.Element:
    return ET.parse(package / "odm.xml").getroot()


def test_odm_audit_records_and_signatures_resolve(package: Path) -> None:
    root = _odm(package)
    users = {u.get("OID") for u in root.iter(f"{Q}User")}
    locations = {loc.get("OID") for loc in root.iter(f"{Q}Location")}
    signature_defs = {s.get("OID") for s in root.iter(f"{Q}SignatureDef")}
    records = list(root.iter(f"{Q}AuditRecord"))
    groups = list(root.iter(f"{Q}ItemGroupData"))
    assert len(records) == len(groups)  # one per item group: its last change
    for element in (*records, *root.iter(f"{Q}Signature")):
        user = element.find(f"{Q}UserRef")
        location = element.find(f"{Q}LocationRef")
        assert user is not None
        assert user.get("UserOID") in users
        assert location is not None
        assert location.get("LocationOID") in locations
        stamp = element.findtext(f"{Q}DateTimeStamp")
        assert stamp is not None
        assert dt.datetime.fromisoformat(stamp).tzinfo is not None
    signed = [s for s in root.iter(f"{Q}SubjectData") if s.find(f"{Q}Signature") is not None]
    assert [s.get("SubjectKey") for s in signed] == [f"{CURRENT.id}-{SUBJECT}"]
    reference = signed[0].find(f"{Q}Signature/{Q}SignatureRef")
    assert reference is not None
    assert reference.get("SignatureOID") in signature_defs


def test_odm_missing_values_carry_a_flag(package: Path) -> None:
    root = _odm(package)
    codes = {
        i.get("CodedValue")
        for c in root.iter(f"{Q}CodeList")
        if c.get("OID") == MISSING_OID
        for i in c.iter(f"{Q}CodeListItem")
    }
    assert codes == {"ND", "UNK", "NA"}
    flagged = {
        (item.get("ItemOID"), item.findtext(f"{Q}Annotation/{Q}Flag/{Q}FlagValue"))
        for item in root.iter(f"{Q}ItemData")
        if item.get("IsNull") == "Yes"
    }
    assert ("IT.baseline_liver.albumin", "ND") in flagged
    assert ("IT.baseline_liver.ast", "UNK") in flagged
    assert ("IT.hcc_history.cirrhosis", "UNK") in flagged
    for value in root.iter(f"{Q}FlagValue"):
        assert value.get("CodeListOID") == MISSING_OID


def test_odm_partial_dates(package: Path) -> None:
    root = _odm(package)
    types = {i.get("OID"): i.get("DataType") for i in root.iter(f"{Q}ItemDef")}
    values = [
        i.get("Value")
        for i in root.iter(f"{Q}ItemData")
        if i.get("ItemOID") == "IT.medical_history.start_date"
    ]
    if (
        root.find(f".//{Q}ItemDef[@OID='IT.treatment.first_dose_date']").get(  # type: ignore[union-attr]
            "DataType"
        )
        == "integer"
    ):
        # De-identified: study days; a date known only to the month has none.
        assert types["IT.medical_history.start_date"] == "integer"
        assert "2019-05" not in values
        assert "2015" not in values
    else:
        assert types["IT.medical_history.start_date"] == "partialDate"
        assert types["IT.adverse_events.onset_date"] == "partialDate"
        assert types["IT.treatment.first_dose_date"] == "date"
        assert {"2019-05", "2015"} <= set(values)


def test_user_oids_stay_distinct_for_non_ascii_names() -> None:
    from rego_desktop.cdisc.odm import _user_oid

    assert _user_oid("BJ01", "王医生") != _user_oid("BJ01", "李医生")
    assert _user_oid("BJ01", "drliu") == "USR.BJ01.drliu"
    assert _user_oid("BJ01", "site BJ01").startswith("USR.BJ01.site_BJ01_")


def test_define_iso_dates_are_dates_or_partial_dates(package: Path) -> None:
    root = ET.parse(package / "define.xml").getroot()
    items = {i.get("OID"): i for i in root.iter(f"{Q}ItemDef")}
    types = {oid: i.get("DataType") for oid, i in items.items()}
    if "De-identified" not in (package / "README.txt").read_text("utf-8"):
        assert types["IT.MH.MHSTDTC"] == "partialDate"  # 2019-05, 2015
        assert types["IT.AE.AESTDTC"] == "partialDate"  # 2024-01, 2024
    for oid, kind in types.items():
        if oid is not None and oid.endswith("DTC"):
            assert kind in ("date", "partialDate"), oid
            assert items[oid].get("Length") is None
    assert types["IT.ADSL.TRTSDT"] == "integer"
    assert items["IT.ADSL.TRTSDT"].get(f"{DEF}DisplayFormat") == "DATE9."
