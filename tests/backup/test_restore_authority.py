"""Restoring is for administrators of the current study, and is audited in both studies."""

from __future__ import annotations

from pathlib import Path

import pytest

from rego_desktop.audit import trail
from rego_desktop.auth.roles import Role
from rego_desktop.backup.restore import restore_backup
from rego_desktop.backup.writer import write_backup
from rego_desktop.errors import AuthenticationError, PermissionDenied
from rego_desktop.services.users import UserService
from rego_desktop.store.opening import open_study
from rego_desktop.store.study import OpenStudy
from tests.authority.sites import OTHER_PASSWORD, open_admin, raw
from tests.authority.sites import site as site  # fixture
from tests.authority.sites import template as template  # fixture
from tests.conftest import ADMIN, FAST_KDF, PASSWORD


def actions(study: OpenStudy) -> list[trail.AuditRecord]:
    with study.reading() as session:
        return trail.read(session, study.keyring, study.info.db_uid)


def backup_of(path: Path, tmp_path: Path) -> Path:
    return write_backup(path, tmp_path / "backups").path


def test_user_demoted_to_monitor_cannot_restore_an_older_backup(
    site: tuple[Path, str], tmp_path: Path
) -> None:
    """The issue's case: the backup is from when 'entry' could enter data."""
    path, _code = site
    backup = backup_of(path, tmp_path)
    study = open_admin(path)
    try:
        UserService(study, FAST_KDF).set_role("entry", Role.MONITOR)
    finally:
        study.close()
    before = path.read_bytes()
    with pytest.raises(PermissionDenied, match=r"entry \(Monitor \(read-only\)\) may not restore"):
        restore_backup(backup, path, "entry", OTHER_PASSWORD)
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["backups", "site.rego"]


@pytest.mark.parametrize("name", ["entry", "inv", "mon"])
def test_only_administrators_restore(site: tuple[Path, str], tmp_path: Path, name: str) -> None:
    path, _code = site
    backup = backup_of(path, tmp_path)
    with pytest.raises(PermissionDenied, match="only an administrator of the current study"):
        restore_backup(backup, path, name, OTHER_PASSWORD)


def test_a_password_of_the_backup_alone_does_not_restore(
    site: tuple[Path, str], tmp_path: Path
) -> None:
    """After a password change, the old password opens the backup but not the study."""
    path, _code = site
    backup = backup_of(path, tmp_path)
    study = open_admin(path)
    try:
        UserService(study, FAST_KDF).change_own_password(PASSWORD, "Brand-new-pass-55")
    finally:
        study.close()
    with pytest.raises(AuthenticationError, match="administrators of the current study"):
        restore_backup(backup, path, ADMIN, PASSWORD)


def test_promotion_with_sqlite3_does_not_give_the_right_to_restore(
    site: tuple[Path, str], tmp_path: Path
) -> None:
    path, _code = site
    backup = backup_of(path, tmp_path)
    with raw(path) as conn:
        conn.execute("UPDATE users SET role = 'administrator' WHERE username = 'entry'")
    with pytest.raises(PermissionDenied, match="user 'entry': role changed outside the program"):
        restore_backup(backup, path, "entry", OTHER_PASSWORD)


def test_restore_is_audited_in_the_replaced_and_the_restored_study(
    site: tuple[Path, str], tmp_path: Path
) -> None:
    path, _code = site
    backup = backup_of(path, tmp_path)
    study = open_admin(path)
    try:
        UserService(study, FAST_KDF).set_role("entry", Role.MONITOR)  # after the backup
        entries_before = len(actions(study))
    finally:
        study.close()
    result = restore_backup(backup, path, ADMIN, PASSWORD)
    assert result.kept is not None
    kept = open_study(result.kept, ADMIN, PASSWORD)
    try:
        records = actions(kept)
        assert len(records) == entries_before + 1
        last = records[-1]
        assert (last.action, last.username) == ("study.replaced", ADMIN)
        assert last.details["backup"] == backup.name
        assert last.details["kept_as"] == result.kept.name
    finally:
        kept.close()
    restored = open_admin(path)
    try:
        last = actions(restored)[-1]
        assert (last.action, last.username) == ("study.restore", ADMIN)
        assert last.details["administrator_of_replaced_study"] == ADMIN
        assert last.details["replaced_file_kept_as"] == result.kept.name
        rows = {u.username: u.role for u in UserService(restored).list_users()}
        assert rows["entry"] is Role.DATA_ENTRY  # as in the backup
    finally:
        restored.close()


def test_an_administrator_restores_over_a_study_with_altered_rows(
    site: tuple[Path, str], tmp_path: Path
) -> None:
    """What a restore is for: the altered study is kept, with the record of the restore."""
    path, code = site
    backup = backup_of(path, tmp_path)
    with raw(path) as conn:
        conn.execute("UPDATE patients SET locked = 0 WHERE subject_code = ?", (code,))
    result = restore_backup(backup, path, ADMIN, PASSWORD)
    assert result.kept is not None
    with raw(result.kept) as conn:
        (count,) = conn.execute(
            "SELECT count(*) FROM audit_entries WHERE action = 'study.replaced'"
        ).fetchone()
    assert count == 1
    kept = open_study(result.kept, ADMIN, PASSWORD, allow_altered=True)
    try:
        last = actions(kept)[-1]
        assert last.action == "study.replaced"
        assert last.details["altered_rows"] == [f"patient {code}: lock cleared outside the program"]
    finally:
        kept.close()
    open_admin(path).close()  # the restored study opens for work


def test_an_administrator_whose_own_row_was_altered_may_not_restore(
    site: tuple[Path, str], tmp_path: Path
) -> None:
    path, _code = site
    backup = backup_of(path, tmp_path)
    with raw(path) as conn:
        conn.execute("UPDATE users SET full_name = 'Someone' WHERE username = ?", (ADMIN,))
    with pytest.raises(PermissionDenied, match="Ask another administrator"):
        restore_backup(backup, path, ADMIN, PASSWORD)


def test_with_no_study_file_an_administrator_of_the_backup_restores(
    site: tuple[Path, str], tmp_path: Path
) -> None:
    path, _code = site
    backup = backup_of(path, tmp_path)
    target = tmp_path / "new-computer" / "site.rego"
    target.parent.mkdir()
    with pytest.raises(PermissionDenied, match="only an administrator in the backup"):
        restore_backup(backup, target, "entry", OTHER_PASSWORD)
    result = restore_backup(backup, target, ADMIN, PASSWORD)
    assert result.kept is None
    open_study(target, ADMIN, PASSWORD).close()
