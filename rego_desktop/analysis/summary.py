"""Endpoint summary of a site (or of the pooled data): OS, PFS, TTP, ORR, DCR, AEs, dosing.

:func:`analyse` turns casebooks into a typed :class:`StudySummary` (with the fitted
Kaplan-Meier curves the dashboard draws); :meth:`StudySummary.to_json` gives the
machine-readable structure that ``rego-desktop summary --json`` prints and the
coordinating center pools; :func:`summarize` is both steps at once.

Definitions (design.md section 4; the protocol month is 30.4375 days):

- Time-to-event endpoints are Kaplan-Meier estimates over the analysed patients whose
  endpoint can be computed; ``not_computable`` says how many analysed patients lack
  the dates. Medians and their 95% CI (Greenwood, log(-log)) in months, ``None`` when
  not reached. The 6- and 12-month rates are S(t) at t = 6 x 30.4375 and
  12 x 30.4375 days with their 95% band, ``None`` when the longest follow-up is shorter.
- ORR (CR or PR) and DCR (CR, PR or SD) over all analysed (eligible, treated) patients;
  a patient without any response assessment after day 1 counts as a non-responder.
  Exact Clopper-Pearson 95% CI.
- AEs: patients per CTCAE term with any grade and with grade >= 3, each patient once
  per term at the worst grade, over the analysed patients.
- Dosing over analysed patients: initial daily dose distribution, median relative dose
  intensity (with IQR, R type-7 quartiles) over patients in whom it can be computed,
  patients with at least one reduction, interruption or label deviation.
- ``not_computable`` (:class:`NotComputableEntry`): every patient left out of OS, PFS,
  TTP or the response, by name, with the reason in English and Chinese (patients not
  yet analysable are left out of all four). Screen failures are not listed.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from rego_desktop.analysis.dataset import (
    ENDPOINTS,
    LISTED_ENDPOINTS,
    AnalysisRow,
    EndpointName,
    analysis_dataset,
    reason_text,
)
from rego_desktop.analysis.loading import Progress, study_dataset
from rego_desktop.analysis.text import render_text
from rego_desktop.bulk import gc_paused
from rego_desktop.casebook import Casebook
from rego_desktop.endpoints import (
    DAYS_PER_MONTH,
    AeRow,
    KaplanMeier,
    Proportion,
    ae_table,
    kaplan_meier,
    proportion,
)
from rego_desktop.store.study import OpenStudy
from rego_desktop.study import CURRENT
from rego_desktop.study.schema import StudyDefinition

__all__ = [
    "AeSummary",
    "DosingOverview",
    "EndpointSummary",
    "NotComputableEntry",
    "Rate",
    "ResponseSummary",
    "StudySummary",
    "analyse",
    "analyse_study",
    "months",
    "render_text",
    "summarize",
    "summarize_rows",
    "summarize_study",
]

RATE_MONTHS: Final = (6, 12)
RESPONSES: Final = ("CR", "PR", "SD", "PD", "NE")
ORR_RESPONSES: Final = frozenset({"CR", "PR"})
DCR_RESPONSES: Final = frozenset({"CR", "PR", "SD"})
ENDPOINT_LABELS: Final[dict[EndpointName, str]] = {
    "os": "Overall survival",
    "pfs": "Progression-free survival",
    "ttp": "Time to progression",
}


def months(days: float) -> float:
    """Protocol months: days / 30.4375."""
    return days / DAYS_PER_MONTH


def _months_or_none(days: float | None) -> float | None:
    return None if days is None else months(days)


@dataclass(frozen=True, slots=True)
class Rate:
    """S(t) at a landmark with its 95% band."""

    months: int
    survival: float
    ci95: tuple[float, float]


@dataclass(frozen=True, slots=True)
class EndpointSummary:
    """One time-to-event endpoint over the analysed patients."""

    name: EndpointName
    analysed: int  # analysed patients; ``n`` of them had the dates for this endpoint
    km: KaplanMeier | None  # None when no analysed patient has the endpoint
    # Of the ``n`` times, how many rest on an imputed date (a partial date of death),
    # events and censored times apart.
    imputed_events: int = 0
    imputed_censored: int = 0

    @property
    def label(self) -> str:
        return ENDPOINT_LABELS[self.name]

    @property
    def n(self) -> int:
        return 0 if self.km is None else self.km.n

    @property
    def events(self) -> int:
        return 0 if self.km is None else self.km.events

    @property
    def not_computable(self) -> int:
        return self.analysed - self.n

    @property
    def median_months(self) -> float | None:
        return None if self.km is None else _months_or_none(self.km.median)

    @property
    def ci95_months(self) -> tuple[float | None, float | None]:
        if self.km is None:
            return (None, None)
        lower, upper = self.km.median_ci95
        return (_months_or_none(lower), _months_or_none(upper))

    def rate(self, at_months: int) -> Rate | None:
        """S at ``at_months`` protocol months; None beyond the longest follow-up."""
        if self.km is None:
            return None
        value = self.km.rate_at(at_months * DAYS_PER_MONTH)
        if value is None:
            return None
        survival, lower, upper = value
        return Rate(at_months, survival, (lower, upper))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "n": self.n,
            "events": self.events,
            "censored": self.n - self.events,
            "not_computable": self.not_computable,
            "imputed_dates": {"events": self.imputed_events, "censored": self.imputed_censored},
            "median_months": self.median_months,
            "ci95_months": list(self.ci95_months),
        }
        for at in RATE_MONTHS:
            rate = self.rate(at)
            out[f"rate_{at}m"] = None if rate is None else rate.survival
            out[f"rate_{at}m_ci95"] = None if rate is None else list(rate.ci95)
        return out


@dataclass(frozen=True, slots=True)
class ResponseSummary:
    """Best overall response over the analysed patients, with ORR and DCR."""

    n: int
    counts: dict[str, int]  # CR, PR, SD, PD, NE and "not_assessed"
    orr: Proportion | None  # None when n = 0
    dcr: Proportion | None

    @staticmethod
    def rate_json(value: Proportion | None, n: int, count: int) -> dict[str, Any]:
        return {
            "n": n,
            "responders": count,
            "rate": None if value is None else value.rate,
            "ci95": None if value is None else list(value.ci95),
        }


@dataclass(frozen=True, slots=True)
class AeSummary:
    """One CTCAE term's row, with its code list label."""

    code: str
    term: str
    term_zh: str
    row: AeRow


@dataclass(frozen=True, slots=True)
class DosingOverview:
    """Dose measures over the analysed patients."""

    n: int  # analysed patients with a dosing history
    initial_doses: dict[float, int]  # mg/day -> patients, highest dose first
    initial_dose_unknown: int
    cycles_median: float | None
    rdi: tuple[float, ...]  # relative dose intensities that could be computed (fractions)
    with_reductions: int
    with_interruptions: int
    with_deviations: int
    deviations_by_rule: dict[str, int]  # rule id -> patients

    @property
    def rdi_median(self) -> float | None:
        return statistics.median(self.rdi) if self.rdi else None

    @property
    def rdi_iqr(self) -> tuple[float, float] | None:
        """First and third quartile (R type 7, numpy's default)."""
        if not self.rdi:
            return None
        if len(self.rdi) == 1:
            return (self.rdi[0], self.rdi[0])
        q1, _, q3 = statistics.quantiles(self.rdi, n=4, method="inclusive")
        return (q1, q3)

    def to_json(self) -> dict[str, Any]:
        iqr = self.rdi_iqr
        return {
            "n": self.n,
            "initial_dose_mg": {_mg(mg): count for mg, count in self.initial_doses.items()},
            "initial_dose_unknown": self.initial_dose_unknown,
            "cycles_median": self.cycles_median,
            "rdi_n": len(self.rdi),
            "rdi_median": self.rdi_median,
            "rdi_iqr": None if iqr is None else list(iqr),
            "patients_with_reductions": self.with_reductions,
            "patients_with_interruptions": self.with_interruptions,
            "patients_with_label_deviations": self.with_deviations,
            "label_deviations_by_rule": dict(self.deviations_by_rule),
        }


def _mg(value: float) -> str:
    return f"{value:g}"


@dataclass(frozen=True, slots=True)
class NotComputableEntry:
    """One patient left out of one endpoint, and why (``reason_code`` is stable)."""

    subject: str
    endpoint: str  # "os", "pfs", "ttp" or "response"
    reason_code: str
    reason: str
    reason_zh: str

    def to_json(self) -> dict[str, str]:
        return {
            "subject": self.subject,
            "endpoint": self.endpoint,
            "reason": self.reason,
            "reason_zh": self.reason_zh,
            "reason_code": self.reason_code,
        }


@dataclass(frozen=True, slots=True)
class StudySummary:
    """Everything the summary table, its JSON and the dashboard show."""

    enrolled: int
    screen_failures: int
    analysed: int
    incomplete: int
    endpoints: dict[EndpointName, EndpointSummary]
    response: ResponseSummary
    adverse_events: tuple[AeSummary, ...]
    dosing: DosingOverview
    not_computable: tuple[NotComputableEntry, ...] = ()

    def not_computable_for(self, endpoint: str) -> tuple[NotComputableEntry, ...]:
        """The patients left out of one endpoint ("os", "pfs", "ttp", "response")."""
        return tuple(e for e in self.not_computable if e.endpoint == endpoint)

    def to_json(self) -> dict[str, Any]:
        response = self.response
        orr_count = sum(response.counts[c] for c in ORR_RESPONSES)
        dcr_count = sum(response.counts[c] for c in DCR_RESPONSES)
        out: dict[str, Any] = {
            "patients": {
                "enrolled": self.enrolled,
                "screen_failures": self.screen_failures,
                "analysed": self.analysed,
                "incomplete": self.incomplete,
            },
        }
        for name in ENDPOINTS:
            out[name] = self.endpoints[name].to_json()
        out["orr"] = ResponseSummary.rate_json(response.orr, response.n, orr_count)
        out["dcr"] = ResponseSummary.rate_json(response.dcr, response.n, dcr_count)
        out["best_response"] = {"n": response.n, **response.counts}
        out["adverse_events"] = [
            {
                "term": ae.term,
                "code": ae.code,
                "n": self.analysed,
                "any_grade": ae.row.any_grade,
                "grade_3_plus": ae.row.grade_3_plus,
                "by_worst_grade": list(ae.row.by_worst_grade),
            }
            for ae in self.adverse_events
        ]
        out["dosing"] = self.dosing.to_json()
        out["not_computable"] = [entry.to_json() for entry in self.not_computable]
        return out


# ---------------------------------------------------------------------- computing


def _endpoint(name: EndpointName, rows: Sequence[AnalysisRow]) -> EndpointSummary:
    times = [t for row in rows if (t := row.endpoint(name)) is not None]
    km = kaplan_meier([t.days for t in times], [int(t.event) for t in times]) if times else None
    imputed = [t for t in times if t.imputed]
    events = sum(1 for t in imputed if t.event)
    return EndpointSummary(name, len(rows), km, events, len(imputed) - events)


def _response(rows: Sequence[AnalysisRow]) -> ResponseSummary:
    counts = dict.fromkeys((*RESPONSES, "not_assessed"), 0)
    for row in rows:
        counts[row.best_response or "not_assessed"] += 1
    n = len(rows)
    if n == 0:
        return ResponseSummary(0, counts, None, None)
    orr = proportion(sum(counts[c] for c in ORR_RESPONSES), n)
    dcr = proportion(sum(counts[c] for c in DCR_RESPONSES), n)
    return ResponseSummary(n, counts, orr, dcr)


def _adverse_events(
    rows: Sequence[AnalysisRow], definition: StudyDefinition
) -> tuple[AeSummary, ...]:
    reports = ((row.subject, code, grade) for row in rows for code, grade in row.adverse_events)
    terms = definition.codelist("ctcae_term")
    out = []
    for ae in ae_table(reports):
        code = terms.get(ae.term)
        en, zh = (code.label.en, code.label.zh) if code is not None else (ae.term, ae.term)
        out.append(AeSummary(ae.term, en, zh, ae))
    return tuple(out)


def _dosing(rows: Sequence[AnalysisRow]) -> DosingOverview:
    dosings = [row.dosing for row in rows if row.dosing is not None]
    initial = Counter(
        d.initial_daily_dose_mg for d in dosings if d.initial_daily_dose_mg is not None
    )
    by_rule: Counter[str] = Counter(rule for d in dosings for rule in d.deviations)
    return DosingOverview(
        n=len(dosings),
        initial_doses={mg: initial[mg] for mg in sorted(initial, reverse=True)},
        initial_dose_unknown=sum(1 for d in dosings if d.initial_daily_dose_mg is None),
        cycles_median=float(statistics.median(d.cycles for d in dosings)) if dosings else None,
        rdi=tuple(
            d.relative_dose_intensity for d in dosings if d.relative_dose_intensity is not None
        ),
        with_reductions=sum(1 for d in dosings if d.reductions > 0),
        with_interruptions=sum(1 for d in dosings if d.interruptions > 0),
        with_deviations=sum(1 for d in dosings if d.deviations),
        deviations_by_rule=dict(sorted(by_rule.items())),
    )


def _not_computable(rows: Sequence[AnalysisRow]) -> tuple[NotComputableEntry, ...]:
    """Every (patient, endpoint) left out, by subject, in endpoint order."""
    order = {name: i for i, name in enumerate(LISTED_ENDPOINTS)}
    out = []
    for row in sorted(rows, key=lambda r: r.subject):
        for endpoint, code in sorted(row.not_computable, key=lambda p: order.get(p[0], 99)):
            text = reason_text(code)
            out.append(NotComputableEntry(row.subject, endpoint, code, text.en, text.zh))
    return tuple(out)


def summarize_rows(
    rows: Iterable[AnalysisRow], definition: StudyDefinition = CURRENT
) -> StudySummary:
    """The summary of an analysis dataset (``definition`` supplies the AE term labels)."""
    everyone = list(rows)
    analysed = [row for row in everyone if row.analysed]
    screen_failures = sum(1 for row in everyone if row.population == "screen_failure")
    return StudySummary(
        enrolled=len(everyone),
        screen_failures=screen_failures,
        analysed=len(analysed),
        incomplete=len(everyone) - screen_failures - len(analysed),
        endpoints={name: _endpoint(name, analysed) for name in ENDPOINTS},
        response=_response(analysed),
        adverse_events=_adverse_events(analysed, definition),
        dosing=_dosing(analysed),
        not_computable=_not_computable(everyone),
    )


def analyse(casebooks: Iterable[Casebook]) -> StudySummary:
    """The typed summary of these casebooks (screen failures counted, not analysed)."""
    books = list(casebooks)
    definition = books[0].definition if books else CURRENT
    return summarize_rows(analysis_dataset(books), definition)


def summarize(casebooks: Iterable[Casebook]) -> dict[str, Any]:
    """The summary of these casebooks as JSON-ready data (see the module docstring)."""
    return analyse(casebooks).to_json()


def analyse_study(
    study: OpenStudy, progress: Progress | None = None, *, use_cache: bool = True
) -> StudySummary:
    """The typed summary of a site study, its casebooks loaded in bulk.

    ``use_cache``: read the analysis rows the saves stored (see
    :mod:`rego_desktop.analysis.stored`) instead of deriving every patient again; the
    result is the same either way.
    """
    with gc_paused():
        rows = study_dataset(study, progress, use_cache=use_cache)
        return summarize_rows(rows, study.definition)


def summarize_study(
    study: OpenStudy, progress: Progress | None = None, *, use_cache: bool = True
) -> dict[str, Any]:
    """:func:`summarize` for every patient of a site study (needs "view data")."""
    return analyse_study(study, progress, use_cache=use_cache).to_json()
