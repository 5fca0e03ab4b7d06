"""Typed values of CRF fields: parsing what people type, hard checks, JSON form.

A value is ``str`` (text, choice, yes/no), ``int``, ``float``, ``datetime.date``,
``tuple[str, ...]`` (multi-choice) or :class:`Quantity` (a number whose field offers
several units: the unit the user chose is kept, and conversion happens only when a
rule needs the canonical unit). ``None`` means "not entered".

Charts abstracted after the fact do not always hold a value, so two more kinds exist
where the study definition allows them: :class:`Missing` records *why* there is no
value (``ND`` not done, ``UNK`` unknown, ``NA`` not applicable; ``field.missing_reasons``)
and counts as an answer; :class:`~rego_desktop.study.dates.PartialDate` is a date known
only to the month or the year (``field.partial_date``). Both are typed as their tokens
("ND", "UNK", "NA", "2019", "2021-05"), stored as ``{"missing": "ND"}`` and "2021-05",
and never turn into a number or a day here: derivations decide (imputation lives in
:mod:`rego_desktop.rules.imputation`).

Hard checks refuse impossible values with a message in English and Chinese that says
what is allowed; soft checks (label deviations, consistency) live in the rules.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

from rego_desktop.study.dates import DatePeriod, PartialDate
from rego_desktop.study.schema import (
    MISSING_LABELS,
    Code,
    CodeList,
    Field,
    FieldType,
    Label,
    MissingReason,
    StudyDefinition,
    fold,
)

YES_NO_VALUES = ("yes", "no")
_YES_NO_LABELS = {"yes": Label("Yes", "是"), "no": Label("No", "否")}
_YES_NO = CodeList("yes_no", tuple(Code(v, label) for v, label in _YES_NO_LABELS.items()))
EARLIEST_DATE = dt.date(1900, 1, 1)
# A list this long is named in full in a message; a longer one is not.
LIST_IN_MESSAGE: Final = 12


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


@dataclass(frozen=True)
class Missing:
    """No value, and why: the chart says the test was not done (``ND``), the value is
    unknown or not recorded (``UNK``), or the item does not apply (``NA``)."""

    reason: MissingReason

    @property
    def code(self) -> str:
        return self.reason.value

    @property
    def label(self) -> Label:
        return MISSING_LABELS[self.reason]


Value = (
    str
    | int
    | float
    | dt.date
    | tuple[str, ...]
    | Quantity
    | PartialDate
    | DatePeriod
    | Missing
    | None
)

# Words a person may type for a missing reason besides its code (folded).
_MISSING_WORDS: Final = {
    MissingReason.NOT_DONE: ("not done", "未做", "未查"),
    MissingReason.UNKNOWN: ("unknown", "not recorded", "不详", "未记录"),
    MissingReason.NOT_APPLICABLE: ("not applicable", "n/a", "不适用"),
}


def missing_code(value: Value) -> str | None:
    """The missing-data code of ``value`` ("ND", "UNK", "NA"), or None for a value."""
    return value.code if isinstance(value, Missing) else None


def is_answered(value: Value) -> bool:
    """A value or a recorded reason for its absence: the item needs no more work."""
    return value is not None and value != () and value != ""


def missing_reasons_text(field: Field, language: str = "en") -> str:
    """The missing reasons ``field`` allows, as "ND (Not done), UNK (Unknown ...)"."""
    return ", ".join(
        f"{r.value} ({MISSING_LABELS[r].text(language)})" for r in field.missing_reasons
    )


def parse_missing(field: Field, raw: str) -> Missing | None:
    """The missing reason ``raw`` names ("ND", "unk", "未做", "Not done"), or None when
    it names none. A reason the field does not allow is refused with what it allows."""
    typed = fold(raw)
    for reason in MissingReason:
        names = {
            fold(reason.value),
            fold(MISSING_LABELS[reason].en),
            fold(MISSING_LABELS[reason].zh),
        }
        names.update(fold(w) for w in _MISSING_WORDS[reason])
        if typed in names:
            if reason in field.missing_reasons:
                return Missing(reason)
            if not field.missing_reasons:
                raise FieldProblem(
                    field,
                    f"{raw.strip()!r}: this item needs a value; no missing-data code is allowed.",
                    f"{raw.strip()!r}:此项必须填写数值,不可使用缺失代码。",
                )
            raise FieldProblem(
                field,
                f"{reason.value} is not allowed here; allowed: {missing_reasons_text(field)}.",
                f"此项不可使用{reason.value};可用:{missing_reasons_text(field, 'zh')}。",
            )
    return None


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
    if value is None or isinstance(value, Missing):
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
    if isinstance(value, Missing):
        if value.reason not in field.missing_reasons:
            reasons = missing_reasons_text(field)
            raise FieldProblem(
                field,
                f"{value.code} is not allowed here"
                + (f"; allowed: {reasons}." if reasons else "; a value is needed."),
                f"此项不可使用{value.code}"
                + (
                    f";可用:{missing_reasons_text(field, 'zh')}。" if reasons else ";必须填写数值。"
                ),
            )
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
    if kind is FieldType.DATE and isinstance(value, PartialDate):
        _check_partial(field, value)
        return
    if kind is FieldType.DATE and isinstance(value, DatePeriod):
        if not field.partial_date:
            raise _complete_date_needed(field, value.isoformat())
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
            raise _not_one_of(study, field, repr(value))
        return
    if kind is FieldType.MULTI_CHOICE:
        allowed = _allowed(study, field)
        if not isinstance(value, tuple) or any(v not in allowed for v in value):
            wrong = [v for v in value if v not in allowed] if isinstance(value, tuple) else []
            raise _not_one_of(study, field, ", ".join(repr(v) for v in wrong) or repr(value))
        if len(set(value)) != len(value):
            raise FieldProblem(field, "lists a choice twice.", "有重复选项。")
        return
    _check_number(field, value)


def _check_partial(field: Field, value: PartialDate) -> None:
    if not field.partial_date:
        raise _complete_date_needed(field, value.isoformat())
    if value.complete:
        raise FieldProblem(field, "a complete date is stored as a date.", "完整日期应按日期保存。")
    if value.year < EARLIEST_DATE.year:
        raise FieldProblem(
            field, f"{value.isoformat()} is before 1900.", f"{value.isoformat()}早于1900年。"
        )


def _complete_date_needed(field: Field, text: str) -> FieldProblem:
    return FieldProblem(
        field,
        f"{text} lacks the day; this date must be complete ({DATE_FORMS.en}).",
        f"{text}缺少日;此日期必须完整({DATE_FORMS.zh})。",
    )


def _check_number(field: Field, value: Value) -> None:
    if len(field.units) > 1:
        if not isinstance(value, Quantity):
            raise _unit_missing(field)
        unit = field.unit(value.unit)
        if unit is None:
            raise FieldProblem(
                field,
                f"unit {value.unit!r} is not allowed; use {units_text(field)}.",
                f"单位{value.unit!r}不可用,请使用{units_text(field, 'zh')}。",
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
    shown_en = f" {unit.text('en')}" if unit is not None else ""
    shown_zh = f" {unit.text('zh')}" if unit is not None else ""
    lo_u = None if lo is None else lo / factor
    hi_u = None if hi is None else hi / factor
    if (lo_u is not None and amount < lo_u - 1e-9) or (hi_u is not None and amount > hi_u + 1e-9):
        span = _span(lo_u, hi_u)
        raise FieldProblem(
            field,
            f"{_fmt_number(amount)}{shown_en} is impossible; allowed {span}{shown_en}.",
            f"{_fmt_number(amount)}{shown_zh}不可能;允许范围{span}{shown_zh}。",
        )


def _unit_missing(field: Field) -> FieldProblem:
    return FieldProblem(
        field,
        f"choose the unit ({units_text(field)}).",
        f"请选择单位({units_text(field, 'zh')})。",
    )


# ---------------------------------------------------------------------- units


def unit_text(field: Field, unit_id: str | None = None, language: str = "en") -> str:
    """A unit as people read it: "µmol/L" for the stored id "umol/L", "10⁹/L" for
    "10^9/L". ``unit_id`` None means the field's only (or canonical) unit; an id the
    field does not know is shown as it is. Stored ids never change; only this text."""
    if unit_id is None:
        return field.units[0].text(language) if field.units else ""
    unit = field.unit(unit_id)
    return unit.text(language) if unit is not None else unit_id


def units_text(field: Field, language: str = "en") -> str:
    """The field's units as people read them, for messages: "µmol/L or mg/dL"."""
    names = [u.text(language) for u in field.units]
    word = "或" if language.startswith("zh") else " or "
    if len(names) <= 2:
        return word.join(names)
    comma = "、" if language.startswith("zh") else ", "
    return comma.join(names[:-1]) + word + names[-1]


def unit_id(field: Field, text: str) -> str | None:
    """The stored id of the unit ``text`` names (its id or symbol, any case, "μ" or
    "µ"), or None if it is not one of the field's units."""
    wanted = fold(text)
    if not wanted:
        return None
    for unit in field.units:
        if any(fold(name) == wanted for name in unit.names()):
            return unit.id
    return None


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
    missing = missing_in(study, field, raw)
    if missing is not None:
        return missing
    if kind is FieldType.TEXT:
        value = raw
    elif kind is FieldType.DATE:
        value = parse_date(field, raw)
    elif kind in (FieldType.CHOICE, FieldType.YES_NO):
        value = match_choice(study, field, raw)
    elif kind is FieldType.MULTI_CHOICE:
        parts = [p for p in re.split(r"[;,,、]", raw) if p.strip()]
        value = tuple(match_choice(study, field, p.strip()) for p in parts)
    else:
        number = _parse_number(field, raw)
        if len(field.units) > 1:
            # Never guessed (design.md section 5): no unit chosen, no value.
            if unit is None or not unit.strip():
                raise _unit_missing(field)
            value = Quantity(number, unit_id(field, unit) or unit.strip())
        else:
            value = number
    check(study, field, value)
    return value


def missing_in(study: StudyDefinition, field: Field, raw: str) -> Missing | None:
    """The missing reason typed as ``raw``, or None when ``raw`` is no reason (or is one
    of the field's own choices); a reason the field does not allow is refused."""
    if field.type is FieldType.TEXT or not raw.strip():
        return None
    return parse_missing(field, raw) if _may_be_missing(study, field, raw) else None


def _may_be_missing(study: StudyDefinition, field: Field, raw: str) -> bool:
    """Whether ``raw`` is read as a missing reason: not when it is one of the field's
    own choices (a code list's "Unknown" stays that choice)."""
    if field.type in (FieldType.CHOICE, FieldType.YES_NO):
        return not _tiers(_options(_codelist(study, field)), raw, loose=False)[0]
    return True


# ---------------------------------------------------------------------- dates

# The ways a date may be typed: full dates, then the partial forms (YYYY-MM, YYYY)
# that fields with ``partial_date`` accept.
_DATE_FORMS: Final = (
    re.compile(r"(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"),
    re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})"),
    re.compile(r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})"),
    re.compile(r"(?P<y>\d{4})"),
)
DATE_FORMS = Label(
    "YYYY-MM-DD, YYYY-M-D, YYYY/MM/DD, YYYY.MM.DD or YYYYMMDD",
    "YYYY-MM-DD、YYYY-M-D、YYYY/MM/DD、YYYY.MM.DD或YYYYMMDD",
)
PARTIAL_FORMS = Label(
    "or, when the chart lacks the day or the month, YYYY-MM or YYYY",
    "病历缺少日或月时,也可输入YYYY-MM或YYYY",
)


def date_parts(raw: str) -> tuple[int, int | None, int | None] | None:
    """Year, month and day of a typed date, or None if the text is no date form.

    Full-width digits and separators (typed with a Chinese input method) count as
    plain ones. Month or day is None for a partial form (YYYY-MM, YYYY).
    """
    text = unicodedata.normalize("NFKC", raw).strip()
    for form in _DATE_FORMS:
        match = form.fullmatch(text)
        if match is not None:
            groups = match.groupdict()
            month = int(groups["m"]) if groups.get("m") else None
            day = int(groups["d"]) if groups.get("d") else None
            return int(match["y"]), month, day
    return None


def parse_date(field: Field, raw: str) -> dt.date | PartialDate:
    """A typed date: 2024-03-05, 2024-3-5, 2024/03/05, 2024.3.5 or 20240305; and for a
    field with ``partial_date`` also 2024-03 or 2024 (kept as a :class:`PartialDate`)."""
    text = raw.strip()
    parts = date_parts(text)
    partial_en = f" ({PARTIAL_FORMS.en})" if field.partial_date else ""
    partial_zh = f"({PARTIAL_FORMS.zh})" if field.partial_date else ""
    if parts is None:
        raise FieldProblem(
            field,
            f"{text!r} is not a date; type it as {DATE_FORMS.en}{partial_en}, e.g. 2024-03-05.",
            f"{text!r}不是有效日期;请按{DATE_FORMS.zh}格式输入{partial_zh},例如2024-03-05。",
        )
    year, month, day = parts
    if day is None and not field.partial_date:
        raise _complete_date_needed(field, text)
    try:
        if day is None:
            return PartialDate(year, month)
        assert month is not None
        return dt.date(year, month, day)
    except ValueError:
        raise FieldProblem(
            field,
            f"{text} is not a real calendar date.",
            f"{text}不是真实存在的日期。",
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


# ---------------------------------------------------------------------- choices


@dataclass(frozen=True, slots=True)
class _Option:
    """One choice with the forms of its names that typing is compared with."""

    value: str
    label: Label
    names: frozenset[str]  # folded code and labels (tier a)
    words: tuple[tuple[str, ...], ...]  # the words of each label (tier b)
    synonyms: tuple[str, ...]  # folded synonyms (tier c)
    labels: tuple[str, ...]  # folded labels (tier d)


def _codelist(study: StudyDefinition, field: Field) -> CodeList:
    if field.type is FieldType.YES_NO:
        return _YES_NO
    if field.codelist is None:
        return CodeList("none", ())
    return study.codelist(field.codelist)


@lru_cache(maxsize=256)
def _options(codelist: CodeList) -> tuple[_Option, ...]:
    out = []
    for code in codelist.codes:
        labels = (fold(code.label.en), fold(code.label.zh))
        out.append(
            _Option(
                value=code.value,
                label=code.label,
                names=frozenset((fold(code.value), *labels)),
                words=tuple(tuple(label.split(" ")) for label in labels if label),
                synonyms=tuple(fold(s) for s in code.synonyms),
                labels=labels,
            )
        )
    return tuple(out)


def _starts_words(tokens: list[str], words: tuple[str, ...]) -> bool:
    """The typed words are a run of the label's words, the last one only begun."""
    k = len(tokens)
    for i in range(len(words) - k + 1):
        if list(words[i : i + k - 1]) == tokens[:-1] and words[i + k - 1].startswith(tokens[-1]):
            return True
    return False


def _tiers(options: tuple[_Option, ...], raw: str, *, loose: bool) -> list[list[_Option]]:
    """The choices ``raw`` fits, tier by tier, best tier first.

    (a) exact code or label; (b) the start of a word, or of a run of words, of a label
    (Chinese: of the label or one of its segments); (c) a synonym exactly, then the
    start of a synonym; (d) any part of a label. Without ``loose`` (spreadsheet
    import) only exact names count: codes, labels and synonyms.
    """
    typed = fold(raw)
    if not typed:
        return []
    exact = [o for o in options if typed in o.names]
    synonym = [o for o in options if typed in o.synonyms]
    if not loose:
        return [exact, synonym]
    tokens = typed.split(" ")
    return [
        exact,
        [o for o in options if any(_starts_words(tokens, w) for w in o.words)],
        synonym,
        [o for o in options if any(s.startswith(typed) for s in o.synonyms)],
        [o for o in options if any(typed in label for label in o.labels)],
    ]


def match_choice(study: StudyDefinition, field: Field, raw: str, *, loose: bool = False) -> str:
    """The code for what was typed.

    Exact codes, labels (English or Chinese, any case) and synonyms from the study
    definition are always accepted. ``loose`` (type-ahead in the GUI) also accepts
    the start of a label's words ("hand foot", "dose red", "m" for Male), the start
    of a synonym ("hand" for hand-foot skin reaction) and, last, any part of a label.
    The first tier with exactly one choice wins; several choices in a tier are
    refused with their labels named, so "transaminases" asks ALT or AST.
    """
    for hits in _tiers(_options(_codelist(study, field)), raw, loose=loose):
        if len(hits) == 1:
            return hits[0].value
        if hits:
            names_en = "; ".join(o.label.en for o in hits)
            names_zh = ";".join(o.label.zh for o in hits)
            raise FieldProblem(
                field,
                f"{raw!r} fits several choices ({names_en}); type more of it.",
                f"{raw!r}对应多个选项({names_zh}),请输入更完整的内容。",
            )
    raise _not_one_of(study, field, repr(raw))


def ranked_choices(study: StudyDefinition, field: Field, text: str) -> list[tuple[str, Label]]:
    """The choices that fit ``text``, best first (the tiers of :func:`match_choice`),
    for a completer's pop-up; every choice, in list order, when nothing is typed."""
    options = _options(_codelist(study, field))
    if not fold(text):
        return [(o.value, o.label) for o in options]
    ranked: dict[str, Label] = {}
    for hits in _tiers(options, text, loose=True):
        for o in hits:
            ranked.setdefault(o.value, o.label)
    return list(ranked.items())


def _not_one_of(study: StudyDefinition, field: Field, shown: str) -> FieldProblem:
    """What was typed fits no choice: name the choices by label (never by code) when
    the list is short, otherwise say how to find one."""
    options = choices(study, field)
    if len(options) <= LIST_IN_MESSAGE:
        return FieldProblem(
            field,
            f"{shown} is not one of: {', '.join(label.en for _, label in options)}.",
            f"{shown}不在可选值中:{'、'.join(label.zh for _, label in options)}。",
        )
    return FieldProblem(
        field,
        f"{shown} fits no choice; type part of its name, or press F4 for the list.",
        f"{shown}与任何选项都不匹配;请输入名称的一部分,或按F4查看列表。",
    )


def to_json(field: Field, value: Value) -> Any:
    """The JSON form stored (encrypted) in the database and written to transfer files."""
    if value is None:
        return None
    if isinstance(value, Missing):
        return {"missing": value.code}
    if isinstance(value, PartialDate):
        return value.isoformat()
    if isinstance(value, DatePeriod):
        return {"period": [value.first.isoformat(), value.last.isoformat()], "flag": value.flag}
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
    if isinstance(data, dict) and "missing" in data:
        return Missing(MissingReason(data["missing"]))
    if isinstance(data, dict) and "period" in data:
        first, last = data["period"]
        return DatePeriod(dt.date.fromisoformat(first), dt.date.fromisoformat(last), data["flag"])
    kind = field.type
    if kind is FieldType.DATE:
        if isinstance(data, str) and len(data) < len("YYYY-MM-DD"):
            return PartialDate.parse(data)
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
    """Human-readable text of a value, with its unit and the code list label; a missing
    reason as its label ("Not done", "未做"), a partial date as entered ("2021-05")."""
    if value is None:
        return ""
    if isinstance(value, Missing):
        return value.label.text(language)
    if isinstance(value, PartialDate | DatePeriod):
        return value.isoformat()
    if isinstance(value, Quantity):
        return f"{value.value:.{field.decimals}f} {unit_text(field, value.unit, language)}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        labels = dict(choices(study, field))
        sep = "、" if language.startswith("zh") else ", "
        return sep.join(labels[v].text(language) if v in labels else v for v in value)
    if field.type in (FieldType.CHOICE, FieldType.YES_NO):
        labels = dict(choices(study, field))
        return labels[value].text(language) if value in labels else str(value)
    unit = f" {unit_text(field, None, language)}" if field.units else ""
    if isinstance(value, float):
        return f"{value:.{field.decimals}f}{unit}"
    if isinstance(value, int):
        return f"{value}{unit}"
    return str(value)
