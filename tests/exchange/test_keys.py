"""Center and site keys, fingerprints and key files."""

from __future__ import annotations

import contextlib
import hashlib
import json
import struct
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rego_desktop.errors import RegoError
from rego_desktop.exchange import keys
from rego_desktop.exchange.errors import (
    ExchangeWriteError,
    InvalidExchangeParameter,
    KeyFileError,
    KeyProblem,
    WrongPassphrase,
)

FAST_N = 2**10
PASSPHRASE = "a long enough passphrase 口令"
CREATED = datetime(2024, 2, 3, 4, 5, 6, tzinfo=UTC)


def seeded_rng(label: str) -> Any:
    counter = [0]

    def rng(n: int) -> bytes:
        out = b""
        while len(out) < n:
            out += hashlib.sha256(label.encode() + struct.pack(">I", counter[0])).digest()
            counter[0] += 1
        return out[:n]

    return rng


CENTER = keys.generate_center_keys("Center 中心", created=CREATED, rng=seeded_rng("center"))
SITE = keys.generate_site_key("BJ01", created=CREATED, rng=seeded_rng("site"))
PRIVATE_FILE = keys.center_private_key_to_bytes(CENTER, PASSPHRASE, scrypt_n=FAST_N)


def edit(document: bytes, **changes: Any) -> bytes:
    obj = json.loads(document)
    for name, value in changes.items():
        if value is None:
            del obj[name]
        else:
            obj[name] = value
    return json.dumps(obj).encode()


# --------------------------------------------------------------------------- fingerprints


def test_fingerprint_is_eight_groups_of_five_crockford_characters() -> None:
    fp = CENTER.fingerprint
    groups = fp.split("-")
    assert len(groups) == 8
    assert all(len(g) == 5 for g in groups)
    assert set(fp.replace("-", "")) <= set(keys.CROCKFORD_ALPHABET)
    assert not set(fp) & set("ILOU")
    assert keys.FINGERPRINT_RE.fullmatch(fp)


def test_fingerprint_is_sha256_prefix_over_domain_and_keys() -> None:
    pub = CENTER.public
    digest = hashlib.sha256(
        b"rego-center-key-v1\x00" + pub.x25519_public + pub.ed25519_public
    ).digest()
    bits = "".join(f"{b:08b}" for b in digest[:25])
    expected = "".join(keys.CROCKFORD_ALPHABET[int(bits[i : i + 5], 2)] for i in range(0, 200, 5))
    assert pub.fingerprint.replace("-", "") == expected


def test_center_and_site_fingerprints_are_domain_separated() -> None:
    same = bytes(32)
    assert keys.site_fingerprint(same) != keys.center_fingerprint(same, same)


def test_fingerprint_differs_when_any_key_differs() -> None:
    pub = CENTER.public
    other = bytes([pub.x25519_public[0] ^ 1]) + pub.x25519_public[1:]
    assert keys.center_fingerprint(other, pub.ed25519_public) != pub.fingerprint


@pytest.mark.parametrize(
    "typed",
    [
        lambda fp: fp.lower(),
        lambda fp: fp.replace("-", " "),
        lambda fp: fp.replace("-", ""),
        lambda fp: fp.replace("0", "O").replace("1", "l"),
    ],
)
def test_normalize_fingerprint_accepts_what_people_type(typed: Any) -> None:
    fp = "0123A-BCDEF-GHJKM-NPQRS-TVWXY-Z0101-10101-01010"
    assert keys.normalize_fingerprint(typed(fp)) == fp


@pytest.mark.parametrize(
    "text", ["", "ABCDE", "U" * 40, "0123A-BCDEF-GHJKM-NPQRS-TVWXY-Z0101-1010"]
)
def test_normalize_fingerprint_refuses_non_fingerprints(text: str) -> None:
    with pytest.raises(InvalidExchangeParameter):
        keys.normalize_fingerprint(text)


# --------------------------------------------------------------------------- generation


def test_generation_is_random_by_default() -> None:
    a, b = keys.generate_center_keys("X"), keys.generate_center_keys("X")
    assert a.fingerprint != b.fingerprint
    assert keys.generate_site_key("S1").fingerprint != keys.generate_site_key("S1").fingerprint


def test_generation_with_injected_rng_is_deterministic() -> None:
    again = keys.generate_center_keys("Center 中心", created=CREATED, rng=seeded_rng("center"))
    assert again.public == CENTER.public


def test_created_is_utc_whole_seconds() -> None:
    local = datetime(2024, 2, 3, 12, 5, 6, 999, tzinfo=timezone(timedelta(hours=8)))
    key = keys.generate_site_key("S1", created=local)
    assert key.created == CREATED
    with pytest.raises(InvalidExchangeParameter):
        keys.generate_site_key("S1", created=datetime(2024, 1, 1))  # naive


@pytest.mark.parametrize("code", ["", "-S1", "S 1", "S1/2", "中心", "x" * 65, "S1\n"])
def test_invalid_site_codes_are_refused(code: str) -> None:
    with pytest.raises(InvalidExchangeParameter):
        keys.generate_site_key(code)


@pytest.mark.parametrize("name", ["", " Center", "Center\n", "A\x00B", "x" * 201])
def test_invalid_center_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidExchangeParameter):
        keys.generate_center_keys(name)


def test_invalid_parameter_is_a_rego_error_and_a_value_error() -> None:
    with pytest.raises(RegoError):
        keys.generate_site_key("")
    with pytest.raises(ValueError, match="site code"):
        keys.generate_site_key("")


def test_site_private_key_bytes_round_trip() -> None:
    raw = keys.site_private_key_bytes(SITE)
    assert len(raw) == 32
    again = keys.site_signing_key_from_bytes("BJ01", raw, created=CREATED)
    assert again.public_key() == SITE.public_key()
    assert again.fingerprint == SITE.fingerprint


@pytest.mark.parametrize("raw", [b"", bytes(31), bytes(33)])
def test_damaged_site_private_key_bytes_are_refused(raw: bytes) -> None:
    with pytest.raises(KeyFileError) as info:
        keys.site_signing_key_from_bytes("BJ01", raw, created=CREATED)
    assert info.value.reason is KeyProblem.MALFORMED


def test_repr_of_private_keys_shows_no_secret() -> None:
    raw = keys.site_private_key_bytes(SITE)
    assert raw.hex() not in repr(SITE)
    assert CENTER.x25519_private.private_bytes_raw().hex() not in repr(CENTER)


# --------------------------------------------------------------------------- public key files


def test_center_public_key_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "center.pub.json"
    keys.write_center_public_key(path, CENTER.public)
    loaded = keys.load_center_public_key(path)
    assert loaded == CENTER.public
    obj = json.loads(path.read_text("utf-8"))
    assert obj["format"] == "rego-center-public-key"
    assert obj["version"] == 1
    assert obj["center"] == "Center 中心"
    assert obj["fingerprint"] == CENTER.fingerprint
    assert obj["created"] == "2024-02-03T04:05:06Z"
    assert obj.keys() == {
        "format",
        "version",
        "center",
        "fingerprint",
        "created",
        "x25519_public_key",
        "ed25519_public_key",
    }


def test_site_public_key_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "site.pub.json"
    keys.write_site_public_key(path, SITE.public_key())
    assert keys.load_site_public_key(path) == SITE.public_key()
    obj = json.loads(path.read_text("utf-8"))
    assert obj["format"] == "rego-site-public-key"
    assert obj["site_code"] == "BJ01"
    assert obj["fingerprint"] == SITE.fingerprint


def test_key_file_saved_with_a_bom_by_notepad_still_loads() -> None:
    data = b"\xef\xbb\xbf" + keys.center_public_key_to_bytes(CENTER.public)
    assert keys.parse_center_public_key(data) == CENTER.public


def test_key_file_is_not_overwritten_by_default(tmp_path: Path) -> None:
    path = tmp_path / "center.pub.json"
    path.write_bytes(b"precious")
    with pytest.raises(ExchangeWriteError, match="already exists"):
        keys.write_center_public_key(path, CENTER.public)
    assert path.read_bytes() == b"precious"
    keys.write_center_public_key(path, CENTER.public, overwrite=True)
    assert keys.load_center_public_key(path) == CENTER.public


def test_writing_into_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ExchangeWriteError, match="Could not write"):
        keys.write_site_public_key(tmp_path / "no" / "such" / "x.json", SITE.public_key())


PUBLIC = keys.center_public_key_to_bytes(CENTER.public)
SITE_PUBLIC = keys.site_public_key_to_bytes(SITE.public_key())


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", KeyProblem.NOT_A_KEY_FILE),
        (b"\x89PNG\r\n", KeyProblem.NOT_A_KEY_FILE),
        (b"[1, 2]", KeyProblem.NOT_A_KEY_FILE),
        (b'{"hello": "world"}', KeyProblem.NOT_A_KEY_FILE),
        (b"[" * 100000, KeyProblem.NOT_A_KEY_FILE),
        (SITE_PUBLIC, KeyProblem.WRONG_KIND),
        (PRIVATE_FILE, KeyProblem.WRONG_KIND),
        (edit(PUBLIC, version=2), KeyProblem.UNKNOWN_VERSION),
        (edit(PUBLIC, version="1"), KeyProblem.MALFORMED),
        (edit(PUBLIC, version=True), KeyProblem.MALFORMED),
        (edit(PUBLIC, center=None), KeyProblem.MALFORMED),
        (edit(PUBLIC, center=""), KeyProblem.MALFORMED),
        (edit(PUBLIC, comment="extra"), KeyProblem.MALFORMED),
        (edit(PUBLIC, x25519_public_key="00" * 31), KeyProblem.MALFORMED),
        (edit(PUBLIC, x25519_public_key="ZZ" * 32), KeyProblem.MALFORMED),
        (
            edit(PUBLIC, x25519_public_key=CENTER.public.x25519_public.hex().upper()),
            KeyProblem.MALFORMED,
        ),
        (edit(PUBLIC, x25519_public_key="00" * 32), KeyProblem.MALFORMED),  # low order
        (edit(PUBLIC, created="2024-02-03 04:05:06"), KeyProblem.MALFORMED),
        (edit(PUBLIC, created="2024-02-30T04:05:06Z"), KeyProblem.MALFORMED),
        (edit(PUBLIC, fingerprint="not a fingerprint"), KeyProblem.MALFORMED),
        (edit(PUBLIC, fingerprint=SITE.fingerprint), KeyProblem.FINGERPRINT_MISMATCH),
        (
            edit(PUBLIC, ed25519_public_key=SITE.public_key().ed25519_public.hex()),
            KeyProblem.FINGERPRINT_MISMATCH,
        ),
        (PUBLIC.replace(b'"version": 1', b'"version": 1, "version": 1'), KeyProblem.NOT_A_KEY_FILE),
        (PUBLIC.replace(b'"version": 1', b'"version": 1.0'), KeyProblem.NOT_A_KEY_FILE),
    ],
)
def test_bad_center_public_key_files_are_refused(data: bytes, reason: KeyProblem) -> None:
    with pytest.raises(KeyFileError) as info:
        keys.parse_center_public_key(data, source="center.json")
    assert info.value.reason is reason
    assert "center.json" in info.value.message
    assert info.value.path == "center.json"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (PUBLIC, KeyProblem.WRONG_KIND),
        (edit(SITE_PUBLIC, site_code="B J"), KeyProblem.MALFORMED),
        # The fingerprint covers the signing key only: a version 1 file may be renamed
        # (the registry then reports the mix-up), a version 2 file's binding signature
        # covers the site code too.
        (
            edit(
                SITE_PUBLIC,
                site_code="SH02",
                version=1,
                x25519_public_key=None,
                x25519_signature=None,
            ),
            None,
        ),
        (edit(SITE_PUBLIC, site_code="SH02"), KeyProblem.FINGERPRINT_MISMATCH),
        (edit(SITE_PUBLIC, x25519_public_key="11" * 32), KeyProblem.FINGERPRINT_MISMATCH),
        (edit(SITE_PUBLIC, x25519_signature="00" * 64), KeyProblem.FINGERPRINT_MISMATCH),
        (edit(SITE_PUBLIC, x25519_signature=None), KeyProblem.MALFORMED),
        (edit(SITE_PUBLIC, version=1), KeyProblem.MALFORMED),
        (edit(SITE_PUBLIC, version=3), KeyProblem.UNKNOWN_VERSION),
        (edit(SITE_PUBLIC, fingerprint=CENTER.fingerprint), KeyProblem.FINGERPRINT_MISMATCH),
        (edit(SITE_PUBLIC, ed25519_public_key="00" * 33), KeyProblem.MALFORMED),
        (edit(SITE_PUBLIC, version=0), KeyProblem.UNKNOWN_VERSION),
    ],
)
def test_bad_site_public_key_files_are_refused(data: bytes, reason: KeyProblem | None) -> None:
    if reason is None:
        assert keys.parse_site_public_key(data).site_code == "SH02"
        return
    with pytest.raises(KeyFileError) as info:
        keys.parse_site_public_key(data)
    assert info.value.reason is reason


def test_wrong_kind_message_says_which_file_is_needed() -> None:
    with pytest.raises(KeyFileError, match="site's public key file") as info:
        keys.parse_site_public_key(PUBLIC, source="x.json")
    assert "coordinating center's public key file" in info.value.message


def test_missing_and_huge_key_files(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError) as info:
        keys.load_site_public_key(tmp_path / "missing.json")
    assert info.value.reason is KeyProblem.UNREADABLE
    assert "missing.json" in info.value.message
    huge = tmp_path / "huge.json"
    huge.write_bytes(b" " * (keys.KEY_FILE_SIZE_LIMIT + 1))
    with pytest.raises(KeyFileError) as info:
        keys.load_site_public_key(huge)
    assert info.value.reason is KeyProblem.NOT_A_KEY_FILE
    with pytest.raises(KeyFileError) as info:
        keys.load_site_public_key(tmp_path)  # a folder
    assert info.value.reason is KeyProblem.UNREADABLE


# --------------------------------------------------------------------------- private key file


def test_private_key_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "center.key.json"
    keys.write_center_private_key(path, CENTER, PASSPHRASE, scrypt_n=FAST_N)
    loaded = keys.load_center_private_key(path, PASSPHRASE)
    assert loaded.public == CENTER.public
    assert loaded.x25519_private.private_bytes_raw() == CENTER.x25519_private.private_bytes_raw()
    assert loaded.ed25519_private.private_bytes_raw() == CENTER.ed25519_private.private_bytes_raw()
    text = path.read_text("utf-8")
    assert CENTER.x25519_private.private_bytes_raw().hex() not in text
    assert CENTER.ed25519_private.private_bytes_raw().hex() not in text
    if hasattr(path.stat(), "st_mode"):
        assert path.stat().st_mode & 0o077 == 0


def test_private_key_file_uses_the_documented_scrypt_parameters_by_default() -> None:
    data = keys.center_private_key_to_bytes(CENTER, PASSPHRASE)
    kdf = json.loads(data)["kdf"]
    assert kdf == {"name": "scrypt", "salt": kdf["salt"], "n": 2**17, "r": 8, "p": 1}
    assert keys.parse_center_private_key(data, PASSPHRASE).public == CENTER.public


def test_passphrase_is_unicode_normalized() -> None:
    composed, decomposed = "caf\u00e9 passphrase", "cafe\u0301 passphrase"
    data = keys.center_private_key_to_bytes(CENTER, composed, scrypt_n=FAST_N)
    assert keys.parse_center_private_key(data, decomposed).public == CENTER.public


def test_wrong_passphrase_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "center.key.json"
    path.write_bytes(PRIVATE_FILE)
    with pytest.raises(WrongPassphrase) as info:
        keys.load_center_private_key(path, PASSPHRASE + "x")
    assert info.value.reason is KeyProblem.WRONG_PASSPHRASE
    assert "passphrase does not open the private key file" in info.value.message
    assert str(path) in info.value.message


@pytest.mark.parametrize(
    "change",
    [
        {"center": "Another Center"},  # bound to the ciphertext as associated data
        {"created": "2030-01-01T00:00:00Z"},
        {"ciphertext": "00" * 80},
    ],
)
def test_tampered_private_key_file_does_not_open(change: dict[str, Any]) -> None:
    with pytest.raises(WrongPassphrase):
        keys.parse_center_private_key(edit(PRIVATE_FILE, **change), PASSPHRASE)


def test_private_key_file_whose_public_part_was_swapped_is_refused() -> None:
    other = keys.generate_center_keys("Center 中心", created=CREATED)
    obj = json.loads(PRIVATE_FILE)
    obj["x25519_public_key"] = other.public.x25519_public.hex()
    obj["ed25519_public_key"] = other.public.ed25519_public.hex()
    obj["fingerprint"] = other.fingerprint
    with pytest.raises(WrongPassphrase):  # the public fields are authenticated
        keys.parse_center_private_key(json.dumps(obj).encode(), PASSPHRASE)


@pytest.mark.parametrize(
    ("kdf_change", "reason"),
    [
        ({"n": 2**30}, KeyProblem.MALFORMED),  # would need 128 GiB: refused before deriving
        ({"n": 1000}, KeyProblem.MALFORMED),
        ({"r": 0}, KeyProblem.MALFORMED),
        ({"name": "pbkdf2"}, KeyProblem.MALFORMED),
        ({"salt": "00"}, KeyProblem.MALFORMED),
        ({"extra": 1}, KeyProblem.MALFORMED),
    ],
)
def test_private_key_file_with_bad_kdf_is_refused(
    kdf_change: dict[str, Any], reason: KeyProblem
) -> None:
    obj = json.loads(PRIVATE_FILE)
    obj["kdf"].update(kdf_change)
    with pytest.raises(KeyFileError) as info:
        keys.parse_center_private_key(json.dumps(obj).encode(), PASSPHRASE)
    assert info.value.reason is reason


@pytest.mark.parametrize(("n", "passphrase"), [(2**10, "short"), (1000, PASSPHRASE)])
def test_refuses_weak_private_key_parameters(n: int, passphrase: str) -> None:
    with pytest.raises(InvalidExchangeParameter):
        keys.center_private_key_to_bytes(CENTER, passphrase, scrypt_n=n)


def test_private_key_file_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "center.key.json"
    path.write_bytes(PRIVATE_FILE)
    other = keys.generate_center_keys("Other")
    with pytest.raises(ExchangeWriteError):
        keys.write_center_private_key(path, other, PASSPHRASE, scrypt_n=FAST_N)
    assert path.read_bytes() == PRIVATE_FILE


# --------------------------------------------------------------------------- fuzzing


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=600))
def test_key_parsers_only_raise_key_file_errors_on_random_bytes(data: bytes) -> None:
    for parse in (keys.parse_center_public_key, keys.parse_site_public_key):
        with contextlib.suppress(KeyFileError):
            parse(data)
    with contextlib.suppress(KeyFileError):
        keys.parse_center_private_key(data, PASSPHRASE)


@settings(max_examples=300, deadline=None)
@given(position=st.integers(min_value=0), value=st.integers(min_value=0, max_value=255))
def test_mutated_key_files_are_refused_or_equivalent(position: int, value: int) -> None:
    for data, parse in (
        (PUBLIC, keys.parse_center_public_key),
        (SITE_PUBLIC, keys.parse_site_public_key),
    ):
        mutated = bytearray(data)
        mutated[position % len(data)] = value
        try:
            result = parse(bytes(mutated))
        except KeyFileError:
            continue
        # Accepted only if the keys and fingerprint are unchanged (e.g. white space).
        assert result.fingerprint in (CENTER.fingerprint, SITE.fingerprint)


def test_site_public_key_version_2_carries_a_bound_x25519_key() -> None:
    public = SITE.public_key()
    assert public.can_receive_queries
    parsed = keys.parse_site_public_key(keys.site_public_key_to_bytes(public))
    assert parsed == public
    assert parsed.x25519_public == SITE.x25519_private().public_key().public_bytes_raw()
    assert json.loads(SITE_PUBLIC)["version"] == keys.SITE_PUBLIC_KEY_VERSION
    v1 = keys.site_public_key_to_bytes(public.signing_only())
    assert json.loads(v1)["version"] == 1
    old = keys.parse_site_public_key(v1)
    assert old.fingerprint == public.fingerprint
    assert not old.can_receive_queries
