"""The whole package from casebooks: datasets read back, KM medians as in the summary,
controlled terminology, ODM conformance (odmlib), define.xml, README."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import odmlib.loader as odm_loader_api
import odmlib.odm_loader as odm_loaders
import pyreadstat
import pytest
from odmlib.odm_1_3_2.rules import metadata_schema
from odmlib.oid_generator import create_oid_checker

from rego_desktop.analysis import analyse
from rego_desktop.cdisc.adam import DATASETS
from rego_desktop.cdisc.labs import not_in_lb
from rego_desktop.cdisc.odm import NS, item_oids
from rego_desktop.cdisc.package import write_package
from rego_desktop.cdisc.sdtm import DOMAINS
from rego_desktop.cdisc.source import source_of
from rego_desktop.cdisc.terminology import CODELISTS
from rego_desktop.endpoints.km import kaplan_meier
from rego_desktop.study import CURRENT
from tests.analysis.cohort import casebooks

NOW = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


@pytest.fixture(scope="module", params=[False, True], ids=["site", "deidentified"])
def package(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cdisc") / "package"
    write_package(casebooks(), CURRENT, out, deidentified=request.param, now=NOW)
    return out


def _tables(deidentified: bool = False) -> list:  # type: ignore[type-arg]
    source = source_of(casebooks(), CURRENT, deidentified=deidentified)
    return [build(source) for build in (*DOMAINS, *DATASETS)]


def test_every_dataset_reads_back_as_declared(package: Path) -> None:
    for table in _tables():
        df, meta = pyreadstat.read_xport(str(package / f"{table.name.lower()}.xpt"))
        assert meta.table_name == table.name
        assert meta.column_names == [c.name for c in table.columns]
        assert meta.column_labels == [c.label for c in table.columns]
        kinds = {c.name: "double" if c.kind == "num" else "string" for c in table.columns}
        assert meta.readstat_variable_types == kinds
        assert len(df) == len(table.rows)
    assert not list(package.glob("*.tmp*"))


def test_adtte_gives_the_summary_medians(package: Path) -> None:
    df, _ = pyreadstat.read_xport(str(package / "adtte.xpt"))
    summary = analyse(casebooks())
    analysed = df[df["ANL01FL"] == "Y"]
    for name in ("os", "pfs", "ttp"):
        rows = analysed[analysed["PARAMCD"] == name.upper()]
        km = kaplan_meier(rows["AVAL"].tolist(), (1 - rows["CNSR"]).astype(int).tolist())
        expected = summary.endpoints[name].km
        assert expected is not None
        assert km.median == expected.median
        assert km.median_ci95 == expected.median_ci95
        assert km.n == expected.n


def test_ct_governed_values_belong_to_their_code_lists() -> None:
    for deidentified in (False, True):
        for table in _tables(deidentified):
            for index, column in enumerate(table.columns):
                if column.codelist is None:
                    continue
                allowed = CODELISTS[column.codelist].values()
                values = {row[index] for row in table.rows} - {"", None}
                assert values <= allowed, (table.name, column.name, values - allowed)
    dm = next(t for t in _tables() if t.name == "DM")
    assert {r[[c.name for c in dm.columns].index("SEX")] for r in dm.rows} <= {"M", "F", ""}


def test_deidentified_package_has_no_calendar_dates(tmp_path: Path) -> None:
    write_package(casebooks(), CURRENT, tmp_path, deidentified=True, now=NOW)
    for name in ("dm", "ae", "ex", "rs", "ds"):
        df, _ = pyreadstat.read_xport(str(tmp_path / f"{name}.xpt"))
        for column in df.columns:
            if column.endswith("DTC"):
                assert set(df[column]) <= {""}, (name, column)
    adtte, _ = pyreadstat.read_xport(str(tmp_path / "adtte.xpt"))
    assert adtte["ADT"].isna().all()
    text = (tmp_path / "odm.xml").read_text("utf-8")
    assert "2024-" not in text


def _odm(path: Path):  # type: ignore[no-untyped-def]
    loader = odm_loader_api.ODMLoader(
        odm_loaders.XMLODMLoader(model_package="odm_1_3_2", ns_uri=NS)
    )
    loader.open_odm_document(str(path))
    return loader.load_odm()


def test_odm_passes_odmlib_conformance_and_oid_checks(package: Path) -> None:
    odm = _odm(package / "odm.xml")
    checker = metadata_schema.MetadataSchema()
    # odmlib's schema declares ItemDef.RangeCheck a single element, though ODM 1.3.2
    # (and odmlib's own model) allow several: give the schema the standard's shape.
    item_def = checker._registry.get("ItemDef")
    range_check = checker._registry.get("RangeCheck")
    item_def["RangeCheck"] = {"type": "list", "schema": {"type": "dict", "schema": range_check}}
    checker._registry.add("ItemDef", item_def)
    checker._validators.clear()
    # The conformance schema covers the metadata (Study); ClinicalData is not in it.
    assert odm.Study[0].verify_conformance(checker)
    refs = create_oid_checker("odm_1_3_2")
    odm.verify_oids(refs)
    assert refs.check_oid_refs()
    item_defs = odm.Study[0].MetaDataVersion[0].ItemDef
    assert Counter(i.OID for i in item_defs) == Counter(item_oids(CURRENT))
    assert len(item_defs) == sum(1 for _ in CURRENT.all_fields())


def test_odm_code_lists_and_clinical_data(package: Path) -> None:
    root = ET.parse(package / "odm.xml").getroot()
    q = f"{{{NS}}}"
    sex = root.find(f".//{q}CodeList[@OID='CL.sex']")
    assert sex is not None
    langs = {
        t.get("{http://www.w3.org/XML/1998/namespace}lang"): t.text
        for t in sex.iter(f"{q}TranslatedText")
    }
    assert set(langs) == {"en", "zh"}
    assert root.findall(f".//{q}MeasurementUnit")
    assert root.findall(f".//{q}RangeCheck")
    subjects = root.findall(f".//{q}SubjectData")
    assert len(subjects) == len(casebooks())
    keys = [
        g.get("ItemGroupRepeatKey")
        for g in root.iter(f"{q}ItemGroupData")
        if g.get("ItemGroupOID", "").startswith("IG.adverse_events")
    ]
    assert keys
    assert all(k and k.isdigit() for k in keys)


def test_define_xml_describes_every_variable(package: Path) -> None:
    root = ET.parse(package / "define.xml").getroot()
    q = "{http://www.cdisc.org/ns/odm/v1.3}"
    described = {d.get("OID") for d in root.iter(f"{q}ItemDef")}
    for table in _tables():
        for column in table.columns:
            assert f"IT.{table.name}.{column.name}" in described
    methods = {m.get("OID") for m in root.iter(f"{q}MethodDef")}
    assert "MT.ADTTE.AVAL" in methods
    assert (package / "define.html").read_text("utf-8").count("<h2") == len(_tables()) + 1


def test_readme_says_what_was_not_mapped(package: Path) -> None:
    text = (package / "README.txt").read_text("utf-8")
    assert "haven::read_xpt" in text
    assert "Not mapped" in text
    for field_ref, why in not_in_lb(CURRENT):  # every lab-section field not in LB
        assert f"LB: {field_ref}: {why}" in text
    assert "CTCAE term other (Other (specify)): no MedDRA code" in text
    assert "Checked against a CTCAE v5.0 term-to-MedDRA table: " in text
    assert "Not verified offline" in text
    assert "not mapped yet" not in text
