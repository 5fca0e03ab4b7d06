"""The framing shared by the transfer file and the query file (``exchange/framing.py``).

The two formats' own tests (test vectors, fixtures, refusals) check that each format's
bytes and messages are unchanged; these check the shared part on its own, with a third,
made-up format, and that refusals found by the framing become each format's own error.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import NoReturn

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from rego_desktop.exchange import container, framing, query_file
from rego_desktop.exchange.errors import ExchangeError, TransferFileError, TransferProblem
from rego_desktop.exchange.query_file import QueryFileError, QueryFileProblem
from tests.exchange.test_vectors import seed, vector_keys

CENTER, SITE = vector_keys()
TEST_FORMAT = framing.FrameFormat(b"\x89TST\r\n\x1a\n", 3, b"test signature\x00", b"test key\x00")


class _Refused(ExchangeError):
    def __init__(self, message: str, problem: str) -> None:
        super().__init__(message)
        self.problem = problem


class _TestCtx(framing.FrameContext):
    def __init__(self) -> None:
        super().__init__(io.BytesIO(), "the test file")

    @property
    def sender(self) -> str:
        return "the tester"

    def error(self, problem: framing.FrameProblem, message: str) -> _Refused:
        return _Refused(message, problem.value)

    def empty(self) -> NoReturn:
        raise _Refused("empty", "empty")

    def wrong_magic(self, magic: bytes) -> NoReturn:
        raise _Refused(f"not a test file: {magic!r}", "wrong_magic")

    def unknown_version(self, version: int) -> NoReturn:
        raise _Refused(f"version {version}", "unknown_version")

    def undecryptable(self) -> NoReturn:
        raise _Refused("undecryptable", "undecryptable")


SIGNER = Ed25519PrivateKey.from_private_bytes(seed("framing signer"))
RECIPIENT = X25519PrivateKey.from_private_bytes(seed("framing recipient"))
EPHEMERAL = X25519PrivateKey.from_private_bytes(seed("framing ephemeral"))
RECIPIENT_PUBLIC = RECIPIENT.public_key().public_bytes_raw()
EPHEMERAL_PUBLIC = EPHEMERAL.public_key().public_bytes_raw()
HEADER = b'{"test":1}'


def write(pieces: list[bytes], chunk_size: int) -> bytes:
    block = TEST_FORMAT.header_block(HEADER)
    out = io.BytesIO()
    TEST_FORMAT.write(
        out,
        block,
        pieces,
        chunk_size=chunk_size,
        cipher=TEST_FORMAT.sender_cipher(block, EPHEMERAL, RECIPIENT_PUBLIC),
        signer=SIGNER,
        too_large="too large",
    )
    return out.getvalue()


def parse(raw: bytes) -> bytes:
    if raw != HEADER:
        raise framing.BadHeader("not the test header")
    return raw


def read(data: bytes, chunk_size: int) -> tuple[list[framing.ChunkRecord], bytes]:
    """Check, verify and decrypt like the formats do; returns the records and plaintext."""
    ctx = _TestCtx()
    r = framing.Reader(io.BytesIO(data), ctx)
    header, block = TEST_FORMAT.read_header_block(r, parse)
    assert header == HEADER
    assert block == data[: len(block)]
    records = list(framing.scan_chunks(r, chunk_size))
    digest, signature = framing.read_trailer(r)
    public = SIGNER.public_key().public_bytes_raw()
    assert TEST_FORMAT.verifies(public, signature, digest)
    assert not TEST_FORMAT.verifies(public, signature, bytes(64))
    cipher = TEST_FORMAT.recipient_cipher(block, EPHEMERAL_PUBLIC, RECIPIENT, RECIPIENT_PUBLIC, ctx)
    plaintext = b"".join(
        cipher.open(rec.kind, rec.number, data[rec.offset : rec.offset + rec.length], ctx)
        for rec in records
    )
    return records, plaintext


@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 32, 33, 100])
def test_any_split_of_the_payload_gives_the_same_chunks(size: int) -> None:
    payload = bytes(i % 251 for i in range(size))
    whole = write([payload], 16)
    split = write([payload[:5], b"", payload[5:7], payload[7:]], 16)
    assert whole == split
    records, plaintext = read(whole, 16)
    assert plaintext == payload
    assert len(records) == max(1, -(-size // 16))
    assert [rec.kind for rec in records] == [framing.RECORD_CHUNK] * (len(records) - 1) + [
        framing.RECORD_FINAL
    ]
    assert [rec.number for rec in records] == list(range(len(records)))


def test_header_block_layout() -> None:
    block = TEST_FORMAT.header_block(HEADER)
    assert block == b"\x89TST\r\n\x1a\n" + b"\x00\x03" + b"\x00\x00\x00\x0a" + HEADER


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "empty"),
        (b"\x89TST\r", "truncated"),
        (b"\x89TSTxxxx", "altered"),
        (b"something else entirely", "wrong_magic"),
        (b"\x89TST\r\n\x1a\n\x00\x04\x00\x00\x00\x0a", "unknown_version"),
        (b"\x89TST\r\n\x1a\n\x00\x03\x00\x00\x00\x01x", "altered"),
        (b"\x89TST\r\n\x1a\n\x00\x03\x00\x00\x00\x0a{}", "truncated"),
        (b"\x89TST\r\n\x1a\n\x00\x03\x00\x00\x00\x0a{}{}{}{}{}", "altered"),
    ],
)
def test_header_block_refusals(data: bytes, problem: str) -> None:
    with pytest.raises(_Refused) as info:
        TEST_FORMAT.read_header_block(framing.Reader(io.BytesIO(data), _TestCtx()), parse)
    assert info.value.problem == problem


def test_body_refusals_use_the_context_messages() -> None:
    good = write([b"x" * 40], 16)
    ctx = _TestCtx()
    for data, problem in [
        (good[:-65], "unsigned"),
        (good[:-10], "truncated"),
        (good + b"!", "altered"),
    ]:
        r = framing.Reader(io.BytesIO(data), ctx)
        TEST_FORMAT.read_header_block(r, parse)
        assert len(list(framing.scan_chunks(r, 16))) == 3
        with pytest.raises(_Refused) as info:
            framing.read_trailer(r)
        assert info.value.problem == problem
        assert "the tester" in info.value.message


def test_framing_problems_are_problems_of_both_formats() -> None:
    for problem in framing.FrameProblem:
        assert TransferProblem(problem.value).value == problem.value
        assert QueryFileProblem(problem.value).value == problem.value


def test_an_unreadable_query_file_is_refused_as_a_query_file(tmp_path: Path) -> None:
    """Before the framing was shared this raised the transfer file's error (no Chinese)."""
    with pytest.raises(QueryFileError) as info:
        query_file.open_query_file(tmp_path, CENTER.public, SITE)
    assert info.value.reason is QueryFileProblem.UNREADABLE
    assert info.value.message.startswith(f"Could not read the query file {tmp_path}: ")
    assert info.value.message_zh == query_file.chinese(QueryFileProblem.UNREADABLE)


def test_an_unreadable_transfer_file_is_refused_as_a_transfer_file(tmp_path: Path) -> None:
    with pytest.raises(TransferFileError) as info:
        container.read_header(tmp_path / "missing.rgo")
    assert info.value.reason is TransferProblem.UNREADABLE
    assert info.value.message.startswith("Could not read the transfer file ")
