"""Edit checks: label rules, clinical consistency and completeness of one casebook.

- :func:`run_checks` runs every rule on a saved casebook; the query service turns
  the findings into queries.
- :func:`check_draft` / :func:`check_field` run them on a record being edited (the
  wizard shows hard errors when a field is left and soft findings beside it).
- :func:`hard_problems` is what a save must refuse: the hard findings (impossible
  values, impossible dates) the record would have, or would cause elsewhere.

Rule families live in small modules: :mod:`.values`, :mod:`.dates`, :mod:`.dosing`,
:mod:`.adverse_events`, :mod:`.survival`, :mod:`.eligibility`, :mod:`.clinical` and
:mod:`.completeness`; :mod:`.catalogue` lists every rule id with its severity.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Final

from rego_desktop.casebook import Casebook
from rego_desktop.checks.adverse_events import check_adverse_events
from rego_desktop.checks.catalogue import HARD_RULES, LABEL_RULES, RULES, Rule, severity_rank
from rego_desktop.checks.clinical import check_clinical
from rego_desktop.checks.completeness import check_completeness
from rego_desktop.checks.dates import check_dates
from rego_desktop.checks.dosing import check_dosing_rules
from rego_desktop.checks.eligibility import check_eligibility
from rego_desktop.checks.finding import Finding, Findings
from rego_desktop.checks.layout import layout
from rego_desktop.checks.run import Run
from rego_desktop.checks.survival import check_survival
from rego_desktop.checks.values import check_values
from rego_desktop.derive.context import PatientData, with_draft
from rego_desktop.study.values import Value

__all__ = [
    "FAMILIES",
    "HARD_RULES",
    "LABEL_RULES",
    "RULES",
    "Finding",
    "Rule",
    "check_draft",
    "check_field",
    "hard_problems",
    "run_checks",
]

Family = Callable[[Run], None]

FAMILIES: Final[dict[str, Family]] = {
    "values": check_values,
    "dates": check_dates,
    "dosing": check_dosing_rules,
    "adverse_events": check_adverse_events,
    "survival": check_survival,
    "eligibility": check_eligibility,
    "clinical": check_clinical,
    "completeness": check_completeness,
}
# The families that hold every hard rule (what a save must refuse).
HARD_FAMILIES: Final = ("values", "dates", "adverse_events", "survival")
# Forms whose values other records' hard rules depend on: the first dose (day 1), the
# date and status of death, the date of birth. A change to any other record can only
# make that record itself impossible, so only that record is checked on save.
CONTEXT_FORMS: Final = frozenset({"treatment", "survival", "identification"})
RECORD_FAMILIES: Final = ("values", "dates", "adverse_events")


def _run(
    source: Casebook | PatientData,
    today: dt.date | None,
    families: Iterable[str],
    only: tuple[str, str] | None = None,
) -> list[Finding]:
    data = source if isinstance(source, PatientData) else PatientData(source)
    run = Run(data, Findings(data.subject), today or dt.date.today(), only)
    for name in families:
        FAMILIES[name](run)
    return _ordered(data, run.out.items)


def _ordered(data: PatientData, findings: list[Finding]) -> list[Finding]:
    if not findings:
        return findings
    lay = layout(data.definition)
    forms, fields = lay.form_index, lay.field_index
    positions: dict[tuple[str, str], int] = {}
    for form_id in dict.fromkeys(f.form for f in findings):
        if form_id in forms:
            for index, entry in enumerate(data.items(form_id)):
                positions[(form_id, entry.item_uid)] = index

    def key(f: Finding) -> tuple[int, int, int, int, str, str]:
        return (
            forms.get(f.form, len(forms)),
            positions.get((f.form, f.item_uid), -1),
            -1 if f.field is None else fields.get((f.form, f.field), -1),
            severity_rank(f.severity),
            f.rule,
            f.key,
        )

    return sorted(findings, key=key)


def run_checks(source: Casebook | PatientData, *, today: dt.date | None = None) -> list[Finding]:
    """Every finding of one patient, in CRF order (form, entry, field, severity).

    ``today`` (default: the computer's date) is the latest date a record may hold.
    """
    return _run(source, today, FAMILIES)


def _caused_by_draft(
    book: Casebook,
    form_id: str,
    item_uid: str | None,
    values: Mapping[str, Value],
    today: dt.date | None,
    families: Iterable[str],
) -> tuple[list[Finding], str, set[str]]:
    names = tuple(families)
    before = {f.fingerprint for f in _run(book, today, names)}
    copy, uid = with_draft(book, form_id, item_uid, values)
    return _run(copy, today, names), uid, before


def check_draft(
    book: Casebook,
    form_id: str,
    item_uid: str | None,
    values: Mapping[str, Value],
    *,
    today: dt.date | None = None,
) -> list[Finding]:
    """Findings for a record being edited, in the context of the saved casebook.

    ``item_uid`` is the entry being edited, ``None`` for a new entry of a repeating
    form (its findings then carry the item uid ``"draft"``). Returns every finding on
    the draft record, plus errors and deviations the draft would cause elsewhere (a
    first dose after an adverse event's onset, a cycle starting too early after the
    one before).
    """
    after, uid, before = _caused_by_draft(book, form_id, item_uid, values, today, FAMILIES)
    return [
        f
        for f in after
        if (f.form == form_id and f.item_uid == uid)
        or (f.severity != "warning" and f.fingerprint not in before)
    ]


def check_field(
    book: Casebook,
    form_id: str,
    item_uid: str | None,
    values: Mapping[str, Value],
    field_id: str,
    *,
    today: dt.date | None = None,
) -> list[Finding]:
    """The draft's findings shown at one field (as the user leaves it)."""
    uid = item_uid or ""
    return [
        f
        for f in check_draft(book, form_id, item_uid, values, today=today)
        if f.field == field_id and f.form == form_id and (f.item_uid in (uid, "draft"))
    ]


def hard_problems(
    book: Casebook,
    form_id: str,
    item_uid: str | None,
    values: Mapping[str, Value],
    *,
    today: dt.date | None = None,
) -> list[Finding]:
    """Hard findings a save of ``values`` must refuse (empty list: the save may go on).

    ``book`` is the patient's saved casebook, ``item_uid`` the entry being changed
    (``None`` or ``""`` for a new entry or a single form). Refused are the hard
    findings on the record itself, and new hard findings the change would cause in
    another record (e.g. a first dose moved after an adverse event's onset). Hard
    findings that already existed elsewhere do not block an unrelated save.
    """
    if form_id not in CONTEXT_FORMS:
        copy, uid = with_draft(book, form_id, item_uid, values)
        found = _run(copy, today, RECORD_FAMILIES, only=(form_id, uid))
        return [f for f in found if f.hard]
    after, uid, before = _caused_by_draft(book, form_id, item_uid, values, today, HARD_FAMILIES)
    return [
        f
        for f in after
        if f.hard and ((f.form == form_id and f.item_uid == uid) or f.fingerprint not in before)
    ]
