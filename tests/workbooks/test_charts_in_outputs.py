"""Missing-data codes and partial dates in the workbooks, the dictionary and the PDF.

A chart that says "diagnosed 2019, AFP not done, died March 2024": the site listings
carry the codes ("ND", never an empty cell or a zero) and the partial dates as entered;
the de-identified listings carry the codes and the partial dates as the study days
they may fall on (as the transfer file and the center's pooled workbook); ADTTE uses
the imputed death date with its flag (ADTF); the data dictionary says, for every field
of the study definition, which codes it allows and whether it accepts partial dates,
and the code lists hold the codes with their English and Chinese labels.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from pypdf import PdfReader

from rego_desktop.casebook import Casebook
from rego_desktop.derive import PatientData
from rego_desktop.exchange.deidentified_view import deidentified_view
from rego_desktop.reports.data import PatientReportData
from rego_desktop.reports.layout import MissingText
from rego_desktop.reports.pdf import PdfOptions, render_pdf
from rego_desktop.study import CURRENT
from rego_desktop.study.dates import PartialDate
from rego_desktop.study.schema import MISSING_LABELS, FieldType, MissingReason
from rego_desktop.study.values import Missing
from rego_desktop.workbooks.adam import Analysis
from rego_desktop.workbooks.dictionary import (
    DICTIONARY_HEADER,
    MISSING_CODELIST,
    codelist_sheet,
    dictionary_sheet,
)
from rego_desktop.workbooks.listings import Listings
from rego_desktop.workbooks.sheets import Sheet
from tests.checks.casebooks import TODAY, build, put

ND, UNK = Missing(MissingReason.NOT_DONE), Missing(MissingReason.UNKNOWN)


def chart() -> Casebook:
    """Diagnosed 2019, advanced stage 2023-11, AFP and albumin not done, cirrhosis
    unknown, died in September 2024 (day unknown)."""
    return build(
        put(
            "hcc_history",
            hcc_diagnosis_date=PartialDate(2019),
            advanced_diagnosis_date=PartialDate(2023, 11),
            cirrhosis=UNK,
        ),
        put("primary_tumour", afp=ND),
        put("baseline_liver", albumin=ND),
        put("survival", death_date=PartialDate(2024, 9)),
    )


def table(sheet: Sheet) -> list[dict[str, Any]]:
    return [dict(zip(sheet.header, row, strict=True)) for row in sheet.rows]


def sheets_of(listings: Listings) -> dict[str, Sheet]:
    return {s.name: s for s in listings.sheets()}


def test_site_listings_carry_codes_and_partial_dates_as_entered() -> None:
    listings = Listings(CURRENT)
    listings.add(chart())
    sheets = sheets_of(listings)
    [history] = table(sheets["hcc_history"])
    assert history["hcc_diagnosis_date"] == "2019"
    assert history["advanced_diagnosis_date"] == "2023-11"
    assert history["cirrhosis"] == "UNK"
    [tumour] = table(sheets["primary_tumour"])
    assert tumour["afp"] == "ND"
    assert tumour.get("afp_unit") in (None, "ng/mL")  # a unit column, if any, has no code
    [liver] = table(sheets["baseline_liver"])
    assert liver["albumin"] == "ND"
    assert liver["albumin_unit"] is None
    [survival] = table(sheets["survival"])
    assert survival["death_date"] == "2024-09"


def test_deidentified_listings_carry_codes_and_periods_of_study_days() -> None:
    book = chart()
    view = deidentified_view(book)
    listings = Listings(CURRENT, deidentified=True)
    listings.add(view.book, view=view)
    sheets = sheets_of(listings)
    [history] = table(sheets["hcc_history"])
    assert history["cirrhosis"] == "UNK"
    assert re.fullmatch(r"-\d+\.\.-\d+ \(M\)", history["hcc_diagnosis_date_day"])
    assert re.fullmatch(r"-\d+\.\.-\d+ \(D\)", history["advanced_diagnosis_date_day"])
    assert "hcc_diagnosis_date" not in history  # no calendar column at all
    [tumour] = table(sheets["primary_tumour"])
    assert tumour["afp"] == "ND"
    [survival] = table(sheets["survival"])
    first, last = (int(d) for d in re.findall(r"-?\d+", survival["death_date_day"])[:2])
    assert last - first == 29  # September has 30 days
    with pytest.raises(ValueError, match="de-identified"):
        Listings(CURRENT, deidentified=True).add(book)


def test_adtte_uses_the_imputed_death_date_with_its_flag() -> None:
    analysis = Analysis()
    analysis.add(PatientData(chart()))
    adtte = table(analysis.sheets()[0])
    os_row = next(r for r in adtte if r["PARAMCD"] == "OS")
    assert os_row["ADTF"] == "D"
    assert os_row["CNSR"] == 0
    assert isinstance(os_row["ADT"], dt.date)
    assert os_row["ADT"].strftime("%Y-%m") == "2024-09"
    days = Analysis(days=True)
    days.add(PatientData(deidentified_view(chart()).book))
    os_days = next(r for r in table(days.sheets()[0]) if r["PARAMCD"] == "OS")
    assert os_days["ADTF"] == "D"
    assert "ADT" not in os_days
    assert os_days["ADY"] == os_days["AVAL"] == os_row["AVAL"]


@pytest.mark.parametrize("deidentified", [False, True])
def test_dictionary_states_the_codes_and_partial_dates_of_every_field(deidentified: bool) -> None:
    """Study-definition test: every field allowing a code or a partial date says so."""
    rows = table(dictionary_sheet(CURRENT, deidentified=deidentified))
    by_field = {(r["form"], r["field"]): r for r in rows}
    allowing = 0
    for form, f in CURRENT.all_fields():
        row = by_field[(form.id, f.id)]
        for reason in MissingReason:
            named = f"{reason.value} = {MISSING_LABELS[reason].en}" in row["missing_codes"]
            assert named == (reason in f.missing_reasons), (form.id, f.id, reason)
        if f.partial_date:
            assert row["partial_date"].startswith("yes"), (form.id, f.id)
        elif f.type is FieldType.DATE:
            assert row["partial_date"] == "no", (form.id, f.id)
        else:
            assert row["partial_date"] == "", (form.id, f.id)
        allowing += bool(f.missing_reasons or f.partial_date)
    assert allowing >= 30
    assert {"missing_codes", "partial_date"} <= set(DICTIONARY_HEADER)


def test_code_lists_hold_the_missing_codes_in_both_languages() -> None:
    rows = [r for r in table(codelist_sheet(CURRENT)) if r["codelist"] == MISSING_CODELIST]
    assert [r["value"] for r in rows] == ["ND", "UNK", "NA"]
    assert rows[0]["label_en"] == "Not done"
    assert rows[0]["label_zh"] == "未做"


@pytest.mark.parametrize(("language", "word"), [("en", "Not done"), ("zh", "未做")])
def test_pdf_shows_codes_as_words_set_apart_and_partial_dates_as_entered(
    language: str, word: str
) -> None:
    report = PatientReportData(chart(), "BJ01", today=TODAY)
    pdf = render_pdf(report, PdfOptions(language=language))
    text = " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages)
    assert word in text
    assert "2019" in text
    assert "2023-11" in text
    assert "2024-09" in text
    assert ("day imputed" if language == "en" else "日为推算") in text  # OS rests on it
    # Drawn grey and (Latin) italic: the oblique font is in the file for English.
    if language == "en":
        assert b"Helvetica-Oblique" in pdf
    deidentified = render_pdf(report, PdfOptions(language=language, deidentified=True))
    text = " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(deidentified)).pages)
    assert word in text
    assert "2023-11" not in text
    span = r"days -\d+ to -\d+" if language == "en" else r"第-\d+至-\d+天"
    assert re.search(span, text)


def test_missing_text_is_a_plain_string_for_every_table() -> None:
    shown = MissingText("Not done")
    assert shown == "Not done"
    assert isinstance(shown, str)


def test_pooled_dictionary_names_the_codes_of_every_field() -> None:
    """The center's pooled workbook: its dictionary says which codes a column may hold."""
    from rego_desktop.center.pooled_workbook import _dictionary

    notes = {(row[0], row[1]): str(row[6]) for row in _dictionary(CURRENT)}
    named = 0
    for form, f in CURRENT.all_fields():
        note = notes.get((form.id, f.id))
        if note is None or f.type is FieldType.DATE:
            continue  # not sent, or a study-day column (its note covers codes and periods)
        for reason in MissingReason:
            assert (f"{reason.value} = " in note) == (reason in f.missing_reasons), (form.id, f.id)
        named += bool(f.missing_reasons)
    assert named >= 20
