"""One synthetic patient: every CRF form's values, drawn from a seeded generator.

The population is that of Chinese real-world regorafenib studies: mostly men, hepatitis
B dominant, BCLC B or C, Child-Pugh A with some B, regorafenib usually second line
after sorafenib, lenvatinib or atezolizumab-bevacizumab. All dates hang off day 1 (the
first dose) and stay consistent:

- before day 1: diagnosis, prior regimens (start and end), baseline scan, baseline
  liver function and labs, medical history;
- after day 1: cycles, dose changes, assessments, adverse events, progression,
  subsequent treatment, follow-up;
- nothing after the date of death, nothing after the data cut-off (2025-06-30), the
  last follow-up on or after every other date except death, every end on or after
  its start.

A patient is a pure function of (seed, index): the same pair always gives the same
values, whatever else is generated.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Final

from rego_desktop.demo.dosing import DosingPlan, PlantedRule, plan_dosing
from rego_desktop.demo.names import chinese_name, hospital_record_number
from rego_desktop.study.values import Quantity, Value

FormValues = dict[str, Value]

DATA_CUT: Final = date(2025, 6, 30)
FIRST_DOSE_FROM: Final = date(2019, 1, 1)
FIRST_DOSE_TO: Final = date(2024, 12, 31)

SCREEN_FAILURE_RATE: Final = 0.05
PLANTED_RATE: Final = 0.075

# A failed criterion and the answer that fails it.
FAILING_ANSWERS: Final = {
    "inc_age_18": "no",
    "inc_hcc_diagnosed": "no",
    "inc_bclc_b_c": "no",
    "inc_regorafenib_dose": "no",
    "inc_chart_available": "no",
    "exc_interventional_trial": "yes",
    "exc_other_malignancy": "yes",
}
_SCREEN_FAILURE_WEIGHTS: Final = {
    "inc_bclc_b_c": 0.30,
    "inc_regorafenib_dose": 0.15,
    "inc_chart_available": 0.15,
    "exc_interventional_trial": 0.20,
    "exc_other_malignancy": 0.15,
    "inc_hcc_diagnosed": 0.05,
}

# First day a regimen was available in China (approval, approximately).
_AVAILABLE_FROM: Final = {
    "lenvatinib": date(2018, 9, 1),
    "atezolizumab_bevacizumab": date(2020, 10, 1),
    "donafenib": date(2021, 6, 1),
    "sintilimab_ibi305": date(2021, 6, 1),
    "tislelizumab": date(2021, 6, 1),
    "camrelizumab_apatinib": date(2023, 1, 1),
    "durvalumab_tremelimumab": date(2023, 6, 1),
}
_FIRST_LINE: Final = {
    "sorafenib": 0.38,
    "lenvatinib": 0.34,
    "atezolizumab_bevacizumab": 0.12,
    "donafenib": 0.05,
    "sintilimab_ibi305": 0.05,
    "camrelizumab_apatinib": 0.04,
    "durvalumab_tremelimumab": 0.02,
}
_LATER_LINE: Final = {
    "lenvatinib": 0.25,
    "tislelizumab": 0.20,
    "pd1_other": 0.15,
    "apatinib": 0.15,
    "sorafenib": 0.10,
    "camrelizumab_apatinib": 0.10,
    "folfox4": 0.05,
}
# regimen -> (dose, dose unit) as written in charts; procedures have no dose.
_SUBSEQUENT: Final[dict[str, tuple[float, str] | None]] = {
    "tislelizumab": (200.0, "mg"),
    "camrelizumab_apatinib": (200.0, "mg"),
    "pd1_other": (3.0, "mg_per_kg"),
    "apatinib": (250.0, "mg"),
    "cabozantinib": (60.0, "mg"),
    "ramucirumab": (8.0, "mg_per_kg"),
    "folfox4": (85.0, "mg_per_m2"),
    "lenvatinib": (8.0, "mg"),
    "tace": None,
    "haic": None,
    "radiotherapy": None,
    "other": None,
}
_SUBSEQUENT_WEIGHTS: Final = {
    "tislelizumab": 0.18,
    "camrelizumab_apatinib": 0.12,
    "pd1_other": 0.12,
    "apatinib": 0.12,
    "cabozantinib": 0.05,
    "ramucirumab": 0.04,
    "folfox4": 0.05,
    "lenvatinib": 0.06,
    "tace": 0.12,
    "haic": 0.06,
    "radiotherapy": 0.05,
    "other": 0.03,
}
_OTHER_REGIMEN_TEXT: Final = ("中药治疗", "最佳支持治疗", "临床试验药物")

# Adverse events: behind a dose change, and any others (term -> weight).
_TOXICITY_TERMS: Final = {
    "ppes": 0.35,
    "hypertension": 0.12,
    "diarrhea": 0.12,
    "fatigue": 0.12,
    "bilirubin_increased": 0.07,
    "ast_increased": 0.05,
    "alt_increased": 0.04,
    "platelet_decreased": 0.06,
    "proteinuria": 0.04,
    "anorexia": 0.03,
}
_OTHER_TERMS: Final = {
    "ppes": 0.20,
    "hypertension": 0.12,
    "diarrhea": 0.10,
    "fatigue": 0.12,
    "anorexia": 0.06,
    "hoarseness": 0.05,
    "bilirubin_increased": 0.06,
    "ast_increased": 0.05,
    "alt_increased": 0.04,
    "platelet_decreased": 0.04,
    "proteinuria": 0.04,
    "hypothyroidism": 0.03,
    "weight_loss": 0.03,
    "mucositis_oral": 0.02,
    "rash": 0.02,
    "fever": 0.02,
    "abdominal_pain": 0.03,
    "nausea": 0.02,
    "dysgeusia": 0.02,
    "alopecia": 0.01,
    "other": 0.01,
}
_OTHER_TERM_TEXT: Final = ("牙龈出血", "皮肤瘙痒", "失眠")
_FATAL_TERMS: Final = {"hepatic_failure": 0.55, "gi_hemorrhage": 0.45}
_MAX_GRADE: Final = {
    "ppes": 3,
    "fatigue": 3,
    "weight_loss": 3,
    "hoarseness": 3,
    "rash": 3,
    "nausea": 3,
    "abdominal_pain": 3,
    "proteinuria": 3,
    "bilirubin_increased": 4,
    "ast_increased": 4,
    "alt_increased": 4,
    "platelet_decreased": 4,
    "alopecia": 2,
    "dysgeusia": 2,
}

# Child-Pugh bands (umol/L, g/L, INR) with margins so no unit or rounding crosses a cut.
_BILIRUBIN_UMOL: Final = {1: (5.0, 30.0), 2: (36.0, 49.0), 3: (54.0, 85.0)}
_ALBUMIN_G_L: Final = {1: (36.0, 47.0), 2: (29.0, 34.5), 3: (23.0, 27.0)}
_INR: Final = {1: (0.90, 1.45), 2: (1.75, 2.20), 3: (2.40, 2.90)}
_ASCITES: Final = {1: "none", 2: "mild", 3: "moderate_severe"}
_ENCEPHALOPATHY: Final = {1: "none", 2: "grade_1_2", 3: "grade_3_4"}
_CHILD_PUGH_TOTAL: Final = {5: 0.58, 6: 0.27, 7: 0.10, 8: 0.04, 9: 0.01}
_CHILD_PUGH_ITEMS: Final = {
    "bilirubin": 0.30,
    "albumin": 0.40,
    "ascites": 0.20,
    "inr": 0.05,
    "encephalopathy": 0.05,
}
BILIRUBIN_MG_DL: Final = 17.104
CREATININE_MG_DL: Final = 88.42
AFP_IU_ML: Final = 1.21


@dataclass(frozen=True, slots=True)
class DeathInfo:
    on: date
    cause: str
    fatal_adverse_event: bool


@dataclass(frozen=True, slots=True)
class SyntheticPatient:
    """A patient's forms in save order (form id, values) and what was planted."""

    index: int
    forms: tuple[tuple[str, FormValues], ...]
    screen_failure: str | None = None  # the failed eligibility field
    planted: tuple[PlantedRule, ...] = ()
    death: DeathInfo | None = None
    lost: bool = False
    progressed: bool = False

    def form(self, form_id: str) -> list[FormValues]:
        return [values for fid, values in self.forms if fid == form_id]


def patient_rng(seed: int, index: int) -> random.Random:
    # A str seed is hashed with SHA-512, so it is stable across runs and platforms.
    return random.Random(f"rego-demo/{seed}/{index}")


def _pick(rng: random.Random, weights: Mapping[str, float]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def _chance(rng: random.Random, p: float) -> bool:
    return rng.random() < p


def _clamp(x: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, x))


def _gauss(rng: random.Random, mu: float, sd: float, lo: float, hi: float) -> float:
    return _clamp(rng.gauss(mu, sd), lo, hi)


def _lognormal(rng: random.Random, median: float, sigma: float, lo: float, hi: float) -> float:
    return _clamp(rng.lognormvariate(math.log(median), sigma), lo, hi)


def _exponential(rng: random.Random, median: float) -> float:
    return rng.expovariate(math.log(2) / median)


def _after(start: date, days: int) -> date:
    return start + timedelta(days=days)


def _age_at(birth: date, on: date) -> int:
    had_birthday = (on.month, on.day) >= (birth.month, birth.day)
    return on.year - birth.year - (0 if had_birthday else 1)


def _birth_date(rng: random.Random, age: int, on: date) -> date:
    """A date of birth that makes the patient exactly ``age`` on ``on``."""
    latest = _after(on, -int(age * 365.25) - 1)
    while _age_at(latest, on) < age:
        latest = _after(latest, -1)
    while _age_at(_after(latest, 1), on) >= age:
        latest = _after(latest, 1)
    earliest = latest
    while _age_at(_after(earliest, -1), on) == age:
        earliest = _after(earliest, -1)
    return _after(earliest, rng.randint(0, (latest - earliest).days))


def _age(rng: random.Random) -> int:
    if _chance(rng, 0.012):
        return rng.randint(90, 95)
    return round(_gauss(rng, 57, 11, 30, 85))


def _subset(rng: random.Random, probabilities: Mapping[str, float]) -> tuple[str, ...]:
    return tuple(code for code, p in probabilities.items() if _chance(rng, p))


# --- liver function -----------------------------------------------------------------


@dataclass(slots=True)
class _Liver:
    """Child-Pugh points per item, the units this patient's lab reports, drifting."""

    points: dict[str, int]
    bilirubin_unit: str
    albumin_unit: str
    alt_median: float
    ast_median: float

    @classmethod
    def draw(cls, rng: random.Random) -> _Liver:
        total = int(_pick(rng, {str(k): v for k, v in _CHILD_PUGH_TOTAL.items()}))
        points = dict.fromkeys(_CHILD_PUGH_ITEMS, 1)
        for _ in range(total - 5):
            open_items = {k: w for k, w in _CHILD_PUGH_ITEMS.items() if points[k] < 3}
            points[_pick(rng, open_items)] += 1
        return cls(
            points,
            "umol/L" if _chance(rng, 0.7) else "mg/dL",
            "g/L" if _chance(rng, 0.75) else "g/dL",
            _lognormal(rng, 38, 0.35, 12, 150),
            _lognormal(rng, 48, 0.35, 15, 180),
        )

    @property
    def total(self) -> int:
        return sum(self.points.values())

    def worsen(self, rng: random.Random) -> None:
        if self.total < 9:
            item = _pick(rng, {"bilirubin": 0.5, "albumin": 0.3, "ascites": 0.2})
            self.points[item] = min(3, self.points[item] + 1)

    def bilirubin(self, rng: random.Random) -> Quantity:
        lo, hi = _BILIRUBIN_UMOL[self.points["bilirubin"]]
        umol = rng.triangular(lo, hi, lo + (hi - lo) * 0.35)
        if self.bilirubin_unit == "umol/L":
            return Quantity(round(umol, 1), "umol/L")
        return Quantity(round(umol / BILIRUBIN_MG_DL, 1), "mg/dL")

    def albumin(self, rng: random.Random) -> Quantity:
        lo, hi = _ALBUMIN_G_L[self.points["albumin"]]
        g_l = rng.uniform(lo, hi)
        if self.albumin_unit == "g/L":
            return Quantity(round(g_l, 1), "g/L")
        return Quantity(round(g_l / 10, 1), "g/dL")

    def values(self, rng: random.Random, on: date) -> FormValues:
        lo, hi = _INR[self.points["inr"]]
        return {
            "liver_date": on,
            "bilirubin": self.bilirubin(rng),
            "albumin": self.albumin(rng),
            "inr": round(rng.uniform(lo, hi), 2),
            "alt": float(round(_lognormal(rng, self.alt_median, 0.3, 8, 600))),
            "ast": float(round(_lognormal(rng, self.ast_median, 0.3, 10, 800))),
            "ascites": _ASCITES[self.points["ascites"]],
            "encephalopathy": _ENCEPHALOPATHY[self.points["encephalopathy"]],
        }


@dataclass(frozen=True, slots=True)
class _Person:
    sex: str
    cirrhosis: str
    haemoglobin_unit: str
    creatinine_unit: str
    afp_unit: str


def _blood_counts(rng: random.Random, person: _Person) -> FormValues:
    mean = 132.0 if person.sex == "male" else 121.0
    hb = _gauss(rng, mean, 15, 70, 175)
    wbc = _gauss(rng, 5.0, 1.6, 1.5, 14)
    low_platelets = person.cirrhosis == "yes"
    out: FormValues = {
        "haemoglobin": (
            Quantity(float(round(hb)), "g/L")
            if person.haemoglobin_unit == "g/L"
            else Quantity(round(hb / 10, 1), "g/dL")
        ),
        "wbc": round(wbc, 1),
        "neutrophils": round(wbc * rng.uniform(0.5, 0.72), 2),
        "platelets": float(round(_lognormal(rng, 105 if low_platelets else 170, 0.4, 25, 450))),
    }
    if _chance(rng, 0.08):  # an incomplete panel now and then: optional fields stay empty
        del out["neutrophils"]
    return out


def _afp(rng: random.Random, ng_ml: float, unit: str) -> Quantity:
    if unit == "ng/mL":
        return Quantity(round(ng_ml, 1), "ng/mL")
    return Quantity(round(ng_ml / AFP_IU_ML, 1), "IU/mL")


def _lab_sample(
    rng: random.Random, person: _Person, liver: _Liver, on: date, afp_ng_ml: float
) -> FormValues:
    creatinine = _gauss(rng, 74, 16, 40, 180)
    values: FormValues = {"sample_date": on, **_blood_counts(rng, person)}
    values["bilirubin"] = liver.bilirubin(rng)
    values["albumin"] = liver.albumin(rng)
    values["alt"] = float(round(_lognormal(rng, liver.alt_median, 0.3, 8, 600)))
    values["ast"] = float(round(_lognormal(rng, liver.ast_median, 0.3, 10, 800)))
    values["creatinine"] = (
        Quantity(float(round(creatinine)), "umol/L")
        if person.creatinine_unit == "umol/L"
        else Quantity(round(creatinine / CREATININE_MG_DL, 2), "mg/dL")
    )
    values["inr"] = round(rng.uniform(*_INR[liver.points["inr"]]), 2)
    values["afp"] = _afp(rng, afp_ng_ml * rng.uniform(0.7, 1.4), person.afp_unit)
    if _chance(rng, 0.6):
        values["pivka_ii"] = float(round(_lognormal(rng, 400, 1.6, 10, 300_000)))
    return values


# --- screening ----------------------------------------------------------------------


def _eligibility(failed: str | None) -> FormValues:
    answers: FormValues = {
        key: ("no" if failing == "yes" else "yes") for key, failing in FAILING_ANSWERS.items()
    }
    if failed is not None:
        answers[failed] = FAILING_ANSWERS[failed]
    return answers


def _demographics(rng: random.Random, sex: str, ecog: int) -> FormValues:
    male = sex == "male"
    return {
        "sex": sex,
        "height": round(_gauss(rng, 169 if male else 158, 6 if male else 5, 145, 192), 1),
        "weight": round(_gauss(rng, 64 if male else 54, 10 if male else 8, 36, 110), 1),
        "ecog": ecog,
    }


def _screen_failure(index: int, rng: random.Random) -> SyntheticPatient:
    failed = _pick(rng, _SCREEN_FAILURE_WEIGHTS)
    sex = "male" if _chance(rng, 0.85) else "female"
    screened = _after(FIRST_DOSE_FROM, rng.randint(0, (FIRST_DOSE_TO - FIRST_DOSE_FROM).days))
    birth = _birth_date(rng, _age(rng), screened)
    ident: FormValues = {
        "full_name": chinese_name(rng, sex),
        "hospital_record_number": hospital_record_number(index),
        "date_of_birth": birth,
    }
    ecog = rng.choice((0, 1, 1, 2))
    forms = (
        ("eligibility", _eligibility(failed)),
        ("identification", ident),
        ("demographics", _demographics(rng, sex, ecog)),
    )
    return SyntheticPatient(index, forms, screen_failure=failed)


# --- an eligible patient --------------------------------------------------------------


@dataclass(slots=True)
class _Builder:
    """Collects one eligible patient's forms while the timeline is drawn."""

    rng: random.Random
    index: int
    first_dose: date
    forms: list[tuple[str, FormValues]] = field(default_factory=list)

    def add(self, form_id: str, values: FormValues) -> None:
        self.forms.append((form_id, values))

    def day(self, offset: int) -> date:
        """The date ``offset`` days after day 1 (offset 0 is day 1)."""
        return _after(self.first_dose, offset)


def _prior_lines(b: _Builder) -> tuple[list[FormValues], date]:
    """Prior regimens (oldest first) and the start of the first one."""
    rng = b.rng
    count = _pick(rng, {"1": 0.80, "2": 0.17, "3": 0.03})
    spans: list[tuple[date, date]] = []
    end = _after(b.first_dose, -rng.randint(5, 45))
    for position in range(int(count)):
        median = 180 if position == int(count) - 1 else 120
        length = round(_clamp(_exponential(rng, median), 21, 900))
        start = _after(end, -(length - 1))
        spans.append((start, end))
        end = _after(start, -rng.randint(3, 40))
    spans.reverse()
    used: set[str] = set()
    rows: list[FormValues] = []
    for line, (start, end) in enumerate(spans, 1):
        table = _FIRST_LINE if line == 1 else _LATER_LINE
        options = {
            k: w
            for k, w in table.items()
            if k not in used and _AVAILABLE_FROM.get(k, date.min) <= start
        }
        regimen = _pick(rng, options or {"sorafenib": 1.0})
        used.add(regimen)
        rows.append(
            {
                "regimen": regimen,
                "line": line,
                "start_date": start,
                "end_date": end,
                "best_response": _pick(
                    rng, {"CR": 0.01, "PR": 0.15, "SD": 0.50, "PD": 0.30, "NE": 0.04}
                ),
                "reason_stopped": _pick(
                    rng,
                    {
                        "progression": 0.80,
                        "toxicity": 0.12,
                        "cost": 0.03,
                        "physician_decision": 0.03,
                        "patient_decision": 0.02,
                    },
                ),
            }
        )
    return rows, spans[0][0]


def _medical_history(b: _Builder, birth: date, cirrhosis: str) -> list[FormValues]:
    rng = b.rng
    chances = {
        "hypertension": 0.28,
        "diabetes": 0.15,
        "varices": 0.30 if cirrhosis == "yes" else 0.03,
        "coronary_disease": 0.05,
        "chronic_kidney_disease": 0.03,
        "gi_bleeding": 0.06,
        "hiv": 0.003,
        "other_malignancy": 0.02,
        "other": 0.04,
    }
    adult = _after(birth, int(20 * 365.25))
    rows: list[FormValues] = []
    for condition in _subset(rng, chances):
        row: FormValues = {"condition": condition}
        if condition == "other":
            row["condition_other"] = rng.choice(
                ("慢性胃炎", "痛风", "胆囊结石", "慢性阻塞性肺疾病")
            )
        start: date | None = None
        if _chance(rng, 0.9):
            start = max(adult, _after(b.first_dose, -rng.randint(120, 7000)))
            row["start_date"] = start
        ongoing = not _chance(rng, 0.8 if condition == "gi_bleeding" else 0.12)
        row["ongoing"] = "yes" if ongoing else "no"
        if not ongoing and _chance(rng, 0.8):
            earliest = _after(start, 14) if start is not None else _after(b.first_dose, -720)
            latest = _after(b.first_dose, -7)
            if earliest <= latest:
                row["end_date"] = _after(earliest, rng.randint(0, (latest - earliest).days))
        rows.append(row)
    return rows


def _tumour(rng: random.Random, ecog: int) -> tuple[FormValues, str, float]:
    """Primary tumour form, the extrahepatic spread answer and AFP in ng/mL."""
    mvi = _pick(rng, {"yes": 0.40, "no": 0.57, "unknown": 0.03})
    ehs = _pick(rng, {"yes": 0.50, "no": 0.48, "unknown": 0.02})
    stage = "C" if mvi == "yes" or ehs == "yes" or ecog >= 1 else "B"
    diameter_mm = _lognormal(rng, 62, 0.55, 12, 240)
    afp = _lognormal(rng, 180, 2.6, 0.8, 1_500_000)
    afp_unit = "ng/mL" if _chance(rng, 0.85) else "IU/mL"
    values: FormValues = {
        "tumour_site": _pick(
            rng, {"right_lobe": 0.55, "both_lobes": 0.30, "left_lobe": 0.12, "caudate_lobe": 0.03}
        ),
        "lesion_count": _pick(rng, {"1": 0.25, "2": 0.12, "3": 0.08, "more_than_3": 0.55}),
        "largest_diameter": (
            Quantity(float(round(diameter_mm)), "mm")
            if _chance(rng, 0.7)
            else Quantity(round(diameter_mm / 10, 1), "cm")
        ),
        "macrovascular_invasion": mvi,
        "extrahepatic_spread": ehs,
        "bclc_stage": stage,
        "afp": _afp(rng, afp, afp_unit),
    }
    if mvi == "yes":
        values["pvtt"] = _pick(
            rng, {"vp1": 0.10, "vp2": 0.25, "vp3": 0.35, "vp4": 0.20, "none": 0.10}
        )
    return values, ehs, afp


@dataclass(frozen=True, slots=True)
class _Outcome:
    """Latent event times (days after day 1) and how observation ends."""

    progression: float
    death: int
    fatal_ae: int | None
    status: str  # alive, dead, lost
    horizon: int  # last day observed: death, loss or last follow-up


def _outcome(rng: random.Random, first_dose: date, scale: float) -> _Outcome:
    progression = 21 + _exponential(rng, 110 * scale)
    if _chance(rng, 0.07) and progression > 40:
        death = rng.randint(25, int(progression))
    else:
        death = round(progression + 10 + _exponential(rng, 230 * scale))
    fatal_ae: int | None = None
    if _chance(rng, 0.025):
        onset = rng.randint(10, 150)
        if onset < death:
            fatal_ae, death = onset, onset + rng.randint(0, 7)
    lost_at = rng.randint(40, death) if _chance(rng, 0.05) and death > 41 else None
    cut = (DATA_CUT - first_dose).days
    if lost_at is not None and lost_at < min(death, cut):
        return _Outcome(progression, death, None, "lost", lost_at)
    if death <= cut:
        return _Outcome(progression, death, fatal_ae, "dead", death)
    return _Outcome(progression, death, None, "alive", cut - rng.randint(0, 45))


@dataclass(slots=True)
class _Assessments:
    rows: list[FormValues]
    progression: date | None
    progression_offset: int | None
    pattern: tuple[str, ...]


def _assessments(
    b: _Builder, outcome: _Outcome, sites: tuple[str, ...], mrecist: bool
) -> _Assessments:
    rng = b.rng
    best = _pick(
        rng,
        {"CR": 0.04, "PR": 0.14, "SD": 0.82} if mrecist else {"CR": 0.015, "PR": 0.07, "SD": 0.915},
    )
    rows: list[FormValues] = []
    offset = 0
    for visit in range(24):
        offset += rng.randint(49, 63)
        if offset >= outcome.horizon:
            break
        on = b.day(offset)
        row: FormValues = {
            "assessment_date": on,
            "modality": _pick(rng, {"ct": 0.55, "mri": 0.40, "pet_ct": 0.05}),
            "criteria": "mrecist" if mrecist else "recist_1_1",
        }
        if _chance(rng, 0.9):
            row["imaging_date"] = _after(on, -rng.randint(0, min(5, offset - 1)))
        if offset >= outcome.progression:
            pattern = tuple(
                sorted(
                    set(
                        rng.choices(
                            (
                                "intrahepatic_growth",
                                "new_intrahepatic",
                                "extrahepatic_growth",
                                "new_extrahepatic",
                                "new_vascular_invasion",
                            ),
                            (0.45, 0.30, 0.20, 0.20, 0.08),
                            k=rng.choice((1, 1, 2)),
                        )
                    )
                )
            )
            new = any(p.startswith("new_") for p in pattern)
            row["overall_response"] = "PD"
            row["new_lesions"] = "yes" if new else "no"
            now_sites = set(sites)
            if "new_extrahepatic" in pattern:
                now_sites.add(rng.choice(("lung", "lymph_node", "bone", "adrenal")))
            if now_sites:
                row["metastatic_sites"] = tuple(sorted(now_sites))
            rows.append(row)
            return _Assessments(rows, on, offset, pattern)
        if _chance(rng, 0.03):
            response = "NE"
        elif best == "CR":
            response = "PR" if visit == 0 else "CR"
        elif best == "PR":
            response = "PR" if visit > 0 or _chance(rng, 0.6) else "SD"
        else:
            response = "SD"
        row["overall_response"] = response
        row["new_lesions"] = "no" if _chance(rng, 0.97) else "unknown"
        if sites:
            row["metastatic_sites"] = sites
        rows.append(row)
    return _Assessments(rows, None, None, ())


def _adverse_event(
    b: _Builder,
    term: str,
    grade: int,
    onset: date,
    horizon: date,
    action: str,
) -> FormValues:
    rng = b.rng
    grade = min(grade, _MAX_GRADE.get(term, 5))
    row: FormValues = {"term": term}
    if term == "other":
        row["term_other"] = rng.choice(_OTHER_TERM_TEXT)
    row.update(
        {
            "grade": grade,
            "onset_date": onset,
            "serious": "yes" if grade >= 4 or (grade == 3 and _chance(rng, 0.4)) else "no",
            "relation": _pick(
                rng,
                {"definite": 0.15, "probable": 0.40, "possible": 0.35, "unlikely": 0.10},
            ),
            "action": action,
        }
    )
    resolved = _after(onset, rng.randint(2, 60))
    if _chance(rng, 0.72) and resolved <= horizon:
        row["resolution_date"] = resolved
        row["outcome"] = "recovered" if _chance(rng, 0.92) else "sequelae"
    else:
        row["outcome"] = _pick(rng, {"recovering": 0.5, "not_recovered": 0.4, "unknown": 0.1})
    return row


def _grade(rng: random.Random) -> int:
    return int(_pick(rng, {"1": 0.50, "2": 0.35, "3": 0.13, "4": 0.02}))


def _subsequent(b: _Builder, after: date, horizon: date) -> list[FormValues]:
    rng = b.rng
    rows: list[FormValues] = []
    start = _after(after, rng.randint(7, 45))
    used: set[str] = set()
    for _ in range(rng.choice((1, 1, 1, 2))):
        if start >= horizon:
            break
        regimen = _pick(rng, {k: w for k, w in _SUBSEQUENT_WEIGHTS.items() if k not in used})
        used.add(regimen)
        row: FormValues = {"regimen": regimen}
        if regimen == "other":
            row["regimen_other"] = rng.choice(_OTHER_REGIMEN_TEXT)
        row["start_date"] = start
        end = _after(start, rng.randint(14, 200))
        dose = _SUBSEQUENT[regimen]
        if dose is None:
            row["dose_unit"] = "not_applicable"
            row["cycles"] = rng.randint(1, 4)
        else:
            row["dose"], row["dose_unit"] = dose
            row["cycles"] = rng.randint(1, 8)
        row["best_response"] = _pick(rng, {"PR": 0.08, "SD": 0.35, "PD": 0.45, "NE": 0.12})
        rows.append(row)
        if end >= horizon:
            break
        row["end_date"] = end
        start = _after(end, rng.randint(7, 40))
    return rows


def _latest_date(forms: Sequence[tuple[str, FormValues]]) -> date:
    return max(v for _, values in forms for v in values.values() if isinstance(v, date))


@dataclass(frozen=True, slots=True)
class _Baseline:
    """What the screening forms fix and the treatment period draws on."""

    person: _Person
    ecog: int
    liver: _Liver
    labs: list[FormValues]  # baseline sample first; on-treatment samples are added
    afp: float
    sites: tuple[str, ...]
    survival_scale: float  # shorter times for Child-Pugh B, ECOG 2 and BCLC C


def _hcc_history(b: _Builder, birth: date, cirrhosis: str, first_line_start: date) -> date:
    """Adds the HCC history form; returns the date of diagnosis."""
    rng = b.rng
    advanced = _after(first_line_start, -rng.randint(7, 60))
    diagnosed = advanced if _chance(rng, 0.45) else _after(advanced, -rng.randint(90, 1800))
    diagnosed = max(diagnosed, _after(birth, int(18 * 365.25)))
    aetiology: tuple[str, ...]
    if _chance(rng, 0.82):
        aetiology = ("hbv", "alcohol") if _chance(rng, 0.08) else ("hbv",)
    else:
        aetiology = (_pick(rng, {"hcv": 0.35, "alcohol": 0.35, "masld": 0.20, "other": 0.10}),)
    history: FormValues = {
        "diagnosis_basis": _pick(rng, {"clinical": 0.55, "histology": 0.40, "cytology": 0.05}),
        "hcc_diagnosis_date": diagnosed,
        "advanced_diagnosis_date": advanced,
        "aetiology": aetiology,
        "cirrhosis": cirrhosis,
    }
    if "other" in aetiology:
        history["aetiology_other"] = rng.choice(("自身免疫性肝炎", "原发性胆汁性胆管炎", "隐源性"))
    b.add("hcc_history", history)
    return diagnosed


def _genetic_tests(b: _Builder, diagnosed: date) -> None:
    rng = b.rng
    if not _chance(rng, 0.12):
        return
    tests = rng.sample(("tp53", "ctnnb1", "tert_promoter", "axin1", "arid1a", "fgf19"), 2)
    positive = {"tp53": 0.3, "ctnnb1": 0.2, "tert_promoter": 0.5}
    for test in tests[: rng.randint(1, 2)]:
        result = "detected" if _chance(rng, positive.get(test, 0.08)) else "not_detected"
        when = _after(diagnosed, rng.randint(0, max(0, (b.first_dose - diagnosed).days - 1)))
        b.add("genetic_tests", {"test_date": when, "test": test, "result": result})


def _baseline_imaging(b: _Builder, extrahepatic_spread: str) -> tuple[str, ...]:
    """Adds the baseline scan; returns the metastatic sites."""
    rng = b.rng
    sites: tuple[str, ...] = ()
    if extrahepatic_spread == "yes":
        sites = _subset(
            rng,
            {
                "lung": 0.55,
                "lymph_node": 0.40,
                "bone": 0.25,
                "adrenal": 0.08,
                "peritoneum": 0.08,
                "brain": 0.01,
            },
        ) or ("lung",)
    modality: tuple[str, ...] = (_pick(rng, {"ct": 0.55, "mri": 0.45}),)
    if _chance(rng, 0.07):
        modality += ("pet_ct",)
    if "bone" in sites and _chance(rng, 0.5):
        modality += ("bone_scan",)
    imaging: FormValues = {
        "scan_date": _after(b.first_dose, -rng.randint(3, 28)),
        "modality": modality,
        "measurable_lesion": "yes" if _chance(rng, 0.96) else "no",
        "metastases": "yes" if sites else "no",
    }
    if sites:
        imaging["metastatic_sites"] = sites
    b.add("baseline_imaging", imaging)
    return sites


def _screening(b: _Builder) -> _Baseline:
    """Every form filled before day 1."""
    rng, first = b.rng, b.first_dose
    sex = "male" if _chance(rng, 0.85) else "female"
    birth = _birth_date(rng, _age(rng), first)
    ecog = int(_pick(rng, {"0": 0.45, "1": 0.47, "2": 0.08}))
    cirrhosis = _pick(rng, {"yes": 0.75, "no": 0.20, "unknown": 0.05})
    person = _Person(
        sex,
        cirrhosis,
        "g/L" if _chance(rng, 0.8) else "g/dL",
        "umol/L" if _chance(rng, 0.8) else "mg/dL",
        "ng/mL" if _chance(rng, 0.85) else "IU/mL",
    )
    b.add("eligibility", _eligibility(None))
    b.add(
        "identification",
        {
            "full_name": chinese_name(rng, sex),
            "hospital_record_number": hospital_record_number(b.index),
            "date_of_birth": birth,
        },
    )
    b.add("demographics", _demographics(rng, sex, ecog))
    priors, first_line_start = _prior_lines(b)
    diagnosed = _hcc_history(b, birth, cirrhosis, first_line_start)
    for row in _medical_history(b, birth, cirrhosis):
        b.add("medical_history", row)
    tumour, extrahepatic_spread, afp = _tumour(rng, ecog)
    b.add("primary_tumour", tumour)
    for row in priors:
        b.add("prior_treatments", row)
    liver = _Liver.draw(rng)
    baseline_day = _after(first, -rng.randint(1, 10))
    b.add("baseline_liver", liver.values(rng, baseline_day))
    labs = [_lab_sample(rng, person, liver, baseline_day, afp)]
    _genetic_tests(b, diagnosed)
    sites = _baseline_imaging(b, extrahepatic_spread)
    scale = (0.6 if liver.total >= 7 else 1.0) * (0.7 if ecog >= 2 else 1.0)
    scale *= 0.85 if tumour["bclc_stage"] == "C" else 1.15
    return _Baseline(person, ecog, liver, labs, afp, sites, scale)


@dataclass(frozen=True, slots=True)
class _Treatment:
    plan: DosingPlan
    last_dose: date | None
    reason: str  # discontinuation reason; "" while ongoing
    fatal_stop: bool  # the fatal adverse event ended treatment


def _first_stop(b: _Builder, outcome: _Outcome, assessed: _Assessments) -> tuple[int, str]:
    """Day offset and reason of the first event that ends regorafenib."""
    rng = b.rng
    stops: list[tuple[int, str]] = []
    if assessed.progression_offset is not None:
        stops.append((assessed.progression_offset + rng.randint(0, 3), "progression"))
    if _chance(rng, 0.10):
        stops.append((rng.randint(14, 240), "adverse_event"))
    if _chance(rng, 0.05):
        stops.append((rng.randint(28, 360), rng.choice(("patient_decision", "physician_decision"))))
    if outcome.status == "dead":
        gap = rng.randint(0, 14)
        stops.append((max(0, outcome.death - gap), "death" if gap <= 3 else "physician_decision"))
    if outcome.fatal_ae is not None:
        stops.append((outcome.fatal_ae, "adverse_event"))
    return min(stops) if stops else (outcome.horizon + 1, "")


def _treatment(b: _Builder, outcome: _Outcome, assessed: _Assessments) -> _Treatment:
    """Adds the treatment form; the dosing plan runs until the first stop or the horizon."""
    rng = b.rng
    stop_offset, stop_reason = _first_stop(b, outcome, assessed)
    stop = b.day(stop_offset) if stop_offset <= outcome.horizon else None
    horizon = b.day(outcome.horizon)
    plan = plan_dosing(rng, b.first_dose, stop, horizon, plant=_chance(rng, PLANTED_RATE))
    values: FormValues = {
        "first_dose_date": b.first_dose,
        "initial_daily_dose": float(plan.initial_daily_dose),
    }
    last_dose = plan.last_dose
    reason = ""
    if last_dose is not None:
        reason = "physician_decision" if plan.capped else stop_reason
    elif outcome.status == "lost":
        last_dose, reason = plan.cycles[-1].dosing_end, "lost"
    if last_dose is None:
        values["treatment_status"] = "ongoing"
    else:
        values["treatment_status"] = "discontinued"
        values["last_dose_date"] = last_dose
        values["discontinuation_reason"] = reason
    b.add("treatment", values)
    fatal_stop = (
        outcome.fatal_ae is not None
        and (stop_offset, stop_reason) == (outcome.fatal_ae, "adverse_event")
        and reason == "adverse_event"
    )
    return _Treatment(plan, last_dose, reason, fatal_stop)


def _dose_changes(b: _Builder, plan: DosingPlan, horizon: date) -> list[FormValues]:
    """Adds the dose changes; returns the adverse events behind them."""
    rng = b.rng
    events: list[FormValues] = []
    for change in plan.changes:
        row: FormValues = {"change_date": change.on, "method": change.method}
        if change.new_daily_dose is not None:
            row["new_daily_dose"] = float(change.new_daily_dose)
        row["reason"] = change.reason
        b.add("dose_changes", row)
        if change.ae_action is not None:
            onset = max(b.day(1), _after(change.on, -rng.randint(0, 5)))
            grade = 3 if _chance(rng, 0.4) else 2
            term = _pick(rng, _TOXICITY_TERMS)
            events.append(_adverse_event(b, term, grade, onset, horizon, change.ae_action))
    return events


def _other_events(b: _Builder, treatment: _Treatment, horizon: date) -> list[FormValues]:
    """The event that ended treatment, if toxicity did, and events with no dose change."""
    rng = b.rng
    events: list[FormValues] = []
    end = treatment.last_dose if treatment.last_dose is not None else horizon
    if treatment.reason == "adverse_event" and not treatment.fatal_stop:
        onset = max(b.day(1), _after(end, -rng.randint(0, 3)))
        grade = 4 if _chance(rng, 0.15) else 3
        term = _pick(rng, _TOXICITY_TERMS)
        events.append(_adverse_event(b, term, grade, onset, horizon, "withdrawn"))
    window_end = min(_after(end, 30), horizon)
    for _ in range(int(_pick(rng, {"0": 0.2, "1": 0.3, "2": 0.25, "3": 0.15, "4": 0.1}))):
        term = _pick(rng, _OTHER_TERMS)
        latest = min(window_end, b.day(45)) if term == "ppes" else window_end
        if latest < b.day(1):
            continue
        earliest = b.day(min(4, (latest - b.first_dose).days))
        onset = _after(earliest, rng.randint(0, (latest - earliest).days))
        action = "none" if onset <= end else "not_applicable"
        events.append(_adverse_event(b, term, _grade(rng), onset, horizon, action))
    return events


def _death(
    b: _Builder, outcome: _Outcome, treatment: _Treatment, progressed: bool
) -> tuple[DeathInfo | None, FormValues | None]:
    """How the patient died, and the grade 5 adverse event if one caused it."""
    rng = b.rng
    if outcome.status != "dead":
        return None, None
    on = b.day(outcome.death)
    if outcome.fatal_ae is None:
        causes = (
            {"progression": 0.8, "liver_failure": 0.1, "other": 0.05, "unknown": 0.05}
            if progressed
            else {"liver_failure": 0.4, "other": 0.3, "unknown": 0.3}
        )
        return DeathInfo(on, _pick(rng, causes), False), None
    fatal: FormValues = {
        "term": _pick(rng, _FATAL_TERMS),
        "grade": 5,
        "onset_date": b.day(outcome.fatal_ae),
        "serious": "yes",
        "relation": _pick(rng, {"possible": 0.5, "unlikely": 0.3, "probable": 0.2}),
        "action": "withdrawn" if treatment.fatal_stop else "not_applicable",
        "outcome": "fatal",
    }
    return DeathInfo(on, "adverse_event", True), fatal


def _survival(b: _Builder, outcome: _Outcome, death: DeathInfo | None) -> None:
    """Adds the survival form; the last follow-up is on or after every other date."""
    latest = _latest_date(b.forms)
    values: FormValues = {"status": outcome.status}
    if death is not None:
        known_alive = max(latest, _after(death.on, -b.rng.randint(0, 14)), b.day(1))
        values["last_follow_up_date"] = min(known_alive, death.on)
        values["death_date"] = death.on
        values["death_cause"] = death.cause
    else:
        values["last_follow_up_date"] = max(b.day(outcome.horizon), latest)
    b.add("survival", values)


def _eligible(index: int, rng: random.Random) -> SyntheticPatient:
    span = (FIRST_DOSE_TO - FIRST_DOSE_FROM).days
    b = _Builder(rng, index, _after(FIRST_DOSE_FROM, rng.randint(0, span)))
    base = _screening(b)
    outcome = _outcome(rng, b.first_dose, base.survival_scale)
    horizon = b.day(outcome.horizon)
    assessed = _assessments(b, outcome, base.sites, _chance(rng, 0.4))
    progressed = assessed.progression is not None

    treatment = _treatment(b, outcome, assessed)
    _cycles(b, treatment.plan, base)
    for lab in base.labs:
        b.add("lab_tests", lab)
    events = _dose_changes(b, treatment.plan, horizon)
    for row in assessed.rows:
        b.add("response_assessments", row)
    events += _other_events(b, treatment, horizon)
    death, fatal = _death(b, outcome, treatment, progressed)
    if fatal is not None:
        events.append(fatal)
    for row in events:
        b.add("adverse_events", row)

    progression: FormValues = {"progressed": "no"}
    if assessed.progression is not None:
        progression = {
            "progressed": "yes",
            "progression_date": assessed.progression,
            "pattern": assessed.pattern,
        }
    b.add("progression", progression)
    last_dose = treatment.last_dose
    time_left = last_dose is not None and (horizon - last_dose).days > 21
    if last_dose is not None and time_left and _chance(rng, 0.5 if progressed else 0.2):
        for row in _subsequent(b, last_dose, horizon):
            b.add("subsequent_treatments", row)
    _survival(b, outcome, death)
    return SyntheticPatient(
        index,
        tuple(b.forms),
        planted=treatment.plan.planted,
        death=death,
        lost=outcome.status == "lost",
        progressed=progressed,
    )


def _cycles(b: _Builder, plan: DosingPlan, base: _Baseline) -> None:
    """Adds one record per cycle, with liver function and blood counts before it."""
    rng, liver, person, labs, ecog = b.rng, base.liver, base.person, base.labs, base.ecog
    for cycle in plan.cycles:
        if cycle.number == 1:
            liver_day = labs[0]["sample_date"]
            assert isinstance(liver_day, date)
        else:
            liver_day = _after(cycle.start, -rng.randint(0, 3))
            if _chance(rng, 0.05):
                liver.worsen(rng)
            if _chance(rng, 0.05):
                ecog = min(3, ecog + 1)
        row: FormValues = {
            "cycle_number": cycle.number,
            "start_date": cycle.start,
            "daily_dose": float(cycle.daily_dose),
            "dosing_end_date": cycle.dosing_end,
            "ecog": ecog,
            **liver.values(rng, liver_day),
        }
        if _chance(rng, 0.85):
            row.update(_blood_counts(rng, person))
        b.add("cycles", row)
        if cycle.number in (2, 4) and _chance(rng, 0.7):
            labs.append(_lab_sample(rng, person, liver, _after(cycle.start, -1), base.afp))


def synthesize(seed: int, index: int) -> SyntheticPatient:
    """Patient number ``index`` (0-based, over the whole study) for ``seed``."""
    rng = patient_rng(seed, index)
    if _chance(rng, SCREEN_FAILURE_RATE):
        return _screen_failure(index, rng)
    return _eligible(index, rng)
