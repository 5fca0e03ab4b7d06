"""Site side: the signing key, the preview, the export and what leaves the site."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from rego_desktop.audit import trail
from rego_desktop.auth.roles import Role
from rego_desktop.errors import PermissionDenied
from rego_desktop.exchange.container import read_header, unseal_transfer
from rego_desktop.exchange.errors import ExchangeWriteError
from rego_desktop.exchange.export import export_transfer, preview_export
from rego_desktop.exchange.keys import generate_center_keys, load_site_public_key
from rego_desktop.exchange.payload import PayloadReader
from rego_desktop.exchange.site_keys import (
    ensure_site_key,
    export_site_public_key,
    site_public_key,
)
from rego_desktop.models import Patient
from rego_desktop.models.site_keys import SiteKey, TransferExport
from rego_desktop.services.users import UserService
from rego_desktop.store.opening import open_study
from rego_desktop.store.study import OpenStudy
from tests.authority.legacy import make_legacy
from tests.conftest import ADMIN, FAST_KDF, PASSWORD
from tests.exchange.sitefill import FillReport, fill_site

CENTER = generate_center_keys("Coordinating Center", created=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))


def audit_actions(study: OpenStudy) -> list[str]:
    with study.reading() as session:
        return [r.action for r in trail.read(session, study.keyring, study.info.db_uid)]


def encodings(text: str) -> list[bytes]:
    forms = [text.encode(enc) for enc in ("utf-8", "utf-16-le", "utf-16-be", "gb18030")]
    escaped = json.dumps(text)[1:-1].encode("ascii")  # \uXXXX form of non-ASCII text
    return [*forms, escaped]


def test_new_study_has_its_site_key_from_creation(study: OpenStudy) -> None:
    with study.reading() as session:
        assert session.scalar(select(func.count()).select_from(SiteKey)) == 1
        [created] = trail.read(session, study.keyring, study.info.db_uid)[:1]
    assert created.action == "study.create"
    assert created.details["site_key"] == site_public_key(study).fingerprint
    assert "site_key.create" not in audit_actions(study)


def test_site_key_is_made_on_first_need_once_and_audited(study: OpenStudy, db_path: Path) -> None:
    # A database made before site keys existed (schema 0002) has none.
    with study.transaction() as session:
        session.execute(delete(SiteKey))
    first = site_public_key(study)
    second = site_public_key(study)
    assert first == second
    assert first.site_code == "BJ01"
    assert audit_actions(study).count("site_key.create") == 1
    with study.transaction() as session:
        key = ensure_site_key(study, session)
    assert key.fingerprint == first.fingerprint
    # The private key is stored encrypted: its raw bytes are nowhere in the file.
    raw = key.private_key.private_bytes_raw()
    study.close()
    for suffix in ("", "-wal"):
        part = Path(str(db_path) + suffix)
        if part.exists():
            assert raw not in part.read_bytes()
    reopened = open_study(db_path, ADMIN, PASSWORD)
    try:
        assert site_public_key(reopened) == first
    finally:
        reopened.close()


def test_site_key_file_for_registration(study: OpenStudy, tmp_path: Path) -> None:
    path = tmp_path / "BJ01-key.json"
    public = export_site_public_key(study, path)
    loaded = load_site_public_key(path)
    assert loaded == public
    assert loaded.fingerprint in path.read_text(encoding="utf-8")
    with pytest.raises(ExchangeWriteError, match="already exists"):
        export_site_public_key(study, path)


def test_tampered_stored_key_is_refused(study: OpenStudy, db_path: Path) -> None:
    from rego_desktop.errors import DamagedDatabase

    site_public_key(study)
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE site_signing_keys SET site_code = 'XX99'")
    with study.transaction() as session, pytest.raises(DamagedDatabase):
        ensure_site_key(study, session)


def test_database_from_before_the_site_key_gets_one_on_first_export(
    study: OpenStudy, db_path: Path, tmp_path: Path
) -> None:
    fill_site(study, 2)
    study.close()
    make_legacy(db_path, study.keyring, "0002")  # as a build without site keys wrote it
    with sqlite3.connect(db_path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "site_signing_keys" not in tables
    reopened = open_study(db_path, ADMIN, PASSWORD)
    try:
        result = export_transfer(reopened, CENTER.public, tmp_path / "out.rgt")
        assert result.header.sequence == 1
        assert audit_actions(reopened)[-2:] == ["site_key.create", "export"]
    finally:
        reopened.close()


@pytest.fixture
def filled(study: OpenStudy) -> FillReport:
    return fill_site(study, 6, seed=7, without_first_dose=1, aged_90_plus=1)


def test_preview_says_what_leaves_and_writes_nothing(
    study: OpenStudy, filled: FillReport, db_path: Path
) -> None:
    actions = audit_actions(study)
    preview = preview_export(study)
    assert audit_actions(study) == actions  # nothing audited, no key made
    assert preview.site_key_fingerprint == site_public_key(study).fingerprint
    assert preview.next_sequence == 1
    assert preview.previous is None
    assert preview.patients == 6
    assert preview.site_code == "BJ01"
    forms = {f.form_id: f.entries for f in preview.forms}
    assert "identification" not in forms
    assert forms["demographics"] == 6
    removed = {(r.form_id, r.field_id): r for r in preview.removed}
    assert removed[("identification", None)].count == 6
    assert removed[("identification", None)].reason_label.en == "identifying"
    assert removed[("adverse_events", "term_other")].field_label is not None
    first = filled.patients[0]
    assert preview.patients_without_first_dose == (first.subject_code,)
    assert preview.ages_grouped == 1
    text = "\n".join(preview.lines())
    assert "whole form (identifying), 6 entries" in text
    assert first.subject_code in text
    assert "no day 0" in text
    assert "\n".join(preview.lines("zh"))


def test_export_writes_a_verified_file_and_records_it(
    study: OpenStudy, filled: FillReport, tmp_path: Path
) -> None:
    public = site_public_key(study)
    path = tmp_path / "bj01.rgt"
    result = export_transfer(study, CENTER.public, path)
    header = read_header(path)
    assert header == result.header
    assert header.site_code == "BJ01"
    assert header.sequence == 1
    assert header.study_id == study.definition.id
    assert header.study_version == study.definition.version
    assert header.site_key_fingerprint == public.fingerprint
    assert header.recipient_fingerprint == CENTER.fingerprint
    opened, payload = unseal_transfer(path.read_bytes(), CENTER, {"BJ01": public})
    reader = PayloadReader([payload], opened)
    patients = reader.read_all()
    assert [p.subject_code for p in patients] == sorted(p.subject_code for p in filled.patients)
    assert reader.manifest.patients == 6
    assert result.preview.next_sequence == 1
    with study.reading() as session:
        row = session.scalars(select(TransferExport)).one()
        assert row.sequence == 1
        assert row.package_id == str(header.package_id)
        assert row.file_sha256 == result.file_sha256
        assert row.patients == 6
        assert row.recipient_fingerprint == CENTER.fingerprint
        records = trail.read(session, study.keyring, study.info.db_uid)
    export = [r for r in records if r.action == "export"]
    assert len(export) == 1
    details = export[0].details
    assert details["package_id"] == str(header.package_id)
    assert details["sequence"] == 1
    assert details["patients"] == 6
    assert details["entries"]["demographics"] == 6
    assert details["sha256"] == result.file_sha256
    assert ["identification", None, "identifying", 6] in details["removed"]


def test_sequence_numbers_increase_and_can_be_raised(
    study: OpenStudy, filled: FillReport, tmp_path: Path
) -> None:
    numbers = [
        export_transfer(study, CENTER.public, tmp_path / f"{i}.rgt").header.sequence
        for i in range(3)
    ]
    assert numbers == [1, 2, 3]
    assert preview_export(study).previous is not None
    raised = export_transfer(study, CENTER.public, tmp_path / "r.rgt", sequence_at_least=10)
    assert raised.header.sequence == 10
    lower = export_transfer(study, CENTER.public, tmp_path / "l.rgt", sequence_at_least=4)
    assert lower.header.sequence == 11
    ids = {read_header(p).package_id for p in tmp_path.glob("*.rgt")}
    assert len(ids) == 5


def test_failed_export_leaves_no_file_and_uses_no_number(
    study: OpenStudy, filled: FillReport, tmp_path: Path
) -> None:
    existing = tmp_path / "exists.rgt"
    existing.write_bytes(b"keep me")
    with pytest.raises(ExchangeWriteError):
        export_transfer(study, CENTER.public, existing)
    assert existing.read_bytes() == b"keep me"
    with pytest.raises(ExchangeWriteError):
        export_transfer(study, CENTER.public, tmp_path / "no-such-folder" / "x.rgt")
    assert "export" not in audit_actions(study)
    assert export_transfer(study, CENTER.public, tmp_path / "ok.rgt").header.sequence == 1
    assert sorted(p.name for p in tmp_path.iterdir() if ".rgt" in p.name) == [
        "exists.rgt",
        "ok.rgt",
    ]


def test_export_needs_the_export_permission(
    study: OpenStudy, db_path: Path, tmp_path: Path
) -> None:
    UserService(study, FAST_KDF).add_user(
        "monitor1", "Monitor One", Role.MONITOR, "Monitor-pass-77"
    )
    monitor = open_study(db_path, "monitor1", "Monitor-pass-77")
    try:
        with pytest.raises(PermissionDenied):
            export_transfer(monitor, CENTER.public, tmp_path / "x.rgt")
        with pytest.raises(PermissionDenied):
            preview_export(monitor)
        with pytest.raises(PermissionDenied):
            site_public_key(monitor)
    finally:
        monitor.close()
    assert not (tmp_path / "x.rgt").exists()


def test_nothing_identifying_leaves_the_site(
    study: OpenStudy, filled: FillReport, tmp_path: Path
) -> None:
    public = site_public_key(study)
    path = tmp_path / "bj01.rgt"
    export_transfer(study, CENTER.public, path)
    data = path.read_bytes()
    header, payload = unseal_transfer(data, CENTER, {"BJ01": public})
    patients = PayloadReader([payload], header).read_all()
    decoded = "\n".join(json.dumps(p.to_json_object(), ensure_ascii=False) for p in patients)
    needles = filled.needles()
    assert len(needles) > 50
    # Nor anything else of the site database that is not study data: the staff, the
    # database's own identifiers, the patients' internal ids.
    with study.reading() as session:
        patient_uids = list(session.scalars(select(Patient.uid)))
    needles += ["Site Admin", study.info.db_uid, *patient_uids]
    for needle in needles:
        for encoded in encodings(needle):
            assert encoded not in data, needle
            assert encoded not in payload, needle
        assert needle not in decoded
    # No calendar date of any kind is inside the payload.
    import re

    assert re.search(rb"(19|20)\d\d-\d\d-\d\d", payload) is None
    # Exact ages of 90 or more are not either: the 90+ patient is grouped.
    assert any(p.age_at_first_dose == "90+" for p in patients)
    assert all(
        not isinstance(p.age_at_first_dose, int) or p.age_at_first_dose < 90 for p in patients
    )


def test_a_study_without_patients_exports_an_empty_dataset(
    study: OpenStudy, tmp_path: Path
) -> None:
    path = tmp_path / "empty.rgt"
    result = export_transfer(study, CENTER.public, path)
    assert result.preview.patients == 0
    header, payload = unseal_transfer(path.read_bytes(), CENTER, {"BJ01": site_public_key(study)})
    reader = PayloadReader([payload], header)
    assert reader.read_all() == []
    assert reader.manifest.patients == 0
    assert payload.count(b"\n") == 1


def test_key_made_at_creation_without_its_own_audit_entry(study: OpenStudy) -> None:
    """What create_study does: add_site_key(audit=False) in its own transaction."""
    from rego_desktop.exchange.site_keys import add_site_key

    before = audit_actions(study)
    with study.transaction() as session:
        made = add_site_key(
            session, study.keyring, study.user, study.info.db_uid, "BJ01", audit=False
        )
    assert audit_actions(study) == before
    assert site_public_key(study).fingerprint == made.fingerprint
    assert audit_actions(study) == before  # found, not made again
