"""Site keys at the center (issue 16): version 1 files still verify, version 2 files are
asked for, a key is replaced (old files still verify) or revoked, every step audited;
and the center's queries on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rego_desktop.center import queries as cq
from rego_desktop.center.db import open_center_database
from rego_desktop.center.errors import SiteRegistryError
from rego_desktop.center.merge import merge_file
from rego_desktop.center.queries import automatic
from rego_desktop.center.registry import (
    keys_for_file,
    load_retired_keys,
    load_site_registry,
    register_site_key,
    registration_warning,
    replace_site_key,
    revoke_site_key,
)
from rego_desktop.exchange.container import seal_transfer, verify_transfer
from rego_desktop.exchange.keys import SiteSigningKey, generate_site_key, write_site_public_key
from rego_desktop.exchange.site_keys import site_public_key
from rego_desktop.services.center_queries import import_query_file
from rego_desktop.services.queries import QueryService
from tests.center.conftest import CENTER
from tests.exchange.sitefill import new_site

AT = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


def transfer(key: SiteSigningKey) -> bytes:
    return seal_transfer(
        b"payload", site_key=key, recipient=CENTER.public, study_id="S", study_version="1",
        sequence=1, created=AT,
    )  # fmt: skip


def test_version_1_registration_warns_and_is_upgraded_by_version_2(tmp_path: Path) -> None:
    key = generate_site_key("BJ01", created=AT)
    v1, v2 = tmp_path / "v1.json", tmp_path / "v2.json"
    write_site_public_key(v1, key.public_key().signing_only())
    write_site_public_key(v2, key.public_key())
    registry = tmp_path / "keys"
    registered, _ = register_site_key(registry, v1, key.fingerprint)
    warning = registration_warning(registered)
    assert warning is not None
    assert "version 1" in warning
    assert not load_site_registry(registry)["BJ01"].can_receive_queries
    # Version 1 still verifies transfer files.
    verify_transfer(_stream(transfer(key)), load_site_registry(registry))
    upgraded, _ = register_site_key(registry, v2, key.fingerprint)
    assert registration_warning(upgraded) is None
    assert load_site_registry(registry)["BJ01"].can_receive_queries


def _stream(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)


def test_replacement_keeps_the_old_key_for_old_files_and_revocation(tmp_path: Path) -> None:
    old, new = generate_site_key("BJ01", created=AT), generate_site_key("BJ01")
    registry = tmp_path / "keys"
    old_file, new_file = tmp_path / "old.json", tmp_path / "new.json"
    write_site_public_key(old_file, old.public_key())
    write_site_public_key(new_file, new.public_key())
    register_site_key(registry, old_file, old.fingerprint)
    with pytest.raises(SiteRegistryError, match="replace-site-key"):
        register_site_key(registry, new_file, new.fingerprint)
    with pytest.raises(SiteRegistryError, match="not the fingerprint"):
        replace_site_key(registry, new_file, old.fingerprint)
    v1 = tmp_path / "new-v1.json"
    write_site_public_key(v1, new.public_key().signing_only())
    with pytest.raises(SiteRegistryError, match="version 1"):
        replace_site_key(registry, v1, new.fingerprint)
    registered, replaced, _ = replace_site_key(registry, new_file, new.fingerprint)
    assert (registered.fingerprint, replaced.fingerprint) == (new.fingerprint, old.fingerprint)
    current = load_site_registry(registry)
    assert current["BJ01"].fingerprint == new.fingerprint
    assert [k.fingerprint for _, k in load_retired_keys(registry)["BJ01"]] == [old.fingerprint]
    # An old file (made before the replacement) still verifies with the retired key.
    keys = keys_for_file(current, registry, "BJ01", old.fingerprint, AT)
    assert keys["BJ01"].fingerprint == old.fingerprint
    verify_transfer(_stream(transfer(old)), keys)
    # Revocation: the key is gone, and cannot come back.
    with pytest.raises(SiteRegistryError, match="nothing was revoked"):
        revoke_site_key(registry, "BJ01", old.fingerprint)
    revoked, _ = revoke_site_key(registry, "BJ01", new.fingerprint)
    assert revoked.fingerprint == new.fingerprint
    assert "BJ01" not in load_site_registry(registry)
    with pytest.raises(SiteRegistryError, match="revoked"):
        register_site_key(registry, new_file, new.fingerprint)


def test_key_commands_are_audited(tmp_path: Path) -> None:
    old, new = generate_site_key("BJ01", created=AT), generate_site_key("BJ01")
    registry, db = tmp_path / "keys", tmp_path / "center.db"
    old_file, new_file = tmp_path / "old.json", tmp_path / "new.json"
    write_site_public_key(old_file, old.public_key())
    write_site_public_key(new_file, new.public_key())
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGO_")}
    env["REGO_DATA_DIR"] = os.environ["REGO_DATA_DIR"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "rego_desktop.center", *args],
            capture_output=True, text=True, env=env, timeout=300, check=False,
        )  # fmt: skip

    assert run("register-site", "--site-keys", str(registry), "--fingerprint",
               old.fingerprint, "--db", str(db), str(old_file)).returncode == 0  # fmt: skip
    result = run("replace-site-key", "--site-keys", str(registry), "--fingerprint",
                 new.fingerprint, "--db", str(db), str(new_file))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "kept to verify" in result.stdout
    result = run("revoke-site-key", "--site-keys", str(registry), "--site", "BJ01",
                 "--fingerprint", new.fingerprint, "--reason", "laptop stolen",
                 "--db", str(db))  # fmt: skip
    assert result.returncode == 0, result.stderr
    with open_center_database(db) as center_db:
        from rego_desktop.center.audit import read

        entries, _ = read(center_db)
    assert [e.action for e in entries] == ["register_key", "replace_key", "revoke_key"]
    assert "laptop stolen" in entries[-1].details


def test_center_queries_on_postgresql(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    study, _ = new_site(tmp_path, "BJ01", 3, seed=41)
    monkeypatch.setattr(automatic, "PARALLEL_MIN", 1)  # worker processes read PostgreSQL too
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    try:
        public = site_public_key(study)
        from rego_desktop.exchange.export import export_transfer

        with open_center_database(postgres_url, create=True) as db:
            path = tmp_path / "t1.rgt"
            export_transfer(study, CENTER.public, path)
            merge_file(db, path, CENTER, {"BJ01": public})
            assert len(automatic._precompute(db, None, None)) == 3
            auto = cq.raise_automatic(db)
            assert auto.patients == 3
            assert cq.raise_automatic(db).raised == []
            manual = cq.raise_manual(db, site="BJ01", subject="BJ01-0002", form="demographics",
                                     field="ecog", text="ECOG?")  # fmt: skip
            exported = cq.export_query_file(db, "BJ01", tmp_path / "q.rgq", CENTER, public)
            assert manual.query_id in exported.queries
            import_query_file(study, tmp_path / "q.rgq", CENTER.public)
            service = QueryService(study)
            uid = next(r.uid for r in service.list() if r.center_id == manual.query_id)
            service.answer(uid, "Right as it is.")
            second = tmp_path / "t2.rgt"
            export_transfer(study, CENTER.public, second)
            merge_file(db, second, CENTER, {"BJ01": public})
            row = cq.get_query(db, manual.query_id)
            assert row.status == "answered"
            assert row.acknowledged
            closed = cq.close_query(db, manual.query_id)
            assert closed.status == "closed"
            assert cq.list_queries(db, status="closed")[0].query_id == manual.query_id
    finally:
        study.close()
