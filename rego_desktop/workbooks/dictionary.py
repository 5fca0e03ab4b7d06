"""The data dictionary and code lists, generated from the study definition.

One row per field of every form (identifying and free-text fields included, marked as
not listed), saying what the listing columns hold: labels in English and Chinese,
type, units with their conversion factor, the code list with every value and its
labels, the hard range, whether it is required, derived or conditional, which
missing-data codes it may hold instead of a value (``ND``, ``UNK``, ``NA``; listed in
the ``codelists`` sheet as the code list :data:`MISSING_CODELIST`) and whether it
accepts a partial date (``YYYY`` or ``YYYY-MM``).
"""

from __future__ import annotations

from typing import Final

from rego_desktop.study.schema import (
    MISSING_LABELS,
    Field,
    FieldType,
    Form,
    MissingReason,
    StudyDefinition,
    Unit,
)
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
    "missing_codes",
    "partial_date",
    "listing_columns",
]

CODELIST_HEADER: Final = ["codelist", "value", "label_en", "label_zh", "max_grade"]
MISSING_CODELIST: Final = "missing_reason"
"""The code list of the missing-data codes, in the ``codelists`` sheet."""
PARTIAL_FORMS: Final = "YYYY or YYYY-MM accepted (listed as entered)"


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


def missing_text(f: Field) -> str:
    """The missing-data codes ``f`` may hold, e.g. "ND = Not done; UNK = Unknown ..."."""
    return "; ".join(f"{r.value} = {MISSING_LABELS[r].en}" for r in f.missing_reasons)


def partial_text(f: Field, *, deidentified: bool = False) -> str:
    if not f.partial_date:
        return "no" if f.type is FieldType.DATE else ""
    if deidentified:
        return "yes: a partial date is the study days it may fall on, e.g. 120..150 (D)"
    return f"yes: {PARTIAL_FORMS}"


def dictionary_rows(study: StudyDefinition, *, deidentified: bool = False) -> list[list[str | int]]:
    rows: list[list[str | int]] = []
    for form in study.forms:
        for section in form.sections:
            for f in section.fields:
                rows.append(_row(study, form, section.id, f, deidentified))
    return rows


def _row(
    study: StudyDefinition, form: Form, section: str, f: Field, deidentified: bool = False
) -> list[str | int]:
    applies = ""
    if f.enabled_by is not None:
        source, wanted = f.enabled_by
        applies = f"{source} in ({', '.join(wanted)})"
    listed = exported(form, f, deidentified=deidentified)
    columns = (
        ", ".join(c.key for c in field_columns(f, deidentified=deidentified))
        if listed
        else "(not listed)"
    )
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
        missing_text(f),
        partial_text(f, deidentified=deidentified),
        columns,
    ]


def dictionary_sheet(study: StudyDefinition, *, deidentified: bool = False) -> Sheet:
    widths = {11: 48.0, 6: 36.0, 7: 24.0}
    rows = list(map(list, dictionary_rows(study, deidentified=deidentified)))
    return Sheet("dictionary", list(DICTIONARY_HEADER), rows, wrap=True, widths=widths)


def codelist_sheet(study: StudyDefinition) -> Sheet:
    """Every code list of the study, then the missing-data codes (``missing_reason``)."""
    rows: list[list[object]] = []
    for codelist in study.codelists.values():
        for code in codelist.codes:
            rows.append(
                [codelist.id, code.value, code.label.en, code.label.zh, code.max_grade or ""]
            )
    for reason in MissingReason:
        label = MISSING_LABELS[reason]
        rows.append([MISSING_CODELIST, reason.value, label.en, label.zh, ""])
    return Sheet("codelists", list(CODELIST_HEADER), rows)
