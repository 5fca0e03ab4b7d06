"""Site status from stored facts (SQLite and PostgreSQL), the center's overdue setting,
and center backups: SQLite backup / restore (checked, audited) and a PostgreSQL
``pg_dump`` / ``pg_restore`` round trip against the real server the tests start."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, update
from sqlalchemy.engine import make_url

from rego_desktop.center import audit
from rego_desktop.center import cli as center_cli
from rego_desktop.center.backup import (
    CenterBackupError,
    backup_center,
    check_backup,
    list_backups,
    manifest_path,
    restore_center,
)
from rego_desktop.center.db import CenterDatabase, open_center_database
from rego_desktop.center.merge import merge_file
from rego_desktop.center.models import CenterPatient, CenterPatientFacts
from rego_desktop.center.rollback import rollback
from rego_desktop.center.status import (
    DEFAULT_OVERDUE_DAYS,
    OverdueSettingError,
    overdue_days,
    refresh_facts,
    set_overdue_days,
    site_status,
)
from tests.center.conftest import CENTER, Network, _postgres_binary, snapshot

NOW = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


def _statuses(db: CenterDatabase, **kwargs: Any) -> list[dict[str, Any]]:
    return [s.to_json_object() for s in site_status(db, now=NOW, **kwargs)]


def _status_follows_every_change(db: CenterDatabase, network: Network) -> None:
    """Stored facts give what recomputing every patient gives, after each kind of change."""
    for path in network.first_files():
        merge_file(db, path, CENTER, network.registry)
    first = _statuses(db)
    assert [s["site"] for s in first] == sorted(network.sites)
    assert refresh_facts(db) == 0  # the status stored every patient's facts
    assert _statuses(db) == first
    assert _statuses(db, use_stored=False) == first
    # A second package per site changes, adds and removes patients: only those recomputed.
    for path in network.last_files():
        merge_file(db, path, CENTER, network.registry, allow_removals=True)
    changed = sum(
        len(s.updated_after_first) + len(s.added_after_first) for s in network.sites.values()
    )
    assert refresh_facts(db) == changed
    after = _statuses(db)
    assert _statuses(db, use_stored=False) == after
    assert all(s["sequence"] == 2 for s in after)
    # A rollback brings old versions back: their facts are computed again.
    rollback(db, "BJ01", 1)
    rolled = _statuses(db)
    assert _statuses(db, use_stored=False) == rolled
    bj01 = next(s for s in rolled if s["site"] == "BJ01")
    assert bj01["sequence"] == 1
    assert bj01["patients"] == len(network.sites["BJ01"].expected[0])


def test_status_reads_stored_facts_and_follows_merges_and_rollbacks(
    network: Network, center_db: CenterDatabase
) -> None:
    _status_follows_every_change(center_db, network)


def test_postgresql_status_from_stored_facts(network: Network, postgres_url: str) -> None:
    with open_center_database(postgres_url, create=True) as db:
        _status_follows_every_change(db, network)
        assert set_overdue_days(db, 7)
        assert overdue_days(db) == 7


def test_changed_facts_code_or_content_is_computed_again(
    network: Network, center_db: CenterDatabase
) -> None:
    for path in network.first_files():
        merge_file(center_db, path, CENTER, network.registry)
    expected = _statuses(center_db)
    with center_db.transaction() as session:
        session.execute(update(CenterPatientFacts).values(code="old program", screen_failed=True))
    assert _statuses(center_db) == expected  # stale facts are never used
    with center_db.reading() as session:
        codes = set(session.scalars(select(CenterPatientFacts.code)))
    assert "old program" not in codes


def test_overdue_period_is_a_center_setting_and_audited(
    network: Network, center_db: CenterDatabase
) -> None:
    for path in network.first_files():
        merge_file(center_db, path, CENTER, network.registry)
    assert overdue_days(center_db) == DEFAULT_OVERDUE_DAYS
    made = site_status(center_db)[0].created_at
    late = made + dt.timedelta(days=20)
    assert not any(s.overdue for s in site_status(center_db, now=late))
    assert set_overdue_days(center_db, 10)
    assert not set_overdue_days(center_db, 10)  # unchanged: no second audit entry
    assert all(s.overdue for s in site_status(center_db, now=late))
    assert not any(s.overdue for s in site_status(center_db, now=late, overdue_days=25))
    entries, head = audit.read(center_db)
    settings = [e for e in entries if e.action == "setting"]
    assert len(settings) == 1
    assert json.loads(settings[0].details) == {
        "setting": "overdue_days",
        "old": "30",
        "new": "10",
    }
    assert not audit.check_chain(entries, head)
    with pytest.raises(OverdueSettingError) as refused:
        set_overdue_days(center_db, -1)
    assert refused.value.message_zh


def test_status_command_uses_and_changes_the_setting(
    network: Network, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    target = tmp_path / "c.db"
    with open_center_database(target, create=True) as db:
        for path in network.first_files():
            merge_file(db, path, CENTER, network.registry)
    assert center_cli.main(["status", "--db", str(target), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["overdue_days"] == DEFAULT_OVERDUE_DAYS
    assert len(report["sites"]) == len(network.sites)
    assert center_cli.main(["status", "--db", str(target), "--set-overdue-days", "12"]) == 0
    assert "now 12 days" in capsys.readouterr().out
    assert center_cli.main(["status", "--db", str(target), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["overdue_days"] == 12
    assert center_cli.main(["status", "--db", str(target), "--overdue-days", "3", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["overdue_days"] == 3
    with open_center_database(target) as db:
        assert overdue_days(db) == 12  # --overdue-days is for one report only
    assert center_cli.main(["status", "--db", str(target), "--overdue-days", "-1"]) == 2
    assert "--overdue-days" in capsys.readouterr().err


# --------------------------------------------------------------------------- backups


@pytest.fixture
def merged(network: Network, tmp_path: Path) -> Path:
    target = tmp_path / "center.db"
    with open_center_database(target, create=True) as db:
        for path in network.first_files():
            merge_file(db, path, CENTER, network.registry)
    return target


def test_backup_is_checked_described_and_audited(merged: Path, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    result = backup_center(merged, folder)
    assert result.path.parent == folder
    assert result.path.exists()
    manifest = json.loads(manifest_path(result.path).read_text("utf-8"))
    assert manifest["kind"] == "rego-center-backup"
    assert manifest["sha256"] == result.manifest.sha256
    assert manifest["patients"] == result.manifest.patients > 0
    assert manifest["audit_head"].startswith(f"{result.manifest.audit_entries}:")
    text = manifest_path(result.path).read_text("utf-8")
    assert "BJ01-" not in text  # what it is, never what it holds
    with sqlite3.connect(result.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert check_backup(result.path).manifest == result.manifest
    assert [p for p, _m in list_backups(folder)] == [result.path]
    with open_center_database(merged) as db:
        entries, head = audit.read(db)
    last = entries[-1]
    assert last.action == "backup"
    assert last.file_sha256 == result.manifest.sha256
    assert json.loads(last.details)["file"] == str(result.path)
    assert not audit.check_chain(entries, head)
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no leftovers


def test_restore_returns_to_the_backup_and_keeps_the_replaced_database(
    network: Network, merged: Path, tmp_path: Path
) -> None:
    with open_center_database(merged) as db:
        before = snapshot(db)
    backup = backup_center(merged, tmp_path / "backups").path
    with open_center_database(merged) as db:
        for path in network.last_files():
            merge_file(db, path, CENTER, network.registry, allow_removals=True)
        changed = snapshot(db)
        old_head = audit.read(db)[1]
        assert old_head is not None
    assert changed != before
    result = restore_center(merged, backup)
    assert result.replaced is not None
    assert result.replaced.exists()
    assert result.replaced_audit_head == f"{old_head.seq}:{old_head.hash}"
    with open_center_database(merged) as db:
        assert snapshot(db) == before
        entries, head = audit.read(db)
        assert not audit.check_chain(entries, head)
        restored = entries[-1]
        assert restored.action == "restore"
        details = json.loads(restored.details)
        assert details["replaced_audit_head"] == result.replaced_audit_head
        assert details["backup"] == str(backup)
    with open_center_database(result.replaced) as db:
        assert snapshot(db) == changed  # the replaced database, complete


def test_only_a_verified_backup_is_restored(merged: Path, tmp_path: Path) -> None:
    backup = backup_center(merged, tmp_path / "backups").path
    with open_center_database(merged) as db:
        before = snapshot(db, audit=True)

    def refused(path: Path, words: str) -> None:
        with pytest.raises(CenterBackupError) as caught:
            restore_center(merged, path)
        assert words in caught.value.message
        assert caught.value.message_zh
        with open_center_database(merged) as db:
            assert snapshot(db, audit=True) == before

    altered = tmp_path / "altered" / backup.name
    altered.parent.mkdir()
    shutil.copyfile(backup, altered)
    shutil.copyfile(manifest_path(backup), manifest_path(altered))
    data = bytearray(altered.read_bytes())
    data[-100] ^= 0xFF
    altered.write_bytes(bytes(data))
    refused(altered, "size or SHA-256 differ")

    lonely = tmp_path / "lonely" / backup.name
    lonely.parent.mkdir()
    shutil.copyfile(backup, lonely)
    refused(lonely, "manifest")

    # An edited audit entry with a manifest recomputed to match: the chain tells.
    forged = tmp_path / "forged" / backup.name
    forged.parent.mkdir()
    shutil.copyfile(backup, forged)
    with sqlite3.connect(forged) as conn:
        conn.execute("UPDATE center_audit SET operator = 'someone else' WHERE seq = 1")
    manifest = json.loads(manifest_path(backup).read_text("utf-8"))
    import hashlib

    manifest["sha256"] = hashlib.sha256(forged.read_bytes()).hexdigest()
    manifest["size"] = forged.stat().st_size
    manifest_path(forged).write_text(json.dumps(manifest), "utf-8")
    refused(forged, "altered")


def test_postgresql_databases_are_refused_with_advice(postgres_url: str, tmp_path: Path) -> None:
    with pytest.raises(CenterBackupError) as caught:
        backup_center(postgres_url, tmp_path)
    assert "pg_dump" in caught.value.message


def test_backup_and_restore_commands(
    network: Network, merged: Path, tmp_path: Path, capsys: Any
) -> None:
    folder = tmp_path / "backups"
    assert center_cli.main(["backup", "--db", str(merged), "--to", str(folder), "--json"]) == 0
    made = json.loads(capsys.readouterr().out)
    backup = Path(made["file"])
    assert center_cli.main(["backup", "--db", str(merged), "--to", str(folder), "--list"]) == 0
    assert backup.name in capsys.readouterr().out
    assert center_cli.main(["restore", "--db", str(merged), "--from", str(backup), "--check"]) == 0
    assert "verified" in capsys.readouterr().out
    with open_center_database(merged) as db:
        for path in network.last_files():
            merge_file(db, path, CENTER, network.registry, allow_removals=True)
    assert center_cli.main(["restore", "--db", str(merged), "--from", str(backup)]) == 0
    assert "Restored" in capsys.readouterr().out
    assert center_cli.main(["audit", "--db", str(merged), "--verify"]) == 0
    bad = tmp_path / "nothing.rego-center-backup"
    assert center_cli.main(["restore", "--db", str(merged), "--from", str(bad)]) == 1
    assert "cannot be restored" in capsys.readouterr().err


# --------------------------------------------------------------------------- pg_dump


def _summary(db: CenterDatabase) -> dict[str, Any]:
    from rego_desktop.center.cli import _pooled_summaries
    from rego_desktop.center.pooled import site_counts

    counts = [c.to_json_object() for c in site_counts(db)]
    return {"sites": counts, "summary": _pooled_summaries(db, None)[None]}


def test_postgresql_dump_and_restore_round_trip(
    network: Network, postgres_url: str, tmp_path: Path
) -> None:
    """The README's pg_dump / pg_restore procedure: the restored center verifies and
    gives the same summary."""
    pg_dump, pg_restore = _postgres_binary("pg_dump"), _postgres_binary("pg_restore")
    if pg_dump is None or pg_restore is None:
        pytest.skip("pg_dump / pg_restore are not installed")
    with open_center_database(postgres_url, create=True) as db:
        for path in network.all_files():
            merge_file(db, path, CENTER, network.registry, allow_removals=True)
        site_status(db)
        before = _summary(db)
        tables = snapshot(db, audit=True)
    url = make_url(postgres_url)
    host, port = str(url.query["host"]), str(url.query.get("port", "5432"))
    schema = str(url.query["options"]).split("search_path=", 1)[1]
    connection = ["-h", host, "-p", port, "-U", str(url.username)]
    dump = tmp_path / "center.dump"
    subprocess.run(
        [pg_dump, *connection, "-d", str(url.database), "-n", schema, "-Fc", "-f", str(dump)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    restored_db = f"rego_restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url.set(query={"host": host, "port": port}), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {restored_db}")
        subprocess.run(
            [pg_restore, *connection, "-d", restored_db, "--no-owner", str(dump)],
            check=True,
            capture_output=True,
            timeout=120,
        )
        restored_url = url.set(database=restored_db).render_as_string(hide_password=False)
        with open_center_database(restored_url) as db:
            count, problems = audit.verify(db)
            assert count > 0
            assert problems == []
            assert _summary(db) == before
            assert snapshot(db, audit=True) == tables
            with db.reading() as session:
                assert session.scalar(select(CenterPatient.id).limit(1)) is not None
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {restored_db} WITH (FORCE)")
        admin.dispose()


def test_status_while_the_database_is_busy_computes_without_storing(
    network: Network, center_db: CenterDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rego_desktop.center.errors import CenterDatabaseError

    for path in network.first_files():
        merge_file(center_db, path, CENTER, network.registry)

    def busy() -> None:  # what CenterDatabase.transaction raises while a merge runs
        raise CenterDatabaseError("busy")

    with monkeypatch.context() as patch:
        patch.setattr(center_db, "transaction", busy)
        shown = _statuses(center_db)
    with center_db.reading() as session:
        assert session.scalar(select(CenterPatientFacts.patient_id).limit(1)) is None
    assert shown == _statuses(center_db)  # computed and stored now
    assert refresh_facts(center_db) == 0
