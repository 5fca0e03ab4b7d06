"""Every output that is called de-identified is de-identified (issue 13).

One site with planted identifiers (names, record numbers, free text typed by people),
patients of 90 and more at their first dose, a patient without a first dose date and
stored queries is written out as each de-identified output: the workbook
(``xlsx --deidentified``, every cell read back with openpyxl), the PDF summary of every
patient (``pdf --deidentified``, text by pypdf, in English and Chinese) and the transfer
file (the payload after decryption). None may hold a calendar date (YYYY-MM-DD,
YYYY/MM/DD or a date cell), an age over 89, or any planted name, record number or free
text. The only date allowed is the moment the file was made, which is fixed here and
removed before the search (it says when the file was written, not anything about a
patient). The site workbook, by contrast, says on its first sheet that it keeps dates.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from rego_desktop.exchange.container import unseal_transfer
from rego_desktop.exchange.deidentified_view import deidentified_view
from rego_desktop.exchange.export import export_transfer
from rego_desktop.exchange.keys import generate_center_keys
from rego_desktop.exchange.payload import PayloadReader
from rego_desktop.exchange.site_keys import site_public_key
from rego_desktop.reports.data import collect
from rego_desktop.reports.pdf import PdfOptions, render_pdf
from rego_desktop.services.patients import PatientService
from rego_desktop.services.queries import QueryService
from rego_desktop.store.study import OpenStudy
from rego_desktop.study.dates import PartialDate
from rego_desktop.study.values import Value
from rego_desktop.workbooks.export import export_workbook
from tests.exchange.sitefill import FillReport, fill_site

MOMENT = dt.datetime(2026, 2, 3, 4, 5, tzinfo=dt.UTC)
STAMPS = (
    MOMENT.strftime("%Y-%m-%d %H:%M %z"),  # workbook README
    MOMENT.strftime("%Y-%m-%d %H:%M") + " UTC+00:00",  # PDF footer
)
CALENDAR_DATE = re.compile(
    r"(?<!\d)(1[89]|20)\d\d[-/.](0?[1-9]|1[0-2])[-/.](0?[1-9]|[12]\d|3[01])(?!\d)"
)
AGE_WORDS = re.compile(r"(?<![\d.])(9\d|1[0-4]\d)\s*(?:years|岁)")
CENTER = generate_center_keys("Coordinating Center", created=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))


PARTIAL = PartialDate(2011, 7)
"""A partial date planted in every patient's medical history: its month must not leave."""


@pytest.fixture
def site(study: OpenStudy) -> FillReport:
    filled = fill_site(study, 9, seed=13, without_first_dose=1, aged_90_plus=3)
    with PatientService(study).editing() as editor:
        for patient in filled.patients:
            condition: dict[str, Value] = {
                "condition": "hypertension",
                "start_date": PARTIAL,
                "ongoing": "yes",
            }
            editor.save(patient.subject_code, "medical_history", condition)
    QueryService(study).sync_all()  # stored queries, whose texts were written with dates
    return filled


def planted(filled: FillReport) -> list[str]:
    """Names, record numbers and free text (at least 6 characters, so a code is no hit)."""
    return [text for p in filled.patients for text in p.identifying if len(text) >= 6]


def problems(text: str, filled: FillReport, where: str) -> list[str]:
    for stamp in STAMPS:
        text = text.replace(stamp, "")
    found = [f"{where}: calendar date {m.group(0)}" for m in CALENDAR_DATE.finditer(text)]
    found += [f"{where}: partial date {PARTIAL.isoformat()}"] * (PARTIAL.isoformat() in text)
    found += [f"{where}: age {m.group(0)!r}" for m in AGE_WORDS.finditer(text)]
    found += [f"{where}: planted {s!r}" for s in planted(filled) if s in text]
    return found


def ages_over_89(filled: FillReport) -> int:
    return sum(
        1
        for p in filled.patients
        if p.first_dose is not None and (p.first_dose - p.birth).days >= 90 * 365.25
    )


def cells(path: Path) -> Iterator[tuple[str, str, Any]]:
    """(sheet, column title, value) of every cell below the header rows."""
    wb = load_workbook(path, read_only=True)
    try:
        for ws in wb.worksheets:
            header: tuple[Any, ...] = ()
            for number, row in enumerate(ws.iter_rows(values_only=True)):
                if number == 0:
                    header = row
                    continue
                for index, value in enumerate(row):
                    column = str(header[index]) if index < len(header) else ""
                    yield ws.title, column, value
    finally:
        wb.close()


def test_the_fixture_plants_what_must_not_leave(
    study: OpenStudy, site: FillReport, tmp_path: Path
) -> None:
    assert len(planted(site)) >= 20
    path = tmp_path / "site.xlsx"
    export_workbook(study, path, moment=MOMENT)
    histories = [v for s, c, v in cells(path) if (s, c) == ("medical_history", "start_date")]
    assert histories.count(PARTIAL.isoformat()) == len(site.patients)
    assert ages_over_89(site) >= 2
    assert any(p.first_dose is None for p in site.patients)


def test_deidentified_workbook(study: OpenStudy, site: FillReport, tmp_path: Path) -> None:
    path = tmp_path / "deidentified.xlsx"
    report = export_workbook(study, path, deidentified=True, moment=MOMENT)
    assert report.deidentified
    found: list[str] = []
    texts: list[str] = []
    grouped = 0
    for sheet, column, value in cells(path):
        if isinstance(value, dt.date | dt.datetime | dt.time):
            found.append(f"{sheet}.{column}: date cell {value}")
        elif isinstance(value, int | float) and column.startswith("age") and value > 89:
            found.append(f"{sheet}.{column}: age {value}")
        elif value is not None and (sheet, column) != ("dictionary", "range"):
            texts.append(f"{value}")  # (the dictionary's ranges say "0 to 120 years")
        grouped += value == "90+" and column == "age_at_first_dose"
    found += problems("\n".join(texts), site, "workbook")
    assert found == []
    assert grouped == ages_over_89(site)
    rows = [r for s, c, r in cells(path) if s == "README" and c == "item"]
    assert "DE-IDENTIFIED" in rows
    # Dates are study days; the transfer file's day 1 is the first dose.
    days = [v for s, c, v in cells(path) if s == "treatment" and c == "first_dose_date_day"]
    assert days
    assert set(days) == {1}


def test_site_workbook_says_it_keeps_dates(
    study: OpenStudy, site: FillReport, tmp_path: Path
) -> None:
    path = tmp_path / "site.xlsx"
    report = export_workbook(study, path, moment=MOMENT)
    assert not report.deidentified
    readme = [(c, v) for s, c, v in cells(path) if s == "README"]
    first_item = readme[0][1]  # the first row's "item"
    assert first_item == "SITE COPY"
    text = " ".join(str(v) for _c, v in readme)
    assert "NOT DE-IDENTIFIED" in text
    assert "calendar dates" in text
    assert "De-identified as" not in text
    assert any(isinstance(v, dt.datetime) for s, _c, v in cells(path) if s == "treatment")


@pytest.mark.parametrize("language", ["en", "zh"])
def test_deidentified_pdf_summaries(study: OpenStudy, site: FillReport, language: str) -> None:
    found: list[str] = []
    grouped = 0
    options = PdfOptions(language=language, deidentified=True, generated_at=MOMENT)
    for code in PatientService(study).subject_codes():
        pdf = render_pdf(collect(study, code), options)
        text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)
        found += problems(text, site, f"PDF {code} ({language})")
        grouped += "90+" in text.replace("90+ (", "")
    assert found == []
    assert grouped >= ages_over_89(site)


def test_identified_pdf_is_what_the_search_would_catch(study: OpenStudy, site: FillReport) -> None:
    """The search is not blind: the site copy of the same patients is full of hits."""
    found: list[str] = []
    options = PdfOptions(generated_at=MOMENT)
    for code in PatientService(study).subject_codes()[:4]:
        pdf = render_pdf(collect(study, code), options)
        text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)
        found += problems(text, site, code)
    assert any("calendar date" in f for f in found)
    assert any("planted" in f for f in found)


def test_transfer_payload_after_decryption(
    study: OpenStudy, site: FillReport, tmp_path: Path
) -> None:
    path = tmp_path / "BJ01.rgt"
    export_transfer(study, CENTER.public, path, created=MOMENT)
    header, payload = unseal_transfer(path.read_bytes(), CENTER, {"BJ01": site_public_key(study)})
    patients = PayloadReader([payload], header).read_all()
    text = "\n".join(json.dumps(p.to_json_object(), ensure_ascii=False) for p in patients)
    found = problems(text, site, "transfer")
    for patient in patients:
        age = patient.age_at_first_dose
        if isinstance(age, int) and age > 89:
            found.append(f"transfer {patient.subject_code}: age {age}")
    assert found == []
    assert sum(p.age_at_first_dose == "90+" for p in patients) == ages_over_89(site)
    # The whole decrypted payload (manifest included) names no planted identifier.
    raw = payload.decode("utf-8") if isinstance(payload, bytes) else str(payload)
    assert [s for s in planted(site) if s in raw] == []


def test_dates_inside_text_become_study_days_in_both_languages() -> None:
    from rego_desktop.center.pooled import ANCHOR
    from rego_desktop.exchange.deidentified_view import sent_date_text
    from tests.checks.casebooks import FIRST, build

    view = deidentified_view(build())
    assert view.book.first_dose == ANCHOR
    zh = "第7周期（2000-02-09起）：低于说明书最小剂量。"  # no word boundary before 起
    assert view.mask(zh, "zh") == "第7周期（第40天起）：低于说明书最小剂量。"
    assert view.mask("Cycle 3 (from 1999-12-31)", "en") == "Cycle 3 (from day -1)"
    site_text = f"Assessment ({FIRST.isoformat()})"
    assert view.mask_site(site_text, "en") == "Assessment (day 1)"
    assert sent_date_text({"days": [-40, -10], "flag": "D"}, "en") == "days -40 to -10"
    assert sent_date_text({"missing": "UNK"}, "zh") == "不详/病历未记录"
    assert sent_date_text(12, "zh") == "第12天"
    assert view.age_text("en") is not None
