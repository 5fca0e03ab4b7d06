"""``rego-center cdisc`` on a real pooled database (three demo sites' transfer files
merged), SQLite and PostgreSQL, read back: every dataset with pyreadstat, odm.xml and
define.xml against the CDISC schemas, no calendar date anywhere."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pyreadstat

from rego_desktop.cdisc.adam import DATASETS
from rego_desktop.cdisc.odm import NS
from rego_desktop.cdisc.sdtm import DOMAINS
from rego_desktop.cdisc.source import source_of
from rego_desktop.center import cli as center_cli
from rego_desktop.center.db import open_center_database
from rego_desktop.center.merge import merge_file
from rego_desktop.center.pooled import pooled_casebooks
from tests.cdisc.schemas import define_schema, errors, odm_schema
from tests.center.conftest import CENTER, Network

Q = f"{{{NS}}}"
ISO_DATE = re.compile(r"\b(19|20)\d\d-\d\d-\d\d\b")


def _merged(db_url: str, network: Network) -> int:
    """Merge every site's last file; the number of pooled patients."""
    with open_center_database(db_url, create=True) as db:
        for path in network.last_files():
            merge_file(db, path, CENTER, network.registry)
        return len(pooled_casebooks(db))


def _check_package(out: Path, db_url: str, patients: int) -> None:
    with open_center_database(db_url) as db:
        books = pooled_casebooks(db)
    source = source_of(books, books[0].definition, deidentified=True)
    tables = [build(source) for build in (*DOMAINS, *DATASETS)]
    for table in tables:
        df, meta = pyreadstat.read_xport(str(out / f"{table.name.lower()}.xpt"))
        assert meta.table_name == table.name
        assert meta.column_names == [c.name for c in table.columns]
        assert meta.column_labels == [c.label for c in table.columns]
        assert len(df) == len(table.rows), table.name
        for column in df.columns:
            if column.endswith("DTC"):
                assert set(df[column]) <= {""}, (table.name, column)
    counts = {t.name: len(t.rows) for t in tables}
    assert counts["DM"] == counts["ADSL"] == patients
    for name in ("LB", "MH", "CM", "AE", "ADAE", "EX"):
        assert counts[name] > 0, name
    assert errors(define_schema(), out / "define.xml") == []
    assert errors(odm_schema(), out / "odm.xml") == []
    root = ET.parse(out / "odm.xml").getroot()
    sites = {loc.get("OID") for loc in root.iter(f"{Q}Location")}
    assert sites == {f"LOC.{b.subject_code.split('-', 1)[0]}" for b in books}
    assert len(list(root.iter(f"{Q}AuditRecord"))) == len(list(root.iter(f"{Q}ItemGroupData")))
    signed = sum(1 for b in books if b.locked)
    assert len(list(root.iter(f"{Q}Signature"))) == signed
    # Study days only: the only calendar dates are the times the packages were made.
    body = ET.tostring(root.find(f"{Q}ClinicalData"), encoding="unicode")  # type: ignore[arg-type]
    assert not ISO_DATE.search(re.sub(r"<[^>]*DateTimeStamp>[^<]*<", "<", body))
    text = (out / "README.txt").read_text("utf-8")
    assert "haven::read_xpt" in text
    assert "De-identified" in text


def test_center_package_from_a_sqlite_pooled_database(network: Network, tmp_path: Path) -> None:
    db_url = str(tmp_path / "center.db")
    patients = _merged(db_url, network)
    out = tmp_path / "cdisc"
    assert center_cli.main(["cdisc", "--db", db_url, "--out", str(out)]) == 0
    _check_package(out, db_url, patients)


def test_center_package_from_a_postgresql_pooled_database(
    network: Network, postgres_url: str, tmp_path: Path
) -> None:
    patients = _merged(postgres_url, network)
    out = tmp_path / "cdisc"
    assert center_cli.main(["cdisc", "--db", postgres_url, "--out", str(out)]) == 0
    _check_package(out, postgres_url, patients)
