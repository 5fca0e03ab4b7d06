"""Fuzzing the center's reader: whatever a validly signed file contains, and whatever
bytes a file holds, reading or merging gives a result or an ExchangeError, never a crash."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rego_desktop.center.db import CenterDatabase, open_center_database
from rego_desktop.center.merge import MergeResult, MergeStatus, merge_file, verify_file
from rego_desktop.exchange import keys
from rego_desktop.exchange.container import seal_transfer
from rego_desktop.exchange.deidentify import DeidentifiedPatient
from rego_desktop.exchange.errors import ExchangeError
from rego_desktop.exchange.payload import PayloadError, PayloadReader
from rego_desktop.study import CURRENT
from tests.exchange.casebooks import PACKAGE_ID, SEQUENCE, header, payload_bytes

CREATED = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
CENTER = keys.generate_center_keys("Coordinating Center", created=CREATED)
SITE = keys.generate_site_key("BJ01", created=CREATED)
REGISTRY = {"BJ01": SITE.public_key()}
VALID = payload_bytes()
LINES: list[Any] = [json.loads(line) for line in VALID.splitlines()]

EXAMPLES = int(os.environ.get("REGO_FUZZ_EXAMPLES", "300"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def read_payload(data: bytes, chunk: int = 97) -> list[DeidentifiedPatient] | None:
    """The patients, or None if refused; any other exception fails the test."""
    chunks = [data[i : i + chunk] for i in range(0, len(data), chunk)]
    try:
        return PayloadReader(chunks, header(), source="f.rgt").read_all()
    except PayloadError as exc:
        error = exc
    assert "f.rgt" in error.message
    return None


def seal(payload: bytes, sequence: int = SEQUENCE) -> bytes:
    return seal_transfer(
        payload,
        site_key=SITE,
        recipient=CENTER.public,
        study_id=CURRENT.id,
        study_version=CURRENT.version,
        sequence=sequence,
        package_id=PACKAGE_ID,
        chunk_size=256,
    )


@FUZZ
@given(st.binary(max_size=3000))
def test_random_payload_bytes(data: bytes) -> None:
    assert read_payload(data) is None


@FUZZ
@given(st.binary(max_size=2000))
def test_random_lines_after_a_valid_manifest(tail: bytes) -> None:
    result = read_payload(VALID.splitlines(keepends=True)[0] + tail)
    assert result is None or result == []


_mutation = st.one_of(
    st.tuples(st.just("set"), st.integers(0), st.integers(0, 255)),
    st.tuples(st.just("insert"), st.integers(0), st.binary(min_size=1, max_size=20)),
    st.tuples(st.just("delete"), st.integers(0), st.integers(1, 80)),
    st.tuples(st.just("truncate"), st.integers(0), st.just(0)),
    st.tuples(st.just("duplicate"), st.integers(0), st.integers(1, 200)),
)


def _apply(data: bytearray, mutation: tuple[str, int, object]) -> None:
    op, where, arg = mutation
    pos = where % (len(data) + 1)
    if op == "set" and pos < len(data):
        assert isinstance(arg, int)
        data[pos] = arg
    elif op == "insert":
        assert isinstance(arg, bytes)
        data[pos:pos] = arg
    elif op == "delete":
        assert isinstance(arg, int)
        del data[pos : pos + arg]
    elif op == "truncate":
        del data[pos:]
    elif op == "duplicate":
        assert isinstance(arg, int)
        data[pos:pos] = data[pos : pos + arg]


@FUZZ
@given(st.lists(_mutation, min_size=1, max_size=4))
def test_mutated_payload_bytes(mutations: list[tuple[str, int, object]]) -> None:
    data = bytearray(VALID)
    for mutation in mutations:
        _apply(data, mutation)
    result = read_payload(bytes(data))
    if result is not None:
        # Accepted: then it must be consistent with its own (validated) manifest.
        assert len(result) == len({p.subject_code for p in result})


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["90+", "yes", "no", "other", "hbv", "mg/dL", "", "BJ01-0001"]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["entry", "values", "value", "unit", "kind", "forms", "x"])
            | st.text(max_size=6),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


ALL_PATHS = [p for p in _paths(LINES) if p]


@FUZZ
@given(
    st.lists(st.tuples(st.sampled_from(ALL_PATHS), json_values), min_size=1, max_size=3),
    st.booleans(),
)
def test_structured_mutations(edits: list[tuple[tuple[Any, ...], Any]], ascii_only: bool) -> None:
    lines = json.loads(json.dumps(LINES))
    for path, value in edits:
        target: Any = lines
        try:
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    data = (
        b"".join(json.dumps(line, ensure_ascii=True).encode() + b"\n" for line in lines)
        if ascii_only
        else b"".join(
            json.dumps(line, ensure_ascii=False).encode("utf-8", "surrogatepass") + b"\n"
            for line in lines
        )
    )
    read_payload(data)


# --------------------------------------------------------------------------- the whole file


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="rego-fuzz-") as name:
        yield Path(name)


@pytest.fixture(scope="module")
def center_db(folder: Path) -> Iterator[CenterDatabase]:
    db = open_center_database(folder / "center.db", create=True)
    yield db
    db.close()


FILE_FUZZ = settings(FUZZ, max_examples=max(20, EXAMPLES // 3))
SEALED = seal(VALID)


def _merge(db: CenterDatabase, folder: Path, data: bytes) -> MergeResult | None:
    path = folder / "fuzz.rgt"
    path.write_bytes(data)
    with contextlib.suppress(ExchangeError):
        verify_file(path, REGISTRY, CENTER)
    try:
        return merge_file(db, path, CENTER, REGISTRY)
    except ExchangeError as exc:
        error = exc
    assert str(path) in error.message
    return None


@FILE_FUZZ
@given(payload=st.binary(max_size=1500))
def test_signed_files_with_random_payloads(
    center_db: CenterDatabase, folder: Path, payload: bytes
) -> None:
    assert _merge(center_db, folder, seal(payload, sequence=10**6)) is None


@FILE_FUZZ
@given(mutations=st.lists(_mutation, min_size=1, max_size=3))
def test_mutated_transfer_files(
    center_db: CenterDatabase, folder: Path, mutations: list[tuple[str, int, object]]
) -> None:
    data = bytearray(SEALED)
    for mutation in mutations:
        _apply(data, mutation)
    result = _merge(center_db, folder, bytes(data))
    if bytes(data) != SEALED:
        assert result is None


def test_the_valid_file_merges_once(center_db: CenterDatabase, folder: Path) -> None:
    first = _merge(center_db, folder, SEALED)
    assert first is not None
    assert first.patients == 3
    again = _merge(center_db, folder, SEALED)
    assert again is not None
    assert again.status is MergeStatus.ALREADY_MERGED
