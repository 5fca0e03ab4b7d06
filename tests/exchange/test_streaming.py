"""Large payloads stream through bounded memory (no timing assertions)."""

from __future__ import annotations

import hashlib
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from rego_desktop.exchange import keys
from rego_desktop.exchange.container import (
    DEFAULT_CHUNK_SIZE,
    open_transfer,
    verify_transfer,
    write_transfer_file,
)

CREATED = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
PAYLOAD_SIZE = 50 * 1024 * 1024 + 12345  # 50 MB and a partial last chunk
PIECE = 1024 * 1024 - 3  # pieces that do not line up with chunks
MEMORY_LIMIT = 8 * 1024 * 1024  # far below the payload size


def payload_pieces() -> Iterator[bytes]:
    """Deterministic, incompressible-looking data produced piece by piece."""
    block = hashlib.shake_256(b"rego streaming test").digest(PIECE)
    remaining, counter = PAYLOAD_SIZE, 0
    while remaining:
        n = min(PIECE, remaining)
        yield counter.to_bytes(8, "big") + block[: n - 8] if n >= 8 else block[:n]
        remaining -= n
        counter += 1


@pytest.mark.slow
def test_50_mb_round_trip_with_bounded_memory(tmp_path: Path) -> None:
    center = keys.generate_center_keys("Coordinating Center", created=CREATED)
    site = keys.generate_site_key("BJ01", created=CREATED)
    registry = {"BJ01": site.public_key()}
    path = tmp_path / "large.rgt"
    expected = hashlib.sha256()
    for piece in payload_pieces():
        expected.update(piece)

    tracemalloc.start()
    try:
        write_transfer_file(
            path,
            payload_pieces(),
            site_key=site,
            recipient=center.public,
            study_id="REGO-HCC-RWS",
            study_version="1.0",
            sequence=1,
        )
        _, write_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()

        verify_transfer(path, registry)
        header, chunks = open_transfer(path, center, registry)
        actual, total, largest = hashlib.sha256(), 0, 0
        for chunk in chunks:
            actual.update(chunk)
            total += len(chunk)
            largest = max(largest, len(chunk))
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert header.chunk_size == DEFAULT_CHUNK_SIZE
    assert total == PAYLOAD_SIZE
    assert actual.digest() == expected.digest()
    assert largest == DEFAULT_CHUNK_SIZE
    assert path.stat().st_size > PAYLOAD_SIZE
    assert write_peak < MEMORY_LIMIT, f"writing used {write_peak} bytes at peak"
    assert read_peak < MEMORY_LIMIT, f"reading used {read_peak} bytes at peak"
