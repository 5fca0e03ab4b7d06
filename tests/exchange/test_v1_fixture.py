"""A transfer file of payload version 1, written before version 2 existed, still merges.

The fixture (``fixtures/transfer-v1-S01.rgt``, its center key and the site key) was made
once by ``fixtures/make_v1_fixture.py`` with the code of payload version 1 and is never
regenerated: newer versions of the center must keep reading it.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from rego_desktop.center.db import open_center_database
from rego_desktop.center.merge import MergeStatus, merge_file
from rego_desktop.center.models import CenterPatient
from rego_desktop.center.registry import load_center_key, load_site_registry
from rego_desktop.exchange.container import open_transfer

FIXTURES = Path(__file__).parent / "fixtures"
PASSPHRASE = "fixture passphrase v1"


def test_the_fixture_is_payload_version_1() -> None:
    center = load_center_key(FIXTURES / "center-private-key.json", PASSPHRASE)
    registry = load_site_registry(FIXTURES / "site-keys")
    header, chunks = open_transfer(FIXTURES / "transfer-v1-S01.rgt", center, registry)
    first_line = b"".join(chunks).split(b"\n", 1)[0]
    manifest = json.loads(first_line)
    assert header.site_code == "S01"
    assert manifest["version"] == 1
    assert manifest["patients"] == 6


def test_a_version_1_file_still_merges_at_the_center(tmp_path: Path) -> None:
    center = load_center_key(FIXTURES / "center-private-key.json", PASSPHRASE)
    registry = load_site_registry(FIXTURES / "site-keys")
    with open_center_database(tmp_path / "center.db", create=True) as db:
        result = merge_file(db, FIXTURES / "transfer-v1-S01.rgt", center, registry)
        again = merge_file(db, FIXTURES / "transfer-v1-S01.rgt", center, registry)
        with db.reading() as session:
            count = session.scalar(select(func.count()).select_from(CenterPatient))
    assert result.site_code == "S01"
    assert result.sequence == 1
    assert len(result.added) == 6
    assert count == 6
    assert again.status is MergeStatus.ALREADY_MERGED
