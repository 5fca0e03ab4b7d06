"""Every kind of authority row, changed, inserted and deleted with ``sqlite3``: the next
log-in refuses the study naming what was altered, and ``audit --verify`` names it too."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from rego_desktop.authority.errors import AuthorityAltered
from rego_desktop.cli import main as cli_main
from rego_desktop.errors import AuthenticationError
from rego_desktop.services.patients import PatientService
from rego_desktop.store.opening import open_study
from tests.authority.sites import OTHER_PASSWORD, open_admin, raw
from tests.conftest import ADMIN, PASSWORD

Edit = Callable[[sqlite3.Connection, str], None]


def _id(conn: sqlite3.Connection, table: str, where: str, *args: object) -> int:
    row = conn.execute(f"SELECT id FROM {table} WHERE {where}", args).fetchone()
    assert row is not None
    return int(row[0])


# -- the edits --------------------------------------------------------------------------


def user_role_changed(conn: sqlite3.Connection, _code: str) -> None:
    conn.execute("UPDATE users SET role = 'investigator' WHERE username = 'entry'")


def user_reactivated(conn: sqlite3.Connection, _code: str) -> None:
    conn.execute("UPDATE users SET active = 1 WHERE username = 'gone'")


def user_inserted(conn: sqlite3.Connection, _code: str) -> None:
    conn.execute(
        "INSERT INTO users (uid, username, full_name, role, active, created_at, "
        "password_changed_at) SELECT 'f00d' || uid, 'intruder', 'In Truder', "
        "'administrator', 1, created_at, password_changed_at FROM users WHERE username='mon'"
    )


def user_deleted(conn: sqlite3.Connection, _code: str) -> None:
    conn.execute("DELETE FROM users WHERE username = 'mon'")


def slot_changed(conn: sqlite3.Connection, _code: str) -> None:
    entry = _id(conn, "users", "username = 'entry'")
    conn.execute("UPDATE key_slots SET kdf = kdf || ' ' WHERE user_id = ?", (entry,))


def slot_inserted(conn: sqlite3.Connection, _code: str) -> None:
    conn.execute(
        "INSERT INTO key_slots (uid, kind, user_id, kdf, salt, wrapped, created_at) "
        "SELECT 'beef' || substr(uid, 5), kind, NULL, kdf, salt, wrapped, created_at "
        "FROM key_slots WHERE kind = 'recovery'"
    )


def slot_deleted(conn: sqlite3.Connection, _code: str) -> None:
    mon = _id(conn, "users", "username = 'mon'")
    conn.execute("DELETE FROM key_slots WHERE user_id = ?", (mon,))


def signature_changed(conn: sqlite3.Connection, _code: str) -> None:
    conn.execute("UPDATE signatures SET full_name = 'Somebody Else'")


def signature_inserted(conn: sqlite3.Connection, code: str) -> None:
    """A second signature of the signed casebook, copied from the first."""
    conn.execute(
        "INSERT INTO signatures (uid, patient_id, user_uid, username, full_name, meaning, "
        "signed_at, content_hash, casebook_digest, transfer_digest, auth_tag) "
        "SELECT 'c0de' || substr(uid, 5), patient_id, user_uid, username, full_name, meaning, "
        "signed_at, content_hash, casebook_digest, transfer_digest, auth_tag FROM signatures"
    )


def signature_deleted(conn: sqlite3.Connection, _code: str) -> None:
    conn.execute("DELETE FROM signatures")


def lock_cleared(conn: sqlite3.Connection, code: str) -> None:
    conn.execute("UPDATE patients SET locked = 0 WHERE subject_code = ?", (code,))


def patient_inserted(conn: sqlite3.Connection, _code: str) -> None:
    conn.execute(
        "INSERT INTO patients (uid, subject_code, created_at, updated_at, revision, locked) "
        "SELECT 'abba' || substr(uid, 5), 'BJ01-0999', created_at, updated_at, 0, 1 "
        "FROM patients LIMIT 1"
    )


def patient_deleted(conn: sqlite3.Connection, code: str) -> None:
    conn.execute(
        "DELETE FROM patients WHERE subject_code = "
        "(SELECT max(subject_code) FROM patients WHERE subject_code != ?)",
        (code,),
    )


def setting_changed(conn: sqlite3.Connection, _code: str) -> None:
    conn.execute("UPDATE study_settings SET revision = revision + 1")


def setting_inserted(conn: sqlite3.Connection, _code: str) -> None:
    conn.execute(
        "INSERT INTO study_settings (key, revision, updated_at, payload) "
        "SELECT 'other', revision, updated_at, payload FROM study_settings"
    )


def setting_deleted(conn: sqlite3.Connection, _code: str) -> None:
    conn.execute("DELETE FROM study_settings")


def site_code_changed(conn: sqlite3.Connection, _code: str) -> None:
    conn.execute("UPDATE study_meta SET site_code = 'ZZ99'")


def subject_counter_changed(conn: sqlite3.Connection, _code: str) -> None:
    conn.execute("UPDATE study_meta SET next_subject_number = 1")


def set_digest_removed(conn: sqlite3.Connection, _code: str) -> None:
    conn.execute("UPDATE study_meta SET authority_sets = NULL")


def tags_removed(conn: sqlite3.Connection, _code: str) -> None:
    """Make the study look as if it had never been tagged (an older file)."""
    for table in ("users", "key_slots", "signatures", "patients", "study_settings"):
        conn.execute(f"UPDATE {table} SET auth_tag = NULL")
    conn.execute("UPDATE study_meta SET auth_tag = NULL, authority_sets = NULL")


CASES: list[tuple[str, Edit, list[str]]] = [
    (
        "user role",
        user_role_changed,
        [
            "user 'entry': role changed outside the program "
            "(the audit trail says data_entry, the row says investigator)"
        ],
    ),
    ("user active", user_reactivated, ["user 'gone': activated or deactivated outside"]),
    ("user insert", user_inserted, ["user 'intruder': added outside the program"]),
    ("user delete", user_deleted, ["user 'mon': deleted outside the program", "1 user(s) deleted"]),
    ("slot change", slot_changed, ["the password key slot of user 'entry': changed outside"]),
    ("slot insert", slot_inserted, ["the recovery key slot: added outside the program"]),
    ("slot delete", slot_deleted, ["1 key slot(s) deleted outside the program"]),
    ("signature change", signature_changed, ["by 'inv': changed outside the program"]),
    ("signature insert", signature_inserted, ["by 'inv': added outside the program"]),
    ("signature delete", signature_deleted, ["1 signature(s) deleted outside the program"]),
    ("lock cleared", lock_cleared, ["lock cleared outside the program"]),
    ("patient insert", patient_inserted, ["patient BJ01-0999: added outside the program"]),
    ("patient delete", patient_deleted, ["1 patient(s) deleted outside the program"]),
    ("setting change", setting_changed, ["study setting 'site_units': changed outside"]),
    ("setting insert", setting_inserted, ["study setting 'other': added outside the program"]),
    ("setting delete", setting_deleted, ["1 study setting(s) deleted outside the program"]),
    ("site code", site_code_changed, ["the study metadata (site code, study, subject counter)"]),
    ("subject counter", subject_counter_changed, ["the study metadata"]),
    ("set digests removed", set_digest_removed, ["the study metadata"]),
    ("tags removed", tags_removed, ["user 'admin': added outside the program"]),
]


def audit_verify(
    path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str]:
    monkeypatch.setenv("REGO_PASSWORD", PASSWORD)
    code = cli_main.main(["audit", "--db", str(path), "--user", ADMIN, "--verify"])
    out, err = capsys.readouterr()
    monkeypatch.delenv("REGO_PASSWORD")
    return code, out + err


def test_untouched_study_opens_and_verifies(
    site: tuple[Path, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, _code = site
    open_admin(path).close()
    code, out = audit_verify(path, capsys, monkeypatch)
    assert code == 0, out
    assert "Audit trail intact" in out
    assert "Authority rows intact" in out
    assert "BROKEN" not in out


@pytest.mark.parametrize(
    ("edit", "expected"), [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES]
)
def test_outside_edit_is_named_at_open_and_by_audit_verify(
    site: tuple[Path, str],
    edit: Edit,
    expected: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path, signed = site
    with raw(path) as conn:
        edit(conn, signed)
    with pytest.raises(AuthorityAltered) as info:
        open_admin(path)
    message = str(info.value)
    assert "changed outside rego-desktop" in message
    assert "audit --verify" in message
    assert info.value.message_zh is not None
    assert "程序之外" in info.value.message_zh
    for text in expected:
        assert text in message or any(text in p.message for p in info.value.problems), (
            text,
            message,
        )
    code, out = audit_verify(path, capsys, monkeypatch)
    assert code == 1
    assert "Authority rows ALTERED" in out
    for text in expected:
        assert text in out, (text, out)


def test_a_wrong_password_still_reads_as_a_wrong_password(site: tuple[Path, str]) -> None:
    path, signed = site
    with raw(path) as conn:
        lock_cleared(conn, signed)
    with pytest.raises(AuthenticationError, match="Wrong user name or password"):
        open_study(path, ADMIN, "Not-the-password-1")


def test_other_users_are_refused_too_and_nothing_is_written(site: tuple[Path, str]) -> None:
    path, _signed = site
    with raw(path) as conn:
        user_role_changed(conn, "")
    before = path.read_bytes()
    for name in ("entry", "inv", "mon"):
        with pytest.raises(AuthorityAltered, match="user 'entry': role changed"):
            open_study(path, name, OTHER_PASSWORD)
    assert path.read_bytes() == before
    assert not Path(str(path) + "-wal").exists() or os.path.getsize(str(path) + "-wal") == 0


def test_the_edit_put_back_opens_again(site: tuple[Path, str]) -> None:
    path, signed = site
    with raw(path) as conn:
        lock_cleared(conn, signed)
    with pytest.raises(AuthorityAltered):
        open_admin(path)
    with raw(path) as conn:
        conn.execute("UPDATE patients SET locked = 1 WHERE subject_code = ?", (signed,))
    study = open_admin(path)
    try:
        assert PatientService(study).casebook(signed).locked
    finally:
        study.close()


def test_a_row_altered_while_the_program_runs_is_refused_at_the_next_save(
    site: tuple[Path, str],
) -> None:
    """The program never re-tags a row whose stored tag does not match its values."""
    path, _signed = site
    study = open_admin(path)
    try:
        with raw(path) as conn:
            user_role_changed(conn, "")
        from rego_desktop.auth.roles import Role
        from rego_desktop.services.users import UserService

        with pytest.raises(AuthorityAltered, match="user 'entry' was changed outside"):
            UserService(study).set_active("entry", False)
    finally:
        study.close()
    with pytest.raises(AuthorityAltered):
        open_admin(path)
    assert Role.DATA_ENTRY  # the role the audit trail names


def test_query_status_changed_with_sqlite3_is_named_by_audit_verify(
    site: tuple[Path, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Query rows are checked against the audit trail (every status change is audited)."""
    path, _code = site
    with raw(path) as conn:
        row = conn.execute(
            "SELECT q.id, q.rule, q.form_id, p.subject_code FROM queries q "
            "JOIN patients p ON p.id = q.patient_id WHERE q.status = 'open' ORDER BY q.id"
        ).fetchone()
        assert row is not None, "the demo raises queries"
        conn.execute("UPDATE queries SET status = 'closed' WHERE id = ?", (row[0],))
    code, out = audit_verify(path, capsys, monkeypatch)
    assert code == 1
    assert (
        f"the query of {row[3]} ({row[1]}, {row[2]}): status changed outside the program "
        "(the audit trail says open, the row says closed)"
    ) in out


def test_audit_verify_json_lists_the_altered_rows(
    site: tuple[Path, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    path, signed = site
    with raw(path) as conn:
        user_reactivated(conn, signed)
    monkeypatch.setenv("REGO_PASSWORD", PASSWORD)
    code = cli_main.main(["audit", "--db", str(path), "--user", ADMIN, "--verify", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    assert out["intact"] is False
    assert out["authority_intact"] is False
    assert out["problems"] == []  # the chain itself is intact
    assert out["broken_signatures"] == []
    assert out["authority_problems"] == [
        {
            "kind": "users",
            "subject": "user 'gone'",
            "message": "user 'gone': activated or deactivated outside the program",
        }
    ]


def test_the_message_names_the_row_in_chinese_too(site: tuple[Path, str]) -> None:
    path, signed = site
    with raw(path) as conn:
        user_role_changed(conn, signed)
        lock_cleared(conn, signed)
    with pytest.raises(AuthorityAltered) as info:
        open_admin(path)
    zh = info.value.text("zh_CN")
    assert zh.startswith("此研究在 rego-desktop 之外被修改：")
    assert "用户 'entry'：角色在程序之外被修改（稽查轨迹为 data_entry，记录为 investigator）" in zh
    assert f"受试者 {signed}：锁定在程序之外被解除" in zh


def test_a_query_row_deleted_with_sqlite3_is_named_by_audit_verify(
    site: tuple[Path, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The program never deletes a query; one the audit trail knows and the table lacks
    was deleted outside it."""
    path, _code = site
    with raw(path) as conn:
        row = conn.execute(
            "SELECT q.id, q.uid, q.form_id, p.subject_code FROM queries q "
            "JOIN patients p ON p.id = q.patient_id ORDER BY q.id"
        ).fetchone()
        assert row is not None, "the demo raises queries"
        conn.execute("DELETE FROM queries WHERE id = ?", (row[0],))
    code, out = audit_verify(path, capsys, monkeypatch)
    assert code == 1
    assert f"the query {row[1][:8]} of {row[3]} ({row[2]}): deleted outside the program" in out
