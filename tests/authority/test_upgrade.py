"""Studies written before authority tags: the first unlocked open after the upgrade tags
the rows the audit trail vouches for, audits it, and reports the ones it contradicts."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from rego_desktop.audit import trail
from rego_desktop.authority.check import ESTABLISH_ACTION
from rego_desktop.authority.errors import AuthorityAltered
from rego_desktop.authority.report import authority_report
from rego_desktop.crypto.envelope import DataKeyring
from rego_desktop.models import Signature, User
from rego_desktop.services.signatures import SignatureService
from rego_desktop.store import migrate
from rego_desktop.store.opening import open_study
from rego_desktop.store.study import OpenStudy
from tests.authority.legacy import make_legacy
from tests.authority.sites import open_admin, raw
from tests.conftest import ADMIN, PASSWORD


def legacy(path: Path) -> DataKeyring:
    """Turn ``path`` into what the build before 0006 wrote; returns its keyring."""
    study = open_admin(path)
    keyring = study.keyring
    study.close()
    make_legacy(path, keyring, "0005")
    with raw(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0005",)
        columns = {r[1] for r in conn.execute("PRAGMA table_info(users)")}
    assert "auth_tag" not in columns
    return keyring


def actions(study: OpenStudy) -> list[str]:
    with study.reading() as session:
        return [r.action for r in trail.read(session, study.keyring, study.info.db_uid)]


def test_first_open_after_the_upgrade_tags_the_rows_and_audits_it(
    site: tuple[Path, str],
) -> None:
    path, code = site
    legacy(path)
    study = open_admin(path)
    try:
        with study.engine.connect() as conn:
            assert migrate.current_revision(conn) == migrate.head_revision()
        assert actions(study)[-1] == ESTABLISH_ACTION
        with study.reading() as session:
            assert all(u.auth_tag is not None for u in session.scalars(select(User)))
            [signature] = session.scalars(select(Signature))
            assert signature.casebook_digest is not None  # unchanged since signing
        assert authority_report(study).intact
        [info] = SignatureService(study).signatures(code)
        assert not info.broken
    finally:
        study.close()
    study = open_admin(path)  # the second open does not tag again
    try:
        assert actions(study).count(ESTABLISH_ACTION) == 1
    finally:
        study.close()


def test_a_role_changed_before_the_upgrade_is_not_vouched_for(site: tuple[Path, str]) -> None:
    path, _code = site
    legacy(path)
    with raw(path) as conn:
        conn.execute("UPDATE users SET role = 'investigator' WHERE username = 'entry'")
    with pytest.raises(AuthorityAltered, match="user 'entry': role changed outside the program"):
        open_admin(path)
    # The tagging itself was done and audited; the row stays untagged and is reported.
    with pytest.raises(AuthorityAltered, match="user 'entry': role changed"):
        open_admin(path)


def test_a_signature_forged_before_the_upgrade_is_not_vouched_for(
    site: tuple[Path, str],
) -> None:
    path, signed = site
    legacy(path)
    with raw(path) as conn:
        other_id, other = conn.execute(
            "SELECT id, subject_code FROM patients WHERE subject_code != ? LIMIT 1", (signed,)
        ).fetchone()
        conn.execute(
            "INSERT INTO signatures (uid, patient_id, user_uid, username, full_name, meaning, "
            "signed_at, content_hash) SELECT 'feed' || substr(uid, 5), ?, user_uid, username, "
            "full_name, meaning, signed_at, content_hash FROM signatures",
            (other_id,),
        )
        conn.execute("UPDATE patients SET locked = 1 WHERE id = ?", (other_id,))
    with pytest.raises(AuthorityAltered) as info:
        open_admin(path)
    subjects = {p.subject for p in info.value.problems}
    assert f"the signature of {other} by 'inv'" in subjects
    assert f"patient {other}" in subjects


def test_a_casebook_changed_before_the_upgrade_shows_its_signature_broken(
    site: tuple[Path, str],
) -> None:
    path, code = site
    legacy(path)
    with raw(path) as conn:
        conn.execute(
            "DELETE FROM records WHERE id = (SELECT r.id FROM records r JOIN patients p "
            "ON p.id = r.patient_id WHERE p.subject_code = ? AND r.form_id = 'demographics')",
            (code,),
        )
    study = open_admin(path)
    try:
        [info] = SignatureService(study).signatures(code)
        assert info.broken
        assert authority_report(study).broken_signatures == (code,)
    finally:
        study.close()


def test_a_broken_audit_trail_is_not_vouched_for(site: tuple[Path, str]) -> None:
    path, _code = site
    legacy(path)
    with raw(path) as conn:
        conn.execute("DELETE FROM audit_entries WHERE seq = 3")
    with pytest.raises(AuthorityAltered, match="the audit trail is broken"):
        open_admin(path)
    study = open_study(path, ADMIN, PASSWORD, allow_altered=True)  # as audit --verify does
    try:
        problems = authority_report(study).problems
        # The user whose creation was in the deleted entry is named too.
        assert problems[1:] == tuple(p for p in problems if p.subject == "user 'mon'")
        assert problems[0].message == (
            "the study: its users, signatures and locks were never authenticated "
            "(the audit trail was broken when the program was upgraded)"
        )
    finally:
        study.close()
