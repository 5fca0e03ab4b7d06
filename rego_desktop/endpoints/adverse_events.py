"""Adverse-event summary table: patients per CTCAE term and grade.

Counts are of patients, not episodes: a patient with several reports of one
term counts once, at the worst grade reported for that term.
"""

import operator
from collections.abc import Iterable
from dataclasses import dataclass

CTCAE_GRADES = (1, 2, 3, 4, 5)


@dataclass(frozen=True, slots=True)
class AeRow:
    """One CTCAE term; ``by_worst_grade[g - 1]`` = patients whose worst grade was g."""

    term: str
    any_grade: int
    grade_3_plus: int
    by_worst_grade: tuple[int, int, int, int, int]

    def patients_with_worst_grade(self, grade: int) -> int:
        """Patients whose worst grade for this term was ``grade`` (1..5)."""
        return self.by_worst_grade[_check_grade(grade) - 1]


def ae_table(events: Iterable[tuple[str, str, int]]) -> list[AeRow]:
    """Summarise (subject_id, term, grade) reports, most frequent term first."""
    worst: dict[str, dict[str, int]] = {}
    for subject_id, term, grade in events:
        if not term:
            raise ValueError(f"adverse event of subject {subject_id!r} has no term")
        value = grade if type(grade) is int and 1 <= grade <= 5 else _check_grade(grade)
        per_subject = worst.get(term)
        if per_subject is None:
            per_subject = worst[term] = {}
        if value > per_subject.get(subject_id, 0):
            per_subject[subject_id] = value

    rows = [_row(term, per_subject.values()) for term, per_subject in worst.items()]
    rows.sort(key=lambda row: (-row.any_grade, row.term))
    return rows


def _row(term: str, worst_grades: Iterable[int]) -> AeRow:
    counts = [0] * len(CTCAE_GRADES)
    for grade in worst_grades:
        counts[grade - 1] += 1
    g1, g2, g3, g4, g5 = counts
    return AeRow(
        term=term,
        any_grade=sum(counts),
        grade_3_plus=g3 + g4 + g5,
        by_worst_grade=(g1, g2, g3, g4, g5),
    )


def _check_grade(grade: int) -> int:
    if type(grade) is int and 1 <= grade <= 5:  # the common case, checked cheaply
        return grade
    try:
        value = operator.index(grade)
    except TypeError:
        value = 0  # not an integer: rejected below
    if isinstance(grade, bool) or value not in CTCAE_GRADES:
        raise ValueError(f"CTCAE grade must be an integer 1..5, got {grade!r}")
    return value
