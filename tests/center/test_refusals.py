"""Every refusal names the file and the reason and leaves the center database untouched."""

from __future__ import annotations

import shutil
import struct
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from rego_desktop.center.db import CenterDatabase
from rego_desktop.center.errors import MergeProblem, MergeRefused, SiteRegistryError
from rego_desktop.center.merge import MergeStatus, merge_file, verify_file
from rego_desktop.center.registry import load_site_registry
from rego_desktop.exchange.container import seal_transfer, unseal_transfer
from rego_desktop.exchange.errors import ExchangeError, TransferFileError, TransferProblem
from rego_desktop.exchange.export import export_transfer
from rego_desktop.exchange.keys import SitePublicKey, write_site_public_key
from rego_desktop.exchange.payload import encode_line
from rego_desktop.exchange.site_keys import ensure_site_key
from tests.center.conftest import CENTER, OTHER_CENTER, Network, snapshot


@pytest.fixture
def loaded(network: Network, center_db: CenterDatabase) -> CenterDatabase:
    """A center database holding every site's first package."""
    for path in network.first_files():
        merge_file(center_db, path, CENTER, network.registry)
    return center_db


@pytest.fixture
def candidate(network: Network, tmp_path: Path) -> Path:
    """A copy of BJ01's second package: valid and not merged yet."""
    target = tmp_path / "candidate.rgt"
    shutil.copy(network.sites["BJ01"].files[1], target)
    return target


def refuse(
    db: CenterDatabase,
    path: Path,
    registry: Mapping[str, SitePublicKey],
    center: object = CENTER,
) -> ExchangeError:
    """Merging must fail naming the file, and change nothing (removals allowed, so that
    the refusal tested is not the removal guard)."""
    before = snapshot(db)
    with pytest.raises(ExchangeError) as info:
        merge_file(db, path, center, registry, allow_removals=True)  # type: ignore[arg-type]
    assert snapshot(db) == before
    error = info.value
    assert str(path) in error.message, error.message
    assert getattr(error, "path", None) == str(path)
    return error


def reason(error: ExchangeError) -> str:
    return str(getattr(error, "reason", ""))


def test_the_unaltered_candidate_merges(
    network: Network, loaded: CenterDatabase, candidate: Path
) -> None:
    result = merge_file(loaded, candidate, CENTER, network.registry, allow_removals=True)
    assert result.status is MergeStatus.MERGED


def _positions(data: bytes) -> list[int]:
    """Bytes of every part of the file: magic, version, header length and header, the
    first chunk record's type, length and ciphertext, the signature record, and a sweep."""
    size = len(data)
    (header_length,) = struct.unpack(">I", data[10:14])
    first_record = 14 + header_length
    fixed = [0, 3, 7, 8, 9, 10, 13, 14, 40, first_record - 1, first_record, first_record + 1]
    fixed += [first_record + 4, first_record + 5, first_record + 100, size - 66, size - 65]
    fixed += [size - 64, size - 1]
    sweep = list(range(0, size, max(1, size // 40)))
    return sorted({p for p in fixed + sweep if 0 <= p < size})


def test_an_altered_byte_anywhere_is_refused(
    network: Network, loaded: CenterDatabase, candidate: Path
) -> None:
    original = candidate.read_bytes()
    seen: set[str] = set()
    for position in _positions(original):
        for flip in (0x01, 0x80):
            data = bytearray(original)
            data[position] ^= flip
            candidate.write_bytes(bytes(data))
            error = refuse(loaded, candidate, network.registry)
            assert isinstance(error, TransferFileError)
            seen.add(reason(error))
    # Both the structure checks and the signature catch alterations.
    assert {"altered", "bad_signature"} <= seen


def test_bad_signature(network: Network, loaded: CenterDatabase, candidate: Path) -> None:
    data = bytearray(candidate.read_bytes())
    data[-10] ^= 0x04
    candidate.write_bytes(bytes(data))
    error = refuse(loaded, candidate, network.registry)
    assert reason(error) == TransferProblem.BAD_SIGNATURE
    assert "does not carry a valid signature of site BJ01" in error.message


def test_missing_signature(network: Network, loaded: CenterDatabase, candidate: Path) -> None:
    candidate.write_bytes(candidate.read_bytes()[:-65])
    error = refuse(loaded, candidate, network.registry)
    assert reason(error) == TransferProblem.UNSIGNED
    assert "has no signature" in error.message


def test_signed_by_another_key(network: Network, loaded: CenterDatabase, candidate: Path) -> None:
    from rego_desktop.exchange.keys import generate_site_key

    header, payload = unseal_transfer(candidate.read_bytes(), CENTER, network.registry)
    impostor = generate_site_key("BJ01")
    forged = seal_transfer(
        payload,
        site_key=impostor,
        recipient=CENTER.public,
        study_id=header.study_id,
        study_version=header.study_version,
        sequence=header.sequence,
        package_id=header.package_id,
    )
    candidate.write_bytes(forged)
    error = refuse(loaded, candidate, network.registry)
    assert reason(error) == TransferProblem.SITE_KEY_MISMATCH
    assert "not the key registered for site BJ01" in error.message


def test_unknown_site(network: Network, loaded: CenterDatabase, candidate: Path) -> None:
    registry = {k: v for k, v in network.registry.items() if k != "BJ01"}
    error = refuse(loaded, candidate, registry)
    assert reason(error) == TransferProblem.UNKNOWN_SITE
    assert "site BJ01, which is not registered" in error.message


def test_signed_with_the_key_registered_for_another_site(
    network: Network, loaded: CenterDatabase, candidate: Path
) -> None:
    # BJ01's key sits in the registry under SH02 (and BJ01 is not registered).
    registry = {"SH02": network.registry["BJ01"], "GZ03": network.registry["GZ03"]}
    error = refuse(loaded, candidate, registry)
    assert reason(error) == TransferProblem.SITE_KEY_MISMATCH
    assert "signed with the key registered for site SH02" in error.message


def test_registry_file_holding_another_sites_key(
    network: Network, loaded: CenterDatabase, candidate: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "site-keys"
    folder.mkdir()
    write_site_public_key(folder / "BJ01.json", network.registry["SH02"])
    write_site_public_key(folder / "SH02.json", network.registry["SH02"])
    (folder / "README.txt").write_text("registered keys", encoding="utf-8")
    registry = load_site_registry(folder)
    assert set(registry) == {"BJ01", "SH02"}
    error = refuse(loaded, candidate, registry)
    assert reason(error) == TransferProblem.SITE_KEY_MISMATCH


def test_registry_folder_problems(tmp_path: Path) -> None:
    with pytest.raises(SiteRegistryError, match="does not exist"):
        load_site_registry(tmp_path / "missing")
    (tmp_path / "BJ01.json").write_text("{}", encoding="utf-8")
    with pytest.raises(SiteRegistryError, match=r"BJ01\.json"):
        load_site_registry(tmp_path)


def test_file_for_another_recipient(
    network: Network, loaded: CenterDatabase, tmp_path: Path
) -> None:
    site = network.sites["GZ03"]
    path = tmp_path / "for-other-center.rgt"
    export_transfer(site.study, OTHER_CENTER.public, path)
    error = refuse(loaded, path, network.registry)
    assert reason(error) == TransferProblem.WRONG_RECIPIENT
    assert "encrypted for another coordinating center" in error.message
    # Verification without the private key cannot tell (and needs not): signature is fine.
    assert verify_file(path, network.registry).header.site_code == "GZ03"


@pytest.mark.parametrize("keep", [0, 5, 9, 14, 100, 600, -66, -65, -64, -1])
def test_truncated_file(
    network: Network, loaded: CenterDatabase, candidate: Path, keep: int
) -> None:
    candidate.write_bytes(candidate.read_bytes()[:keep])
    error = refuse(loaded, candidate, network.registry)
    expected = TransferProblem.UNSIGNED if keep == -65 else TransferProblem.TRUNCATED
    assert reason(error) == expected


def test_unknown_format_version(network: Network, loaded: CenterDatabase, candidate: Path) -> None:
    data = bytearray(candidate.read_bytes())
    data[8:10] = struct.pack(">H", 2)
    candidate.write_bytes(bytes(data))
    error = refuse(loaded, candidate, network.registry)
    assert reason(error) == TransferProblem.UNKNOWN_VERSION
    assert "version 2" in error.message


def test_not_a_transfer_file_and_missing_file(
    network: Network, loaded: CenterDatabase, tmp_path: Path
) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello", encoding="utf-8")
    assert reason(refuse(loaded, text, network.registry)) == TransferProblem.NOT_A_TRANSFER_FILE
    missing = tmp_path / "missing.rgt"
    assert reason(refuse(loaded, missing, network.registry)) == TransferProblem.UNREADABLE


def test_older_package_than_one_already_merged(network: Network, center_db: CenterDatabase) -> None:
    site = network.sites["SH02"]
    merge_file(center_db, site.files[1], CENTER, network.registry)
    error = refuse(center_db, site.files[0], network.registry)
    assert isinstance(error, MergeRefused)
    assert error.reason is MergeProblem.STALE_PACKAGE
    assert "package number 1 of site SH02, older than package number 2" in error.message


def _reseal(
    network: Network, path: Path, edit: Callable[[list[bytes]], list[bytes]], **overrides: object
) -> bytes:
    """Decrypt a package, edit its payload lines and seal it again with the site's key."""
    header, payload = unseal_transfer(path.read_bytes(), CENTER, network.registry)
    site = network.sites[header.site_code]
    with site.study.transaction() as session:
        key = ensure_site_key(site.study, session)
    lines = edit(payload.splitlines(keepends=True))
    args: dict[str, object] = {
        "site_key": key,
        "recipient": CENTER.public,
        "study_id": header.study_id,
        "study_version": header.study_version,
        "sequence": header.sequence,
        "package_id": header.package_id,
    }
    args.update(overrides)
    return seal_transfer(b"".join(lines), **args)  # type: ignore[arg-type]


def test_same_sequence_number_as_a_merged_package(
    network: Network, loaded: CenterDatabase, tmp_path: Path
) -> None:
    import json

    first = network.sites["BJ01"].files[0]
    new_id = uuid.uuid4()

    def new_package_id(lines: list[bytes]) -> list[bytes]:
        manifest = json.loads(lines[0])
        manifest["package_id"] = str(new_id)
        return [encode_line(manifest), *lines[1:]]

    path = tmp_path / "same-sequence.rgt"
    path.write_bytes(_reseal(network, first, new_package_id, package_id=new_id))
    error = refuse(loaded, path, network.registry)
    assert isinstance(error, MergeRefused)
    assert error.reason is MergeProblem.STALE_PACKAGE
    assert "the same as package number 1" in error.message


def test_same_package_id_with_other_content(
    network: Network, loaded: CenterDatabase, tmp_path: Path
) -> None:
    first = network.sites["BJ01"].files[0]
    path = tmp_path / "conflict.rgt"
    path.write_bytes(_reseal(network, first, lambda lines: lines))  # new ephemeral key
    assert path.read_bytes() != first.read_bytes()
    error = refuse(loaded, path, network.registry)
    assert isinstance(error, MergeRefused)
    assert error.reason is MergeProblem.PACKAGE_CONFLICT


def test_validly_signed_but_invalid_content_is_refused(
    network: Network, loaded: CenterDatabase, tmp_path: Path
) -> None:
    second = network.sites["BJ01"].files[1]
    path = tmp_path / "bad-content.rgt"
    # Drop the last patient: the manifest's counts no longer match.
    path.write_bytes(_reseal(network, second, lambda lines: lines[:-1]))
    error = refuse(loaded, path, network.registry)
    assert reason(error) == "malformed_payload"
    assert "correctly signed by site BJ01" in error.message


def test_file_changed_while_being_merged(
    network: Network, loaded: CenterDatabase, candidate: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rego_desktop.center import merge as merge_module

    real_hash = merge_module._hash
    calls: list[int] = []

    def hash_twice_differently(f: object, path: str) -> tuple[str, int]:
        digest, size = real_hash(f, path)  # type: ignore[arg-type]
        calls.append(1)
        return (digest if len(calls) == 1 else "0" * 64), size

    monkeypatch.setattr(merge_module, "_hash", hash_twice_differently)
    error = refuse(loaded, candidate, network.registry)
    assert isinstance(error, MergeRefused)
    assert error.reason is MergeProblem.CHANGED_WHILE_READING
