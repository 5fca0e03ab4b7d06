"""The query file (center -> site): round trip, test vector, refusals and a fuzz.

The vector ``vectors/query-file-v1.json`` is made from fixed keys (those of the transfer
vector, ``test_vectors.vector_keys``) and is checked byte for byte, and decrypted by an
independent reader written from ``docs/query-file.md`` alone. To regenerate after an
intentional format change (then review the diff!)::

    python -m tests.exchange.test_query_file --write
"""

from __future__ import annotations

import hashlib
import io
import json
import struct
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rego_desktop.exchange import keys, query_file
from rego_desktop.exchange.errors import InvalidExchangeParameter
from rego_desktop.exchange.query_file import (
    HistoryEvent,
    QueryFileError,
    QueryFileProblem,
    QueryItem,
)
from tests.exchange.test_vectors import seed, vector_keys

VECTOR = Path(__file__).parent / "vectors" / "query-file-v1.json"
AT = datetime(2024, 6, 1, 8, 0, 0, tzinfo=UTC)
CENTER, SITE = vector_keys()
OTHER_SITE = keys.site_signing_key_from_bytes("SH02", seed("site SH02 ed25519"), created=AT)
OTHER_CENTER = keys.generate_center_keys("Other center", created=AT)


def item(n: int = 1, **changes: Any) -> QueryItem:
    base: dict[str, Any] = {
        "id": f"Q{n:06d}",
        "revision": 1,
        "subject": "BJ01-0012",
        "form": "adverse_events",
        "entry": "a1b2c3",
        "field": "grade",
        "rule": None,
        "severity": None,
        "status": "open",
        "text": "Grade 4 neutropenia without dose change: please confirm the grade. 请确认分级。",
        "text_zh": None,
        "center_value": "4",
        "history": (HistoryEvent(AT, "raised", "dm-wang", None),),
    }
    base.update(changes)
    return QueryItem(**base)


VECTOR_QUERIES = (
    item(1),
    item(
        2,
        subject="BJ01-0003",
        form="treatment",
        entry=None,
        field="first_dose_date",
        rule="date.after_death",
        severity="error",
        status="closed",
        revision=2,
        text="An event dated after the date of death.",
        text_zh="事件日期晚于死亡日期。",
        center_value="study day 45",
        history=(
            HistoryEvent(AT, "raised", "edit checks", None),
            HistoryEvent(AT, "closed", "dm-wang", "Confirmed by telephone."),
        ),
    ),
)
VECTOR_INPUTS: dict[str, Any] = {
    "keys": "those of vectors/transfer-v1.json (center and site BJ01)",
    "ephemeral_x25519_private_key": seed("query ephemeral x25519").hex(),
    "file_id": "7d0f5c1e-2a3b-4c5d-8e9f-0a1b2c3d4e5f",
    "sequence": 2,
    "created": "2024-06-01T09:00:00Z",
    "study_id": "REGO-HCC-RWS",
    "study_version": "1.0",
    "chunk_size": 256,
}


def seal(queries: tuple[QueryItem, ...] = (item(),), **changes: Any) -> bytes:
    args: dict[str, Any] = {
        "center": CENTER,
        "site": SITE.public_key(),
        "study_id": "REGO-HCC-RWS",
        "study_version": "1.0",
        "sequence": 1,
        "created": AT,
        "chunk_size": 64,
    }
    args.update(changes)
    return query_file.seal_query_file(queries, **args)


def build_vector() -> bytes:
    ephemeral = X25519PrivateKey.from_private_bytes(
        bytes.fromhex(VECTOR_INPUTS["ephemeral_x25519_private_key"])
    )
    data = seal(
        VECTOR_QUERIES,
        file_id=uuid.UUID(VECTOR_INPUTS["file_id"]),
        sequence=VECTOR_INPUTS["sequence"],
        created=datetime(2024, 6, 1, 9, 0, 0, tzinfo=UTC),
        chunk_size=VECTOR_INPUTS["chunk_size"],
        ephemeral_key=ephemeral,
    )
    site_x = SITE.x25519_private()
    shared = site_x.exchange(ephemeral.public_key())
    (length,) = struct.unpack(">I", data[10:14])
    block = data[: 14 + length]
    info = (
        query_file.KEY_INFO_PREFIX
        + ephemeral.public_key().public_bytes_raw()
        + site_x.public_key().public_bytes_raw()
    )
    okm = HKDF(
        algorithm=SHA256(), length=39, salt=hashlib.sha256(block).digest(), info=info
    ).derive(shared)
    doc = {
        "description": (
            "rego-desktop query file v1 test vector: inputs, intermediate values and the "
            "complete file (hex). See docs/query-file.md."
        ),
        "inputs": VECTOR_INPUTS,
        "intermediate": {
            "site_x25519_private_key": site_x.private_bytes_raw().hex(),
            "site_x25519_public_key": site_x.public_key().public_bytes_raw().hex(),
            "center_fingerprint": CENTER.fingerprint,
            "site_fingerprint": SITE.fingerprint,
            "header_json": block[14:].decode("ascii"),
            "shared_secret": shared.hex(),
            "hkdf_info": info.hex(),
            "payload_key": okm[:32].hex(),
            "nonce_prefix": okm[32:].hex(),
            "plaintext": json.loads(
                query_file.QueryFileContent(
                    "BJ01", 2, uuid.UUID(VECTOR_INPUTS["file_id"]), VECTOR_QUERIES
                ).encode()
            ),
            "signature": data[-64:].hex(),
        },
        "file_sha256": hashlib.sha256(data).hexdigest(),
        "file_hex": data.hex(),
    }
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode()


# --------------------------------------------------------------------------- vector


def test_library_reproduces_the_committed_vector() -> None:
    assert VECTOR.read_bytes() == build_vector()


def test_independent_reader_decrypts_the_vector() -> None:
    """Written from docs/query-file.md only: no library code but the key derivation."""
    doc = json.loads(VECTOR.read_text("utf-8"))
    data = bytes.fromhex(doc["file_hex"])
    assert data[:8] == b"\x89RGQ\r\n\x1a\n"
    version, length = struct.unpack(">HI", data[8:14])
    assert version == 1
    header = json.loads(data[14 : 14 + length])
    block = data[: 14 + length]
    Ed25519PublicKey.from_public_bytes(CENTER.public.ed25519_public).verify(
        data[-64:], b"rego-query-v1 signature\x00" + hashlib.sha512(data[:-64]).digest()
    )
    site_x = X25519PrivateKey.from_private_bytes(
        bytes.fromhex(doc["intermediate"]["site_x25519_private_key"])
    )
    eph = bytes.fromhex(header["ephemeral_public_key"])
    shared = site_x.exchange(X25519PublicKey.from_public_bytes(eph))
    okm = HKDF(
        algorithm=SHA256(),
        length=39,
        salt=hashlib.sha256(block).digest(),
        info=b"rego-query-v1 payload key\x00" + eph + site_x.public_key().public_bytes_raw(),
    ).derive(shared)
    aead, prefix = AESGCM(okm[:32]), okm[32:]
    pos, index, plain = 14 + length, 0, b""
    while True:
        kind, size = struct.unpack(">BI", data[pos : pos + 5])
        pos += 5
        nonce = prefix + struct.pack(">IB", index, kind)
        plain += aead.decrypt(nonce, data[pos : pos + size], None)
        pos += size
        index += 1
        if kind == 1:
            break
    assert data[pos] == 2
    assert pos + 1 + 64 == len(data)
    assert json.loads(plain) == doc["intermediate"]["plaintext"]
    assert header["site_code"] == "BJ01"
    assert header["sequence"] == 2


# --------------------------------------------------------------------------- round trip


def test_round_trip() -> None:
    data = seal((item(1), item(2, status="closed", revision=3)))
    opened = query_file.unseal_query_file(data, CENTER.public, SITE)
    assert opened.header.site_code == "BJ01"
    assert opened.header.center_fingerprint == CENTER.fingerprint
    assert [q.id for q in opened.content.queries] == ["Q000001", "Q000002"]
    assert opened.content.queries[1].status == "closed"
    assert opened.content.queries[0].text.endswith("请确认分级。")
    assert opened.file_sha256 == hashlib.sha256(data).hexdigest()


def test_empty_query_list_round_trips() -> None:
    opened = query_file.unseal_query_file(seal(()), CENTER.public, SITE)
    assert opened.content.queries == ()


def test_a_version_1_site_key_cannot_receive_queries() -> None:
    with pytest.raises(InvalidExchangeParameter, match="version 1"):
        seal(site=SITE.public_key().signing_only())


def test_invalid_content_is_refused_when_writing() -> None:
    with pytest.raises(InvalidExchangeParameter, match="another site"):
        seal((item(subject="SH02-0001"),))


# --------------------------------------------------------------------------- refusals


def refused(data: bytes, site: keys.SiteSigningKey = SITE, center: Any = None) -> QueryFileProblem:
    with pytest.raises(QueryFileError) as info:
        query_file.unseal_query_file(data, center or CENTER.public, site, name="q.rgq")
    assert info.value.message_zh
    assert "q.rgq" in info.value.message
    return info.value.reason


def test_refusals_name_the_problem() -> None:
    good = seal((item(1), item(2)))
    assert refused(b"") is QueryFileProblem.TRUNCATED
    assert refused(b"hello world, not a file") is QueryFileProblem.NOT_A_QUERY_FILE
    assert refused(good[:5]) is QueryFileProblem.TRUNCATED
    assert refused(good[:60]) is QueryFileProblem.TRUNCATED
    assert refused(good[:-65]) is QueryFileProblem.UNSIGNED
    assert refused(good[:-10]) is QueryFileProblem.TRUNCATED
    assert refused(good + b"x") is QueryFileProblem.ALTERED
    flipped = bytearray(good)
    flipped[-100] ^= 1
    assert refused(bytes(flipped)) is QueryFileProblem.BAD_SIGNATURE
    assert refused(good, site=OTHER_SITE) is QueryFileProblem.WRONG_SITE
    assert refused(good, center=OTHER_CENTER.public) is QueryFileProblem.UNKNOWN_CENTER
    newer_key = keys.site_signing_key_from_bytes("BJ01", seed("BJ01 new key"), created=AT)
    assert refused(good, site=newer_key) is QueryFileProblem.WRONG_SITE
    transfer_like = b"\x89RGO\r\n\x1a\n" + good[8:]
    assert refused(transfer_like) is QueryFileProblem.NOT_A_QUERY_FILE
    version = good[:8] + b"\x00\x02" + good[10:]
    assert refused(version) is QueryFileProblem.UNKNOWN_VERSION


def test_signed_by_another_center_key_is_refused() -> None:
    forged = seal(center=OTHER_CENTER)
    assert refused(forged) is QueryFileProblem.UNKNOWN_CENTER
    # Same header fingerprint, but signed with another key: the signature fails.
    data = bytearray(seal())
    body, _sig = bytes(data[:-64]), data[-64:]
    fake = OTHER_CENTER.ed25519_private.sign(
        query_file.SIGNATURE_CONTEXT + hashlib.sha512(body).digest()
    )
    assert refused(body + fake) is QueryFileProblem.BAD_SIGNATURE


def test_wrong_study_is_refused() -> None:
    with pytest.raises(QueryFileError) as info:
        query_file.open_query_file(
            io.BytesIO(seal()), CENTER.public, SITE, study_id="OTHER", study_version="1.0"
        )
    assert info.value.reason is QueryFileProblem.WRONG_STUDY


# --------------------------------------------------------------------------- fuzz

GOOD = seal((item(1), item(2)))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(st.integers(0, len(GOOD) - 1), st.integers(0, 255)), min_size=1, max_size=4),
    st.integers(0, len(GOOD)),
)
def test_fuzz_any_change_is_refused_cleanly(edits: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(GOOD)
    for pos, value in edits:
        data[pos] = value
    mutated = bytes(data[:cut] if cut < len(GOOD) else data)
    if mutated == GOOD:
        return
    with pytest.raises(QueryFileError):
        query_file.unseal_query_file(mutated, CENTER.public, SITE)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_fuzz_random_bytes_are_refused_cleanly(data: bytes) -> None:
    with pytest.raises(QueryFileError):
        query_file.unseal_query_file(query_file.MAGIC + data, CENTER.public, SITE)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5), max_size=6))
def test_fuzz_content_parser_never_crashes(obj: dict[str, Any]) -> None:
    header = query_file.read_query_header(io.BytesIO(GOOD))
    # Keys of at most 5 characters can never make valid content ("format" has 6).
    with pytest.raises(query_file.QueryContentError):
        query_file.parse_content(json.dumps(obj).encode(), header)


if __name__ == "__main__":
    if "--write" in sys.argv:
        VECTOR.write_bytes(build_vector())
        print(f"wrote {VECTOR}")
