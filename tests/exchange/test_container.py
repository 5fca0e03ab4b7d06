"""Transfer files: round trips and every refusal."""

from __future__ import annotations

import hashlib
import io
import struct
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from rego_desktop.errors import RegoError
from rego_desktop.exchange import container, keys
from rego_desktop.exchange.container import (
    MAGIC,
    TransferHeader,
    open_transfer,
    read_header,
    seal_transfer,
    unseal_transfer,
    verify_transfer,
    write_transfer,
    write_transfer_file,
)
from rego_desktop.exchange.errors import (
    ExchangeWriteError,
    InvalidExchangeParameter,
    TransferFileError,
    TransferProblem,
)

CREATED = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
CENTER = keys.generate_center_keys("Coordinating Center", created=CREATED)
OTHER_CENTER = keys.generate_center_keys("Another Center", created=CREATED)
SITE = keys.generate_site_key("BJ01", created=CREATED)
SITE2 = keys.generate_site_key("SH02", created=CREATED)
REGISTRY = {"BJ01": SITE.public_key(), "SH02": SITE2.public_key()}
SMALL_CHUNK = 32


def seal(payload: bytes = b"payload", **overrides: Any) -> bytes:
    args: dict[str, Any] = {
        "site_key": SITE,
        "recipient": CENTER.public,
        "study_id": "REGO-HCC-RWS",
        "study_version": "1.0",
        "sequence": 1,
        "created": CREATED,
        "chunk_size": SMALL_CHUNK,
    }
    args.update(overrides)
    return seal_transfer(payload, **args)


def refusal(data: bytes, registry: Any = None, center: Any = None) -> TransferFileError:
    with pytest.raises(TransferFileError) as info:
        unseal_transfer(
            data, center or CENTER, REGISTRY if registry is None else registry, name="t.rgt"
        )
    assert info.value.path == "t.rgt"
    assert "t.rgt" in info.value.message
    return info.value


def resign(data: bytes, key: keys.SiteSigningKey = SITE) -> bytes:
    """Replace the signature with a valid one over the (modified) content."""
    body = data[:-64]
    return body + key.private_key.sign(container.SIGNATURE_CONTEXT + hashlib.sha512(body).digest())


def records(data: bytes) -> tuple[bytes, list[tuple[int, bytes]], bytes]:
    """Split a file into (header block, [(type, ciphertext)], signature record)."""
    (length,) = struct.unpack(">I", data[10:14])
    pos = 14 + length
    head, result = data[:pos], []
    while data[pos] in (0, 1):
        kind, size = struct.unpack(">BI", data[pos : pos + 5])
        result.append((kind, data[pos + 5 : pos + 5 + size]))
        pos += 5 + size
    return head, result, data[pos:]


def join(head: bytes, recs: list[tuple[int, bytes]], tail: bytes) -> bytes:
    return head + b"".join(struct.pack(">BI", k, len(c)) + c for k, c in recs) + tail


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize(
    "size",
    [0, 1, SMALL_CHUNK - 1, SMALL_CHUNK, SMALL_CHUNK + 1, 3 * SMALL_CHUNK, 5 * SMALL_CHUNK + 7],
)
def test_round_trip(size: int) -> None:
    payload = bytes(i % 251 for i in range(size))
    data = seal(payload)
    header, plaintext = unseal_transfer(data, CENTER, REGISTRY)
    assert plaintext == payload
    assert header.site_code == "BJ01"
    assert header.chunk_size == SMALL_CHUNK
    expected_chunks = max(1, -(-size // SMALL_CHUNK))
    assert [k for k, _ in records(data)[1]] == [0] * (expected_chunks - 1) + [1]


def test_exact_chunk_multiple_has_no_empty_final_chunk() -> None:
    _, recs, _ = records(seal(bytes(2 * SMALL_CHUNK)))
    assert [(k, len(c)) for k, c in recs] == [(0, SMALL_CHUNK + 16), (1, SMALL_CHUNK + 16)]


def test_empty_payload_is_one_empty_final_chunk() -> None:
    _, recs, tail = records(seal(b""))
    assert [(k, len(c)) for k, c in recs] == [(1, 16)]
    assert len(tail) == 65
    assert tail[0] == 2


@pytest.mark.parametrize(
    "pieces",
    [
        [],
        [b"", b"", b""],
        [b"a"] * 100,
        [bytes(70), b"", bytes(3), bytearray(b"xyz"), memoryview(bytes(64))],
        [bytes(SMALL_CHUNK)] * 3,
    ],
)
def test_piece_boundaries_do_not_matter(pieces: list[bytes]) -> None:
    out = io.BytesIO()
    kwargs: dict[str, Any] = {
        "site_key": SITE,
        "recipient": CENTER.public,
        "study_id": "S",
        "study_version": "1",
        "sequence": 9,
        "chunk_size": SMALL_CHUNK,
        "created": CREATED,
        "package_id": uuid.UUID(int=5),
        "ephemeral_key": X25519PrivateKey.from_private_bytes(bytes(range(32))),
    }
    write_transfer(out, iter(pieces), **kwargs)
    whole = b"".join(bytes(p) for p in pieces)
    assert out.getvalue() == seal_transfer(whole, **kwargs)
    assert unseal_transfer(out.getvalue(), CENTER, REGISTRY)[1] == whole


def test_plaintext_chunks_are_at_most_the_chunk_size() -> None:
    data = seal(bytes(10 * SMALL_CHUNK + 5))
    _, chunks = open_transfer(io.BytesIO(data), CENTER, REGISTRY)
    sizes = [len(c) for c in chunks]
    assert sizes == [SMALL_CHUNK] * 10 + [5]


def test_header_fields() -> None:
    package = uuid.uuid4()
    data = seal(sequence=42, package_id=package, study_id="REGO-HCC-RWS", study_version="1.0")
    header = read_header(io.BytesIO(data))
    assert header == verify_transfer(io.BytesIO(data), REGISTRY)
    assert header.package_id == package
    assert header.sequence == 42
    assert header.created == CREATED
    assert header.study_id == "REGO-HCC-RWS"
    assert header.study_version == "1.0"
    assert header.site_key_fingerprint == SITE.fingerprint
    assert header.recipient_fingerprint == CENTER.fingerprint
    assert header.format_version == 1
    assert len(header.ephemeral_public_key) == 32


def test_defaults_are_random_package_id_fresh_ephemeral_key_and_now() -> None:
    a = read_header(io.BytesIO(seal(created=None)))
    b = read_header(io.BytesIO(seal(created=None)))
    assert a.package_id != b.package_id
    assert a.package_id.version == 4
    assert a.ephemeral_public_key != b.ephemeral_public_key
    assert abs((datetime.now(UTC) - a.created).total_seconds()) < 60
    assert a.chunk_size == SMALL_CHUNK


def test_injected_rng_makes_output_deterministic() -> None:
    def rng(n: int) -> bytes:
        return bytes(range(n))

    assert seal(rng=rng) == seal(rng=rng)


def test_header_contains_nothing_but_the_documented_fields() -> None:
    data = seal(b"Zhang San, MRN 123456, born 1950-01-01")
    (length,) = struct.unpack(">I", data[10:14])
    assert data[14 : 14 + length].startswith(b'{"chunk_size":32,"created":')
    assert b"Zhang" not in data
    assert b"123456" not in data


def test_file_round_trip_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "BJ01-0001.rgt"
    header = write_transfer_file(
        path,
        [b"abc", b"def"],
        site_key=SITE,
        recipient=CENTER.public,
        study_id="REGO-HCC-RWS",
        study_version="1.0",
        sequence=1,
    )
    assert read_header(path) == header
    assert verify_transfer(path, REGISTRY) == header
    opened = open_transfer(path, CENTER, REGISTRY)
    assert opened.header == header
    assert b"".join(opened.plaintext) == b"abcdef"
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left


def test_transfer_file_is_not_overwritten_and_failures_leave_nothing(tmp_path: Path) -> None:
    path = tmp_path / "t.rgt"
    path.write_bytes(b"old")
    kwargs: dict[str, Any] = {
        "site_key": SITE,
        "recipient": CENTER.public,
        "study_id": "S",
        "study_version": "1",
        "sequence": 1,
    }
    with pytest.raises(ExchangeWriteError, match="already exists"):
        write_transfer_file(path, [b"new"], **kwargs)
    assert path.read_bytes() == b"old"

    def failing() -> Iterator[bytes]:
        yield b"x" * 100
        raise RuntimeError("export failed")

    target = tmp_path / "new.rgt"
    with pytest.raises(RuntimeError):
        write_transfer_file(target, failing(), **kwargs)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.rgt"]
    with pytest.raises(ExchangeWriteError):
        write_transfer_file(tmp_path / "missing" / "t.rgt", [b""], **kwargs)


@pytest.mark.parametrize(
    "change",
    [
        {"sequence": 0},
        {"sequence": -1},
        {"sequence": 2**53},
        {"sequence": True},
        {"chunk_size": 15},
        {"chunk_size": 2**24 + 1},
        {"study_id": ""},
        {"study_id": "with space"},
        {"study_version": "1.0\n"},
        {"study_version": "版本"},
    ],
)
def test_invalid_writer_parameters(change: dict[str, Any]) -> None:
    with pytest.raises(InvalidExchangeParameter):
        seal(**change)


# --------------------------------------------------------------------------- refusals

VECTOR = seal(bytes(range(100)))  # 4 chunks of 32: 32, 32, 32, 4


def test_every_single_byte_change_is_refused() -> None:
    reasons: set[TransferProblem] = set()
    for position in range(len(VECTOR)):
        for flip in (0x01, 0x80, 0xFF):
            mutated = bytearray(VECTOR)
            mutated[position] ^= flip
            with pytest.raises(TransferFileError) as info:
                unseal_transfer(bytes(mutated), CENTER, REGISTRY)
            reasons.add(info.value.reason)
            with pytest.raises(TransferFileError):
                verify_transfer(io.BytesIO(bytes(mutated)), REGISTRY)
    assert {TransferProblem.BAD_SIGNATURE, TransferProblem.ALTERED} <= reasons


def test_every_truncation_is_refused() -> None:
    for length in range(len(VECTOR)):
        error = refusal(VECTOR[:length])
        if length == 0:
            assert error.reason is TransferProblem.TRUNCATED
            assert "empty" in error.message
        elif length == len(VECTOR) - 65:
            assert error.reason is TransferProblem.UNSIGNED
        else:
            assert error.reason is TransferProblem.TRUNCATED, length


def test_truncation_inside_data_names_the_site() -> None:
    error = refusal(VECTOR[:-100])
    assert "site BJ01" in error.message
    assert "incomplete" in error.message


def test_extra_bytes_after_the_signature_are_refused() -> None:
    assert refusal(VECTOR + b"\x00").reason is TransferProblem.ALTERED
    assert refusal(VECTOR + VECTOR).reason is TransferProblem.ALTERED


def test_bad_signature() -> None:
    forged = VECTOR[:-64] + SITE2.private_key.sign(b"whatever")
    error = refusal(forged)
    assert error.reason is TransferProblem.BAD_SIGNATURE
    assert "site BJ01" in error.message
    assert refusal(VECTOR[:-64] + bytes(64)).reason is TransferProblem.BAD_SIGNATURE


def test_signature_by_another_key_claiming_the_site_is_refused() -> None:
    # An attacker with their own key writes a file that names BJ01 and BJ01's fingerprint.
    resigned = resign(VECTOR, SITE2)
    assert refusal(resigned).reason is TransferProblem.BAD_SIGNATURE


def test_altered_ciphertext_is_refused_as_bad_signature() -> None:
    head, recs, tail = records(VECTOR)
    kind, ct = recs[1]
    recs[1] = (kind, bytes([ct[0] ^ 1]) + ct[1:])
    assert refusal(join(head, recs, tail)).reason is TransferProblem.BAD_SIGNATURE


def test_unsigned_file_is_refused() -> None:
    error = refusal(VECTOR[:-65])
    assert error.reason is TransferProblem.UNSIGNED
    assert "no signature" in error.message


def test_unknown_site() -> None:
    error = refusal(VECTOR, registry={"SH02": SITE2.public_key()})
    assert error.reason is TransferProblem.UNKNOWN_SITE
    assert "BJ01" in error.message
    assert SITE.fingerprint in error.message
    with pytest.raises(TransferFileError) as info:
        verify_transfer(io.BytesIO(VECTOR), {})
    assert info.value.reason is TransferProblem.UNKNOWN_SITE


def test_site_registered_with_a_different_key() -> None:
    new_key = keys.generate_site_key("BJ01")
    error = refusal(VECTOR, registry={"BJ01": new_key.public_key()})
    assert error.reason is TransferProblem.SITE_KEY_MISMATCH
    assert SITE.fingerprint in error.message
    assert new_key.fingerprint in error.message


def test_file_signed_with_the_key_registered_for_another_site() -> None:
    # SH02's key writes a file that says it comes from BJ01.
    impostor = keys.SiteSigningKey("BJ01", SITE2.private_key, CREATED)
    error = refusal(seal(site_key=impostor))
    assert error.reason is TransferProblem.SITE_KEY_MISMATCH
    assert "key registered for site SH02" in error.message


def test_file_signed_by_a_key_of_another_unregistered_site() -> None:
    impostor = keys.SiteSigningKey("XX99", SITE.private_key, CREATED)
    error = refusal(seal(site_key=impostor))
    assert error.reason is TransferProblem.SITE_KEY_MISMATCH
    assert "key registered for site BJ01" in error.message


def test_key_registered_under_the_wrong_site_code() -> None:
    registry = {"BJ01": keys.SitePublicKey("SH02", SITE.public_key().ed25519_public, CREATED)}
    assert refusal(VECTOR, registry=registry).reason is TransferProblem.SITE_KEY_MISMATCH


def test_file_for_another_recipient() -> None:
    data = seal(recipient=OTHER_CENTER.public)
    verify_transfer(io.BytesIO(data), REGISTRY)  # a correct file ...
    error = refusal(data)  # ... but not for this center
    assert error.reason is TransferProblem.WRONG_RECIPIENT
    assert "encrypted for another coordinating center" in error.message
    assert OTHER_CENTER.fingerprint in error.message
    assert CENTER.fingerprint in error.message
    assert unseal_transfer(data, OTHER_CENTER, REGISTRY)[1] == b"payload"


def test_recipient_check_comes_before_the_site_check() -> None:
    data = seal(recipient=OTHER_CENTER.public)
    assert refusal(data, registry={}).reason is TransferProblem.WRONG_RECIPIENT


def test_unknown_format_version() -> None:
    for version in (2, 0xFFFF):
        data = VECTOR[:8] + struct.pack(">H", version) + VECTOR[10:]
        error = refusal(data)
        assert error.reason is TransferProblem.UNKNOWN_VERSION
        assert f"version {version}" in error.message
        with pytest.raises(TransferFileError) as info:
            read_header(io.BytesIO(data))
        assert info.value.reason is TransferProblem.UNKNOWN_VERSION


def header_variant(data: bytes, old: bytes, new: bytes) -> bytes:
    (length,) = struct.unpack(">I", data[10:14])
    raw = data[14 : 14 + length]
    assert old in raw
    raw = raw.replace(old, new, 1)
    return data[:10] + struct.pack(">I", len(raw)) + raw + data[14 + length :]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b'"format_version":1', b'"format_version":2'),
        (b'"sequence":1', b'"sequence":1.0'),
        (b'"sequence":1', b'"sequence":01'),
        (b'"sequence":1', b'"sequence":0'),
        (b'"sequence":1', b'"sequence":"1"'),
        (b'"chunk_size":32', b'"chunk_size":8'),
        (b'"chunk_size":32', b'"chunk_size":32,"chunk_size":32'),
        (b'"chunk_size":32,', b""),
        (b'"chunk_size":32', b'"chunk_size":32,"patient":"x"'),
        (b'{"chunk_size"', b'{ "chunk_size"'),
        (b'"created":"2024-05-06T07:08:09Z"', b'"created":"2024-05-06T07:08:09+00:00"'),
        (b'"created":"2024-05-06T07:08:09Z"', b'"created":"2024-02-30T07:08:09Z"'),
        (b'"site_code":"BJ01"', b'"site_code":"BJ 01"'),
        (b'"site_code":"BJ01"', b'"site_code":"BJ\\u0030"'),
        (b'"study_id":"REGO', b'"study_id":"\xe4\xb8\xad'),
        (b'"package_id":"', b'"package_id":"x'),
    ],
)
def test_malformed_headers_are_refused_as_altered(old: bytes, new: bytes) -> None:
    data = header_variant(VECTOR, old, new)
    assert refusal(data).reason is TransferProblem.ALTERED
    with pytest.raises(TransferFileError) as info:
        read_header(io.BytesIO(data))
    assert info.value.reason is TransferProblem.ALTERED


def test_uppercase_package_id_is_not_canonical() -> None:
    header = read_header(io.BytesIO(VECTOR))
    text = str(header.package_id).encode()
    data = header_variant(VECTOR, text, text.upper())
    if text != text.upper():
        assert refusal(data).reason is TransferProblem.ALTERED


@pytest.mark.parametrize("length", [0, 1, container.MAX_HEADER_LENGTH + 1, 2**32 - 1])
def test_impossible_header_lengths(length: int) -> None:
    data = VECTOR[:10] + struct.pack(">I", length) + VECTOR[14:]
    assert refusal(data).reason in (TransferProblem.ALTERED, TransferProblem.TRUNCATED)


def test_deeply_nested_header_is_refused_not_crashing() -> None:
    raw = b"[" * 60000 + b"]" * 60000
    data = MAGIC + struct.pack(">HI", 1, len(raw)) + raw
    assert refusal(data).reason is TransferProblem.ALTERED


@pytest.mark.parametrize(
    "data",
    [
        b"PK\x03\x04 a zip file",
        b'{"format": "rego-center-public-key"}',
        b"\x00" * 100,
        b"GIF89a",
        bytes(range(256)),
    ],
)
def test_not_a_transfer_file(data: bytes) -> None:
    error = refusal(data)
    assert error.reason is TransferProblem.NOT_A_TRANSFER_FILE
    assert "not a rego-desktop transfer file" in error.message


def test_line_ending_conversion_is_reported_as_damage() -> None:
    converted = VECTOR.replace(b"\r\n", b"\n", 1)
    error = refusal(converted)
    assert error.reason is TransferProblem.ALTERED
    assert "text mode" in error.message


def test_short_prefix_of_magic_is_truncated() -> None:
    assert refusal(MAGIC[:5]).reason is TransferProblem.TRUNCATED


def test_signature_record_before_the_final_chunk() -> None:
    head, recs, _tail = records(VECTOR)
    data = head + struct.pack(">BI", *(recs[0][0], len(recs[0][1]))) + recs[0][1] + b"\x02"
    assert refusal(data + bytes(64)).reason is TransferProblem.ALTERED


def test_unknown_record_type() -> None:
    head, recs, _tail = records(VECTOR)
    data = join(head, recs[:1], b"") + b"\x07" + bytes(100)
    assert refusal(data).reason is TransferProblem.ALTERED


@pytest.mark.parametrize(
    "recs_change",
    [
        lambda r: [(0, r[0][1][:-1]), *r[1:]],  # short non-final chunk
        lambda r: [*r[:-1], (1, b"\x00" * 16)],  # empty final chunk after others
        lambda r: [*r[:-1], (1, b"\x00" * 15)],  # shorter than a tag
        lambda r: [*r[:-1], (1, b"\x00" * (SMALL_CHUNK + 17))],  # longer than a chunk
    ],
)
def test_impossible_chunk_lengths_are_altered(recs_change: Any) -> None:
    head, recs, tail = records(VECTOR)
    assert refusal(resign(join(head, recs_change(recs), tail))).reason is TransferProblem.ALTERED


# --- STREAM properties, independent of the signature: the site's own key re-signs.


def test_reordered_chunks_do_not_decrypt_even_if_signed() -> None:
    head, recs, tail = records(VECTOR)
    recs[0], recs[1] = recs[1], recs[0]
    error = refusal(resign(join(head, recs, tail)))
    assert error.reason is TransferProblem.UNDECRYPTABLE


def test_dropped_chunk_does_not_decrypt_even_if_signed() -> None:
    head, recs, tail = records(VECTOR)
    del recs[1]
    assert refusal(resign(join(head, recs, tail))).reason is TransferProblem.UNDECRYPTABLE


def test_truncated_stream_with_forged_final_flag_does_not_decrypt() -> None:
    head, recs, tail = records(VECTOR)
    recs = recs[:2]
    recs[-1] = (1, recs[-1][1])
    assert refusal(resign(join(head, recs, tail))).reason is TransferProblem.UNDECRYPTABLE


def test_chunks_from_another_file_do_not_decrypt() -> None:
    other = seal(bytes(range(100)))
    head, _, tail = records(VECTOR)
    _, other_recs, _ = records(other)
    assert refusal(resign(join(head, other_recs, tail))).reason is TransferProblem.UNDECRYPTABLE


def test_header_change_changes_the_key() -> None:
    data = resign(header_variant(VECTOR, b'"sequence":1', b'"sequence":2'))
    assert refusal(data).reason is TransferProblem.UNDECRYPTABLE


def test_low_order_ephemeral_key_is_undecryptable() -> None:
    header = read_header(io.BytesIO(VECTOR))
    data = header_variant(VECTOR, header.ephemeral_public_key.hex().encode(), b"00" * 32)
    assert refusal(resign(data)).reason is TransferProblem.UNDECRYPTABLE


# --------------------------------------------------------------------------- files on disk


def test_unreadable_paths(tmp_path: Path) -> None:
    for path in (tmp_path / "missing.rgt", tmp_path):
        for call in (
            lambda p: read_header(p),
            lambda p: verify_transfer(p, REGISTRY),
            lambda p: open_transfer(p, CENTER, REGISTRY),
        ):
            with pytest.raises(TransferFileError) as info:
                call(path)
            assert info.value.reason is TransferProblem.UNREADABLE
            assert str(path) in info.value.message


def test_errors_are_rego_errors_naming_the_path(tmp_path: Path) -> None:
    path = tmp_path / "from-site.rgt"
    path.write_bytes(VECTOR[:-1])
    with pytest.raises(RegoError) as info:
        verify_transfer(path, REGISTRY)
    assert str(path) in str(info.value)


def test_file_replaced_between_verification_and_decryption(tmp_path: Path) -> None:
    path = tmp_path / "t.rgt"
    path.write_bytes(VECTOR)
    opened = open_transfer(path, CENTER, REGISTRY)
    path.write_bytes(seal(bytes(range(100)), sequence=1))  # another valid file, same site
    with pytest.raises(TransferFileError) as info:
        b"".join(opened.plaintext)
    assert info.value.reason in (TransferProblem.UNDECRYPTABLE, TransferProblem.ALTERED)


def test_file_truncated_between_verification_and_decryption(tmp_path: Path) -> None:
    path = tmp_path / "t.rgt"
    path.write_bytes(VECTOR)
    opened = open_transfer(path, CENTER, REGISTRY)
    path.write_bytes(VECTOR[:-10])
    with pytest.raises(TransferFileError):
        b"".join(opened.plaintext)


def test_abandoned_plaintext_iterator_closes_its_file(tmp_path: Path) -> None:
    path = tmp_path / "t.rgt"
    path.write_bytes(VECTOR)
    opened = open_transfer(path, CENTER, REGISTRY)
    assert len(next(opened.plaintext)) == SMALL_CHUNK
    del opened  # must not leak a ResourceWarning (warnings are errors here)


def test_stream_not_at_offset_zero() -> None:
    stream = io.BytesIO(b"prefix" + VECTOR)
    stream.seek(6)
    header, chunks = open_transfer(stream, CENTER, REGISTRY)
    assert b"".join(chunks) == bytes(range(100))
    assert isinstance(header, TransferHeader)
