"""A nine-patient cohort whose every summary figure is worked out by hand below.

Enrolled 10: P1-P7 analysed; SF1 a screen failure (another malignancy); IN1 with an
unanswered criterion and IN2 without a first dose are incomplete. The screen failure
and IN1 carry a grade 4 AE and dosing that must not be counted.

Study days (day 1 = first dose; durations are study days, ADaM):

====  ============  ========  ======  =====  =====================  ==========
pt    progression   death     alive   OS     PFS                    TTP
====  ============  ========  ======  =====  =====================  ==========
P1    80            100               100 e  80 e (progression)     80 e
P2    -             200               200 e  200 e (death)          60 c (last assessment)
P3    120           -         FU 150  150 c  120 e                  120 e
P4    50            200               200 e  50 e                   50 e
P5    -             -         FU 400  400 c  30 c (last assessment) 30 c
P6    -             300               300 e  300 e (death)          290 c (last follow-up)
P7    (no follow-up forms)            -      -                      -
====  ============  ========  ======  =====  =====================  ==========

OS (n 6, 4 events): t=100 r=6 d=1 S=5/6; 150 censored; t=200 r=4 d=2 S=5/12;
t=300 r=2 d=1 S=5/24; 400 censored. Median 200 d = 6.571 months. At 6 months
(182.625 d) S = 5/6, at 12 months (365.25 d) S = 5/24.
PFS (n 6, 5 events): 30 c; 50 r=5 S=4/5; 80 r=4 S=3/5; 120 r=3 S=2/5; 200 r=2 S=1/5;
300 r=1 S=0. Median 120 d. 6 months: 2/5; 12 months beyond the last time (300): none.
TTP (n 6, 3 events): 30 c; 50 r=5 S=4/5; 60 c; 80 r=3 S=8/15; 120 r=2 S=4/15; 290 c.
Median 120 d. 6 months: 4/15; 12 months beyond 290: none.

Best response: P1 PR (day 56, then PD day 80); P2 SD (day 60 >= day 43); P3 CR;
P4 PD; P5 SD on day 30, before 6 weeks, counts as NE; P6 and P7 not assessed.
ORR = 2/7, DCR = 3/7.

AEs (worst grade per patient and term): PPES P1 3 (also a grade 1), P2 2 -> any 2,
>=3 1. Hypertension P1 2, P3 3 -> any 2, >=3 1. Diarrhoea P4 5 -> 1, 1. Fatigue P6 1
-> 1, 0. (SF1's and IN1's grade 4 anorexia is not counted.)

Dosing (21-day dosing windows, planned 160 mg x 21 days per cycle = 3360 mg):
P1 160 mg, cycles 1 and 2 on label: 6720 / 6720 = 1.0. P2 120 mg, 1 cycle: 2520 / 3360
= 0.75. P3 160 mg, reduced to 120 mg on day 8: 7 x 160 + 14 x 120 = 2800 -> 0.8333,
1 reduction. P4 80 mg, interrupted days 5-9, re-started day 10: 16 x 80 = 1280 ->
0.38095, 1 interruption. P5 200 mg (label deviation dose.range): 4200 -> 1.25.
P6 160 mg -> 1.0. P7 160 mg -> 1.0. Initial doses 200: 1, 160: 4, 120: 1, 80: 1.
RDI sorted 0.381, 0.75, 0.833, 1, 1, 1, 1.25: median 1.0; quartiles (type 7)
0.7917 and 1.0. Cycles: 2, 1, 1, 1, 1, 1, 1 -> median 1.
"""

from __future__ import annotations

from rego_desktop.casebook import Casebook
from tests.analysis.builders import CRITERIA_MET, Patient, casebook

ONE_CYCLE: list[tuple[int, int, float | None]] = [(1, 21, None)]


def patients() -> list[Patient]:
    return [
        Patient(
            "BJ01-0001",
            cycles=[(1, 21, 160.0), (29, 49, None)],
            assessments=[(56, "PR"), (80, "PD")],
            adverse_events=[("ppes", 1), ("ppes", 3), ("hypertension", 2)],
            progression_day=80,
            status="dead",
            death_day=100,
            last_follow_up_day=95,
        ),
        Patient(
            "BJ01-0002",
            initial_dose=120.0,
            cycles=[(1, 21, 120.0)],
            assessments=[(60, "SD")],
            adverse_events=[("ppes", 2)],
            status="dead",
            death_day=200,
            last_follow_up_day=190,
        ),
        Patient(
            "BJ01-0003",
            cycles=[(1, 21, 160.0)],
            changes=[(8, "reduction", 120.0)],
            assessments=[(90, "CR")],
            adverse_events=[("hypertension", 3)],
            progression_day=120,
            status="alive",
            last_follow_up_day=150,
        ),
        Patient(
            "BJ01-0004",
            initial_dose=80.0,
            cycles=[(1, 21, 80.0)],
            changes=[(5, "interruption", None), (10, "restart", None)],
            assessments=[(50, "PD")],
            adverse_events=[("diarrhea", 5)],
            progression_day=50,
            status="dead",
            death_day=200,
            last_follow_up_day=180,
        ),
        Patient(
            "BJ01-0005",
            initial_dose=200.0,
            cycles=[(1, 21, 200.0)],
            assessments=[(30, "SD")],
            status="alive",
            last_follow_up_day=400,
        ),
        Patient(
            "BJ01-0006",
            cycles=ONE_CYCLE,
            adverse_events=[("fatigue", 1)],
            status="dead",
            death_day=300,
            last_follow_up_day=290,
        ),
        Patient("BJ01-0007", cycles=ONE_CYCLE, progression_form=False),
        Patient(
            "BJ01-0008",
            eligibility={**CRITERIA_MET, "exc_other_malignancy": "yes"},
            cycles=ONE_CYCLE,
            adverse_events=[("anorexia", 4)],
            status="dead",
            death_day=20,
        ),
        Patient(
            "BJ01-0009",
            eligibility={k: v for k, v in CRITERIA_MET.items() if k != "inc_chart_available"},
            cycles=ONE_CYCLE,
            adverse_events=[("anorexia", 4)],
            status="alive",
            last_follow_up_day=50,
        ),
        Patient("BJ01-0010", treated=False),
    ]


def casebooks() -> list[Casebook]:
    return [casebook(p) for p in patients()]
