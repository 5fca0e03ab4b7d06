"""The data manager's tools at the center: the removal guard, the audit trail, site
status and the report of superseded packages (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from rego_desktop.analysis.summary import analyse, summarize, summarize_rows
from rego_desktop.center import audit
from rego_desktop.center import cli as center_cli
from rego_desktop.center.analysis_rows import pooled_rows
from rego_desktop.center.db import CenterDatabase, open_center_database
from rego_desktop.center.errors import MergeProblem, MergeRefused
from rego_desktop.center.merge import MergeStatus, merge_file
from rego_desktop.center.models import (
    CenterAnalysisRow,
    CenterAuditEntry,
    CenterAuditHead,
    CenterPackage,
    CenterPatient,
)
from rego_desktop.center.pooled import pooled_casebooks, pooled_patients
from rego_desktop.center.registry import PRIVATE_KEY_FILE
from rego_desktop.center.rollback import RollbackError, rollback
from rego_desktop.center.status import site_status
from rego_desktop.exchange.keys import write_center_private_key, write_site_public_key
from tests.center.conftest import CENTER, Network, snapshot

PASSPHRASE = "center passphrase 2024"


def _refuse_removals(db: CenterDatabase, network: Network) -> MergeRefused:
    site = network.sites["BJ01"]
    merge_file(db, site.files[0], CENTER, network.registry)
    before = snapshot(db)
    with pytest.raises(MergeRefused) as info:
        merge_file(db, site.files[1], CENTER, network.registry)
    assert snapshot(db) == before
    error = info.value
    assert error.reason is MergeProblem.REMOVALS_NOT_ALLOWED
    assert error.subjects == tuple(site.removed_after_first)
    for code in site.removed_after_first:
        assert code in error.message
    assert "--allow-removals" in error.message
    assert "\n" not in error.message
    result = merge_file(db, site.files[1], CENTER, network.registry, allow_removals=True)
    assert result.status is MergeStatus.MERGED
    assert result.removed == tuple(site.removed_after_first)
    return error


def test_a_package_that_removes_patients_is_refused(
    network: Network, center_db: CenterDatabase
) -> None:
    _refuse_removals(center_db, network)
    entries, _head = audit.read(center_db)
    assert [e.action for e in entries] == ["merge", "refused", "merge"]
    refused = json.loads(entries[1].details)
    assert refused["reason"] == "removals_not_allowed"
    assert refused["subjects"] == network.sites["BJ01"].removed_after_first
    assert entries[1].site_code == "BJ01"


def test_postgresql_removal_guard_and_audit(network: Network, postgres_url: str) -> None:
    with open_center_database(postgres_url, create=True) as db:
        _refuse_removals(db, network)
        count, problems = audit.verify(db)
        assert count == 3
        assert problems == []
        _tamper(db)
        _count, problems = audit.verify(db)
        assert [(p.seq, p.kind) for p in problems] == [(2, "altered")]


def _tamper(db: CenterDatabase) -> None:
    with db.transaction() as session:
        session.execute(
            update(CenterAuditEntry)
            .where(CenterAuditEntry.seq == 2)
            .values(details=json.dumps({"reason": "nothing to see"}))
        )


def test_every_merge_and_refusal_is_in_the_audit_trail(
    network: Network, center_db: CenterDatabase, tmp_path: Path
) -> None:
    for path in network.first_files():
        merge_file(center_db, path, CENTER, network.registry)
    missing = tmp_path / "missing.rgt"
    with pytest.raises(Exception, match=r"missing\.rgt"):
        merge_file(center_db, missing, CENTER, network.registry)
    stale = network.sites["SH02"].files[0]
    assert merge_file(center_db, stale, CENTER, network.registry).status is (
        MergeStatus.ALREADY_MERGED
    )
    entries, head = audit.read(center_db)
    assert [e.action for e in entries] == ["merge", "merge", "merge", "refused"]
    first = json.loads(entries[0].details)
    assert entries[0].site_code == "BJ01"
    assert first["sequence"] == 1
    assert first["added"] == len(network.sites["BJ01"].expected[0])
    assert entries[0].file_sha256 is not None
    assert len(entries[0].file_sha256) == 64
    assert entries[0].operator
    assert json.loads(entries[3].details)["reason"] == "unreadable"
    assert head is not None
    assert head.seq == 4
    assert head.hash == entries[-1].hash
    assert audit.verify(center_db) == (4, [])


def test_verification_names_what_was_altered(network: Network, center_db: CenterDatabase) -> None:
    for path in network.first_files():
        merge_file(center_db, path, CENTER, network.registry)
    entries, head = audit.read(center_db)
    assert head is not None
    anchor = f"{head.seq}:{head.hash}"
    _tamper(center_db)
    _n, problems = audit.verify(center_db)
    assert [(p.seq, p.kind) for p in problems] == [(2, "altered")]
    assert "#2" in problems[0].message

    with center_db.transaction() as session:  # put it back, then delete an entry
        session.execute(
            update(CenterAuditEntry)
            .where(CenterAuditEntry.seq == 2)
            .values(details=entries[1].details)
        )
        session.execute(delete(CenterAuditEntry).where(CenterAuditEntry.seq == 2))
    _n, problems = audit.verify(center_db)
    assert [(p.seq, p.kind) for p in problems] == [(2, "missing")]

    with center_db.transaction() as session:  # remove the last entry
        session.execute(delete(CenterAuditEntry).where(CenterAuditEntry.seq == 3))
    _n, problems = audit.verify(center_db)
    assert [(p.kind, p.seq) for p in problems] == [("truncated", 2)]

    # A rewritten chain (recomputed hashes) is found with the anchor kept outside.
    rewritten, _ = audit.read(center_db)
    assert audit.check_anchor(rewritten, anchor)[0].kind == "anchor"


def test_superseded_package_is_reported_as_such(
    network: Network, center_db: CenterDatabase
) -> None:
    site = network.sites["GZ03"]
    merge_file(center_db, site.files[0], CENTER, network.registry)
    merge_file(center_db, site.files[1], CENTER, network.registry, allow_removals=True)
    again = merge_file(center_db, site.files[0], CENTER, network.registry)
    assert again.status is MergeStatus.ALREADY_MERGED
    assert again.superseded_by == 2
    assert "superseded by sequence 2" in again.describe()
    assert "nothing changed" not in again.describe()
    latest = merge_file(center_db, site.files[1], CENTER, network.registry)
    assert latest.superseded_by is None
    assert "nothing changed" in latest.describe()


def test_site_status(network: Network, center_db: CenterDatabase) -> None:
    for path in network.first_files():
        merge_file(center_db, path, CENTER, network.registry)
    with center_db.transaction() as session:
        session.execute(
            update(CenterPatient)
            .where(CenterPatient.subject_code == network.sites["SH02"].expected[0][0].subject_code)
            .values(signed=True)
        )
    created = {code: s.files and s for code, s in network.sites.items()}
    assert created
    statuses = site_status(center_db, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=31))
    assert [s.site_code for s in statuses] == sorted(network.sites)
    for st in statuses:
        expected = network.sites[st.site_code].expected[0]
        assert st.patients == len(expected)
        assert st.sequence == 1
        assert st.without_first_dose == tuple(
            sorted(p.subject_code for p in expected if not p.first_dose_known)
        )
        assert st.without_first_dose  # the demo sites have one each
        assert st.overdue
        assert st.days_since_package >= 31
        assert set(st.completeness) >= {"demographics", "eligibility"}
        assert all(0.0 <= v <= 1.0 for v in st.completeness.values())
        assert 0 <= st.screen_failures <= st.patients
    sh02 = next(s for s in statuses if s.site_code == "SH02")
    assert sh02.signed == 1
    assert sh02.signed_share == pytest.approx(1 / len(network.sites["SH02"].expected[0]))
    fresh = site_status(center_db, overdue_days=40, now=statuses[0].created_at)
    assert not any(s.overdue for s in fresh)


# --------------------------------------------------------------------------- command line


@pytest.fixture
def keys(network: Network, tmp_path: Path) -> tuple[Path, Path]:
    folder, registry = tmp_path / "keys", tmp_path / "sites"
    folder.mkdir()
    registry.mkdir()
    write_center_private_key(folder / PRIVATE_KEY_FILE, CENTER, PASSPHRASE)
    for code, site in network.sites.items():
        write_site_public_key(registry / f"{code}.json", site.public)
    return folder, registry


def run(monkeypatch: pytest.MonkeyPatch, capsys: Any, *argv: str) -> tuple[int, str, str]:
    monkeypatch.setenv("REGO_CENTER_PASSPHRASE", PASSPHRASE)
    code = center_cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_command_line(
    network: Network,
    keys: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
) -> None:
    folder, registry = keys
    db = str(tmp_path / "center.db")
    merge = ["merge", "--db", db, "--key", str(folder), "--site-keys", str(registry)]
    site = network.sites["BJ01"]
    code, _out, _err = run(monkeypatch, capsys, *merge, str(site.files[0]))
    assert code == 0
    code, out, err = run(monkeypatch, capsys, *merge, str(site.files[1]))
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"REFUSED {site.files[1]}")
    assert site.removed_after_first[0] in lines[0]
    assert "--allow-removals" in lines[0]
    code, out, _err = run(monkeypatch, capsys, *merge, "--json", str(site.files[1]))
    assert code == 1
    refused = json.loads(out)[0]
    assert refused["reason"] == "removals_not_allowed"
    assert refused["subjects"] == site.removed_after_first
    code, out, _err = run(monkeypatch, capsys, *merge, "--allow-removals", str(site.files[1]))
    assert code == 0
    assert "1 removed" in out

    code, out, _err = run(monkeypatch, capsys, "status", "--db", db)
    assert code == 0
    assert "BJ01" in out
    assert "Completeness per form" in out
    code, out, _err = run(monkeypatch, capsys, "status", "--db", db, "--json")
    report = json.loads(out)
    assert report["overdue_days"] == 30
    assert report["sites"][0]["site"] == "BJ01"
    assert report["sites"][0]["sequence"] == 2
    assert report["sites"][0]["without_first_dose"] >= 1

    code, out, _err = run(monkeypatch, capsys, "audit", "--db", db, "--verify")
    assert code == 0
    assert "intact: 4 entries" in out
    code, out, _err = run(monkeypatch, capsys, "audit", "--db", db)
    assert "removals_not_allowed" in out
    anchor = out.strip().splitlines()[-1].rsplit(" ", 1)[-1]
    code, out, _err = run(monkeypatch, capsys, "audit", "--db", db, "--json")
    trail = json.loads(out)
    assert [e["action"] for e in trail["entries"]] == ["merge", "refused", "refused", "merge"]
    assert trail["head"] == anchor

    with open_center_database(db) as opened:
        _tamper(opened)
    code, out, err = run(monkeypatch, capsys, "audit", "--db", db, "--verify")
    assert code == 1
    assert err.strip().splitlines() == [
        "AUDIT TRAIL BROKEN: Entry #2 (refused) was altered after it was written."
    ]
    code, out, _err = run(monkeypatch, capsys, "audit", "--db", db, "--verify", "--json")
    assert code == 1
    assert json.loads(out)["problems"][0]["seq"] == 2
    code, out, err = run(monkeypatch, capsys, "audit", "--db", db, "--anchor", "nonsense")
    assert code == 2


def test_key_registration_is_audited(
    network: Network, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    key_file = tmp_path / "gz03.json"
    public = network.sites["GZ03"].public
    write_site_public_key(key_file, public)
    db = str(tmp_path / "center.db")
    code, _out, _err = run(
        monkeypatch,
        capsys,
        "register-site",
        "--site-keys",
        str(tmp_path / "registry"),
        "--fingerprint",
        public.fingerprint,
        "--db",
        db,
        str(key_file),
    )
    assert code == 0
    with open_center_database(db) as opened:
        entries, head = audit.read(opened)
        with opened.reading() as session:
            assert session.get(CenterAuditHead, 1) is not None
    assert [(e.action, e.site_code) for e in entries] == [("register_key", "GZ03")]
    assert json.loads(entries[0].details)["fingerprint"] == public.fingerprint
    assert head is not None
    assert head.seq == 1


# --------------------------------------------------------------------------- rollback


def _site_state(db: CenterDatabase, code: str) -> list[Any]:
    return pooled_patients(db, site=code)


def _rollback_round_trip(db: CenterDatabase, network: Network) -> None:
    site = network.sites["BJ01"]
    for path in network.first_files():
        merge_file(db, path, CENTER, network.registry)
    first_state = _site_state(db, "BJ01")
    assert first_state == sorted(site.expected[0], key=lambda p: p.subject_code)
    with db.reading() as session:
        uids = dict(session.execute(select(CenterPatient.subject_code, CenterPatient.uid)).all())
    others = (_site_state(db, "SH02"), _site_state(db, "GZ03"))
    merge_file(db, site.files[1], CENTER, network.registry, allow_removals=True)
    assert _site_state(db, "BJ01") == sorted(site.expected[1], key=lambda p: p.subject_code)

    result = rollback(db, "BJ01", 1)
    assert result.undone == (2,)
    assert result.removed == tuple(site.added_after_first)
    assert set(result.restored) == set(site.updated_after_first + site.removed_after_first)
    assert _site_state(db, "BJ01") == first_state
    assert (_site_state(db, "SH02"), _site_state(db, "GZ03")) == others
    with db.reading() as session:
        after = dict(session.execute(select(CenterPatient.subject_code, CenterPatient.uid)).all())
    assert after == uids
    statuses = {s.site_code: s for s in site_status(db)}
    assert statuses["BJ01"].sequence == 1

    again = merge_file(db, site.files[1], CENTER, network.registry, allow_removals=True)
    assert again.status is MergeStatus.ALREADY_MERGED
    assert again.rolled_back_at is not None
    assert "rolled back" in again.describe()
    entries, _head = audit.read(db)
    assert entries[-1].action == "rollback"
    assert json.loads(entries[-1].details)["undone"] == [2]
    assert audit.verify(db)[1] == []

    with pytest.raises(RollbackError, match="already at package 1"):
        rollback(db, "BJ01", 1)
    with pytest.raises(RollbackError, match="no current merged package number 2"):
        rollback(db, "BJ01", 2)
    with pytest.raises(RollbackError, match="No package of site XX99"):
        rollback(db, "XX99", 1)


def test_rollback_returns_a_site_to_an_earlier_package(
    network: Network, center_db: CenterDatabase
) -> None:
    _rollback_round_trip(center_db, network)


def test_postgresql_rollback(network: Network, postgres_url: str) -> None:
    with open_center_database(postgres_url, create=True) as db:
        _rollback_round_trip(db, network)


def test_rollback_refuses_packages_merged_before_versions_were_kept(
    network: Network, center_db: CenterDatabase
) -> None:
    site = network.sites["SH02"]
    merge_file(center_db, site.files[0], CENTER, network.registry)
    merge_file(center_db, site.files[1], CENTER, network.registry, allow_removals=True)
    with center_db.transaction() as session:
        session.execute(update(CenterPackage).values(versions_kept=False))
    before = snapshot(center_db, audit=True)
    with pytest.raises(RollbackError, match="Package\\(s\\) 2 of site SH02 were merged before"):
        rollback(center_db, "SH02", 1)
    assert snapshot(center_db, audit=True) == before


def test_rollback_command(
    network: Network,
    keys: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
) -> None:
    folder, registry = keys
    db = str(tmp_path / "center.db")
    site = network.sites["GZ03"]
    merge = ["merge", "--db", db, "--key", str(folder), "--site-keys", str(registry)]
    files = [str(f) for f in site.files]
    assert run(monkeypatch, capsys, *merge, "--allow-removals", *files)[0] == 0
    code, out, _err = run(
        monkeypatch, capsys, "rollback", "--db", db, "--site", "GZ03", "--to-sequence", "1"
    )
    assert code == 0
    assert "Site GZ03 is back at package 1" in out
    code, _out, err = run(
        monkeypatch, capsys, "rollback", "--db", db, "--site", "GZ03", "--to-sequence", "1"
    )
    assert code == 1
    assert len(err.strip().splitlines()) == 1
    assert "already at package 1" in err
    code, out, _err = run(monkeypatch, capsys, *merge, files[1])
    assert code == 0
    assert "rolled back on" in out


# --------------------------------------------------------------------------- stored rows


def _summaries_agree(db: CenterDatabase, network: Network) -> None:
    expected = analyse(pooled_casebooks(db)).to_json()
    rows, definition = pooled_rows(db)
    assert definition is not None
    assert summarize_rows(rows, definition).to_json() == expected
    fresh, _ = pooled_rows(db, use_stored=False)
    assert fresh == rows
    for code in network.sites:
        part, _ = pooled_rows(db, site=code)
        assert summarize_rows(part, definition).to_json() == summarize(
            pooled_casebooks(db, site=code)
        )


def _stored_count(db: CenterDatabase) -> int:
    with db.reading() as session:
        return len(list(session.scalars(select(CenterAnalysisRow.patient_id))))


def test_merge_stores_analysis_rows_that_equal_the_derived_ones(
    network: Network, center_db: CenterDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    for path in network.all_files():
        merge_file(center_db, path, CENTER, network.registry, allow_removals=True)
    with center_db.reading() as session:
        patients = len(list(session.scalars(select(CenterPatient.id))))
    assert _stored_count(center_db) == patients
    _summaries_agree(center_db, network)

    # Rows of other code or other content are not used: they are derived again.
    with center_db.transaction() as session:
        session.execute(update(CenterAnalysisRow).values(code="older code", row_json="[]"))
    _summaries_agree(center_db, network)

    rollback(center_db, "BJ01", 1)
    _summaries_agree(center_db, network)


def test_postgresql_stored_rows(network: Network, postgres_url: str) -> None:
    with open_center_database(postgres_url, create=True) as db:
        for path in network.all_files():
            merge_file(db, path, CENTER, network.registry, allow_removals=True)
        _summaries_agree(db, network)


def test_a_database_of_the_first_schema_is_upgraded(network: Network, tmp_path: Path) -> None:
    from alembic import command

    from rego_desktop.center.db import alembic_config
    from rego_desktop.store.engine import make_engine

    path = tmp_path / "old.db"
    engine = make_engine(path)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0001")
    engine.dispose()
    with open_center_database(path) as db:
        assert audit.verify(db) == (0, [])
        site = network.sites["BJ01"]
        merge_file(db, site.files[0], CENTER, network.registry)
        assert audit.verify(db) == (1, [])
        assert _stored_count(db) == len(site.expected[0])
