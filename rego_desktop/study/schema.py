"""The shapes a study definition is made of.

A study definition is plain, immutable data: forms made of sections made of fields,
with types, units, code lists, ranges and labels in English and Simplified Chinese.
Wizard pages, validation, storage, exports, PDFs and the data dictionary are all
generated from it, so adding a field is a change in one place.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

# What separates the words of a label or of typed text: spaces, hyphens, dashes,
# slashes, parentheses (half and full width), plus signs and list punctuation.
WORD_SEPARATORS = re.compile(r"[\s\-‐–—/／()（）\[\]+＋,，、;；:：·]+")


def fold(text: str) -> str:
    """Text as compared when matching names: full-width forms made plain (NFKC),
    case folded, every run of word separators one space, no space at either end."""
    plain = unicodedata.normalize("NFKC", text).casefold()
    return WORD_SEPARATORS.sub(" ", plain).strip()


class FieldType(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    YES_NO = "yes_no"


class Phase(StrEnum):
    """Where a form sits in the study calendar (design.md section 2)."""

    SCREENING = "screening"
    TREATMENT = "treatment"
    FOLLOW_UP = "follow_up"


@dataclass(frozen=True)
class Label:
    en: str
    zh: str

    def text(self, language: str) -> str:
        return self.zh if language.startswith("zh") else self.en


@dataclass(frozen=True)
class Code:
    """One entry of a code list; ``max_grade`` is the CTCAE ceiling for AE terms.

    ``synonyms`` are other names people write in charts (English and Chinese), so
    typing "HFSR" or "手足" finds the CTCAE term; they are matched only when typing
    and importing, never stored.

    ``meddra_llt``: the MedDRA lowest-level-term code of a CTCAE v5.0 term (the
    "MedDRA Code" column of CTCAE), written to SDTM AE as ``AELLTCD``; ``None`` when
    the term has none or it could not be verified.
    """

    value: str
    label: Label
    max_grade: int | None = None
    synonyms: tuple[str, ...] = ()
    meddra_llt: int | None = None


@dataclass(frozen=True)
class CodeList:
    id: str
    codes: tuple[Code, ...]

    def values(self) -> tuple[str, ...]:
        return tuple(c.value for c in self.codes)

    def get(self, value: str) -> Code | None:
        for code in self.codes:
            if code.value == value:
                return code
        return None


@dataclass(frozen=True)
class Unit:
    """A unit and its factor to the field's canonical unit (value * factor = canonical).

    ``id`` is what the database and transfer files store (plain ASCII, never changed:
    "umol/L", "10^9/L"); ``symbol`` is what people read ("µmol/L", "10⁹/L"), the id
    when empty; ``symbol_zh`` replaces it in Chinese text when the unit is a word
    ("天" for days).
    """

    id: str
    factor: float = 1.0
    symbol: str = ""
    symbol_zh: str = ""

    def text(self, language: str = "en") -> str:
        """The unit as people read it in ``language``."""
        if self.symbol_zh and language.startswith("zh"):
            return self.symbol_zh
        return self.symbol or self.id

    def names(self) -> tuple[str, ...]:
        """Every spelling that stands for this unit (id, symbol, Chinese symbol)."""
        return tuple(dict.fromkeys(n for n in (self.id, self.symbol, self.symbol_zh) if n))


@dataclass(frozen=True)
class Limits:
    """Hard limits in the canonical unit: values outside are impossible and refused."""

    minimum: float | None = None
    maximum: float | None = None


class MissingReason(StrEnum):
    """Why a value the chart should hold is not there (design.md section 8)."""

    NOT_DONE = "ND"
    UNKNOWN = "UNK"
    NOT_APPLICABLE = "NA"


MISSING_LABELS: dict[MissingReason, Label] = {
    MissingReason.NOT_DONE: Label("Not done", "未做"),
    MissingReason.UNKNOWN: Label("Unknown / not recorded in the chart", "不详/病历未记录"),
    MissingReason.NOT_APPLICABLE: Label("Not applicable", "不适用"),
}


@dataclass(frozen=True)
class Field:
    """One item on a CRF.

    ``units``: the first is canonical; a field with several units stores the value
    together with the unit the user chose, and converts only when computing.
    ``identifying``: stays at the site (never exported, masked in de-identified PDFs).
    ``free_text``: may hold anything a person typed, so it never leaves the site.
    ``derived``: computed by a named derivation, never typed.
    ``enabled_by``: (field id, values) — the field applies only when that field has one
    of the values (e.g. date of death only when status is dead).
    ``before_first_dose`` / ``after_first_dose``: a date that must fall on that side
    of day 1 (consistency checks use it).
    ``missing_reasons``: the reasons a missing value may be recorded with instead of a
    value (``ND``, ``UNK``, ``NA``); empty: a value is needed.
    ``partial_date``: a date charts often give as ``YYYY`` or ``YYYY-MM`` only.
    """

    id: str
    label: Label
    type: FieldType
    required: bool = True
    units: tuple[Unit, ...] = ()
    codelist: str | None = None
    limits: Limits = Limits()
    decimals: int = 0
    max_length: int = 200
    identifying: bool = False
    free_text: bool = False
    derived: str | None = None
    enabled_by: tuple[str, tuple[str, ...]] | None = None
    before_first_dose: bool = False
    after_first_dose: bool = False
    help: Label | None = None
    missing_reasons: tuple[MissingReason, ...] = ()
    partial_date: bool = False

    @property
    def canonical_unit(self) -> str | None:
        return self.units[0].id if self.units else None

    def unit(self, unit_id: str) -> Unit | None:
        for unit in self.units:
            if unit.id == unit_id:
                return unit
        return None

    @property
    def is_input(self) -> bool:
        return self.derived is None


@dataclass(frozen=True)
class Section:
    """A group of fields shown together: one wizard page."""

    id: str
    label: Label
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Form:
    """A case report form.

    A repeating form holds one record per entry (one adverse event, one cycle, one
    prior regimen); ``item_label`` names one entry. ``order_by`` is the field that
    orders entries (usually a date).
    """

    id: str
    label: Label
    phase: Phase
    sections: tuple[Section, ...]
    repeating: bool = False
    item_label: Label | None = None
    order_by: str | None = None
    identifying: bool = False
    summary_fields: tuple[str, ...] = ()

    @cached_property
    def fields(self) -> tuple[Field, ...]:
        return tuple(f for s in self.sections for f in s.fields)

    @cached_property
    def _by_id(self) -> dict[str, Field]:
        # Looked up millions of times when the center derives pooled patients.
        return {f.id: f for f in reversed(self.fields)}

    def field(self, field_id: str) -> Field:
        found = self._by_id.get(field_id)
        if found is None:
            raise KeyError(f"form {self.id!r} has no field {field_id!r}")
        return found

    def has_field(self, field_id: str) -> bool:
        return field_id in self._by_id


@dataclass(frozen=True)
class StudyDefinition:
    id: str
    version: str
    title: Label
    forms: tuple[Form, ...]
    codelists: dict[str, CodeList] = field(default_factory=dict)

    def form(self, form_id: str) -> Form:
        for form in self.forms:
            if form.id == form_id:
                return form
        raise KeyError(f"study {self.id} {self.version} has no form {form_id!r}")

    def has_form(self, form_id: str) -> bool:
        return any(form.id == form_id for form in self.forms)

    def codelist(self, codelist_id: str) -> CodeList:
        return self.codelists[codelist_id]

    def all_fields(self) -> Iterator[tuple[Form, Field]]:
        for form in self.forms:
            for f in form.fields:
                yield form, f

    def forms_in(self, phase: Phase) -> tuple[Form, ...]:
        return tuple(f for f in self.forms if f.phase is phase)

    def validate(self) -> list[str]:
        """Internal consistency problems of the definition itself (tested, never shown)."""
        problems: list[str] = []
        form_ids: set[str] = set()
        # A site's usual unit is kept per field id, so fields sharing an id must offer
        # the same units.
        unit_sets: dict[str, tuple[str, ...]] = {}
        for form in self.forms:
            if form.id in form_ids:
                problems.append(f"duplicate form {form.id}")
            form_ids.add(form.id)
            seen: set[str] = set()
            for f in form.fields:
                where = f"{form.id}.{f.id}"
                if f.id in seen:
                    problems.append(f"duplicate field {where}")
                seen.add(f.id)
                needs_codes = f.type in (FieldType.CHOICE, FieldType.MULTI_CHOICE)
                if needs_codes and f.codelist not in self.codelists:
                    problems.append(f"{where}: unknown code list {f.codelist}")
                if not needs_codes and f.codelist is not None:
                    problems.append(f"{where}: code list on a {f.type} field")
                if f.enabled_by is not None and not form.has_field(f.enabled_by[0]):
                    problems.append(f"{where}: enabled_by unknown field {f.enabled_by[0]}")
                if f.units and f.type not in (FieldType.DECIMAL, FieldType.INTEGER):
                    problems.append(f"{where}: units on a {f.type} field")
                if not f.label.en or not f.label.zh:
                    problems.append(f"{where}: missing label")
                if f.partial_date and f.type is not FieldType.DATE:
                    problems.append(f"{where}: partial dates on a {f.type} field")
                if f.missing_reasons and not f.is_input:
                    problems.append(f"{where}: a derived field takes no missing reason")
                unit_names = [{fold(n) for n in u.names()} for u in f.units]
                if len(set().union(*unit_names)) != sum(len(n) for n in unit_names):
                    problems.append(f"{where}: two units share a name or symbol")
                if len(f.units) > 1:
                    ids = tuple(u.id for u in f.units)
                    if unit_sets.setdefault(f.id, ids) != ids:
                        problems.append(f"{where}: units differ from another {f.id} field")
            if form.order_by is not None and not form.has_field(form.order_by):
                problems.append(f"{form.id}: order_by unknown field {form.order_by}")
            if form.repeating and form.item_label is None:
                problems.append(f"{form.id}: repeating form without item label")
            for summary in form.summary_fields:
                if not form.has_field(summary):
                    problems.append(f"{form.id}: summary field {summary} unknown")
        for codelist in self.codelists.values():
            problems += _synonym_problems(codelist)
        return problems


def _synonym_problems(codelist: CodeList) -> list[str]:
    """A synonym that is another code's code or label would make typing it ambiguous."""
    problems: list[str] = []
    names: dict[str, str] = {}
    for code in codelist.codes:
        for name in (code.value, code.label.en, code.label.zh):
            names.setdefault(fold(name), code.value)
    for code in codelist.codes:
        for synonym in code.synonyms:
            folded = fold(synonym)
            if not folded:
                problems.append(f"{codelist.id}.{code.value}: empty synonym")
            elif names.get(folded, code.value) != code.value:
                problems.append(
                    f"{codelist.id}.{code.value}: synonym {synonym!r} names {names[folded]} already"
                )
    return problems
