"""Committed test vector of the de-identified payload (docs/transfer-format.md section 9).

The input is the three casebooks of :mod:`tests.exchange.casebooks` (built in memory,
fixed entry ids). The payload is deterministic, so the library must reproduce
``vectors/payload-v1.jsonl`` byte for byte; an independent check written from the
specification alone (plain ``json``, the study-day formula) reads it back.

To regenerate after an intentional format change (then review the diff!)::

    python -m tests.exchange.test_payload_vectors --write
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from tests.exchange.casebooks import PACKAGE_ID, SEQUENCE, SITE, payload_bytes

VECTOR = Path(__file__).parent / "vectors" / "payload-v1.jsonl"

FIRST_DOSE_1 = dt.date(2023, 3, 10)
FIRST_DOSE_3 = dt.date(2024, 2, 28)


def spec_study_day(date: dt.date, first_dose: dt.date) -> int:
    """Section 9.3: date - first dose + 1 on or after day 1, date - first dose before it."""
    difference = (date - first_dose).days
    return difference + 1 if date >= first_dose else difference


def test_library_reproduces_the_vector() -> None:
    assert payload_bytes() == VECTOR.read_bytes()


def test_vector_read_with_the_specification_only() -> None:
    data = VECTOR.read_bytes()
    assert data.endswith(b"\n")
    lines = [json.loads(line) for line in data.decode("utf-8").split("\n")[:-1]]
    manifest, patients = lines[0], lines[1:]
    assert manifest["kind"] == "manifest"
    assert manifest["format"] == "rego-deidentified-dataset"
    assert manifest["version"] == 2  # version 2 since issue 16 (answers to center queries)
    assert manifest["date_convention"] == "study-day"
    assert (manifest["site_code"], manifest["package_id"], manifest["sequence"]) == (
        SITE,
        str(PACKAGE_ID),
        SEQUENCE,
    )
    assert manifest["patients"] == len(patients) == 3
    assert manifest["patients_without_first_dose"] == ["BJ01-0002"]
    assert manifest["ages_grouped"] == 1
    assert manifest["ages_unknown"] == 1
    assert {"form": "identification", "field": None, "reason": "identifying", "count": 3} in (
        manifest["removed"]
    )
    counted: dict[str, int] = dict.fromkeys(manifest["entries"], 0)
    for patient in patients:
        for form_id, entries in patient["forms"].items():
            counted[form_id] += len(entries)
    assert counted == manifest["entries"]

    one, two, three = patients
    assert [p["subject"] for p in patients] == ["BJ01-0001", "BJ01-0002", "BJ01-0003"]
    assert one["age_at_first_dose"] == 72
    assert one["first_dose_known"] is True
    values = {form: entries[0]["values"] for form, entries in one["forms"].items()}
    assert values["treatment"]["first_dose_date"] == 1
    assert values["hcc_history"]["hcc_diagnosis_date"] == spec_study_day(
        dt.date(2022, 3, 10), FIRST_DOSE_1
    )
    assert values["baseline_liver"]["liver_date"] == -1  # the day before day 1
    assert values["baseline_liver"]["bilirubin"] == {"value": 1.2, "unit": "mg/dL"}
    assert values["medical_history"]["start_date"] == spec_study_day(
        dt.date(2015, 6, 1), FIRST_DOSE_1
    )
    events = one["forms"]["adverse_events"]
    assert [e["entry"] for e in events] == sorted(e["entry"] for e in events)
    assert events[1]["values"]["onset_date"] == spec_study_day(dt.date(2023, 3, 24), FIRST_DOSE_1)
    assert "term_other" not in events[1]["values"]
    assert "aetiology_other" not in values["hcc_history"]

    assert two["first_dose_known"] is False
    assert two["age_at_first_dose"] is None
    assert two["forms"]["adverse_events"][0]["values"] == {"grade": 1, "term": "fatigue"}

    assert three["age_at_first_dose"] == "90+"
    assert three["signed"] is True
    progression = three["forms"]["progression"][0]["values"]
    assert progression["progression_date"] == spec_study_day(dt.date(2024, 3, 1), FIRST_DOSE_3)
    assert progression["progression_date"] == 3  # 2024 is a leap year

    text = data.decode("utf-8")
    for secret in ("王秀英", "ZY20240088123", "Liu Mingyuan", "李四", "张三", "1950-03-11"):
        assert secret not in text
    assert "identification" not in {f for p in patients for f in p["forms"]}


def _walk(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return [v for value in node.values() for v in _walk(value)]
    if isinstance(node, list):
        return [v for value in node for v in _walk(value)]
    return [node]


def test_vector_has_no_iso_dates() -> None:
    import re

    for value in _walk([json.loads(line) for line in VECTOR.read_text("utf-8").splitlines()]):
        assert not (isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value))


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python -m tests.exchange.test_payload_vectors --write")
    VECTOR.write_bytes(payload_bytes())
    print(f"wrote {VECTOR}")
