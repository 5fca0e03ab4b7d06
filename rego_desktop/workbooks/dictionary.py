"""The data dictionary and code lists, generated from the study definition.

One row per field of every form (identifying and free-text fields included, marked as
not listed), saying what the listing columns hold: labels in English and Chinese,
type, units with their conversion factor, the code list with every value and its
labels, the hard range, whether it is required, derived or conditional.
"""

from __future__ import annotations

from typing import Final

from rego_desktop.study.schema import Field, FieldType, Form, StudyDefinition, Unit
from rego_desktop.study.values import choices
from rego_desktop.workbooks.listings import exported, field_columns
from rego_desktop.workbooks.sheets import Sheet

DICTIONARY_HEADER: Final = [
    "form",
    "form_label_en",
    "form_label_zh",
    "repeating",
    "section",
    "field",
    "label_en",
    "label_zh",
    "type",
    "units",
    "codelist",
    "codes",
    "range",
    "decimals",
    "required",
    "derived",
    "applies_when",
    "identifying",
    "free_text",
    "listing_columns",
]

CODELIST_HEADER: Final = ["codelist", "value", "label_en", "label_zh", "max_grade"]


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _unit_name(unit: Unit) -> str:
    """The symbol people read, with the stored id when it differs."""
    symbol = unit.text()
    return symbol if symbol == unit.id else f"{symbol} (stored as {unit.id})"


def units_text(f: Field) -> str:
    if not f.units:
        return ""
    canonical = f.units[0].text()
    parts = [_unit_name(f.units[0])]
    for unit in f.units[1:]:
        parts.append(f"{_unit_name(unit)} (x {unit.factor:g} = {canonical})")
    return "; ".join(parts)


def range_text(f: Field) -> str:
    lo, hi = f.limits.minimum, f.limits.maximum
    if f.type not in (FieldType.INTEGER, FieldType.DECIMAL) or (lo is None and hi is None):
        return ""
    unit = f" {f.units[0].text()}" if f.units else ""
    if lo is not None and hi is not None:
        return f"{lo:g} to {hi:g}{unit}"
    return f">= {lo:g}{unit}" if lo is not None else f"<= {hi:g}{unit}"


def codes_text(study: StudyDefinition, f: Field) -> str:
    if f.type not in (FieldType.CHOICE, FieldType.MULTI_CHOICE, FieldType.YES_NO):
        return ""
    return "\n".join(f"{value} = {label.en} / {label.zh}" for value, label in choices(study, f))


def type_text(f: Field) -> str:
    return f.type.value


def dictionary_rows(study: StudyDefinition) -> list[list[str | int]]:
    rows: list[list[str | int]] = []
    for form in study.forms:
        for section in form.sections:
            for f in section.fields:
                rows.append(_row(study, form, section.id, f))
    return rows


def _row(study: StudyDefinition, form: Form, section: str, f: Field) -> list[str | int]:
    applies = ""
    if f.enabled_by is not None:
        source, wanted = f.enabled_by
        applies = f"{source} in ({', '.join(wanted)})"
    listed = exported(form, f)
    columns = ", ".join(c.key for c in field_columns(f)) if listed else "(not listed)"
    codelist = f.codelist or ("yes_no" if f.type is FieldType.YES_NO else "")
    return [
        form.id,
        form.label.en,
        form.label.zh,
        _yes(form.repeating),
        section,
        f.id,
        f.label.en,
        f.label.zh,
        type_text(f),
        units_text(f),
        codelist,
        codes_text(study, f),
        range_text(f),
        f.decimals if f.type is FieldType.DECIMAL else "",
        _yes(f.required and f.is_input),
        f.derived or "",
        applies,
        _yes(f.identifying or form.identifying),
        _yes(f.free_text),
        columns,
    ]


def dictionary_sheet(study: StudyDefinition) -> Sheet:
    widths = {11: 48.0, 6: 36.0, 7: 24.0}
    return Sheet(
        "dictionary", list(DICTIONARY_HEADER), list(map(list, dictionary_rows(study))), wrap=True,
        widths=widths,
    )  # fmt: skip


def codelist_sheet(study: StudyDefinition) -> Sheet:
    rows: list[list[object]] = []
    for codelist in study.codelists.values():
        for code in codelist.codes:
            rows.append(
                [codelist.id, code.value, code.label.en, code.label.zh, code.max_grade or ""]
            )
    return Sheet("codelists", list(CODELIST_HEADER), rows)
