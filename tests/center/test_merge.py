"""Merging: round trips from several sites, in any order and twice; superseding; the log."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import pytest
from sqlalchemy import select

from rego_desktop.center.db import CenterDatabase
from rego_desktop.center.errors import MergeProblem, MergeRefused
from rego_desktop.center.merge import (
    MergeResult,
    MergeStatus,
    merge_file,
    merge_files,
    order_for_merge,
    verify_file,
)
from rego_desktop.center.models import CenterPackage, CenterSite
from rego_desktop.center.pooled import pooled_patients
from rego_desktop.exchange.container import read_header
from rego_desktop.exchange.deidentify import DeidentifiedPatient
from tests.center.conftest import CENTER, Network, snapshot


def expected_union(network: Network, export: int) -> list[DeidentifiedPatient]:
    """The union of every site's de-identified data of its ``export``-th file."""
    union: list[DeidentifiedPatient] = [
        p for site in network.sites.values() for p in site.expected[export]
    ]
    return sorted(union, key=lambda p: p.subject_code)


def merged(result: object) -> MergeResult:
    assert isinstance(result, MergeResult), result
    return result


def test_first_exports_merge_to_the_union_of_the_sites(
    network: Network, center_db: CenterDatabase
) -> None:
    for path in network.first_files():
        result = merge_file(center_db, path, CENTER, network.registry, allow_removals=True)
        assert result.status is MergeStatus.MERGED
        assert result.path == str(path)
        site = network.sites[result.site_code]
        assert result.added == tuple(p.subject_code for p in site.expected[0])
        assert result.updated == ()
        assert result.removed == ()
        assert result.unchanged == 0
    assert pooled_patients(center_db) == expected_union(network, 0)


@pytest.mark.parametrize("seed", range(4))
def test_any_order_twice_gives_the_newest_data_of_every_site(
    network: Network, center_db: CenterDatabase, seed: int
) -> None:
    files = network.all_files() * 2
    random.Random(seed).shuffle(files)
    outcomes = merge_files(center_db, files, CENTER, network.registry, allow_removals=True)
    for path, outcome in zip(files, outcomes, strict=True):
        if isinstance(outcome, MergeRefused):
            # An older package arriving after a newer one of its site: refused, harmless.
            assert outcome.reason is MergeProblem.STALE_PACKAGE
            assert read_header(path).sequence == 1
        else:
            assert isinstance(outcome, MergeResult), outcome
    assert pooled_patients(center_db) == expected_union(network, 1)
    # Once everything is in, merging every file again changes nothing at all.
    before = snapshot(center_db)
    again = merge_files(center_db, files, CENTER, network.registry, allow_removals=True)
    assert snapshot(center_db) == before
    for outcome in again:
        assert isinstance(outcome, MergeResult | MergeRefused)
        if isinstance(outcome, MergeResult):
            assert outcome.status is MergeStatus.ALREADY_MERGED


def test_sorted_batch_merges_every_file_in_sequence_order(
    network: Network, center_db: CenterDatabase
) -> None:
    files = network.all_files()[::-1]
    ordered = order_for_merge(files)
    assert [(read_header(f).site_code, read_header(f).sequence) for f in ordered] == sorted(
        (read_header(f).site_code, read_header(f).sequence) for f in files
    )
    outcomes = merge_files(center_db, ordered, CENTER, network.registry, allow_removals=True)
    assert all(merged(o).status is MergeStatus.MERGED for o in outcomes)
    assert pooled_patients(center_db) == expected_union(network, 1)


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_site_order_does_not_matter(
    network: Network, center_db: CenterDatabase, order: tuple[int, ...]
) -> None:
    files = network.last_files()
    for i in order:
        merge_file(center_db, files[i], CENTER, network.registry, allow_removals=True)
    assert pooled_patients(center_db) == expected_union(network, 1)


def test_same_file_twice_changes_nothing(network: Network, center_db: CenterDatabase) -> None:
    path = network.first_files()[0]
    first = merge_file(center_db, path, CENTER, network.registry, allow_removals=True)
    before = snapshot(center_db)
    second = merge_file(center_db, path, CENTER, network.registry, allow_removals=True)
    assert snapshot(center_db) == before
    assert second.status is MergeStatus.ALREADY_MERGED
    assert second.merged_at == first.merged_at
    assert "already merged" in second.describe()
    # A copy under another name is the same package.
    copy = path.parent / "copy-of-first.rgt"
    copy.write_bytes(path.read_bytes())
    try:
        assert merge_file(
            center_db, copy, CENTER, network.registry, allow_removals=True
        ).status is (MergeStatus.ALREADY_MERGED)
    finally:
        copy.unlink()
    assert snapshot(center_db) == before


def test_newest_package_supersedes_patient_by_patient(
    network: Network, center_db: CenterDatabase
) -> None:
    site = network.sites["BJ01"]
    merge_file(center_db, site.files[0], CENTER, network.registry, allow_removals=True)
    result = merge_file(center_db, site.files[1], CENTER, network.registry, allow_removals=True)
    assert result.status is MergeStatus.MERGED
    assert result.removed == tuple(site.removed_after_first)
    assert result.added == tuple(site.added_after_first)
    assert result.updated == tuple(site.updated_after_first)
    assert result.unchanged == len(site.expected[0]) - 2
    assert "Removed at the site: " + site.removed_after_first[0] in result.describe()
    assert pooled_patients(center_db, site="BJ01") == site.expected[1]
    # The unchanged patients were not rewritten: same rows as after the first merge.
    pooled = {p.subject_code: p for p in pooled_patients(center_db)}
    changed = site.expected[1]
    assert pooled[site.updated_after_first[0]] in changed


def test_every_merge_is_logged(network: Network, center_db: CenterDatabase) -> None:
    site = network.sites["SH02"]
    results = [
        merge_file(center_db, f, CENTER, network.registry, allow_removals=True) for f in site.files
    ]
    with center_db.reading() as session:
        log = list(session.scalars(select(CenterPackage).order_by(CenterPackage.id)))
        state = session.get_one(CenterSite, "SH02")
    assert [p.sequence for p in log] == [1, 2]
    for row, result, path in zip(log, results, site.files, strict=True):
        assert row.file_name == str(path)
        assert (
            row.file_sha256 == result.file_sha256 == verify_file(path, network.registry).file_sha256
        )
        assert row.file_size == path.stat().st_size
        assert row.site_code == "SH02"
        assert row.package_id == str(read_header(path).package_id)
        assert (row.added, row.updated, row.unchanged, row.removed) == (
            len(result.added),
            len(result.updated),
            result.unchanged,
            len(result.removed),
        )
        assert row.merged_at == result.merged_at
        changes = json.loads(row.changes)
        assert changes["removed"] == list(result.removed)
        manifest = json.loads(row.manifest)
        assert manifest["package_id"] == row.package_id
        assert manifest["removed"][0] == {
            "form": "identification",
            "field": None,
            "reason": "identifying",
            "count": len(site.expected[0] if row.sequence == 1 else site.expected[1]),
        }
    assert state.last_sequence == 2
    assert state.last_package_id == log[-1].package_id


def test_a_new_package_with_unchanged_data_is_merged_and_all_unchanged(
    network: Network, center_db: CenterDatabase, tmp_path: Path
) -> None:
    from rego_desktop.exchange.export import export_transfer

    site = network.sites["GZ03"]
    merge_file(center_db, site.files[-1], CENTER, network.registry, allow_removals=True)
    path = tmp_path / "again.rgt"
    export_transfer(site.study, CENTER.public, path)
    result = merge_file(center_db, path, CENTER, network.registry, allow_removals=True)
    assert result.status is MergeStatus.MERGED
    assert result.unchanged == len(site.expected[-1])
    assert result.added == result.updated == result.removed == ()
    assert pooled_patients(center_db, site="GZ03") == site.expected[-1]


def test_demo_generator_sites_round_trip(tmp_path: Path) -> None:
    """Sites filled by the demo generator (when this build has it) export and merge."""
    generator = pytest.importorskip("rego_desktop.demo.generator")
    from rego_desktop.center.db import open_center_database
    from rego_desktop.exchange.export import deidentified_patients, export_transfer
    from rego_desktop.exchange.site_keys import site_public_key
    from rego_desktop.store.opening import create_study
    from tests.conftest import ADMIN, FAST_KDF, PASSWORD

    registry = {}
    expected = []
    files = []
    for i, code in enumerate(("TJ05", "WH07")):
        study = create_study(tmp_path / f"{code}.rego", code, ADMIN, PASSWORD, kdf=FAST_KDF).study
        try:
            generator.generate(study, 12, seed=i + 1)
            registry[code] = site_public_key(study)
            files.append(tmp_path / f"{code}.rgt")
            export_transfer(study, CENTER.public, files[-1])
            with study.reading() as session:
                expected += deidentified_patients(study, session)[0]
        finally:
            study.close()
    with open_center_database(tmp_path / "center.db", create=True) as db:
        for path in reversed(files * 2):
            merge_file(db, path, CENTER, registry)
        assert pooled_patients(db) == sorted(expected, key=lambda p: p.subject_code)


def merge_concurrently(db: CenterDatabase, path: Path, network: Network) -> list[object]:
    import threading

    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def worker() -> None:
        barrier.wait()
        try:
            outcomes.append(merge_file(db, path, CENTER, network.registry, allow_removals=True))
        except MergeRefused as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def test_two_merges_of_the_same_file_at_once(network: Network, center_db: CenterDatabase) -> None:
    path = network.sites["BJ01"].files[0]
    outcomes = merge_concurrently(center_db, path, network)
    statuses = sorted(
        o.status.value if isinstance(o, MergeResult) else f"refused:{o.reason}"  # type: ignore[attr-defined]
        for o in outcomes
    )
    assert statuses[0] == "already_merged" or statuses[0].startswith("refused:concurrent")
    assert statuses[1] == "merged"
    assert pooled_patients(center_db, site="BJ01") == network.sites["BJ01"].expected[0]
