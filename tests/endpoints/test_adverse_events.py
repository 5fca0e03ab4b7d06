"""Adverse-event table: patients (not episodes) per term, worst grade once."""

import pytest

from rego_desktop.endpoints import AeRow, ae_table

# Reports (subject, term, grade):
#   S1: HFSR 1, HFSR 3, HFSR 2   -> HFSR worst 3
#   S2: HFSR 2                   -> HFSR worst 2
#   S3: HFSR 1, HFSR 1           -> HFSR worst 1
#   S1: Fatigue 2                -> Fatigue worst 2
#   S2: Fatigue 4, Fatigue 3     -> Fatigue worst 4
#   S4: Hypertension 3           -> Hypertension worst 3
#   S3: Diarrhoea 1              -> Diarrhoea worst 1
#   S4: Diarrhoea 5              -> Diarrhoea worst 5
#
# HFSR:         3 patients any grade; >=3: S1 only -> 1; worst grades 1,2,3 -> (1,1,1,0,0)
# Diarrhoea:    2 patients; >=3: S4 -> 1;             worst grades 1,5   -> (1,0,0,0,1)
# Fatigue:      2 patients; >=3: S2 -> 1;             worst grades 2,4   -> (0,1,0,1,0)
# Hypertension: 1 patient;  >=3: 1;                   worst grade 3      -> (0,0,1,0,0)
# Order: any grade desc, then term: HFSR, Diarrhoea, Fatigue, Hypertension.
REPORTS = [
    ("S1", "HFSR", 1),
    ("S1", "Fatigue", 2),
    ("S2", "HFSR", 2),
    ("S1", "HFSR", 3),
    ("S3", "HFSR", 1),
    ("S2", "Fatigue", 4),
    ("S4", "Hypertension", 3),
    ("S3", "HFSR", 1),
    ("S1", "HFSR", 2),
    ("S2", "Fatigue", 3),
    ("S3", "Diarrhoea", 1),
    ("S4", "Diarrhoea", 5),
]


def test_worked_example() -> None:
    assert ae_table(REPORTS) == [
        AeRow(term="HFSR", any_grade=3, grade_3_plus=1, by_worst_grade=(1, 1, 1, 0, 0)),
        AeRow(term="Diarrhoea", any_grade=2, grade_3_plus=1, by_worst_grade=(1, 0, 0, 0, 1)),
        AeRow(term="Fatigue", any_grade=2, grade_3_plus=1, by_worst_grade=(0, 1, 0, 1, 0)),
        AeRow(term="Hypertension", any_grade=1, grade_3_plus=1, by_worst_grade=(0, 0, 1, 0, 0)),
    ]


def test_order_of_reports_does_not_matter() -> None:
    assert ae_table(reversed(REPORTS)) == ae_table(REPORTS)


def test_grade_lookup() -> None:
    hfsr = ae_table(REPORTS)[0]
    assert [hfsr.patients_with_worst_grade(g) for g in range(1, 6)] == [1, 1, 1, 0, 0]
    with pytest.raises(ValueError, match=r"1\.\.5"):
        hfsr.patients_with_worst_grade(6)


def test_no_reports_gives_an_empty_table() -> None:
    assert ae_table([]) == []


@pytest.mark.parametrize("grade", [0, 6, -1, 2.5, True])
def test_invalid_grade_is_rejected(grade: int) -> None:
    with pytest.raises(ValueError, match="CTCAE grade"):
        ae_table([("S1", "Fatigue", grade)])


def test_missing_term_is_rejected() -> None:
    with pytest.raises(ValueError, match="no term"):
        ae_table([("S1", "", 2)])
