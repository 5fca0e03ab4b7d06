"""A signature covers the content it signed.

The scenarios of issue 14: a forged signature with a forged lock, and a signed casebook
whose lock is cleared, whose content is changed and whose lock is set back. The first is
refused at the next log-in; the second shows the signature as BROKEN at the site (the
service the window reads, ``check``, ``audit --verify``), in the PDF, and at the center,
which counts the casebook as not signed.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from rego_desktop.authority.errors import AuthorityAltered
from rego_desktop.center.db import open_center_database
from rego_desktop.center.merge import merge_file
from rego_desktop.center.models import CenterPatient
from rego_desktop.cli import main as cli_main
from rego_desktop.exchange.export import export_transfer
from rego_desktop.exchange.site_keys import site_public_key
from rego_desktop.models import Patient
from rego_desktop.reports.pdf import PdfOptions, patient_pdf
from rego_desktop.services.patients import PatientService
from rego_desktop.services.signatures import SignatureService
from rego_desktop.store.study import OpenStudy
from tests.authority.sites import open_admin, raw
from tests.center.conftest import CENTER
from tests.conftest import ADMIN, PASSWORD


def pdf_text(study: OpenStudy, code: str, **options: object) -> str:
    pdf = patient_pdf(study, code, PdfOptions(**options))  # type: ignore[arg-type]
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in reader.pages))


def run_cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[int, str]:
    monkeypatch.setenv("REGO_PASSWORD", PASSWORD)
    code = cli_main.main([*args, "--user", ADMIN])
    out, err = capsys.readouterr()
    return code, out + err


def merge_signed_state(study: OpenStudy, tmp_path: Path, code: str) -> tuple[bool, list[str]]:
    """Export the site, merge the file at a new center: (is ``code`` signed, broken list)."""
    path = tmp_path / "site.rgt"
    export_transfer(study, CENTER.public, path)
    db = open_center_database(tmp_path / "center.db", create=True)
    try:
        result = merge_file(db, path, CENTER, {study.info.site_code: site_public_key(study)})
        with db.engine.connect() as conn:
            signed = conn.execute(
                select(CenterPatient.signed).where(CenterPatient.subject_code == code)
            ).scalar_one()
        return bool(signed), list(result.broken_signatures)
    finally:
        db.close()


def test_an_intact_signature_is_signed_everywhere(site: tuple[Path, str], tmp_path: Path) -> None:
    path, code = site
    study = open_admin(path)
    try:
        [signature] = SignatureService(study).signatures(code)
        assert not signature.broken
        assert SignatureService(study).broken() == []
        text = pdf_text(study, code)
        assert "User inv" in text
        assert "BROKEN" not in text
        assert merge_signed_state(study, tmp_path, code) == (True, [])
    finally:
        study.close()


def test_forged_signature_and_lock_are_refused_and_named(
    site: tuple[Path, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``INSERT INTO signatures`` + ``patients.locked = 1``, as in the issue."""
    path, signed = site
    with raw(path) as conn:
        other = conn.execute(
            "SELECT id, subject_code FROM patients WHERE subject_code != ? ORDER BY id LIMIT 1",
            (signed,),
        ).fetchone()
        conn.execute(
            "INSERT INTO signatures (uid, patient_id, user_uid, username, full_name, meaning, "
            "signed_at, content_hash) SELECT 'feed' || substr(uid, 5), ?, user_uid, username, "
            "full_name, meaning, signed_at, content_hash FROM signatures",
            (other[0],),
        )
        conn.execute("UPDATE patients SET locked = 1 WHERE id = ?", (other[0],))
    with pytest.raises(AuthorityAltered) as info:
        open_admin(path)
    messages = [p.message for p in info.value.problems]
    assert f"the signature of {other[1]} by 'inv': added outside the program" in messages
    assert any(m.startswith(f"patient {other[1]}: ") for m in messages), messages
    code, out = run_cli(capsys, monkeypatch, "audit", "--db", str(path), "--verify")
    assert code == 1
    assert f"the signature of {other[1]} by 'inv': added outside the program" in out
    assert f"patient {other[1]}: " in out


def test_clearing_the_lock_with_sqlite3_is_refused_until_it_is_set_back(
    site: tuple[Path, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Clear ``locked``, change the casebook (delete one of its records), set it back."""
    path, code = site
    with raw(path) as conn:
        conn.execute("UPDATE patients SET locked = 0 WHERE subject_code = ?", (code,))
    with pytest.raises(AuthorityAltered, match=f"patient {code}: lock cleared outside"):
        open_admin(path)
    with raw(path) as conn:
        conn.execute(
            "DELETE FROM records WHERE id = (SELECT r.id FROM records r JOIN patients p "
            "ON p.id = r.patient_id WHERE p.subject_code = ? AND r.form_id = 'demographics')",
            (code,),
        )
        conn.execute("UPDATE patients SET locked = 1 WHERE subject_code = ?", (code,))
    _assert_broken_everywhere(path, code, tmp_path, capsys, monkeypatch)


def test_an_edit_made_with_the_key_between_unlock_and_relock_breaks_the_signature(
    site: tuple[Path, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Someone with a password and a script (the rows are re-tagged validly): only the
    digest of what was signed tells."""
    path, code = site
    study = open_admin(path)
    try:
        with study.transaction() as session:
            patient = session.scalars(select(Patient).where(Patient.subject_code == code)).one()
            patient.locked = False
        weight = PatientService(study).casebook(code).value("demographics", "weight")
        changed = (weight if isinstance(weight, int | float) else 60) + 7
        PatientService(study).save(code, "demographics", {"weight": changed}, reason="quiet")
        with study.transaction() as session:
            patient = session.scalars(select(Patient).where(Patient.subject_code == code)).one()
            patient.locked = True
    finally:
        study.close()
    _assert_broken_everywhere(path, code, tmp_path, capsys, monkeypatch)


def _assert_broken_everywhere(
    path: Path,
    code: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    study = open_admin(path)  # every row verifies: the lock is what was recorded
    try:
        [signature] = SignatureService(study).signatures(code)
        assert signature.revoked_at is None
        assert signature.broken
        assert SignatureService(study).broken() == [code]
        text = pdf_text(study, code)
        assert "SIGNATURE BROKEN: the casebook was changed after it was signed" in text
        assert "签名已失效" in pdf_text(study, code, language="zh")
        assert "SIGNATURE BROKEN" in pdf_text(study, code, deidentified=True)
        assert merge_signed_state(study, tmp_path, code) == (False, [code])
    finally:
        study.close()
    status, out = run_cli(capsys, monkeypatch, "audit", "--db", str(path), "--verify")
    assert status == 1
    assert f"Signature BROKEN: {code} (the casebook was changed after it was signed)." in out
    status, out = run_cli(capsys, monkeypatch, "check", "--db", str(path))
    assert status == 0
    assert f"Signature BROKEN: {code}" in out
