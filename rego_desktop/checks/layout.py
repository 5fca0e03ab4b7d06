"""Per-definition lookups the checks use on every run, computed once per definition."""

from __future__ import annotations

from dataclasses import dataclass

from rego_desktop.study.schema import Field, FieldType, Form, StudyDefinition


@dataclass(frozen=True, slots=True)
class FormLayout:
    form: Form
    fields: tuple[Field, ...]
    inputs: tuple[Field, ...]
    dates: tuple[Field, ...]  # input date fields
    required: tuple[Field, ...]  # required input fields


@dataclass(frozen=True, slots=True)
class Layout:
    forms: dict[str, FormLayout]
    form_index: dict[str, int]
    field_index: dict[tuple[str, str], int]


_CACHE: dict[int, tuple[StudyDefinition, Layout]] = {}


def layout(definition: StudyDefinition) -> Layout:
    cached = _CACHE.get(id(definition))
    if cached is not None and cached[0] is definition:
        return cached[1]
    forms: dict[str, FormLayout] = {}
    for form in definition.forms:
        fields = form.fields
        inputs = tuple(f for f in fields if f.is_input)
        forms[form.id] = FormLayout(
            form,
            fields,
            inputs,
            tuple(f for f in inputs if f.type is FieldType.DATE),
            tuple(f for f in inputs if f.required),
        )
    result = Layout(
        forms,
        {form.id: index for index, form in enumerate(definition.forms)},
        {
            (form.id, f.id): index
            for form in definition.forms
            for index, f in enumerate(form.fields)
        },
    )
    _CACHE[id(definition)] = (definition, result)
    return result
