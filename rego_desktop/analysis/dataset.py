"""The analysis dataset: one row per patient with every value the endpoint summary uses.

A row is built from a :class:`~rego_desktop.casebook.Casebook` through
:mod:`rego_desktop.derive`, the one place that turns a casebook into derived values
(eligibility, dose calendar, best response, OS/PFS/TTP), so the summary, the casebook
screens and the exports cannot disagree. The same rows serve a site (its own
casebooks) and the coordinating center (casebooks rebuilt from pooled transfer files).

Populations (design.md section 4):

- **screen failure**: an inclusion criterion answered no or an exclusion criterion yes.
  Kept in the counts, never analysed.
- **analysed**: every criterion met and a date of first dose recorded ("all eligible
  treated patients"). ORR, DCR, the AE table and the dosing summary use this population.
- **incomplete**: neither: eligibility not fully answered, or no date of first dose yet.
  Counted and shown, not analysed until the record is complete.

Within the analysed population a figure rests on the patients for whom it can be
computed: a patient without the dates for PFS is left out of the PFS curve (and the
summary says how many were), never counted as censored at day 1.

No patient leaves an endpoint silently: each row names the endpoints (OS, PFS, TTP,
response) it cannot contribute to and why (``not_computable``: endpoint and a reason
code of :data:`REASONS`). Screen failures are excluded by the protocol, not for want
of data, and are not listed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from rego_desktop.casebook import Casebook
from rego_desktop.rules.derived import Computed, Derived
from rego_desktop.rules.findings import Text
from rego_desktop.rules.time_to_event import REASONS as ENDPOINT_REASONS

if TYPE_CHECKING:
    from rego_desktop import derive
    from rego_desktop.rules.dosing import DosingSummary
    from rego_desktop.rules.time_to_event import TimeToEvent

Population = Literal["analysed", "screen_failure", "incomplete"]
EndpointName = Literal["os", "pfs", "ttp"]
ENDPOINTS: tuple[EndpointName, ...] = ("os", "pfs", "ttp")
# Endpoints a patient may be missing from: the time-to-event ones and the response
# (ORR/DCR), whose denominator is the analysed population.
LISTED_ENDPOINTS: tuple[str, ...] = (*ENDPOINTS, "response")

# Reason codes (stored in rows) and their text: the endpoint rules' own, and why a
# patient is not analysed at all.
REASONS: dict[str, Text] = {
    **ENDPOINT_REASONS,
    "eligibility_incomplete": Text(
        "eligibility criteria not all answered", "入选/排除标准未全部填写"
    ),
}


def reason_text(code: str) -> Text:
    """The reason in both languages (an unknown code, from a newer program, as it is)."""
    return REASONS.get(code, Text(code, code))


class Time(NamedTuple):
    """Days from day 1 (the first dose counts as day 1), whether the event happened, and
    what of the date it rests on was imputed (ADaM ``ADTF``: "", "D" day, "M" month)."""

    days: int
    event: bool
    flag: str = ""

    @property
    def imputed(self) -> bool:
        return self.flag != ""


@dataclass(frozen=True, slots=True)
class Dosing:
    """One patient's dose measures (``None`` where the record does not allow them)."""

    initial_daily_dose_mg: float | None
    cycles: int
    relative_dose_intensity: float | None  # fraction: 1.0 = 160 mg x 21 days every cycle
    reductions: int
    interruptions: int
    deviations: tuple[str, ...]  # rule ids of label deviations (soft checks), each once


@dataclass(frozen=True, slots=True)
class AnalysisRow:
    """One patient of the analysis dataset."""

    subject: str
    site: str
    population: Population
    first_dose: dt.date | None
    os: Time | None
    pfs: Time | None
    ttp: Time | None
    best_response: str | None  # CR, PR, SD, PD, NE; None = no assessment after day 1
    adverse_events: tuple[tuple[str, int], ...]  # (CTCAE term code, worst grade), sorted
    dosing: Dosing | None  # None: no dosing history (no first dose)
    # (endpoint of LISTED_ENDPOINTS, reason code of REASONS) for every endpoint this
    # patient cannot contribute to; empty for screen failures (excluded by protocol).
    not_computable: tuple[tuple[str, str], ...] = ()

    @property
    def analysed(self) -> bool:
        return self.population == "analysed"

    def endpoint(self, name: EndpointName) -> Time | None:
        value: Time | None = getattr(self, name)
        return value


def site_of(subject_code: str) -> str:
    """The site code a subject code starts with (``BJ01-0007`` -> ``BJ01``)."""
    return subject_code.split("-", 1)[0]


def _time(result: Derived[TimeToEvent]) -> Time | None:
    if isinstance(result, Computed):
        return Time(result.value.days, result.value.event, result.value.flag)
    return None


def _population(data: derive.PatientData) -> Population:
    from rego_desktop import derive

    eligible = derive.eligible(data)
    if isinstance(eligible, Computed):
        if not eligible.value:
            return "screen_failure"
        if data.first_dose is not None:
            return "analysed"
    return "incomplete"


def _worst_grades(book: Casebook) -> tuple[tuple[str, int], ...]:
    """Worst CTCAE grade per term; entries without a term or a valid grade are skipped.

    Such entries are incomplete records (the edit checks query them); an event whose
    grade is unknown cannot be counted under any grade.
    """
    worst: dict[str, int] = {}
    for entry in book.entries.get("adverse_events", ()):
        term = entry.get("term")
        grade = entry.get("grade")
        if not isinstance(term, str) or not term:
            continue
        if isinstance(grade, bool) or not isinstance(grade, int) or not 1 <= grade <= 5:
            continue
        worst[term] = max(grade, worst.get(term, 0))
    return tuple(sorted(worst.items()))


def _dosing(data: derive.PatientData) -> Dosing | None:
    from rego_desktop import derive

    history = derive.dosing_history(data)
    if not isinstance(history, Computed):
        return None
    summary: Derived[DosingSummary] = derive.dosing_summary(data)
    if not isinstance(summary, Computed):  # pragma: no cover - follows from the history
        return None
    s = summary.value
    intensity = s.relative_dose_intensity
    deviations = dict.fromkeys(f.rule for f in s.findings if f.severity == "deviation")
    return Dosing(
        initial_daily_dose_mg=history.value.initial_daily_dose_mg,
        cycles=s.number_of_cycles,
        relative_dose_intensity=intensity.value if isinstance(intensity, Computed) else None,
        reductions=s.reductions,
        interruptions=s.interruptions,
        deviations=tuple(sorted(deviations)),
    )


def analysis_row(book: Casebook) -> AnalysisRow:
    """The analysis dataset row of one casebook."""
    # Imported here: a summary read from stored rows never needs the derivations.
    from rego_desktop import derive
    from rego_desktop.rules.time_to_event import not_computable_reasons

    data = derive.PatientData(book)
    population = _population(data)
    if population != "analysed":
        missing: tuple[tuple[str, str], ...] = ()
        if population == "incomplete":
            why = "no_first_dose" if data.first_dose is None else "eligibility_incomplete"
            missing = tuple((name, why) for name in LISTED_ENDPOINTS)
        return AnalysisRow(
            subject=book.subject_code,
            site=site_of(book.subject_code),
            population=population,
            first_dose=data.first_dose,
            os=None,
            pfs=None,
            ttp=None,
            best_response=None,
            adverse_events=(),
            dosing=None,
            not_computable=missing,
        )
    endpoints = derive.time_to_events(data)
    best = derive.best_response(data)
    return AnalysisRow(
        subject=book.subject_code,
        site=site_of(book.subject_code),
        population=population,
        first_dose=data.first_dose,
        os=_time(endpoints.os),
        pfs=_time(endpoints.pfs),
        ttp=_time(endpoints.ttp),
        best_response=best.value.response if isinstance(best, Computed) else None,
        adverse_events=_worst_grades(book),
        dosing=_dosing(data),
        not_computable=tuple(not_computable_reasons(data.survival_dates).items()),
    )


def analysis_dataset(casebooks: Iterable[Casebook]) -> list[AnalysisRow]:
    """One row per casebook, in the order given."""
    return [analysis_row(book) for book in casebooks]


# ---------------------------------------------------------------------- serialisation


def _time_json(value: Time | None) -> list[int | bool | str] | None:
    if value is None:
        return None
    if value.flag:
        return [value.days, value.event, value.flag]
    return [value.days, value.event]


def row_to_json(row: AnalysisRow) -> list[Any]:
    """A compact JSON form of a row (stored encrypted with every save)."""
    d = row.dosing
    return [
        row.subject,
        row.site,
        row.population,
        None if row.first_dose is None else row.first_dose.isoformat(),
        _time_json(row.os),
        _time_json(row.pfs),
        _time_json(row.ttp),
        row.best_response,
        [[term, grade] for term, grade in row.adverse_events],
        None
        if d is None
        else [
            d.initial_daily_dose_mg,
            d.cycles,
            d.relative_dose_intensity,
            d.reductions,
            d.interruptions,
            list(d.deviations),
        ],
        [[endpoint, reason] for endpoint, reason in row.not_computable],
    ]


_POPULATIONS = frozenset({"analysed", "screen_failure", "incomplete"})


def row_from_json(data: Sequence[Any]) -> AnalysisRow:
    """The row :func:`row_to_json` wrote; ``ValueError`` if the data do not fit its shape.

    Only the shape is checked: stored rows are authenticated (AES-GCM), so their content
    is what this module wrote (and they are read for 10,000 patients at a time).
    """
    try:
        subject, site, population, first, os_, pfs, ttp, best, events, dosing, missing = data
        if population not in _POPULATIONS:
            raise ValueError(f"unknown population {population!r}")
        return AnalysisRow(
            subject,
            site,
            population,
            None if first is None else dt.date.fromisoformat(first),
            None if os_ is None else Time(*os_),
            None if pfs is None else Time(*pfs),
            None if ttp is None else Time(*ttp),
            best,
            tuple((term, grade) for term, grade in events),
            None
            if dosing is None
            else Dosing(dosing[0], dosing[1], dosing[2], dosing[3], dosing[4], tuple(dosing[5])),
            tuple((endpoint, reason) for endpoint, reason in missing),
        )
    except (TypeError, IndexError, KeyError) as exc:
        raise ValueError(f"not an analysis row: {exc}") from exc
