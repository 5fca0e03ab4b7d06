"""Fixed casebooks built in memory (no database) for payload tests and the test vector.

Site BJ01, three patients:

* BJ01-0001: first dose 2023-03-10, born 1950-03-11 (age 72), an adverse event with a
  free-text term, liver values with units, a condition before the first dose;
* BJ01-0002: no first dose date (its dates cannot become study days), born 1960-01-01;
* BJ01-0003: first dose 2024-02-28 (a leap year), born 1930-06-30 (age 93: "90+"), signed.
"""

from __future__ import annotations

import datetime as dt
import uuid

from rego_desktop.casebook import Casebook, Entry
from rego_desktop.exchange.container import TransferHeader
from rego_desktop.exchange.deidentify import (
    DatasetTally,
    DeidentifiedPatient,
    deidentify_casebook,
    export_policy,
)
from rego_desktop.exchange.payload import Manifest, payload_lines, signed_content_digest
from rego_desktop.study import CURRENT
from rego_desktop.study.values import Quantity, Value

SITE = "BJ01"
PACKAGE_ID = uuid.UUID("3f1c6e2a-8b4d-4c7e-9a15-2d3e4f5a6b7c")
SEQUENCE = 3
CREATED = dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.UTC)
MOMENT = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
AE1 = "0f" * 16
AE2 = "a1" * 16
AE3 = "5c" * 16
MH1 = "77" * 16

Entries = dict[str, list[tuple[str, dict[str, Value]]]]


def _book(code: str, entries: Entries, *, locked: bool = False) -> Casebook:
    result = Casebook(CURRENT, code, f"uid-{code}", locked)
    for form_id, items in entries.items():
        result.entries[form_id] = [Entry(uid, 1, values, MOMENT) for uid, values in items]
    return result


def casebooks() -> list[Casebook]:
    first = dt.date(2023, 3, 10)
    one = _book(
        "BJ01-0001",
        {
            "identification": [
                (
                    "",
                    {
                        "full_name": "王秀英",
                        "hospital_record_number": "ZY20240088123",
                        "date_of_birth": dt.date(1950, 3, 11),
                    },
                )
            ],
            "demographics": [("", {"sex": "female", "height": 158.0, "weight": 52.5, "ecog": 1})],
            "hcc_history": [
                (
                    "",
                    {
                        "diagnosis_basis": "histology",
                        "hcc_diagnosis_date": dt.date(2022, 3, 10),
                        "aetiology": ("hbv", "other"),
                        "aetiology_other": "herbal remedy from neighbour 李四",
                        "cirrhosis": "yes",
                    },
                )
            ],
            "medical_history": [
                (
                    MH1,
                    {
                        "condition": "hypertension",
                        "start_date": dt.date(2015, 6, 1),
                        "ongoing": "yes",
                    },
                )
            ],
            "baseline_liver": [
                (
                    "",
                    {
                        "liver_date": dt.date(2023, 3, 9),
                        "bilirubin": Quantity(1.2, "mg/dL"),
                        "albumin": Quantity(38.0, "g/L"),
                        "inr": 1.1,
                        "ascites": "none",
                    },
                )
            ],
            "treatment": [
                (
                    "",
                    {
                        "first_dose_date": first,
                        "initial_daily_dose": 160.0,
                        "treatment_status": "ongoing",
                    },
                )
            ],
            "adverse_events": [
                (
                    AE2,
                    {
                        "term": "other",
                        "term_other": "rash after visiting 张三",
                        "grade": 2,
                        "onset_date": dt.date(2023, 3, 24),
                        "serious": "no",
                    },
                ),
                (
                    AE1,
                    {
                        "term": "hypertension",
                        "grade": 3,
                        "onset_date": first,
                        "serious": "no",
                    },
                ),
            ],
            "survival": [("", {"status": "alive", "last_follow_up_date": dt.date(2024, 3, 10)})],
        },
    )
    two = _book(
        "BJ01-0002",
        {
            "identification": [
                ("", {"full_name": "Liu Mingyuan", "date_of_birth": dt.date(1960, 1, 1)})
            ],
            "demographics": [("", {"sex": "male", "ecog": 0})],
            "adverse_events": [
                (AE3, {"term": "fatigue", "grade": 1, "onset_date": dt.date(2023, 5, 1)})
            ],
        },
    )
    three = _book(
        "BJ01-0003",
        {
            "identification": [("", {"date_of_birth": dt.date(1930, 6, 30)})],
            "treatment": [("", {"first_dose_date": dt.date(2024, 2, 28)})],
            "progression": [("", {"progressed": "yes", "progression_date": dt.date(2024, 3, 1)})],
        },
        locked=True,
    )
    return [one, two, three]


def deidentified() -> tuple[list[DeidentifiedPatient], Manifest]:
    policy = export_policy(CURRENT)
    tally = DatasetTally(policy)
    patients = [deidentify_casebook(book, policy, tally) for book in casebooks()]
    manifest = Manifest.from_tally(tally, site_code=SITE, package_id=PACKAGE_ID, sequence=SEQUENCE)
    return patients, manifest


def payload_bytes() -> bytes:
    patients, manifest = deidentified()
    # The site sends, for each signed casebook, the digest stored when it was signed.
    signed = {p.subject_code: signed_content_digest(p) for p in patients if p.signed}
    return b"".join(payload_lines(manifest, patients, signed))


def header(**overrides: object) -> TransferHeader:
    """A header matching the manifest (the reader only compares the package fields)."""
    fields: dict[str, object] = {
        "site_code": SITE,
        "package_id": PACKAGE_ID,
        "sequence": SEQUENCE,
        "created": CREATED,
        "study_id": CURRENT.id,
        "study_version": CURRENT.version,
        "site_key_fingerprint": "MEFQY-JGC54-88PSC-5CZAB-E9CSC-867JS-ZC9QJ-02JNS",
        "recipient_fingerprint": "MEFQY-JGC54-88PSC-5CZAB-E9CSC-867JS-ZC9QJ-02JNS",
        "chunk_size": 65536,
        "ephemeral_public_key": bytes(32),
    }
    fields.update(overrides)
    return TransferHeader(**fields)  # type: ignore[arg-type]
