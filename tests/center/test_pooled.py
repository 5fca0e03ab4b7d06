"""Pooled casebooks rebuilt from the merged data, and the pooled workbook."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from rego_desktop.casebook import Casebook
from rego_desktop.center.db import CenterDatabase
from rego_desktop.center.merge import merge_file
from rego_desktop.center.pooled import (
    ANCHOR,
    date_to_day,
    day_to_date,
    pooled_casebooks,
    site_counts,
)
from rego_desktop.center.pooled_workbook import write_pooled_workbook
from rego_desktop.exchange.deidentify import export_policy
from rego_desktop.exchange.errors import ExchangeWriteError
from rego_desktop.rules.dates import study_day
from rego_desktop.services.patients import PatientService
from rego_desktop.study import CURRENT
from rego_desktop.study.schema import FieldType
from rego_desktop.study.values import Quantity
from tests.center.conftest import CENTER, Network

POLICY = export_policy(CURRENT)


@pytest.fixture
def merged_db(network: Network, center_db: CenterDatabase) -> CenterDatabase:
    for path in network.last_files():
        merge_file(center_db, path, CENTER, network.registry)
    return center_db


@given(st.integers(-100_000, 100_000).filter(lambda d: d != 0))
def test_study_day_anchor_round_trip(day: int) -> None:
    date = day_to_date(day)
    assert date_to_day(date) == day
    assert study_day(date, ANCHOR) == day


def test_anchor() -> None:
    assert day_to_date(1) == ANCHOR == dt.date(2000, 1, 1)
    assert day_to_date(2) == dt.date(2000, 1, 2)
    assert day_to_date(-1) == dt.date(1999, 12, 31)
    with pytest.raises(ValueError, match="no study day 0"):
        day_to_date(0)


def expected_from_site(book: Casebook) -> dict[str, dict[str, dict[str, Any]]]:
    """What the pooled casebook must hold: exported fields, dates re-anchored."""
    first = book.first_dose
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for form in POLICY.exported_forms():
        for entry in book.entries.get(form.id, []):
            values: dict[str, Any] = {}
            for f in POLICY.exported_fields[form.id]:
                value = entry.values.get(f.id)
                if value is None:
                    continue
                if f.type is FieldType.DATE:
                    if first is None:
                        continue
                    value = day_to_date(study_day(value, first))  # type: ignore[arg-type]
                values[f.id] = value
            out.setdefault(form.id, {})[entry.item_uid] = values
    return out


def test_pooled_casebooks_equal_the_sites_casebooks_with_anchored_dates(
    network: Network, merged_db: CenterDatabase
) -> None:
    pooled = {b.subject_code: b for b in pooled_casebooks(merged_db)}
    site_books = [
        PatientService(site.study).casebook(code)
        for site in network.sites.values()
        for code in PatientService(site.study).subject_codes()
    ]
    assert sorted(pooled) == sorted(b.subject_code for b in site_books)
    for site_book in site_books:
        book = pooled[site_book.subject_code]
        expected = expected_from_site(site_book)
        actual = {
            form_id: {
                e.item_uid: {k: v for k, v in e.values.items() if k != "age_at_first_dose"}
                for e in entries
            }
            for form_id, entries in book.entries.items()
        }
        if "demographics" not in expected and "demographics" in actual:
            assert actual.pop("demographics") == {"": {}}  # made only to carry the age
        assert actual == expected, site_book.subject_code
        assert book.locked == site_book.locked
        assert book.screen_failed() == site_book.screen_failed()
        if site_book.first_dose is not None:
            assert book.first_dose == ANCHOR
            # Time from day 1 to the last follow-up is the real one.
            site_fu, pooled_fu = (
                b.date("survival", "last_follow_up_date") for b in (site_book, book)
            )
            if site_fu is not None and pooled_fu is not None:
                assert (pooled_fu - ANCHOR) == (site_fu - site_book.first_dose)
        else:
            assert book.first_dose is None
            assert not any(
                isinstance(v, dt.date)
                for entries in book.entries.values()
                for e in entries
                for v in e.values.values()
            )


def test_age_goes_into_demographics(network: Network, merged_db: CenterDatabase) -> None:
    books = pooled_casebooks(merged_db)
    ages = [b.value("demographics", "age_at_first_dose") for b in books]
    known = [a for a in ages if a is not None]
    assert 90 in known  # the 90+ patients are top-coded
    assert all(isinstance(a, int) and 0 <= a <= 90 for a in known)
    without = [b for b in books if b.first_dose is None]
    assert without
    assert all(b.value("demographics", "age_at_first_dose") is None for b in without)


def test_pooled_casebooks_of_one_site(network: Network, merged_db: CenterDatabase) -> None:
    books = pooled_casebooks(merged_db, site="SH02")
    assert [b.subject_code for b in books] == PatientService(
        network.sites["SH02"].study
    ).subject_codes()
    counts = {c.site_code: c.patients for c in site_counts(merged_db)}
    assert counts == {code: len(s.expected[-1]) for code, s in network.sites.items()}


def test_pooled_workbook(network: Network, merged_db: CenterDatabase, tmp_path: Path) -> None:
    path = tmp_path / "pooled.xlsx"
    report = write_pooled_workbook(merged_db, path)
    total = sum(len(site.expected[-1]) for site in network.sites.values())
    workbook = load_workbook(path)
    expected_sheets = ["patients"] + [f.id for f in POLICY.exported_forms()]
    derived = ["scores", "ADSL", "ADTTE", "ADRS", "ADAE"]
    assert workbook.sheetnames == [*expected_sheets, *derived, "dictionary", "merge_log"]
    assert report.rows["patients"] == total
    for name in workbook.sheetnames:
        sheet = workbook[name]
        assert sheet.freeze_panes == "A2", name
        assert (
            sheet.auto_filter.ref
            == f"A1:{sheet.cell(1, sheet.max_column).column_letter}{sheet.max_row}"
        )
        assert sheet.max_row == report.rows[name] + 1
    entries: dict[str, int] = {}
    for site in network.sites.values():
        for patient in site.expected[-1]:
            for form_id, form_entries in patient.forms.items():
                entries[form_id] = entries.get(form_id, 0) + len(form_entries)
    for form in POLICY.exported_forms():
        assert report.rows[form.id] == entries.get(form.id, 0), form.id
    liver = workbook["baseline_liver"]
    header = [c.value for c in liver[1]]
    assert header[:2] == ["site", "subject"]
    assert "liver_date_day" in header
    assert "bilirubin" in header
    assert "bilirubin_unit" in header
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in liver.iter_rows(2)]
    assert all(isinstance(r["liver_date_day"], int | type(None)) for r in rows)
    assert {r["bilirubin_unit"] for r in rows if r["bilirubin"] is not None} <= {"umol/L", "mg/dL"}
    events = workbook["adverse_events"]
    assert [c.value for c in events[1]][:3] == ["site", "subject", "entry"]
    history = workbook["hcc_history"]
    column = [c.value for c in history[1]].index("aetiology")
    codes = set(CURRENT.codelist("aetiology").values())
    cells = [row[column].value for row in history.iter_rows(2) if row[column].value]
    assert cells
    assert all(set(str(cell).split(";")) <= codes for cell in cells)
    log = workbook["merge_log"]
    assert log.max_row == 1 + len(network.sites)
    with pytest.raises(ExchangeWriteError, match="already exists"):
        write_pooled_workbook(merged_db, path)
    write_pooled_workbook(merged_db, path, overwrite=True)


def test_workbook_of_an_empty_database(center_db: CenterDatabase, tmp_path: Path) -> None:
    report = write_pooled_workbook(center_db, tmp_path / "empty.xlsx")
    assert report.rows["patients"] == 0
    sheet = load_workbook(tmp_path / "empty.xlsx")["patients"]
    assert sheet.max_row == 1
    assert sheet.freeze_panes == "A2"


def test_quantities_come_back_as_quantities(merged_db: CenterDatabase) -> None:
    found = [
        e.values["bilirubin"]
        for b in pooled_casebooks(merged_db)
        for e in b.entries.get("baseline_liver", [])
        if "bilirubin" in e.values
    ]
    assert found
    assert all(isinstance(q, Quantity) for q in found)


def test_pooled_summary_of_a_site_equals_the_sites_own_summary(
    network: Network, merged_db: CenterDatabase
) -> None:
    """Endpoints computed at the center from de-identified data equal the site's own."""
    summary = pytest.importorskip("rego_desktop.analysis.summary")
    for code, site in network.sites.items():
        service = PatientService(site.study)
        at_site = summary.summarize([service.casebook(c) for c in service.subject_codes()])
        at_center = summary.summarize(pooled_casebooks(merged_db, site=code))
        assert at_center == at_site, code
