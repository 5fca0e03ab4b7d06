"""Single values: kind, unit, code list and the hard limits of their field.

The limits in the study definition are physiological (laboratory values, doses, ECOG
0-4, CTCAE grade 1-5) and expressed in the field's canonical unit; a value entered in
another unit is converted with the definition's factor before comparing, never
guessed. The service refuses such values on save; these checks also catch records
that reached the database another way (older versions, imports).
"""

from __future__ import annotations

from rego_desktop.casebook import applies
from rego_desktop.checks.places import shown
from rego_desktop.checks.run import Run
from rego_desktop.rules.findings import Text
from rego_desktop.study.schema import Field, StudyDefinition
from rego_desktop.study.values import FieldProblem, Quantity, Value, check

# Values already found possible, per definition, form and field (codes, yes/no, common
# numbers repeat across records and patients). Keyed with the Python type, so 1 and 1.0
# (equal, but not equally valid in an integer field) are told apart.
_POSSIBLE: set[tuple[int, str, str, type, type, Value]] = set()
_POSSIBLE_MAX = 200_000


def _checked(study: StudyDefinition, form_id: str, f: Field, value: Value) -> None:
    """:func:`~rego_desktop.study.values.check`, remembering values that passed."""
    inner = type(value.value) if isinstance(value, Quantity) else type(None)
    key = (id(study), form_id, f.id, type(value), inner, value)
    try:
        if key in _POSSIBLE:
            return
    except TypeError:  # not hashable, so not a value of any field: check() refuses it
        check(study, f, value)
        return
    check(study, f, value)
    if len(_POSSIBLE) >= _POSSIBLE_MAX:
        _POSSIBLE.clear()
    _POSSIBLE.add(key)


def check_values(run: Run) -> None:
    study = run.data.definition
    for form, entry in run.records():
        values = entry.values
        for f in run.layout.forms[form.id].inputs:
            value = values.get(f.id)
            if value is None:
                continue
            try:
                _checked(study, form.id, f, value)
            except FieldProblem as problem:
                place = run.where(form, entry)
                text = Text(f"{place.en}: {problem.label.en}", f"{place.zh}：{problem.label.zh}")
                run.out.add("value.invalid", form.id, entry.item_uid, f.id, text)
                continue
            if applies(form, f, values):
                continue
            assert f.enabled_by is not None
            source_id, wanted = f.enabled_by
            if form.id == "survival" and f.id == "death_date":
                continue  # reported by survival.death_date_status in words of its own
            source = form.field(source_id)
            place = run.where(form, entry)
            labels = [shown(study, form, source_id, code) for code in wanted]
            options = Text(" or ".join(t.en for t in labels), "或".join(t.zh for t in labels))
            text = Text(
                f"{place.en}: {f.label.en} applies only when {source.label.en} is "
                f"{options.en}; leave it empty or change {source.label.en}.",
                f"{place.zh}：仅当{source.label.zh}为{options.zh}时填写{f.label.zh}；"
                f"请留空或修改{source.label.zh}。",
            )
            run.out.add("value.not_applicable", form.id, entry.item_uid, f.id, text)
