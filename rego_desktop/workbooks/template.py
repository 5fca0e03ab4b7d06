"""The data-entry template (``rego-desktop template``) that ``rego-desktop import`` reads.

Layout, generated from the study definition:

- ``Instructions``: how to fill the template and how it is imported;
- one sheet per form, named by the form id, in CRF order (identification included: the
  template is a site document). Row 1 holds the field labels in the chosen language
  (``*`` = required), row 2 the column keys the import reads, data start in row 3.
  Column A is the subject code; a single form has at most one row per subject, a
  repeating form one row per entry. A field with several units has a ``<id>_unit``
  column beside it; derived fields are computed and not in the template;
- a hidden ``_lists`` sheet with the code labels the drop-down lists use.

Cells carry Excel data validation: drop-down lists for choices, yes/no and units (a
multi-choice cell accepts several values separated by ``;``), whole/decimal numbers
within the hard limits, dates, and text length; each column shows a prompt saying
what is allowed. The import checks everything again, whatever Excel let through.

Charts lack values (design.md section 8): a field whose study definition allows
missing-data codes admits them in its cell (``ND``, ``UNK``, ``NA``: in the drop-down
list of a choice, beside the number range of a number or the date of a date), and its
prompt names them; a field that accepts partial dates admits ``YYYY`` and ``YYYY-MM``
as well as a full date, and its column is formatted as text so that Excel keeps
``2021-05`` as typed instead of turning it into 1 May 2021 (an invented day).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from rego_desktop.casebook import Casebook
from rego_desktop.files import check_output_file, write_bytes_atomically
from rego_desktop.study.dates import PartialDate
from rego_desktop.study.schema import Field, FieldType, Form, Label, StudyDefinition
from rego_desktop.study.values import Missing, Quantity, Value, choices, unit_text
from rego_desktop.workbooks.listings import SUBJECT, UNIT_SUFFIX

INSTRUCTIONS: Final = "Instructions"
LISTS: Final = "_lists"
LABEL_ROW: Final = 1
KEY_ROW: Final = 2
FIRST_ROW: Final = 3
DEFAULT_ROWS: Final = 500  # rows per sheet that carry validation and formats
MULTI_JOIN: Final = "; "
DATE_FORMAT: Final = "yyyy-mm-dd"
TEXT_FORMAT: Final = "@"

REQUIRED_FILL: Final = PatternFill("solid", fgColor="FCE4D6")
OPTIONAL_FILL: Final = PatternFill("solid", fgColor="DCE6F1")
KEY_FONT: Final = Font(italic=True, color="808080", size=9)
BOLD: Final = Font(bold=True)
WRAP_TOP: Final = Alignment(wrap_text=True, vertical="top")

SUBJECT_LABEL: Final = Label("Subject code *", "受试者编号 *")
UNIT_LABEL: Final = Label("unit", "单位")


@dataclass(frozen=True)
class TemplateColumn:
    """A template column: the subject code, a field's value or a field's unit."""

    key: str
    field: Field | None = None
    unit: bool = False


def template_fields(form: Form) -> list[Field]:
    """Fields someone types (derived fields are computed)."""
    return [f for f in form.fields if f.is_input]


def template_columns(form: Form) -> list[TemplateColumn]:
    columns = [TemplateColumn(SUBJECT)]
    for f in template_fields(form):
        columns.append(TemplateColumn(f.id, f))
        if len(f.units) > 1:
            columns.append(TemplateColumn(f.id + UNIT_SUFFIX, f, unit=True))
    return columns


def _label(f: Field, language: str) -> str:
    text = f.label.text(language)
    if len(f.units) == 1:
        text += f" ({f.units[0].text(language)})"
    return text + (" *" if f.required else "")


def _limits(f: Field) -> tuple[float, float] | None:
    lo, hi = f.limits.minimum, f.limits.maximum
    if lo is None or hi is None:
        return None
    if len(f.units) > 1:
        return (min(lo / u.factor for u in f.units), max(hi / u.factor for u in f.units))
    return (lo, hi)


def _fmt(x: float) -> str:
    return f"{round(x, 4):g}"


def _prompt(study: StudyDefinition, form: Form, f: Field, language: str) -> str:
    zh = language.startswith("zh")
    parts: list[str] = []
    if f.type is FieldType.DATE:
        parts.append("日期格式 YYYY-MM-DD" if zh else "Date as YYYY-MM-DD")
    elif f.type in (FieldType.CHOICE, FieldType.YES_NO):
        parts.append("从列表中选择" if zh else "Pick from the list")
    elif f.type is FieldType.MULTI_CHOICE:
        parts.append("可多选,用 ; 分隔" if zh else "One or more, separated by ;")
    elif f.type in (FieldType.INTEGER, FieldType.DECIMAL):
        lo, hi = f.limits.minimum, f.limits.maximum
        if lo is not None and hi is not None:
            spans = [f"{lo / u.factor:.4g}-{hi / u.factor:.4g} {u.text(language)}" for u in f.units]
            spans = spans or [f"{lo:.4g}-{hi:.4g}"]
            parts.append(("允许范围 " if zh else "Allowed ") + "; ".join(spans))
        if f.type is FieldType.INTEGER:
            parts.append("整数" if zh else "Whole number")
        if len(f.units) > 1:
            parts.append("请在右侧列选择单位" if zh else "Choose the unit in the next column")
    elif f.type is FieldType.TEXT:
        parts.append(f"最多{f.max_length}个字符" if zh else f"At most {f.max_length} characters")
    if f.type is FieldType.DATE and f.partial_date:
        parts.append(
            "病历缺少日或月时填 YYYY-MM 或 YYYY"
            if zh
            else "If the chart lacks the day: YYYY-MM or YYYY"
        )
    if f.missing_reasons:
        codes = "/".join(r.value for r in f.missing_reasons)
        parts.append(f"病历无此值时填 {codes}" if zh else f"No value in the chart: {codes}")
    if f.enabled_by is not None:
        source = form.field(f.enabled_by[0])
        labels = dict(choices(study, source))
        wanted = [labels[v].text(language) if v in labels else v for v in f.enabled_by[1]]
        src = source.label.text(language)
        parts.append(
            f"仅当“{src}”为{'/'.join(wanted)}时填写"
            if zh
            else f"Only when {src} is {' or '.join(wanted)}"
        )
    parts.append(("必填" if zh else "Required") if f.required else ("选填" if zh else "Optional"))
    return ". ".join(parts)[:250]


class _Lists:
    """The hidden sheet of drop-down values: one column per list."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.ranges: dict[str, str] = {}

    def range_for(self, key: str, values: Sequence[str]) -> str:
        if key not in self.ranges:
            column = get_column_letter(len(self.ranges) + 1)
            self.ws.cell(row=1, column=len(self.ranges) + 1, value=key)
            for row, value in enumerate(values, start=2):
                self.ws.cell(row=row, column=len(self.ranges) + 1, value=value)
            last = len(values) + 1
            self.ranges[key] = f"{quote_sheetname(LISTS)}!${column}$2:${column}${last}"
        return self.ranges[key]


def _codes(f: Field) -> list[str]:
    return [r.value for r in f.missing_reasons]


def _or_codes(cell: str, test: str, f: Field, *, partial: bool = False) -> str:
    """A custom validation formula: ``test``, or a missing-data code of ``f``, or (for a
    partial-date field) text of a year or a year and month."""
    terms = [test] + [f'{cell}="{code}"' for code in _codes(f)]
    if partial:
        terms.append(f"AND(ISTEXT({cell}),OR(LEN({cell})=4,LEN({cell})=7,LEN({cell})=10))")
    return f"OR({','.join(terms)})" if len(terms) > 1 else test


def _validation(
    study: StudyDefinition,
    form: Form,
    column: TemplateColumn,
    language: str,
    lists: _Lists,
    cell: str = "A3",
) -> DataValidation | None:
    """The data validation of one column; ``cell`` is its first data cell (the one a
    custom formula names)."""
    f = column.field
    if f is None:
        return None
    if column.unit:
        units = [u.text(language) for u in f.units]  # the import reads symbols and ids
        unit_dv = DataValidation(type="list", formula1=lists.range_for(f"unit:{f.id}", units))
        unit_dv.prompt = "Unit: " + ", ".join(units)
        unit_dv.promptTitle = UNIT_LABEL.text(language)
        unit_dv.error = "Pick a unit from the list."
        return unit_dv
    kind = f.type
    codes = _codes(f)
    or_codes = f" or {'/'.join(codes)}" if codes else ""
    if kind in (FieldType.CHOICE, FieldType.YES_NO, FieldType.MULTI_CHOICE):
        labels = [label.text(language) for _, label in choices(study, f)]
        key = f.codelist if kind is not FieldType.YES_NO else "yes_no"
        extra = [c for c in codes if c not in labels]
        name = f"{key}:{language}" + (f":{'/'.join(extra)}" if extra else "")
        dv = DataValidation(type="list", formula1=lists.range_for(name, labels + extra))
        dv.showErrorMessage = kind is not FieldType.MULTI_CHOICE
        dv.error = "Pick a value from the list."
    elif kind is FieldType.DATE:
        if codes or f.partial_date:
            dv = DataValidation(
                type="custom",
                formula1=_or_codes(cell, f"ISNUMBER({cell})", f, partial=f.partial_date),
            )
        else:
            dv = DataValidation(type="date", operator="greaterThanOrEqual", formula1="1")
        dv.errorStyle = "warning"
        dv.error = (
            "Type the date as YYYY-MM-DD, e.g. 2024-03-05"
            + (", or YYYY-MM / YYYY when the chart lacks the day" if f.partial_date else "")
            + or_codes
            + "."
        )
    elif kind in (FieldType.INTEGER, FieldType.DECIMAL):
        limits = _limits(f)
        if limits is None:
            return None
        lo, hi = _fmt(limits[0]), _fmt(limits[1])
        if codes:
            whole = f",INT({cell})={cell}" if kind is FieldType.INTEGER else ""
            test = f"AND(ISNUMBER({cell}),{cell}>={lo},{cell}<={hi}{whole})"
            dv = DataValidation(type="custom", formula1=_or_codes(cell, test, f))
        else:
            dv = DataValidation(
                type="whole" if kind is FieldType.INTEGER else "decimal",
                operator="between",
                formula1=lo,
                formula2=hi,
            )
        dv.error = f"Allowed {lo} to {hi}{or_codes}."
    else:
        dv = DataValidation(
            type="textLength", operator="lessThanOrEqual", formula1=str(f.max_length)
        )
        dv.error = f"At most {f.max_length} characters."
    dv.allow_blank = True
    dv.showInputMessage = True
    dv.promptTitle = f.label.text(language)[:32]
    dv.prompt = _prompt(study, form, f, language)
    dv.errorTitle = f.label.text(language)[:32]
    return dv


def _shown(study: StudyDefinition, f: Field, value: Value, language: str) -> Any:
    """A stored value as a template cell (labels for choices, so people read them)."""
    if value is None:
        return None
    if isinstance(value, Missing):
        return value.code
    if isinstance(value, PartialDate):
        return value.isoformat()  # as entered: "2019", "2021-05"
    if isinstance(value, Quantity):
        return value.value
    if isinstance(value, tuple):
        labels = dict(choices(study, f))
        return MULTI_JOIN.join(labels[v].text(language) if v in labels else v for v in value)
    if f.type in (FieldType.CHOICE, FieldType.YES_NO) and isinstance(value, str):
        labels = dict(choices(study, f))
        return labels[value].text(language) if value in labels else value
    return value


def _instructions(ws: Any, study: StudyDefinition, language: str, site_code: str | None) -> None:
    zh = language.startswith("zh")
    example = f"{site_code}-0001" if site_code else "BJ01-0001"
    lines_en = [
        f"{study.title.en} — data entry template (study definition {study.id} {study.version})",
        "",
        "How to fill it",
        f"1. One patient per subject code (site code, hyphen, number: {example}); "
        "write the same code in column A of every sheet that holds data of that patient.",
        "2. Sheets named after single forms hold at most one row per patient; sheets of "
        "repeating forms (cycles, dose changes, assessments, adverse events ...) one row per "
        "entry. Start in row 3; rows 1-2 are the headers (row 2 holds the column keys the "
        "import reads: do not change them).",
        "3. Dates as YYYY-MM-DD (e.g. 2024-03-05). Numbers as plain numbers (e.g. 13.8). "
        "Where the chart gives a date without its day or month (diagnoses, medical history, "
        "prior and subsequent treatments, adverse event onset and resolution, death), type "
        "YYYY-MM or YYYY (e.g. 2021-05, 2019): never invent a day. The prompt of each date "
        "column says whether it accepts this.",
        "3a. A value the chart does not hold is written as a code, never left empty or "
        "invented: ND = not done, UNK = unknown / not recorded in the chart, NA = not "
        "applicable. Only the fields whose prompt names a code accept it (labs, AFP, ECOG, "
        "tumour size, aetiology, genetic tests, some dates); eligibility answers, the first "
        "dose date and dosing entries need real values.",
        "4. Where a value can have several units, choose the unit in the '..._unit' column "
        "beside it. A value without its unit takes the site's usual unit if an administrator "
        "has set one (rego-desktop units); otherwise it is refused, never guessed.",
        "5. Choices: pick from the drop-down list (the code or the English or Chinese label "
        "is accepted). Several choices: separate them with ';'.",
        "6. Computed values (BMI, Child-Pugh, ALBI, durations, dose totals, best response) "
        "are not in the template: they are derived after the import.",
        "7. * marks a required field; a field with 'Only when ...' in its prompt is left "
        "empty otherwise.",
        "",
        "Import",
        "rego-desktop import --db STUDY.rego THIS-FILE.xlsx",
        "Every row goes through the same hard checks as the data-entry screens. If any cell "
        "is refused, nothing at all is imported and every refused cell is listed with its "
        "sheet, row, column and the reason; correct them and import again. Label deviations "
        "and warnings do not stop the import: they become queries to answer in the "
        "application. The import adds new patients; a subject code already in the study is "
        "refused.",
        "",
        "Privacy",
        "The Identification sheet holds names, record numbers and birth dates, and this file "
        "is not encrypted: keep it on the site computer only and delete it after the import.",
    ]
    lines_zh = [
        f"{study.title.zh} — 数据录入模板(研究定义 {study.id} {study.version})",
        "",
        "填写说明",
        f"1. 每位患者一个受试者编号(中心代码-序号,如 {example});"
        "该患者在各工作表中的数据均在A列填写同一编号。",
        "2. 单次表单的工作表每位患者最多一行;"
        "重复表单(治疗周期、剂量调整、疗效评估、不良事件等)每条记录一行。"
        "从第3行开始填写;第1-2行为表头(第2行为导入使用的列代码,请勿修改)。",
        "3. 日期格式为 YYYY-MM-DD(如 2024-03-05);数字直接填写(如 13.8)。"
        "病历中缺少日或月的日期(诊断、既往病史、既往及后续治疗、不良事件发生与缓解、死亡),"
        "请填写 YYYY-MM 或 YYYY(如 2021-05、2019),切勿编造日期;各日期列的提示会说明是否接受。",
        "3a. 病历中没有的数值请填写代码,不要留空或编造:ND = 未做,UNK = 不详/病历未记录,"
        "NA = 不适用。仅提示中注明代码的项目可使用"
        "(化验、AFP、ECOG、肿瘤大小、病因、基因检测及部分日期);"
        "入选/排除标准回答、首次给药日期及给药记录必须填写实际值。",
        "4. 可用多种单位的数值,请在其右侧“..._unit”列选择单位。未填单位的数值按本中心常用单位处理"
        "(由管理员通过 rego-desktop units 设定);未设定时将被拒绝,不会被猜测。",
        "5. 选项:请从下拉列表中选择(代码、英文或中文标签均可)。多选时用“;”分隔。",
        "6. 计算值(BMI、Child-Pugh、ALBI、持续时间、剂量合计、最佳疗效)不在模板中,导入后自动计算。",
        "7. * 表示必填;提示中注明“仅当……时填写”的项目在其他情况下请留空。",
        "",
        "导入",
        "rego-desktop import --db STUDY.rego 本文件.xlsx",
        "每一行都经过与录入界面相同的硬性核查。只要有任何单元格被拒绝,整个文件都不会导入,并列出每个被拒绝单元格的"
        "工作表、行、列及原因;更正后重新导入。说明书偏离及提示不会阻止导入,将作为质疑在软件中处理。"
        "导入只添加新患者;研究中已存在的受试者编号将被拒绝。",
        "",
        "隐私",
        "身份信息工作表包含姓名、病历号及出生日期,且本文件未加密:仅保存在本中心电脑上,导入后请删除。",
    ]
    lines = lines_zh if zh else lines_en
    ws.column_dimensions["A"].width = 110
    for row, line in enumerate(lines, start=1):
        cell = ws.cell(row=row, column=1, value=line)
        cell.alignment = WRAP_TOP
        if line in ("How to fill it", "Import", "Privacy", "填写说明", "导入", "隐私") or row == 1:
            cell.font = BOLD
    start = len(lines) + 2
    head = (
        ["Sheet", "Form", "One row per", "Fields"]
        if not zh
        else ["工作表", "表单", "每行", "项目数"]
    )
    for col, text in enumerate(head, start=1):
        ws.cell(row=start, column=col, value=text).font = BOLD
    for number, form in enumerate(study.forms, start=start + 1):
        per = form.item_label.text(language) if form.item_label else ("患者" if zh else "patient")
        ws.cell(row=number, column=2, value=form.label.text(language))
        ws.cell(row=number, column=1, value=form.id)
        ws.cell(row=number, column=3, value=per)
        ws.cell(row=number, column=4, value=len(template_fields(form)))
    for letter in "BCD":
        ws.column_dimensions[letter].width = 24


def _form_sheet(
    wb: Any,
    study: StudyDefinition,
    form: Form,
    language: str,
    lists: _Lists,
    books: Sequence[Casebook],
    rows: int,
) -> None:
    ws = wb.create_sheet(form.id)
    columns = template_columns(form)
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        f = column.field
        if f is None:
            label = SUBJECT_LABEL.text(language)
        elif column.unit:
            label = f"{f.label.text(language)}: {UNIT_LABEL.text(language)} *"
        else:
            label = _label(f, language)
        head = ws.cell(row=LABEL_ROW, column=index, value=label)
        head.font = BOLD
        head.alignment = WRAP_TOP
        required = f is None or f.required or column.unit
        head.fill = REQUIRED_FILL if required else OPTIONAL_FILL
        if f is not None and f.help is not None:
            head.comment = Comment(f.help.text(language), "rego-desktop")
        key = ws.cell(row=KEY_ROW, column=index, value=column.key)
        key.font = KEY_FONT
        width = max(12.0, min(40.0, len(label) * (1.8 if language.startswith("zh") else 1.0)))
        ws.column_dimensions[letter].width = width
        if f is not None and f.type is FieldType.DATE and not column.unit:
            # Text for partial dates: Excel would make "2021-05" 1 May 2021.
            ws.column_dimensions[letter].number_format = (
                TEXT_FORMAT if f.partial_date else DATE_FORMAT
            )
        dv = _validation(study, form, column, language, lists, f"{letter}{FIRST_ROW}")
        if dv is not None:
            dv.add(f"{letter}{FIRST_ROW}:{letter}{FIRST_ROW + rows - 1}")
            ws.add_data_validation(dv)
    ws.row_dimensions[LABEL_ROW].height = 45
    ws.freeze_panes = ws.cell(row=FIRST_ROW, column=2)
    row = FIRST_ROW
    for book in books:
        for entry in book.items(form.id):
            ws.cell(row=row, column=1, value=book.subject_code)
            for index, column in enumerate(columns[1:], start=2):
                f = column.field
                assert f is not None
                value = entry.get(f.id)
                if column.unit:
                    shown: Any = (
                        unit_text(f, value.unit, language) if isinstance(value, Quantity) else None
                    )
                else:
                    shown = _shown(study, f, value, language)
                cell = ws.cell(row=row, column=index, value=shown)
                if isinstance(shown, dt.date):
                    cell.number_format = DATE_FORMAT
                elif isinstance(value, PartialDate):
                    cell.number_format = TEXT_FORMAT
            row += 1


def write_template(
    study: StudyDefinition,
    path: Path,
    *,
    language: str = "en",
    site_code: str | None = None,
    casebooks: Iterable[Casebook] = (),
    rows: int = DEFAULT_ROWS,
) -> Path:
    """Write the entry template; ``casebooks`` are filled in (tests, moving patients)."""
    books = list(casebooks)
    wb = Workbook()
    ws = wb.active
    ws.title = INSTRUCTIONS
    _instructions(ws, study, language, site_code)
    lists_ws = wb.create_sheet(LISTS)
    lists = _Lists(lists_ws)
    for form in study.forms:
        _form_sheet(wb, study, form, language, lists, books, max(rows, 1))
    wb.move_sheet(lists_ws, offset=len(wb.sheetnames) - 1 - wb.sheetnames.index(LISTS))
    lists_ws.sheet_state = "hidden"
    wb.active = 0
    check_output_file(path, "the template", "模板")
    buffer = io.BytesIO()  # in memory first: a full disk cannot break the writer
    wb.save(buffer)
    write_bytes_atomically(path, buffer.getvalue(), what="the template", what_zh="模板")
    return path
