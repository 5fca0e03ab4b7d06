"""The per-patient PDF summary: content, languages, de-identification, page layout."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from rego_desktop.casebook import Casebook
from rego_desktop.reports.data import PatientReportData
from rego_desktop.reports.fonts import fonts
from rego_desktop.reports.pdf import PdfOptions, page_count, render_pdf
from rego_desktop.services.signatures import SignatureInfo
from rego_desktop.study import CURRENT
from rego_desktop.study.values import Quantity, Value, display
from tests.checks.casebooks import (
    FIRST,
    TODAY,
    add,
    build,
    casebook,
    clean_forms,
    cycle,
    put,
    replace,
)

MOMENT = dt.datetime(2025, 1, 2, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def pdf_of(book: Casebook, **options: object) -> bytes:
    report = PatientReportData(book, "BJ01", today=TODAY)
    return render_pdf(report, PdfOptions(generated_at=MOMENT, **options))  # type: ignore[arg-type]


def pages(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    return [page.extract_text() or "" for page in reader.pages]


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_summary_holds_every_section_from_the_definition() -> None:
    book = build()
    texts = pages(pdf_of(book))
    text = flat(" ".join(texts))
    total = len(texts)
    assert total == page_count(pdf_of(book)) >= 2
    # Header and footer on every page.
    for number, page in enumerate(texts, start=1):
        page = flat(page)
        assert "Site BJ01 · Subject BJ01-0007" in page
        assert "Name: 王伟 · Record number: ZY123456" in page
        assert f"Page {number} of {total}" in page
        assert "Generated 2025-01-02 09:30 UTC+08:00" in page
        assert "Study definition REGO-HCC-RWS 1.0" in page
    # Sections, with labels and values as the study definition shows them.
    for title in (
        "At a glance",
        "Eligibility",
        "Baseline",
        "Prior treatments",
        "Regorafenib treatment",
        "Dosing timeline",
        "Treatment cycles",
        "Response",
        "Adverse events",
        "Progression and survival",
        "Open queries and label deviations",
        "Signature",
    ):
        assert title in text, title
    packed = text.replace(" ", "")  # long labels wrap inside words
    for form_id in ("demographics", "hcc_history", "primary_tumour", "baseline_liver"):
        form = CURRENT.form(form_id)
        assert form.label.en in text
        for f in form.fields:
            if f.is_input and not f.free_text and f.id in book.single(form_id):
                assert f.label.en.replace(" ", "") in packed, f.id
    assert "Hepatitis B (HBV)" in text  # aetiology, by its code label
    assert "C - Advanced" in text  # BCLC
    assert "350.0 ng/mL" in text  # AFP with the unit it was entered in
    assert "Child-Pugh class" in text
    assert "A (5-6 points)" in text  # derived from the baseline liver values
    assert "ALBI grade" in text
    assert "PD - Progressive disease" in text  # prior regimen's best response
    assert "Palmar-plantar erythrodysesthesia syndrome" in text
    assert "Grade 2: 1" in text
    # Derived dosing and endpoints.
    assert "Number of cycles 4" in text
    assert "Best overall response SD - Stable disease" in text
    assert "Overall survival (OS) 250 8.2 event: death 2024-09-15" in text
    assert "Time to progression (TTP) 92 3.0 event: progression 2024-04-10" in text
    assert "No open queries and no label deviations." in text
    assert "Not signed." in text
    # The timeline names its rows by study day and date, and cycles C1..C4.
    assert f"day 1 · {FIRST.isoformat()}" in text
    for n in range(1, 5):
        assert f"C{n}" in text


def test_deidentified_copy_has_no_name_record_number_or_free_text() -> None:
    book = build(
        put("hcc_history", aetiology=("hbv", "other"), aetiology_other="Wilson disease"),
    )
    identified = flat(" ".join(pages(pdf_of(book))))
    assert "Wilson disease" in identified
    assert "王伟" in identified
    copy = flat(" ".join(pages(pdf_of(book, deidentified=True))))
    for secret in ("王伟", "ZY123456", "1960-05-01", "Wilson disease"):
        assert secret not in copy
    assert "De-identified copy" in copy
    assert "Hepatitis B (HBV), Other" in copy


def test_chinese_summary_embeds_a_cjk_font() -> None:
    pdf = pdf_of(build(), language="zh")
    texts = pages(pdf)
    text = flat(" ".join(texts))
    assert "患者摘要" in text
    assert f"第1页/共{len(texts)}页" in flat(texts[0])
    assert CURRENT.form("eligibility").label.zh in text
    assert CURRENT.form("demographics").field("ecog").label.zh in text
    assert "乙型肝炎(HBV)" in text
    assert "姓名: 王伟" in text
    assert "总生存期(OS)" in text
    if fonts().embedded:
        assert b"/FontFile2" in pdf  # the CJK font travels with the file


def test_long_tables_break_across_pages_with_their_header_repeated() -> None:
    events: list[dict[str, Value]] = [
        {
            "term": "hypertension",
            "grade": 1 + k % 3,
            "onset_date": FIRST + dt.timedelta(days=k),
            "serious": "no",
            "relation": "possible",
            "action": "none",
            "outcome": "recovered",
            "resolution_date": FIRST + dt.timedelta(days=k + 2),
        }
        for k in range(90)
    ]
    texts = pages(pdf_of(build(replace("adverse_events", events))))
    header = CURRENT.form("adverse_events").field("onset_date").label.en
    with_header = [t for t in texts if "Hypertension" in t]
    assert len(with_header) >= 2
    assert all(header in t for t in with_header)
    assert "Grade 1: 30 · Grade 2: 30 · Grade 3: 30" in flat(" ".join(texts))


def test_many_cycles_draw_a_timeline_in_rows_that_pdftoppm_renders(tmp_path: Path) -> None:
    forms = clean_forms()
    forms["cycles"] = [cycle(k, 28 * (k - 1) + 1, 28 * (k - 1) + 21) for k in range(1, 41)]
    last = FIRST + dt.timedelta(days=28 * 39 + 20)
    forms["treatment"][0]["last_dose_date"] = last
    forms["progression"][0]["progression_date"] = last
    forms["response_assessments"][1]["assessment_date"] = last
    forms["response_assessments"][1]["imaging_date"] = last
    forms["survival"][0].update(last_follow_up_date=last, death_date=last)
    forms["subsequent_treatments"] = []
    forms["dose_changes"] = [
        {"change_date": FIRST + dt.timedelta(days=300), "method": "reduction",
         "new_daily_dose": 120.0, "reason": "adverse_event"},
        {"change_date": FIRST + dt.timedelta(days=600), "method": "interruption",
         "reason": "adverse_event"},
        {"change_date": FIRST + dt.timedelta(days=607), "method": "restart",
         "new_daily_dose": 80.0, "reason": "adverse_event"},
    ]  # fmt: skip
    pdf = pdf_of(casebook(forms))
    text = flat(" ".join(pages(pdf)))
    assert "C40" in text
    assert "day 281" in text
    assert "day 841" in text
    assert "Number of cycles 40" in text
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.skip("pdftoppm (poppler) is not installed")
    source = tmp_path / "summary.pdf"
    source.write_bytes(pdf)
    subprocess.run([pdftoppm, "-r", "40", "-png", str(source), str(tmp_path / "p")], check=True)
    images = sorted(tmp_path.glob("p-*.png"))
    assert len(images) == page_count(pdf)
    assert all(image.stat().st_size > 2000 for image in images)


def test_label_deviations_and_findings_are_listed() -> None:
    book = build(
        put("cycles", 1, daily_dose=200.0),
        add("dose_changes", {"change_date": FIRST + dt.timedelta(days=70), "method": "reduction",
                             "new_daily_dose": 100.0, "reason": "adverse_event"}),
    )  # fmt: skip
    text = flat(" ".join(pages(pdf_of(book))))
    assert "Deviation" in text
    assert "200 mg/day is above the label maximum of 160 mg/day" in text
    assert "not a whole number of 40 mg tablets" in text
    assert "not yet raised" in text
    assert "label deviations" in text


def test_signature_status_is_shown() -> None:
    signed = SignatureInfo(
        "Liu Yang",
        "drliu",
        "I have reviewed this casebook.",
        dt.datetime(2024, 12, 1, 8, 0, tzinfo=dt.UTC),
        None,
        None,
    )
    book = build()
    book.locked = True
    report = PatientReportData(book, "BJ01", signatures=(signed,), today=TODAY)
    text = flat(" ".join(pages(render_pdf(report, PdfOptions(generated_at=MOMENT)))))
    assert "Signed by Liu Yang (drliu) on 2024-12-01 08:00 UTC" in text
    assert "The casebook is locked." in text


def test_a_new_patient_without_data_still_gets_a_summary() -> None:
    book = Casebook(CURRENT, "BJ01-0099", "x" * 32, False)
    text = flat(" ".join(pages(pdf_of(book))))
    assert "BJ01-0099" in text
    assert "Not recorded" in text
    assert "No dosing calendar" in text
    assert display(CURRENT, CURRENT.form("eligibility").field("eligible"), "yes") not in text


def test_language_must_be_known() -> None:
    with pytest.raises(ValueError, match="language"):
        PdfOptions(language="fr")


def test_unknown_doses_and_missing_records_still_render() -> None:
    unknown = build(put("treatment", initial_daily_dose=None), put("cycles", 0, daily_dose=None))
    text = flat(" ".join(pages(pdf_of(unknown))))
    assert "Dose unknown" in text
    assert "not computable (missing initial daily dose)" in text
    bare = build(
        replace("cycles", []),
        replace("response_assessments", []),
        put("treatment", treatment_status="ongoing", last_dose_date=None,
            discontinuation_reason=None),
    )  # fmt: skip
    text = flat(" ".join(pages(pdf_of(bare))))
    assert "Dosing timeline" in text
    assert "None recorded" in text


@pytest.mark.parametrize("language", ["en", "zh"])
def test_units_are_printed_as_people_read_them(language: str) -> None:
    book = build(put("baseline_liver", bilirubin=Quantity(20.0, "umol/L")))
    text = flat(" ".join(pages(pdf_of(book, language=language))))
    assert "20.0 µmol/L" in text  # stored as umol/L
    assert "22.5 kg/m²" in text  # BMI of 170 cm and 65 kg, unit stored as kg/m2
    assert "umol/L" not in text
    assert "kg/m2" not in text
    assert ("323 天" if language == "zh" else "323 days") in text  # a prior regimen
    # The patient died: "Deceased", not "Follow-up".
    assert ("状态 已死亡" if language == "zh" else "Status Deceased") in text
