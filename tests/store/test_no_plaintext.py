"""Nothing identifying and no clinical value lies in plaintext on disk."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from rego_desktop.services.patients import PatientService
from rego_desktop.store.study import OpenStudy
from rego_desktop.study import CURRENT

NAMES = ["Zhang Weiqiang", "王秀英", "Liu Mingyuan"]
RECORD_NUMBERS = ["MRN-48213977", "ZY20240088123", "H-7734-5519"]
BIRTHS = [dt.date(1957, 8, 19), dt.date(1949, 2, 3), dt.date(1966, 11, 27)]
FIRST_DOSES = [dt.date(2023, 4, 17), dt.date(2022, 9, 6), dt.date(2024, 1, 29)]
TERMS = ["ppes", "hypertension", "hepatic_failure"]


def needles() -> list[str]:
    out = NAMES + RECORD_NUMBERS + [d.isoformat() for d in BIRTHS + FIRST_DOSES]
    terms = CURRENT.codelist("ctcae_term")
    for value in TERMS:
        code = terms.get(value)
        assert code is not None
        out += [value, code.label.en, code.label.zh]
    out.append("AE reason: pharmacy mix-up")
    return out


def encodings(text: str) -> list[bytes]:
    return [text.encode(enc) for enc in ("utf-8", "utf-16-le", "utf-16-be", "gb18030")]


def files_under(*folders: Path) -> list[Path]:
    found = []
    for folder in folders:
        for root, _dirs, names in os.walk(folder):
            found += [Path(root) / n for n in names]
    return found


def test_no_value_in_any_file_the_application_wrote(
    study: OpenStudy, db_path: Path, data_dir: Path
) -> None:
    service = PatientService(study)
    for i in range(3):
        code = service.create_patient()
        service.save(
            code,
            "identification",
            {
                "full_name": NAMES[i],
                "hospital_record_number": RECORD_NUMBERS[i],
                "date_of_birth": BIRTHS[i],
            },
        )
        service.save(
            code, "treatment", {"first_dose_date": FIRST_DOSES[i], "initial_daily_dose": 160.0}
        )
        item = service.save(
            code,
            "adverse_events",
            {
                "term": TERMS[i],
                "grade": 2,
                "onset_date": FIRST_DOSES[i] + dt.timedelta(days=12),
                "serious": "no",
                "relation": "probable",
                "action": "reduced",
                "outcome": "recovered",
            },
        )
        service.save(
            code,
            "adverse_events",
            {
                "term": TERMS[i],
                "grade": 3,
                "onset_date": FIRST_DOSES[i] + dt.timedelta(days=12),
                "serious": "no",
                "relation": "probable",
                "action": "reduced",
                "outcome": "recovered",
            },
            item_uid=item,
            reason="AE reason: pharmacy mix-up",
        )
    # Scan while the study is still open (WAL not yet checkpointed) and after closing.
    written = files_under(db_path.parent, data_dir)
    assert any(p.name.endswith("-wal") for p in written)
    _assert_clean(written)
    study.close()
    _assert_clean(files_under(db_path.parent, data_dir))


def _assert_clean(paths: list[Path]) -> None:
    assert paths
    for path in paths:
        data = path.read_bytes()
        for needle in needles():
            for encoded in encodings(needle):
                assert encoded not in data, f"{needle!r} found in {path.name}"
