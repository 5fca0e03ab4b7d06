"""Every edit check's rule id, severity and whether a save refuses it.

Rule ids are stable: queries, stored reasons, exports and tests refer to them. The
dosing rules' ids and severities come from :mod:`rego_desktop.rules.dosing_rules`.

Severity (design.md section 3):

- ``error``: impossible or contradictory data. Rules marked ``hard`` are refused when a
  record is saved (:func:`rego_desktop.checks.hard_problems`); the other errors (a
  missing cycle, cycles out of order) are raised as queries until corrected, because
  refusing them would force an order of data entry.
- ``deviation``: a departure from the regorafenib label; the record saves and the user
  gives a reason.
- ``warning``: allowed but doubtful or incomplete data.

**Site-only rules** (:data:`SITE_ONLY_RULES`) need data that never leaves a site (the
date of birth, calendar dates): the coordinating center, which runs the same catalogue
on the pooled de-identified data to raise its queries (:mod:`rego_desktop.center.queries`),
skips them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from rego_desktop.rules.dosing_rules import RULE_SEVERITY
from rego_desktop.rules.findings import Severity

SEVERITIES: Final[tuple[Severity, ...]] = ("error", "deviation", "warning")


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    severity: Severity
    hard: bool
    description: str
    site_only: bool = False
    """Needs identifying data (see the module docstring): not run at the center."""


def _rule(
    rule_id: str,
    severity: Severity,
    description: str,
    *,
    hard: bool = False,
    site_only: bool = False,
) -> Rule:
    return Rule(rule_id, severity, hard, description, site_only)


_DOSING_DESCRIPTIONS: Final = {
    "dose.range": "A daily dose (initial, cycle start or change) outside 80-160 mg.",
    "dose.tablet": "A daily dose that is not a whole number of 40 mg tablets.",
    "cycle.dosing_days": "More than 21 dosing days in a 28-day cycle.",
    "cycle.off_days": "Dosing on days 22-28 of a cycle.",
    "cycle.early_start": "A cycle starting before day 29 of the previous one.",
    "dose.impossible": "A daily dose of 0 or less, or above 400 mg.",
    "dose.initial_mismatch": "The cycle 1 dose differs from the initial dose.",
    "change.before_first_dose": "A dose change dated before the first dose.",
    "cycle.before_first_dose": "A cycle starting before the first dose.",
    "cycle.first_start": "Cycle 1 recorded as starting after the first dose.",
    "cycle.order": "Cycle numbers duplicated, skipped or out of date order.",
    "cycle.dosing_end_before_start": "A cycle's last dosing day before its start.",
    "cycle.dosing_end_overlap": "A cycle's last dosing day on or after the next cycle's start.",
    "discontinuation.before_first_dose": "Treatment discontinued before the first dose.",
    "discontinuation.conflict": "A cycle, dosing day or dose change after the last dose.",
    "change.restart_without_interruption": "A re-start without an interruption before it.",
    "change.while_interrupted": "A reduction or escalation during an interruption.",
    "change.direction": "A reduction that does not lower, or escalation that does not raise.",
    "cycle.dosing_end_missing": "A cycle without its last dosing day (label schedule assumed).",
}

_OWN: Final = (
    _rule("value.invalid", "error", "A value of the wrong kind, unit or code, or impossible "
          "for its field (outside the physiological limits in its unit).", hard=True),
    _rule("value.not_applicable", "error",
          "A value in a field that does not apply given another answer.", hard=True),
    _rule("survival.death_date_status", "error",
          "A date of death while the survival status is not dead.", hard=True),
    _rule("date.end_before_start", "error",
          "An end (or later-stage) date before its start date.", hard=True),
    _rule("date.before_first_dose", "error",
          "An event that must follow the first dose dated before it.", hard=True),
    _rule("date.after_first_dose", "error",
          "A date that must precede the first dose dated after it.", hard=True),
    _rule("date.after_death", "error", "An event dated after the date of death.", hard=True),
    _rule("progression.after_death", "error",
          "A date of first progression after the date of death.", hard=True),
    _rule("date.before_birth", "error", "A date before the date of birth.", hard=True,
          site_only=True),  # the date of birth stays at the site
    _rule("date.future", "error", "A date after today.", hard=True,
          site_only=True),  # the center has study days, not calendar dates
    _rule("date.may_be_before_first_dose", "warning",
          "A partial date that may lie before the first dose it must follow."),
    _rule("date.may_be_after_first_dose", "warning",
          "A partial date that may lie after the first dose it must precede."),
    _rule("date.may_be_after_death", "warning",
          "A date that may lie after the date of death (one of them is partial)."),
    _rule("date.may_be_before_birth", "warning",
          "A partial date that may lie before the date of birth.", site_only=True),
    _rule("ae.grade_above_max", "error",
          "A CTCAE grade above the highest grade of its term.", hard=True),
    _rule("form.required_missing", "warning", "A required item of a started form is empty."),
    _rule("form.not_started", "warning", "A form every treated patient needs is not filled."),
    _rule("response.imaging_date_missing", "warning",
          "A response assessment without the date of its imaging."),
    _rule("response.imaging_after_assessment", "warning",
          "Imaging dated after the response assessment that is based on it."),
    _rule("ae.grade5_without_death", "warning",
          "A grade 5 (fatal) adverse event while no death is recorded."),
    _rule("ae.grade_outcome", "warning",
          "Grade 5 with an outcome other than fatal, or a fatal outcome below grade 5."),
    _rule("ae.resolution_outcome", "warning",
          "A resolution date for an event whose outcome is not recovered."),
    _rule("progression.pd_not_recorded", "warning",
          "An assessment of PD while no progression is recorded."),
    _rule("progression.after_first_pd", "warning",
          "First progression dated after an assessment that already showed PD."),
    _rule("survival.follow_up_before_last_event", "warning",
          "Last follow-up before the last recorded event of a living patient."),
    _rule("treatment.death_not_recorded", "warning",
          "Treatment discontinued because of death while no death is recorded."),
    _rule("treatment.ongoing_after_death", "warning",
          "Treatment recorded as ongoing for a patient who died."),
    _rule("eligibility.age", "warning",
          "The age criterion contradicts the age at first dose."),
    _rule("eligibility.bclc", "warning",
          "The BCLC B/C criterion contradicts the recorded BCLC stage."),
    _rule("eligibility.dose", "warning",
          "The 'received regorafenib' criterion contradicts the recorded first dose."),
    _rule("demographics.bmi_implausible", "warning",
          "A BMI below 12 or above 60 kg/m² (height or weight probably mistyped)."),
    _rule("cycle.liver_after_start", "warning",
          "Liver tests 'before the cycle' dated after the cycle start."),
    _rule("prior.ends_after_first_dose", "warning",
          "A prior treatment ending after the first dose of regorafenib."),
    _rule("subsequent.before_last_dose", "warning",
          "A subsequent treatment starting before the last dose of regorafenib."),
)  # fmt: skip

# Dosing rules that other checks report at the record itself (kept out of run_checks).
DOSING_RULES_REPLACED: Final = frozenset(
    {
        "dose.impossible",  # value.invalid (daily dose limits 1-400 mg)
        "change.before_first_dose",  # date.before_first_dose
        "cycle.before_first_dose",  # date.before_first_dose
        "discontinuation.before_first_dose",  # date.before_first_dose
        "cycle.dosing_end_before_start",  # date.end_before_start
    }
)

RULES: Final[dict[str, Rule]] = {
    **{
        rule_id: _rule(rule_id, severity, _DOSING_DESCRIPTIONS[rule_id])
        for rule_id, severity in RULE_SEVERITY.items()
        if rule_id not in DOSING_RULES_REPLACED
    },
    **{rule.id: rule for rule in _OWN},
}

HARD_RULES: Final = frozenset(rule.id for rule in RULES.values() if rule.hard)
LABEL_RULES: Final = frozenset(rule.id for rule in RULES.values() if rule.severity == "deviation")
SITE_ONLY_RULES: Final = frozenset(rule.id for rule in RULES.values() if rule.site_only)
"""Rules the coordinating center cannot run on de-identified data."""


def severity_rank(severity: Severity) -> int:
    return SEVERITIES.index(severity)
