"""Missing data (soft): required items of started forms, forms a treated patient needs.

A required item is asked only when it applies (``enabled_by``); derived items are
never asked. The forms every treated patient needs are checked once the first dose is
recorded, so a patient in screening is not flooded with findings. A screen failure
needs only the eligibility form.
"""

from __future__ import annotations

from typing import Final

from rego_desktop.casebook import applies
from rego_desktop.checks.run import Run
from rego_desktop.derive.context import SINGLE
from rego_desktop.rules.findings import Text

# Single forms a patient with a first dose must have.
NEEDED_WHEN_TREATED: Final = (
    "eligibility",
    "identification",
    "demographics",
    "hcc_history",
    "primary_tumour",
    "baseline_liver",
    "baseline_imaging",
    "treatment",
    "progression",
    "survival",
)


def check_completeness(run: Run) -> None:
    data = run.data
    definition = data.definition
    for form, entry in run.records():
        values = entry.values
        missing = [
            f
            for f in run.layout.forms[form.id].required
            if values.get(f.id) is None and applies(form, f, values)
        ]
        if not missing:
            continue
        place = run.where(form, entry)
        for f in missing:
            run.out.add(
                "form.required_missing",
                form.id,
                entry.item_uid,
                f.id,
                Text(
                    f"{place.en}: {f.label.en} is required and not entered.",
                    f"{place.zh}：{f.label.zh}为必填项，尚未填写。",
                ),
            )
    if data.first_dose is None or data.book.screen_failed():
        return
    for form_id in NEEDED_WHEN_TREATED:
        if data.items(form_id):
            continue
        form = definition.form(form_id)
        run.out.add(
            "form.not_started",
            form_id,
            SINGLE,
            None,
            Text(
                f"{form.label.en} is not filled in; every treated patient needs it.",
                f"{form.label.zh}尚未填写；每位已用药患者都需要填写此表。",
            ),
        )
