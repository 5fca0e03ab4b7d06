"""Eligibility answers against the data they summarise (soft).

- "Aged 18 years or older" against the age at the first dose (date of birth);
- "BCLC B or C" against the stage on the primary tumour form;
- "Received at least one dose" against the recorded first dose.

Each contradiction is reported in either direction: a "yes" the data contradict and a
"no" the data do not support (which would wrongly make the patient a screen failure).
"""

from __future__ import annotations

from rego_desktop.checks.run import Run
from rego_desktop.derive.context import SINGLE, as_str
from rego_desktop.derive.derivations import compute_age
from rego_desktop.rules.derived import Computed
from rego_desktop.rules.findings import Text

BCLC_INCLUDED = ("B", "C")


def _answer(yes: bool) -> Text:
    return Text("Yes", "是") if yes else Text("No", "否")


def check_eligibility(run: Run) -> None:
    data = run.data
    form = data.definition.form("eligibility")
    answers = data.single("eligibility")

    def add(rule: str, field_id: str, answered_yes: bool, fact: Text) -> None:
        label = form.field(field_id).label
        said = _answer(answered_yes)
        run.out.add(
            rule,
            "eligibility",
            SINGLE,
            field_id,
            Text(
                f"Eligibility: '{label.en}' is answered {said.en}, but {fact.en}.",
                f"入选/排除标准：“{label.zh}”回答为“{said.zh}”，但{fact.zh}。",
            ),
        )

    age_answer = answers.get("inc_age_18")
    age = compute_age(data)
    if age_answer in ("yes", "no") and isinstance(age, Computed):
        adult = age.value >= 18
        if adult != (age_answer == "yes"):
            fact = Text(
                f"the patient was {age.value} at the first dose (born {data.date_of_birth})",
                f"患者首次给药时为{age.value}岁（出生日期 {data.date_of_birth}）",
            )
            add("eligibility.age", "inc_age_18", age_answer == "yes", fact)

    bclc_answer = answers.get("inc_bclc_b_c")
    stage = as_str(data.value("primary_tumour", "bclc_stage"))
    answered = bclc_answer in ("yes", "no")
    if answered and stage is not None and (stage in BCLC_INCLUDED) != (bclc_answer == "yes"):
        fact = Text(
            f"the BCLC stage on the Primary tumour form is {stage}",
            f"原发肿瘤表中BCLC分期为{stage}期",
        )
        add("eligibility.bclc", "inc_bclc_b_c", bclc_answer == "yes", fact)

    dose_answer = answers.get("inc_regorafenib_dose")
    first = data.first_dose
    if dose_answer == "yes" and first is None and data.items("treatment"):
        fact = Text("no date of first dose is recorded", "未记录首次给药日期")
        add("eligibility.dose", "inc_regorafenib_dose", True, fact)
    elif dose_answer == "no" and first is not None:
        fact = Text(f"a first dose is recorded on {first}", f"已记录首次给药日期 {first}")
        add("eligibility.dose", "inc_regorafenib_dose", False, fact)
