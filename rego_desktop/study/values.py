"""Typed values of CRF fields: parsing what people type, hard checks, JSON form.

A value is ``str`` (text, choice, yes/no), ``int``, ``float``, ``datetime.date``,
``tuple[str, ...]`` (multi-choice) or :class:`Quantity` (a number whose field offers
several units: the unit the user chose is kept, and conversion happens only when a
rule needs the canonical unit). ``None`` means "not entered".

Hard checks refuse impossible values with a message in English and Chinese that says
what is allowed; soft checks (label deviations, consistency) live in the rules.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

from rego_desktop.study.schema import Field, FieldType, Label, StudyDefinition

YES_NO_VALUES = ("yes", "no")
_YES_NO_LABELS = {"yes": Label("Yes", "是"), "no": Label("No", "否")}
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EARLIEST_DATE = dt.date(1900, 1, 1)


@dataclass(frozen=True)
class Quantity:
    value: float
    unit: str

    def canonical(self, field: Field) -> float:
        unit = field.unit(self.unit)
        if unit is None:
            allowed = ", ".join(u.id for u in field.units)
            raise ValueError(f"{field.id}: unit {self.unit!r} is not one of {allowed}")
        return self.value * unit.factor


Value = str | int | float | dt.date | tuple[str, ...] | Quantity | None


class FieldProblem(ValueError):
    """A hard check refused a value; ``label`` carries the message in both languages."""

    def __init__(self, field: Field, en: str, zh: str) -> None:
        self.field = field
        self.label = Label(f"{field.label.en}: {en}", f"{field.label.zh}:{zh}")
        super().__init__(self.label.en)


def _fmt_number(x: float) -> str:
    return f"{x:g}"


def numeric(value: Value, field: Field) -> float | None:
    """The value in the field's canonical unit, or None when not entered."""
    if value is None:
        return None
    if isinstance(value, Quantity):
        return value.canonical(field)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{field.id} is not numeric")
    return float(value)


def check(study: StudyDefinition, field: Field, value: Value) -> None:
    """Raise :class:`FieldProblem` if ``value`` is impossible for ``field``."""
    if value is None:
        return
    kind = field.type
    if kind is FieldType.TEXT:
        if not isinstance(value, str):
            raise FieldProblem(field, "must be text.", "必须为文本。")
        if len(value) > field.max_length:
            raise FieldProblem(
                field,
                f"is {len(value)} characters long; at most {field.max_length} are allowed.",
                f"长度为{len(value)}个字符,最多允许{field.max_length}个。",
            )
        return
    if kind is FieldType.DATE:
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise FieldProblem(field, "must be a date (YYYY-MM-DD).", "必须为日期(YYYY-MM-DD)。")
        if value < EARLIEST_DATE:
            raise FieldProblem(
                field,
                f"{value.isoformat()} is before 1900-01-01.",
                f"{value.isoformat()}早于1900-01-01。",
            )
        return
    if kind in (FieldType.CHOICE, FieldType.YES_NO):
        allowed = _allowed(study, field)
        if not isinstance(value, str) or value not in allowed:
            raise FieldProblem(
                field,
                f"{value!r} is not one of: {', '.join(allowed)}.",
                f"{value!r}不在可选值中:{', '.join(allowed)}。",
            )
        return
    if kind is FieldType.MULTI_CHOICE:
        allowed = _allowed(study, field)
        if not isinstance(value, tuple) or any(v not in allowed for v in value):
            raise FieldProblem(
                field,
                f"choose from: {', '.join(allowed)}.",
                f"请从以下选项中选择:{', '.join(allowed)}。",
            )
        if len(set(value)) != len(value):
            raise FieldProblem(field, "lists a choice twice.", "有重复选项。")
        return
    _check_number(field, value)


def _check_number(field: Field, value: Value) -> None:
    if len(field.units) > 1:
        if not isinstance(value, Quantity):
            units = ", ".join(u.id for u in field.units)
            raise FieldProblem(field, f"needs a unit ({units}).", f"需要注明单位({units})。")
        unit = field.unit(value.unit)
        if unit is None:
            units = ", ".join(u.id for u in field.units)
            raise FieldProblem(
                field,
                f"unit {value.unit!r} is not allowed; use one of {units}.",
                f"单位{value.unit!r}不可用,请使用:{units}。",
            )
        amount: Any = value.value
    else:
        if isinstance(value, Quantity):
            raise FieldProblem(field, "takes no unit choice.", "不需选择单位。")
        unit = field.units[0] if field.units else None
        amount = value
    if isinstance(amount, bool) or not isinstance(amount, int | float):
        raise FieldProblem(field, "must be a number.", "必须为数字。")
    if field.type is FieldType.INTEGER and not isinstance(amount, int):
        raise FieldProblem(field, "must be a whole number.", "必须为整数。")
    if not math.isfinite(amount):
        raise FieldProblem(field, "must be a finite number.", "必须为有限数值。")
    lo, hi = field.limits.minimum, field.limits.maximum
    factor = unit.factor if unit is not None else 1.0
    unit_text = f" {unit.id}" if unit is not None else ""
    lo_u = None if lo is None else lo / factor
    hi_u = None if hi is None else hi / factor
    if (lo_u is not None and amount < lo_u - 1e-9) or (hi_u is not None and amount > hi_u + 1e-9):
        span = _span(lo_u, hi_u)
        raise FieldProblem(
            field,
            f"{_fmt_number(amount)}{unit_text} is impossible; allowed {span}{unit_text}.",
            f"{_fmt_number(amount)}{unit_text}不可能;允许范围{span}{unit_text}。",
        )


def _span(lo: float | None, hi: float | None) -> str:
    def r(x: float) -> str:
        return f"{round(x, 3):g}"

    if lo is not None and hi is not None:
        return f"{r(lo)}-{r(hi)}"
    if lo is not None:
        return f">= {r(lo)}"
    return f"<= {r(hi)}" if hi is not None else "any"


def _allowed(study: StudyDefinition, field: Field) -> tuple[str, ...]:
    if field.type is FieldType.YES_NO:
        return YES_NO_VALUES
    assert field.codelist is not None
    return study.codelist(field.codelist).values()


def choices(study: StudyDefinition, field: Field) -> tuple[tuple[str, Label], ...]:
    """(value, label) pairs a person may pick for a choice, multi-choice or yes/no field."""
    if field.type is FieldType.YES_NO:
        return tuple(_YES_NO_LABELS.items())
    if field.codelist is None:
        return ()
    return tuple((c.value, c.label) for c in study.codelist(field.codelist).codes)


def parse_text(study: StudyDefinition, field: Field, text: str, unit: str | None = None) -> Value:
    """Parse what a person typed (GUI or spreadsheet cell) and hard-check it.

    Empty text means "not entered". Raises :class:`FieldProblem` with a message that
    says what is allowed.
    """
    raw = text.strip()
    if raw == "":
        return None
    kind = field.type
    value: Value
    if kind is FieldType.TEXT:
        value = raw
    elif kind is FieldType.DATE:
        value = parse_date(field, raw)
    elif kind in (FieldType.CHOICE, FieldType.YES_NO):
        value = _match_choice(study, field, raw)
    elif kind is FieldType.MULTI_CHOICE:
        parts = [p for p in re.split(r"[;,,、]", raw) if p.strip()]
        value = tuple(_match_choice(study, field, p.strip()) for p in parts)
    else:
        number = _parse_number(field, raw)
        if len(field.units) > 1:
            chosen = unit or field.units[0].id
            value = Quantity(number, chosen)
        else:
            value = number
    check(study, field, value)
    return value


def parse_date(field: Field, raw: str) -> dt.date:
    if not _DATE_RE.match(raw):
        raise FieldProblem(
            field,
            f"{raw!r} is not a date; type it as YYYY-MM-DD, e.g. 2024-03-05.",
            f"{raw!r}不是有效日期;请按YYYY-MM-DD格式输入,例如2024-03-05。",
        )
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise FieldProblem(
            field,
            f"{raw} is not a real calendar date.",
            f"{raw}不是真实存在的日期。",
        ) from None


def _parse_number(field: Field, raw: str) -> int | float:
    cleaned = raw.replace(",", "").replace(" ", "")
    try:
        if field.type is FieldType.INTEGER:
            return int(cleaned)
        number = float(cleaned)
    except ValueError:
        whole = "a whole number" if field.type is FieldType.INTEGER else "a number"
        raise FieldProblem(
            field,
            f"{raw!r} is not {whole}.",
            f"{raw!r}不是{'整数' if field.type is FieldType.INTEGER else '数字'}。",
        ) from None
    if not math.isfinite(number):
        raise FieldProblem(field, "must be a finite number.", "必须为有限数值。")
    return number


def _match_choice(study: StudyDefinition, field: Field, raw: str) -> str:
    return match_choice(study, field, raw)


def match_choice(study: StudyDefinition, field: Field, raw: str, *, loose: bool = False) -> str:
    """The code for what was typed: a code, or a label in either language.

    ``loose`` (type-ahead in the GUI) also accepts a fragment of exactly one label,
    so "reduced" picks "Dose reduced"; a fragment of several labels is refused with
    the candidates named.
    """
    folded = raw.strip().casefold()
    options = choices(study, field)
    for value, label in options:
        if folded in (value.casefold(), label.en.casefold(), label.zh.casefold()):
            return value
    if loose and folded:
        hits = [
            (value, label)
            for value, label in options
            if folded in label.en.casefold() or folded in label.zh.casefold()
        ]
        if len(hits) == 1:
            return hits[0][0]
        if hits:
            names_en = "; ".join(label.en for _, label in hits)
            names_zh = ";".join(label.zh for _, label in hits)
            raise FieldProblem(
                field,
                f"{raw!r} fits several choices ({names_en}); type more of it.",
                f"{raw!r}对应多个选项({names_zh}),请输入更完整的内容。",
            )
    allowed = ", ".join(v for v, _ in options)
    raise FieldProblem(
        field,
        f"{raw!r} is not one of: {allowed}.",
        f"{raw!r}不在可选值中:{allowed}。",
    )


def to_json(field: Field, value: Value) -> Any:
    """The JSON form stored (encrypted) in the database and written to transfer files."""
    if value is None:
        return None
    if isinstance(value, Quantity):
        return {"value": value.value, "unit": value.unit}
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def from_json(field: Field, data: Any) -> Value:
    if data is None:
        return None
    kind = field.type
    if kind is FieldType.DATE:
        return dt.date.fromisoformat(data)
    if kind is FieldType.MULTI_CHOICE:
        return tuple(data)
    if isinstance(data, dict):
        return Quantity(float(data["value"]), str(data["unit"]))
    if kind is FieldType.INTEGER:
        return int(data)
    if kind is FieldType.DECIMAL:
        return float(data)
    return str(data)


def display(study: StudyDefinition, field: Field, value: Value, language: str = "en") -> str:
    """Human-readable text of a value, with its unit and the code list label."""
    if value is None:
        return ""
    if isinstance(value, Quantity):
        return f"{value.value:.{field.decimals}f} {value.unit}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        labels = dict(choices(study, field))
        sep = "、" if language.startswith("zh") else ", "
        return sep.join(labels[v].text(language) if v in labels else v for v in value)
    if field.type in (FieldType.CHOICE, FieldType.YES_NO):
        labels = dict(choices(study, field))
        return labels[value].text(language) if value in labels else str(value)
    if isinstance(value, float):
        unit = f" {field.units[0].id}" if field.units else ""
        return f"{value:.{field.decimals}f}{unit}"
    if isinstance(value, int):
        unit = f" {field.units[0].id}" if field.units else ""
        return f"{value}{unit}"
    return str(value)
