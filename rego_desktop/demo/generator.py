"""Demo data: realistic synthetic patients written through the patient service.

``generate(study, n, seed)`` adds ``n`` patients the way a data abstractor would:
every record goes through :class:`~rego_desktop.services.patients.Editor`, so it passes
the hard checks, is encrypted and has its audit entry. Values depend only on the seed
and each patient's running number in the study (see :mod:`rego_desktop.demo.patient`),
never on the clock, so the same seed gives the same casebooks in a new study.

The :class:`DemoReport` says what was planted, so tests and demonstrations can check
that the edit checks find exactly that: the label deviations per subject and cycle
(rule ids of :mod:`rego_desktop.rules.dosing_rules`), the screen failures with their
failed criterion, the deaths and the patients lost to follow-up. Every eligible
patient without a planted deviation is label-conformant.

Speed: patients are written in batches of :data:`BATCH_SIZE`, one transaction each,
with autoflush off inside the batch (each record is new, so no query in ``save``
needs to see the pending ones; the editor flushes when it creates the next patient
and before the summaries are written). A failure leaves the batches already
committed in place and rolls back the current one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from rego_desktop.demo.patient import SyntheticPatient, synthesize
from rego_desktop.services.patients import Editor, PatientService
from rego_desktop.store.study import OpenStudy

BATCH_SIZE = 100
MAX_PATIENTS = 100_000

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class PlantedDeviation:
    """A label deviation written on purpose; the dosing checks must report it."""

    subject_code: str
    rule_id: str
    cycle: int
    detail: str


@dataclass(frozen=True, slots=True)
class ScreenFailure:
    subject_code: str
    criterion: str  # the eligibility field answered the failing way
    answer: str


@dataclass(frozen=True, slots=True)
class Death:
    subject_code: str
    on: date
    cause: str  # death_cause code
    fatal_adverse_event: bool  # a grade 5 adverse event caused it


@dataclass(frozen=True, slots=True)
class DemoReport:
    """What :func:`generate` wrote, for checking the rules against."""

    seed: int
    subject_codes: tuple[str, ...]
    screen_failures: tuple[ScreenFailure, ...]
    deviations: tuple[PlantedDeviation, ...]
    deaths: tuple[Death, ...]
    lost_to_follow_up: tuple[str, ...]
    progressed: tuple[str, ...]
    records: int

    @property
    def patients(self) -> int:
        return len(self.subject_codes)

    @property
    def eligible(self) -> tuple[str, ...]:
        failed = {s.subject_code for s in self.screen_failures}
        return tuple(code for code in self.subject_codes if code not in failed)

    @property
    def deviating(self) -> tuple[str, ...]:
        """Eligible subjects with at least one planted deviation, in study order."""
        with_deviation = {d.subject_code for d in self.deviations}
        return tuple(code for code in self.subject_codes if code in with_deviation)

    @property
    def conformant(self) -> tuple[str, ...]:
        """Eligible subjects whose dosing follows the label throughout."""
        with_deviation = {d.subject_code for d in self.deviations}
        return tuple(code for code in self.eligible if code not in with_deviation)

    def deviation_keys(self) -> set[tuple[str, str, int]]:
        """(subject code, rule id, cycle) of every planted deviation."""
        return {(d.subject_code, d.rule_id, d.cycle) for d in self.deviations}

    def deviations_of(self, subject_code: str) -> tuple[PlantedDeviation, ...]:
        return tuple(d for d in self.deviations if d.subject_code == subject_code)

    def summary(self) -> str:
        rules: dict[str, int] = {}
        for d in self.deviations:
            rules[d.rule_id] = rules.get(d.rule_id, 0) + 1
        per_rule = ", ".join(f"{rule} {n}" for rule, n in sorted(rules.items()))
        return (
            f"{self.patients} patients (seed {self.seed}): {len(self.eligible)} eligible, "
            f"{len(self.screen_failures)} screen failures, {len(self.deaths)} deaths, "
            f"{len(self.lost_to_follow_up)} lost to follow-up, {len(self.progressed)} progressed; "
            f"{len(self.deviations)} planted deviations in {len(self.deviating)} patients"
            f"{' (' + per_rule + ')' if per_rule else ''}; {self.records} records."
        )


@dataclass(slots=True)
class _Tally:
    codes: list[str]
    failures: list[ScreenFailure]
    deviations: list[PlantedDeviation]
    deaths: list[Death]
    lost: list[str]
    progressed: list[str]
    records: int = 0

    def add(self, code: str, patient: SyntheticPatient) -> None:
        self.codes.append(code)
        self.records += len(patient.forms)
        if patient.screen_failure is not None:
            values = patient.form("eligibility")[0]
            answer = values[patient.screen_failure]
            assert isinstance(answer, str)
            self.failures.append(ScreenFailure(code, patient.screen_failure, answer))
        for planted in patient.planted:
            self.deviations.append(
                PlantedDeviation(code, planted.rule, planted.cycle, planted.detail)
            )
        if patient.death is not None:
            death = patient.death
            self.deaths.append(Death(code, death.on, death.cause, death.fatal_adverse_event))
        if patient.lost:
            self.lost.append(code)
        if patient.progressed:
            self.progressed.append(code)


def _write(editor: Editor, patient: SyntheticPatient) -> str:
    code = editor.create_patient()
    for form_id, values in patient.forms:
        editor.save(code, form_id, values)
    return code


def generate(
    study: OpenStudy,
    patients: int,
    seed: int = 1,
    progress: Progress | None = None,
) -> DemoReport:
    """Add ``patients`` synthetic patients to ``study``; deterministic for ``seed``.

    Patients are numbered on from those already in the study, so running it twice adds
    different people. ``progress(done, total)`` is called after each committed batch.
    """
    if not 0 <= patients <= MAX_PATIENTS:
        raise ValueError(f"patients must be between 0 and {MAX_PATIENTS}, not {patients}")
    service = PatientService(study)
    offset = len(service.subject_codes())
    tally = _Tally([], [], [], [], [], [])
    if progress is not None:
        progress(0, patients)
    for batch_start in range(0, patients, BATCH_SIZE):
        batch_end = min(patients, batch_start + BATCH_SIZE)
        written: list[tuple[str, SyntheticPatient]] = []
        with service.editing() as editor, editor.session.no_autoflush:
            for number in range(batch_start, batch_end):
                patient = synthesize(seed, offset + number)
                written.append((_write(editor, patient), patient))
        for code, patient in written:
            tally.add(code, patient)
        if progress is not None:
            progress(batch_end, patients)
    return DemoReport(
        seed=seed,
        subject_codes=tuple(tally.codes),
        screen_failures=tuple(tally.failures),
        deviations=tuple(tally.deviations),
        deaths=tuple(tally.deaths),
        lost_to_follow_up=tuple(tally.lost),
        progressed=tuple(tally.progressed),
        records=tally.records,
    )
