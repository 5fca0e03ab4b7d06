"""Import of patients abstracted in the entry template (``rego-desktop import``).

All or nothing: the workbook is read and checked completely first; if any cell is
refused, nothing is written and the report lists every refused cell. Otherwise all
patients are created and saved in one transaction through the patient service (so
every record gets the service's own hard checks, encryption and audit entry) and
their queries are raised from the soft findings in the same transaction.

What refuses a cell (the same hard checks as the data-entry screens):

- the value itself: :func:`rego_desktop.study.values.parse_text` (type, code, range,
  date format; a value whose field has several units needs its unit, never guessed:
  an empty unit cell takes the site's usual unit when an administrator has set one,
  see :mod:`rego_desktop.services.site_units`, and is refused otherwise);
- a value in a field that does not apply given another answer (``enabled_by``);
- the hard edit checks of :func:`rego_desktop.checks.run_checks` on the patient as a
  whole (an end before its start, an event before the first dose or after death,
  a date in the future, a grade above the term's maximum ...);
- the subject code (format ``SITE-NNNN`` of this site, not already in the study), a
  second row for a single form, unknown sheets and columns;
- a formula (``=60+5``), whether or not the file holds a computed value for it: what
  it shows depends on the spreadsheet program, so the value itself must be typed.

Soft findings (label deviations, warnings) do not refuse anything: they are listed
as notes and become queries.

A refused cell is reported as :class:`Problem` with sheet, row, column (letter and
key), the value as typed, and the reason in English and Chinese.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from zipfile import BadZipFile

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from rego_desktop.casebook import Casebook, Entry, applies
from rego_desktop.checks import Finding, run_checks
from rego_desktop.errors import RegoError, UsageError, ValidationError
from rego_desktop.models import new_uid, utcnow
from rego_desktop.services.patients import SINGLE, SUBJECT_RE, PatientService, load_casebook
from rego_desktop.services.queries import sync_casebook
from rego_desktop.services.site_units import SiteUnits
from rego_desktop.store.study import OpenStudy
from rego_desktop.study.schema import Field, FieldType, Form, StudyDefinition
from rego_desktop.study.values import (
    FieldProblem,
    Value,
    choices,
    missing_in,
    parse_text,
    unit_id,
    units_text,
)
from rego_desktop.workbooks.listings import SUBJECT
from rego_desktop.workbooks.template import (
    FIRST_ROW,
    INSTRUCTIONS,
    KEY_ROW,
    LISTS,
    TemplateColumn,
    template_columns,
)

IGNORED_SHEETS: Final = frozenset({INSTRUCTIONS, LISTS})


@dataclass(frozen=True)
class Problem:
    """A refused cell (or a note on an imported one): where it is and why."""

    sheet: str
    row: int | None
    column: str | None  # letter, e.g. "D"
    key: str | None  # column key from row 2, e.g. "ecog"
    value: str | None
    reason: str
    reason_zh: str
    severity: str = "refused"  # refused, or the finding's severity for notes
    rule: str | None = None
    subject: str | None = None

    @property
    def cell(self) -> str:
        if self.row is None:
            return self.sheet
        return (
            f"{self.sheet}!{self.column or 'A'}{self.row}"
            if self.column
            else (f"{self.sheet} row {self.row}")
        )

    def line(self, language: str = "en") -> str:
        key = f" [{self.key}]" if self.key else ""
        value = f" {self.value!r}:" if self.value not in (None, "") else ":"
        reason = self.reason_zh if language.startswith("zh") else self.reason
        return f"{self.cell}{key}{value} {reason}"

    def to_json(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "key": self.key,
            "value": self.value,
            "reason": self.reason,
            "reason_zh": self.reason_zh,
            "severity": self.severity,
            "rule": self.rule,
            "subject": self.subject,
        }


@dataclass
class ImportReport:
    """What an import did: refused cells (then nothing was saved), or what was saved."""

    path: Path
    refused: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)  # soft findings on imported data
    patients: list[str] = field(default_factory=list)
    records: int = 0
    saved: bool = False

    @property
    def ok(self) -> bool:
        return not self.refused

    def to_json(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "imported": self.saved,
            "patients": self.patients,
            "records": self.records,
            "refused": [p.to_json() for p in self.refused],
            "notes": [p.to_json() for p in self.notes],
        }


@dataclass
class _Record:
    subject: str
    form: Form
    item_uid: str
    sheet: str
    row: int
    values: dict[str, Value]
    columns: dict[str, tuple[str, str]]  # field id -> (letter, key) of its value cell
    texts: dict[str, str]  # field id -> the cell as typed


def cell_text(value: Any, f: Field | None = None) -> str:
    """A spreadsheet cell as the text a person would have typed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        kind = f.type if f is not None else None
        # A year typed in a partial-date column arrives as the number 2019.0.
        if value.is_integer() and kind in (FieldType.INTEGER, FieldType.TEXT, FieldType.DATE, None):
            return str(int(value))
        return repr(value)
    return str(value).strip()


class _Reader:
    def __init__(self, study: OpenStudy, path: Path, today: dt.date) -> None:
        self.study = study
        self.definition: StudyDefinition = study.definition
        self.path = path
        self.today = today
        self.refused: list[Problem] = []
        self.notes: list[Problem] = []
        self.records: list[_Record] = []
        self.single_rows: dict[tuple[str, str], int] = {}
        self.subject_checked: dict[str, bool] = {}
        self.existing = set(PatientService(study).subject_codes())
        self.site_units = SiteUnits(study).all()

    def refuse(
        self,
        sheet: str,
        row: int | None,
        column: int | None,
        key: str | None,
        value: str | None,
        en: str,
        zh: str,
        subject: str | None = None,
        rule: str | None = None,
    ) -> None:
        letter = get_column_letter(column) if column else None
        self.refused.append(
            Problem(sheet, row, letter, key, value, en, zh, rule=rule, subject=subject)
        )

    # ------------------------------------------------------------ reading

    def read(self) -> None:
        try:
            wb = load_workbook(str(self.path), read_only=True, data_only=True)
            # The same cells as written: formulas are refused, never evaluated or dropped.
            formulas = load_workbook(str(self.path), read_only=True, data_only=False)
        except (InvalidFileException, BadZipFile, KeyError, OSError) as exc:
            raise UsageError(
                f"{self.path} is not an Excel workbook (.xlsx): {exc}",
                zh=f"{self.path} 不是 Excel 工作簿（.xlsx）：{exc}",
            ) from None
        try:
            for name in wb.sheetnames:
                if name in IGNORED_SHEETS:
                    continue
                if not self.definition.has_form(name):
                    self.refuse(
                        name,
                        None,
                        None,
                        None,
                        None,
                        f"sheet {name!r} is not a form of this study; rename or remove it.",
                        f"工作表{name!r}不是本研究的表单;请重命名或删除。",
                    )
                    continue
                self.refuse_formulas(name, formulas[name])
                self.read_sheet(self.definition.form(name), wb[name])
        finally:
            wb.close()
            formulas.close()

    def refuse_formulas(self, sheet: str, ws: Any) -> None:
        """A formula (``=60+5``) is refused with its cell named, cached value or not:
        what it shows depends on the spreadsheet program, so type the value itself."""
        for number, row in enumerate(ws.iter_rows(min_row=KEY_ROW + 1), start=KEY_ROW + 1):
            for index, cell in enumerate(row, start=1):
                if getattr(cell, "data_type", None) != "f":
                    continue
                formula = str(cell.value)
                self.refuse(
                    sheet,
                    number,
                    index,
                    None,
                    formula[:60],
                    f"the cell holds a formula ({formula[:60]}); formulas are not imported. "
                    "Type the value itself (for example 65, not =60+5).",
                    f"该单元格包含公式（{formula[:60]}）；公式不会被导入。"
                    "请直接输入数值（例如 65，而不是 =60+5）。",
                )

    def read_sheet(self, form: Form, ws: Any) -> None:
        columns: dict[int, TemplateColumn] | None = None
        for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
            if number < KEY_ROW:
                continue
            if number == KEY_ROW:
                columns = self.columns(form, row)
                if columns is None:
                    return
                continue
            if columns is None or all(cell_text(v) == "" for v in row):
                continue
            self.read_row(form, number, columns, row)
        if columns is None:
            self.refuse(
                form.id,
                KEY_ROW,
                None,
                SUBJECT,
                None,
                "the sheet has no column keys in row 2; use the template's sheets.",
                "工作表第2行没有列代码;请使用模板中的工作表。",
            )

    def columns(self, form: Form, keys: tuple[Any, ...]) -> dict[int, TemplateColumn] | None:
        known = {c.key: c for c in template_columns(form)}
        derived = {f.id for f in form.fields if not f.is_input}
        found: dict[int, TemplateColumn] = {}
        seen: set[str] = set()
        for index, raw in enumerate(keys, start=1):
            key = cell_text(raw)
            if key == "":
                continue
            if key in seen:
                self.refuse(
                    form.id,
                    KEY_ROW,
                    index,
                    key,
                    None,
                    "this column key appears twice on the sheet.",
                    "该列代码在工作表中出现两次。",
                )
                continue
            seen.add(key)
            if key in derived:
                self.refuse(
                    form.id,
                    KEY_ROW,
                    index,
                    key,
                    None,
                    "is computed by the software and cannot be imported; remove the column.",
                    "该项由软件自动计算,不能导入;请删除此列。",
                )
            elif key not in known:
                self.refuse(
                    form.id,
                    KEY_ROW,
                    index,
                    key,
                    None,
                    f"unknown column key; {form.id} has: " + ", ".join(known) + ".",
                    "未知的列代码。",
                )
            else:
                found[index] = known[key]
        if SUBJECT not in seen:
            self.refuse(
                form.id,
                KEY_ROW,
                None,
                SUBJECT,
                None,
                "the sheet has no subject_code column (row 2 must hold the column keys).",
                "工作表缺少 subject_code 列(第2行应为列代码)。",
            )
            return None
        return found

    def subject(self, form: Form, number: int, column: int, raw: Any) -> str | None:
        code = cell_text(raw).upper()
        site = self.study.info.site_code
        if code == "":
            self.refuse(
                form.id,
                number,
                column,
                SUBJECT,
                None,
                "the subject code is missing.",
                "缺少受试者编号。",
            )
            return None
        if not SUBJECT_RE.match(code) or not code.startswith(site + "-"):
            self.refuse(
                form.id,
                number,
                column,
                SUBJECT,
                code,
                f"is not a subject code of this site; use {site}-NNNN, e.g. {site}-0012.",
                f"不是本中心的受试者编号;请使用 {site}-NNNN,例如 {site}-0012。",
                subject=code,
            )
            return None
        if code in self.existing:
            self.refuse(
                form.id,
                number,
                column,
                SUBJECT,
                code,
                "this subject is already in the study; the import only adds new patients.",
                "该受试者已在研究中;导入只能添加新患者。",
                subject=code,
            )
            return None
        return code

    def read_row(
        self, form: Form, number: int, columns: dict[int, TemplateColumn], row: tuple[Any, ...]
    ) -> None:
        subject_col = next(i for i, c in columns.items() if c.key == SUBJECT)
        raw_subject = row[subject_col - 1] if subject_col - 1 < len(row) else None
        code = self.subject(form, number, subject_col, raw_subject)
        if code is None:
            return
        if not form.repeating:
            previous = self.single_rows.get((code, form.id))
            if previous is not None:
                self.refuse(
                    form.id,
                    number,
                    subject_col,
                    SUBJECT,
                    code,
                    f"{form.label.en} holds one record per patient; {code} already has "
                    f"row {previous}.",
                    f"{form.label.zh}每位患者只有一条记录;{code}已在第{previous}行。",
                    subject=code,
                )
                return
            self.single_rows[(code, form.id)] = number
        texts: dict[str, tuple[int, str]] = {}
        units: dict[str, tuple[int, str]] = {}
        for index, column in columns.items():
            if column.field is None:
                continue
            raw = row[index - 1] if index - 1 < len(row) else None
            text = cell_text(raw, column.field)
            (units if column.unit else texts)[column.field.id] = (index, text)
        values: dict[str, Value] = {}
        where: dict[str, tuple[str, str]] = {}
        for f in form.fields:
            if f.id not in texts:
                continue
            index, text = texts[f.id]
            where[f.id] = (get_column_letter(index), f.id)
            value = self.parse(form, f, number, index, text, units.get(f.id), code)
            if value is not None:
                values[f.id] = value
        for f in form.fields:
            if f.id in values and not applies(form, f, values):
                assert f.enabled_by is not None
                source = form.field(f.enabled_by[0])
                labels = dict(choices(self.definition, source))
                wanted_en = " or ".join(labels[v].en if v in labels else v for v in f.enabled_by[1])
                wanted_zh = "或".join(labels[v].zh if v in labels else v for v in f.enabled_by[1])
                index = texts[f.id][0]
                self.refuse(
                    form.id,
                    number,
                    index,
                    f.id,
                    texts[f.id][1],
                    f"{f.label.en} applies only when {source.label.en} is {wanted_en}; "
                    "leave it empty.",
                    f"{f.label.zh}仅当{source.label.zh}为{wanted_zh}时填写;请留空。",
                    subject=code,
                )
                del values[f.id]
        uid = new_uid() if form.repeating else SINGLE
        typed = {field_id: text for field_id, (_, text) in texts.items()}
        self.records.append(_Record(code, form, uid, form.id, number, values, where, typed))

    def parse(
        self,
        form: Form,
        f: Field,
        number: int,
        index: int,
        text: str,
        unit: tuple[int, str] | None,
        code: str,
    ) -> Value:
        chosen: str | None = None
        try:
            # A reason for a missing value (ND, UNK, NA) needs no unit.
            reason = missing_in(self.definition, f, text)
        except FieldProblem:
            reason = None  # refused with its message by parse_text below
        if len(f.units) > 1 and text != "" and reason is None:
            unit_cell = unit[1] if unit is not None else ""
            if unit_cell == "":
                chosen = self.site_units.get(f.id)
                if chosen is None:
                    where = get_column_letter(unit[0]) if unit is not None else "?"
                    self.refuse(
                        form.id,
                        number,
                        index,
                        f.id,
                        text,
                        f"{f.label.en}: the unit is missing and the site has no usual unit "
                        f"for it; choose {units_text(f)} in column {where}.",
                        f"{f.label.zh}:缺少单位,且本中心未设定常用单位;"
                        f"请在{where}列选择{units_text(f, 'zh')}。",
                        subject=code,
                    )
                    return None
            else:
                chosen = unit_id(f, unit_cell)
                if chosen is None:
                    assert unit is not None
                    self.refuse(
                        form.id,
                        number,
                        unit[0],
                        f.id + "_unit",
                        unit_cell,
                        f"{f.label.en}: unit {unit_cell!r} is not allowed; use {units_text(f)}.",
                        f"{f.label.zh}:单位{unit_cell!r}不可用;请使用{units_text(f, 'zh')}。",
                        subject=code,
                    )
                    return None
        try:
            return parse_text(self.definition, f, text, chosen)
        except FieldProblem as exc:
            self.refuse(
                form.id,
                number,
                index,
                f.id,
                text,
                exc.label.en,
                exc.label.zh,
                subject=code,
                rule="value.invalid",
            )
            return None

    # ------------------------------------------------------------ checking

    def casebooks(self) -> dict[str, Casebook]:
        books: dict[str, Casebook] = {}
        now = utcnow()
        for record in self.records:
            book = books.get(record.subject)
            if book is None:
                book = Casebook(self.definition, record.subject, "import", locked=False)
                books[record.subject] = book
            entry = Entry(record.item_uid, 1, dict(record.values), now)
            book.entries.setdefault(record.form.id, []).append(entry)
        return books

    def check(self, books: dict[str, Casebook]) -> None:
        places = {(r.subject, r.form.id, r.item_uid): r for r in self.records}
        for code, book in books.items():
            for finding in run_checks(book, today=self.today):
                self.place(code, finding, places)

    def place(
        self,
        code: str,
        finding: Finding,
        places: dict[tuple[str, str, str], _Record],
    ) -> None:
        record = places.get((code, finding.form, finding.item_uid))
        sheet = finding.form
        row = record.row if record is not None else None
        column, key, value = None, finding.field, None
        if record is not None and finding.field is not None:
            spot = record.columns.get(finding.field)
            if spot is not None:
                column = spot[0]
            value = record.texts.get(finding.field) or None
        problem = Problem(
            sheet,
            row,
            column,
            key,
            value,
            finding.message,
            finding.message_zh,
            severity="refused" if finding.hard else finding.severity,
            rule=finding.rule,
            subject=code,
        )
        (self.refused if finding.hard else self.notes).append(problem)


class _Rollback(Exception):
    pass


@contextmanager
def _all_or_nothing() -> Iterator[None]:
    with suppress(_Rollback):
        yield


def import_workbook(study: OpenStudy, path: Path, *, today: dt.date | None = None) -> ImportReport:
    """Check every cell of the template at ``path`` and, if none is refused, import it."""
    reader = _Reader(study, path, today or dt.date.today())
    reader.read()
    books = reader.casebooks()
    reader.check(books)
    report = ImportReport(path, reader.refused, reader.notes)
    severity = {"error": 0, "deviation": 1, "warning": 2}
    report.notes.sort(key=lambda p: severity.get(p.severity, 3))
    if reader.refused:
        return report
    if not reader.records:
        raise RegoError(
            f"{path} holds no patient rows (data start in row {FIRST_ROW}).",
            zh=f"{path} 中没有受试者数据行（数据从第 {FIRST_ROW} 行开始）。",
        )
    by_subject: dict[str, list[_Record]] = {}
    for record in reader.records:
        by_subject.setdefault(record.subject, []).append(record)
    with _all_or_nothing(), PatientService(study).editing() as editor:
        # Every record is new, so no query in save() needs to see pending ones: autoflush
        # off (as the demo generator does); create_patient() flushes each new patient.
        with editor.session.no_autoflush:
            for code, records in by_subject.items():
                editor.create_patient(code)
                for record in records:
                    try:
                        editor.save(code, record.form.id, record.values, item_uid=record.item_uid)
                    except ValidationError as exc:
                        report.refused.append(
                            Problem(
                                record.sheet,
                                record.row,
                                None,
                                None,
                                None,
                                str(exc),
                                str(exc),
                                subject=code,
                            )
                        )
        if report.refused:
            raise _Rollback
        editor.session.flush()
        for code in books:
            patient = editor.patient(code)
            book = load_casebook(study, editor.session, patient)
            sync_casebook(study, editor.session, patient, book, today=reader.today)
        report.saved = True
    if report.saved:
        report.patients = list(books)
        report.records = len(reader.records)
    return report
