"""Fuzzing: whatever the bytes, the reader returns a result or raises TransferFileError."""

from __future__ import annotations

import contextlib
import io
import struct
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rego_desktop.exchange import keys
from rego_desktop.exchange.container import (
    MAGIC,
    read_header,
    seal_transfer,
    unseal_transfer,
    verify_transfer,
)
from rego_desktop.exchange.errors import TransferFileError

CREATED = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
CENTER = keys.generate_center_keys("Coordinating Center", created=CREATED)
SITE = keys.generate_site_key("BJ01", created=CREATED)
REGISTRY = {"BJ01": SITE.public_key()}
PAYLOAD = bytes(range(200))
VALID = seal_transfer(
    PAYLOAD,
    site_key=SITE,
    recipient=CENTER.public,
    study_id="REGO-HCC-RWS",
    study_version="1.0",
    sequence=1,
    chunk_size=48,
)
(_HEADER_LENGTH,) = struct.unpack(">I", VALID[10:14])
HEADER_BLOCK = VALID[: 14 + _HEADER_LENGTH]

FUZZ = settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def read_all_ways(data: bytes) -> bytes | None:
    """Run every reader; return the payload if the file was accepted, None if refused.

    Any exception other than TransferFileError fails the test.
    """
    with contextlib.suppress(TransferFileError):
        read_header(io.BytesIO(data))
    with contextlib.suppress(TransferFileError):
        verify_transfer(io.BytesIO(data), REGISTRY)
    try:
        return unseal_transfer(data, CENTER, REGISTRY)[1]
    except TransferFileError:
        return None


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes(data: bytes) -> None:
    assert read_all_ways(data) is None


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes_after_the_magic(tail: bytes) -> None:
    assert read_all_ways(MAGIC + tail) is None
    assert read_all_ways(MAGIC + b"\x00\x01" + tail) is None


@FUZZ
@given(st.binary(max_size=3000))
def test_random_records_after_a_valid_header(tail: bytes) -> None:
    assert read_all_ways(HEADER_BLOCK + tail) is None


@FUZZ
@given(
    st.lists(
        st.tuples(st.integers(0, 255), st.integers(0, 2**32 - 1), st.binary(max_size=80)),
        max_size=8,
    ),
    st.binary(max_size=70),
)
def test_well_framed_random_records(records: list[tuple[int, int, bytes]], tail: bytes) -> None:
    body = b"".join(struct.pack(">BI", kind % 4, length % 100) + ct for kind, length, ct in records)
    assert read_all_ways(HEADER_BLOCK + body + tail) is None


_mutation = st.one_of(
    st.tuples(st.just("set"), st.integers(0), st.integers(0, 255)),
    st.tuples(st.just("insert"), st.integers(0), st.binary(min_size=1, max_size=20)),
    st.tuples(st.just("delete"), st.integers(0), st.integers(1, 80)),
    st.tuples(st.just("truncate"), st.integers(0), st.just(0)),
    st.tuples(st.just("duplicate"), st.integers(0), st.integers(1, 120)),
    st.tuples(st.just("swap"), st.integers(0), st.integers(0)),
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
    elif op == "swap" and data:
        assert isinstance(arg, int)
        other = arg % len(data)
        if pos < len(data):
            data[pos], data[other] = data[other], data[pos]


@FUZZ
@given(st.lists(_mutation, min_size=1, max_size=4))
def test_mutated_valid_files_are_refused(mutations: list[tuple[str, int, object]]) -> None:
    data = bytearray(VALID)
    for mutation in mutations:
        _apply(data, mutation)
    result = read_all_ways(bytes(data))
    if bytes(data) == VALID:
        assert result == PAYLOAD
    else:
        assert result is None


def test_the_unmutated_file_is_accepted() -> None:
    assert read_all_ways(VALID) == PAYLOAD
