"""The study workbook (``rego-desktop xlsx [--deidentified]``).

Two kinds, never confused:

* the **site workbook** (default): for use at the site. It leaves out the
  identification form and free text but keeps every calendar date and the age as
  derived; its README, the command's output and the application say so before it is
  written, and it is never called de-identified;
* the **de-identified workbook** (``deidentified=True``): every patient goes through
  the transfer file's transform (:func:`~rego_desktop.exchange.deidentified_view.deidentified_view`)
  and only that result is listed: dates as study days, ages of 90 or more as ``"90+"``,
  no text typed by a person; query texts have their dates turned into study days and
  the time a query was raised is left out.

Sheets, in order: ``README`` (what this is), one listing per form (see
:mod:`.listings`), ``dictionary`` and ``codelists`` (see :mod:`.dictionary`),
``queries`` (edit-check findings and queries, see below), ``ADTTE`` and ``ADRS``
(see :mod:`.adam`).

The ``queries`` sheet lists every finding the current data show, with the status of
its query (``not_raised`` when the checks were not run since the data changed), and
the stored queries whose finding is gone. Query answers are typed by people, so only
whether a query was answered is listed, never the text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from rego_desktop import __version__
from rego_desktop.auth.roles import Permission
from rego_desktop.casebook import Casebook
from rego_desktop.derive import PatientData, derived_values
from rego_desktop.exchange.deidentified_view import (
    SITE_TEXT,
    DeidentifiedView,
    deidentified_view,
)
from rego_desktop.exchange.deidentify import AGE_GROUP_TOP, export_policy
from rego_desktop.files import check_output_file
from rego_desktop.reports.data import Issue, issues
from rego_desktop.services.damage import DamagedRecord
from rego_desktop.services.damage import skip as skip_damaged
from rego_desktop.services.patients import PatientService
from rego_desktop.services.queries import QueryRow, QueryService
from rego_desktop.store.study import OpenStudy
from rego_desktop.study.schema import StudyDefinition
from rego_desktop.workbooks.adam import Analysis
from rego_desktop.workbooks.dictionary import codelist_sheet, dictionary_sheet
from rego_desktop.workbooks.listings import SUBJECT, Listings
from rego_desktop.workbooks.sheets import Sheet, write_workbook

Progress = Callable[[int, int], None]

SITE_COPY: Final = (
    "SITE COPY, NOT DE-IDENTIFIED: calendar dates and exact ages are kept (no names, "
    "record numbers, birth dates or free text). Keep this file at the site; for anything "
    "leaving the site use the de-identified workbook (rego-desktop xlsx --deidentified)."
)
SITE_COPY_ZH: Final = (
    "本中心副本,未去标识化:保留日历日期和确切年龄(不含姓名、病历号、出生日期及自由文本)。"
    "请仅在本中心保存;需发出本中心的数据请使用去标识化工作簿(rego-desktop xlsx --deidentified)。"
)
DEIDENTIFIED: Final = (
    "De-identified as the transfer file is: no names, record numbers, birth dates or free "
    "text; every date is a study day (day 1 = first dose, no day 0; '_day' columns); ages "
    f"at first dose of 90 or more are given as '{AGE_GROUP_TOP}'."
)
QUERY_HEADER: Final = [
    SUBJECT,
    "form",
    "entry",
    "field",
    "rule",
    "severity",
    "status",
    "in_current_data",
    "answered",
    "cycle",
    "where",
    "message",
    "message_zh",
    "raised_utc",
]


@dataclass(frozen=True)
class WorkbookReport:
    path: Path
    patients: int
    rows: dict[str, int]  # sheet name -> data rows
    deidentified: bool = False


def _entry_numbers(book: Casebook) -> dict[tuple[str, str], int]:
    numbers: dict[tuple[str, str], int] = {}
    for form in book.definition.forms:
        if form.repeating:
            for number, entry in enumerate(book.items(form.id), start=1):
                numbers[(form.id, entry.item_uid)] = number
    return numbers


def query_header(*, deidentified: bool = False) -> list[str]:
    return [h for h in QUERY_HEADER if not (deidentified and h == "raised_utc")]


def query_rows(
    book: Casebook, found: list[Issue], view: DeidentifiedView | None = None
) -> list[list[Any]]:
    """One row per issue; with ``view`` (``book`` is then ``view.book``) issues about what
    the transfer file leaves out (the identification form, free text) are left out,
    dates in the texts become study days, the text of a stored query the de-identified
    data do not raise again is not shown (:data:`SITE_TEXT`) and neither is the time a
    query was raised."""
    numbers = _entry_numbers(book)
    policy = export_policy(book.definition) if view is not None else None
    rows = []
    for issue in found:
        if policy is not None and policy.removes(issue.form, issue.field):
            continue
        raised = issue.raised_at.replace(tzinfo=None) if issue.raised_at else None
        where, message, message_zh = issue.where, issue.message, issue.message_zh
        if view is not None:
            # Current findings were made on the view (anchored dates); stored queries
            # without one were written at the site (real dates).
            if issue.current:
                where = view.mask(where, "en")
                message, message_zh = view.mask(message, "en"), view.mask(message_zh, "zh")
            else:
                where = view.mask_site(where, "en")
                message, message_zh = SITE_TEXT.en, SITE_TEXT.zh
        row = [
                issue.subject,
                issue.form,
                numbers.get((issue.form, issue.item_uid)),
                issue.field,
                issue.rule,
                issue.severity,
                issue.status,
                "yes" if issue.current else "no",
                "yes" if issue.answered else "no",
                issue.cycle,
                where,
                message,
                message_zh,
        ]  # fmt: skip
        rows.append(row if view is not None else [*row, raised])
    return rows


def readme_sheet(
    study: StudyDefinition,
    site_code: str,
    patients: int,
    moment: dt.datetime,
    *,
    deidentified: bool = False,
) -> Sheet:
    first: list[list[Any]] = (
        [["DE-IDENTIFIED", DEIDENTIFIED]]
        if deidentified
        else [["SITE COPY", SITE_COPY], ["本中心副本", SITE_COPY_ZH]]
    )
    rows: list[list[Any]] = [
        *first,
        ["Study", f"{study.id}: {study.title.en} / {study.title.zh}"],
        ["Study definition version", study.version],
        ["Site", site_code],
        ["Patients", patients],
        ["Generated", moment.strftime("%Y-%m-%d %H:%M %z")],
        ["Generated by", f"rego-desktop {__version__}"],
        [
            "Left out",
            "The identification form, every field marked identifying (name, record number, "
            "date of birth) and free text (specified 'other' values, query answers)"
            + (", every text field and the time queries were raised." if deidentified
               else ". Dates are kept as recorded."),
        ],
        ["Listings", "One sheet per form (sheet name = form id), one row per record; "
         "repeating forms one row per entry ('entry' numbers them per subject)."
         + (" Dates are study days in '<field>_day' columns." if deidentified else "")],
        ["dictionary", "Every field: labels, type, units, codes, range, required, derived."],
        ["codelists", "Every code list value with its English and Chinese label, and the "
         "missing-data codes (code list missing_reason)."],
        ["Missing data", "A value the chart does not hold is listed as its code: ND not done, "
         "UNK unknown / not recorded, NA not applicable (never an empty cell or zero); the "
         "dictionary says which codes each field allows. "
         + ("A partial date is the study days it may fall on and what is unknown: "
            "'120..150 (D)' (D day, M month and day)."
            if deidentified else "A partial date is listed as entered (2019, 2021-05).")],
        ["queries", "Edit-check findings with their query status."],
        ["ADTTE", "Time to event (OS, PFS, TTP) in days from day 1; CNSR 0 = event, "
         "1 = censored; ADTF: what of the date was imputed from a partial date (D day, "
         "M month and day; blank: complete date)."],
        ["ADRS", "Best overall response per patient (RECIST 1.1 / mRECIST rules)."],
    ]  # fmt: skip
    if not deidentified:
        for row in rows:
            if row[0] == "ADTTE":
                row[1] += " STARTDT and ADT are calendar dates."
    return Sheet("README", ["item", "value"], rows, wrap=True, filters=False,
                 widths={0: 24.0, 1: 100.0})  # fmt: skip


def build_sheets(
    study: OpenStudy,
    *,
    today: dt.date | None = None,
    moment: dt.datetime | None = None,
    progress: Progress | None = None,
    deidentified: bool = False,
) -> tuple[list[Sheet], int]:
    """Every sheet of the workbook, and the number of patients in it."""
    definition = study.definition
    patients = PatientService(study)
    codes = patients.subject_codes()
    by_subject: dict[str, list[QueryRow]] = {}
    for q in QueryService(study).list():
        by_subject.setdefault(q.subject, []).append(q)
    policy = export_policy(definition)
    listings = Listings(definition, deidentified=deidentified)
    analysis = Analysis(days=deidentified)
    queries: list[list[Any]] = []
    kept = 0
    for number, code in enumerate(codes, start=1):
        try:
            book = patients.casebook(code)
        except DamagedRecord as exc:  # skipped and listed by read-only commands
            if not skip_damaged(exc):
                raise
            continue
        kept += 1
        view = deidentified_view(book, policy) if deidentified else None
        if view is not None:
            book = view.book  # from here on, only what the transfer file would carry
        data = PatientData(book)
        listings.add(book, derived_values(data), view)
        analysis.add(data)
        found = issues(data, by_subject.get(code, []), today=today)
        queries.extend(query_rows(book, found, view))
        if progress is not None:
            progress(number, len(codes))
    moment = moment or dt.datetime.now().astimezone()
    sheets = [
        readme_sheet(definition, study.info.site_code, kept, moment, deidentified=deidentified),
        *listings.sheets(),
        dictionary_sheet(definition, deidentified=deidentified),
        codelist_sheet(definition),
        Sheet("queries", query_header(deidentified=deidentified), queries),
        *analysis.sheets(),
    ]
    return sheets, kept


def export_workbook(
    study: OpenStudy,
    path: Path,
    *,
    today: dt.date | None = None,
    progress: Progress | None = None,
    deidentified: bool = False,
    moment: dt.datetime | None = None,
) -> WorkbookReport:
    """Write the workbook of the whole site to ``path`` (needs export rights): the site
    workbook (dates kept), or with ``deidentified`` the de-identified one."""
    check_output_file(path, "the workbook", "工作簿")
    study.user.require(Permission.EXPORT)
    sheets, patients = build_sheets(
        study, today=today, moment=moment, progress=progress, deidentified=deidentified
    )
    write_workbook(path, sheets)
    return WorkbookReport(
        path, patients, {s.name: len(s.rows) for s in sheets}, deidentified=deidentified
    )
