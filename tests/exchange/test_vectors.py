"""Committed test vectors for the transfer format and the key files.

``build_vectors()`` derives every input from fixed labels, so the output is fully
deterministic (Ed25519 signatures are deterministic too). The tests check that the
library reproduces the committed files byte for byte, and decrypt the committed transfer
file with an independent reader written from ``docs/transfer-format.md`` alone.

To regenerate after an intentional format change (then review the diff!)::

    python -m tests.exchange.test_vectors --write
"""

from __future__ import annotations

import hashlib
import io
import json
import struct
import sys
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from rego_desktop.exchange import container, keys

VECTOR_DIR = Path(__file__).parent / "vectors"
TRANSFER_VECTOR = VECTOR_DIR / "transfer-v1.json"
CENTER_PUBLIC_VECTOR = VECTOR_DIR / "center-public-key.json"
CENTER_PRIVATE_VECTOR = VECTOR_DIR / "center-private-key.json"
SITE_PUBLIC_VECTOR = VECTOR_DIR / "site-public-key.json"

PASSPHRASE = "correct horse battery staple"
PRIVATE_KEY_SCRYPT_N = 2**10
PAYLOAD = b'{"note":"opaque test payload, not a real dataset","rows":[1,2,3,4,5,6,7,8,9]}' * 2


def seed(label: str) -> bytes:
    """32 bytes derived from a label: SHA-256("rego-desktop test vector: " + label)."""
    return hashlib.sha256(b"rego-desktop test vector: " + label.encode()).digest()


def counter_rng(label: str) -> Callable[[int], bytes]:
    """Deterministic byte source: SHA-256(label-derived seed || u32 counter) blocks."""
    state = {"counter": 0}

    def rng(n: int) -> bytes:
        out = b""
        while len(out) < n:
            out += hashlib.sha256(seed(label) + struct.pack(">I", state["counter"])).digest()
            state["counter"] += 1
        return out[:n]

    return rng


INPUTS: dict[str, Any] = {
    "center_name": "Test Coordinating Center 测试中心",
    "center_created": "2024-01-02T03:04:05Z",
    "center_x25519_private_key": seed("center x25519").hex(),
    "center_ed25519_private_key": seed("center ed25519").hex(),
    "site_code": "BJ01",
    "site_created": "2024-01-03T00:00:00Z",
    "site_ed25519_private_key": seed("site BJ01 ed25519").hex(),
    "ephemeral_x25519_private_key": seed("ephemeral x25519").hex(),
    "package_id": "3f1c6e2a-8b4d-4c7e-9a15-2d3e4f5a6b7c",
    "sequence": 3,
    "created": "2024-05-06T07:08:09Z",
    "study_id": "REGO-HCC-RWS",
    "study_version": "1.0",
    "chunk_size": 64,
    "payload": PAYLOAD.hex(),
}


def _time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def vector_keys() -> tuple[keys.CenterPrivateKey, keys.SiteSigningKey]:
    x_priv = X25519PrivateKey.from_private_bytes(bytes.fromhex(INPUTS["center_x25519_private_key"]))
    ed_priv = Ed25519PrivateKey.from_private_bytes(
        bytes.fromhex(INPUTS["center_ed25519_private_key"])
    )
    center = keys.CenterPrivateKey(
        public=keys.CenterPublicKey(
            center=INPUTS["center_name"],
            x25519_public=x_priv.public_key().public_bytes_raw(),
            ed25519_public=ed_priv.public_key().public_bytes_raw(),
            created=_time(INPUTS["center_created"]),
        ),
        x25519_private=x_priv,
        ed25519_private=ed_priv,
    )
    site = keys.site_signing_key_from_bytes(
        INPUTS["site_code"],
        bytes.fromhex(INPUTS["site_ed25519_private_key"]),
        created=_time(INPUTS["site_created"]),
    )
    return center, site


def build_vectors() -> dict[Path, bytes]:
    """Every committed vector file, computed from INPUTS with the library."""
    center, site = vector_keys()
    ephemeral = X25519PrivateKey.from_private_bytes(
        bytes.fromhex(INPUTS["ephemeral_x25519_private_key"])
    )
    out = io.BytesIO()
    header = container.write_transfer(
        out,
        [PAYLOAD[:10], PAYLOAD[10:]],
        site_key=site,
        recipient=center.public,
        study_id=INPUTS["study_id"],
        study_version=INPUTS["study_version"],
        sequence=INPUTS["sequence"],
        package_id=uuid.UUID(INPUTS["package_id"]),
        created=_time(INPUTS["created"]),
        chunk_size=INPUTS["chunk_size"],
        ephemeral_key=ephemeral,
    )
    data = out.getvalue()
    header_json = header.encode()
    header_block = data[: 14 + len(header_json)]
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(center.public.x25519_public))
    salt = hashlib.sha256(header_block).digest()
    info = container.KEY_INFO_PREFIX + header.ephemeral_public_key + center.public.x25519_public
    okm = HKDF(algorithm=SHA256(), length=39, salt=salt, info=info).derive(shared)
    transfer = {
        "description": (
            "rego-desktop transfer format v1 test vector: the private inputs, intermediate "
            "values and the complete file (hex). See docs/transfer-format.md."
        ),
        "inputs": INPUTS,
        "intermediate": {
            "center_x25519_public_key": center.public.x25519_public.hex(),
            "center_ed25519_public_key": center.public.ed25519_public.hex(),
            "center_fingerprint": center.fingerprint,
            "site_ed25519_public_key": site.public_key().ed25519_public.hex(),
            "site_fingerprint": site.fingerprint,
            "ephemeral_x25519_public_key": header.ephemeral_public_key.hex(),
            "shared_secret": shared.hex(),
            "header_json": header_json.decode("ascii"),
            "hkdf_salt": salt.hex(),
            "hkdf_info": info.hex(),
            "payload_key": okm[:32].hex(),
            "nonce_prefix": okm[32:].hex(),
            "signed_digest_sha512": hashlib.sha512(data[:-64]).hexdigest(),
            "signature": data[-64:].hex(),
        },
        "file_sha256": hashlib.sha256(data).hexdigest(),
        "file_hex": data.hex(),
    }
    private_file = keys.center_private_key_to_bytes(
        center, PASSPHRASE, scrypt_n=PRIVATE_KEY_SCRYPT_N, rng=counter_rng("private key file")
    )
    return {
        TRANSFER_VECTOR: (json.dumps(transfer, indent=2, ensure_ascii=False) + "\n").encode(),
        CENTER_PUBLIC_VECTOR: keys.center_public_key_to_bytes(center.public),
        CENTER_PRIVATE_VECTOR: private_file,
        SITE_PUBLIC_VECTOR: keys.site_public_key_to_bytes(site.public_key()),
    }


def committed_transfer() -> dict[str, Any]:
    result: dict[str, Any] = json.loads(TRANSFER_VECTOR.read_text("utf-8"))
    return result


# --------------------------------------------------------------------------- tests


def test_library_reproduces_every_committed_vector_byte_for_byte() -> None:
    for path, expected in build_vectors().items():
        assert path.read_bytes() == expected, f"{path.name} differs from what the library writes"


def test_committed_transfer_vector_opens_with_the_library() -> None:
    vector = committed_transfer()
    center = keys.load_center_private_key(CENTER_PRIVATE_VECTOR, PASSPHRASE)
    site = keys.load_site_public_key(SITE_PUBLIC_VECTOR)
    assert keys.load_center_public_key(CENTER_PUBLIC_VECTOR) == center.public
    header, payload = container.unseal_transfer(
        bytes.fromhex(vector["file_hex"]), center, {site.site_code: site}
    )
    assert payload == bytes.fromhex(vector["inputs"]["payload"])
    assert header.encode().decode() == vector["intermediate"]["header_json"]
    assert header.sequence == 3
    assert str(header.package_id) == vector["inputs"]["package_id"]


def _independent_reader(
    data: bytes, center_x25519_private: bytes, site_ed25519_public: bytes
) -> tuple[dict[str, Any], bytes]:
    """A minimal reader written from docs/transfer-format.md, sharing no code with the
    library beyond the cryptographic primitives."""
    assert data[:8] == b"\x89RGO\r\n\x1a\n"
    version, header_length = struct.unpack(">HI", data[8:14])
    assert version == 1
    header_json = data[14 : 14 + header_length]
    header = json.loads(header_json)
    assert json.dumps(header, sort_keys=True, separators=(",", ":")).encode() == header_json
    header_block = data[: 14 + header_length]

    # Signature: last 64 bytes, over the context string and SHA-512 of all bytes before.
    signed, signature = data[:-64], data[-64:]
    assert signed[-1] == 0x02
    message = b"rego-transfer-v1 signature\x00" + hashlib.sha512(signed).digest()
    Ed25519PublicKey.from_public_bytes(site_ed25519_public).verify(signature, message)
    fp_digest = hashlib.sha256(b"rego-site-key-v1\x00" + site_ed25519_public).digest()[:25]
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    bits = "".join(f"{b:08b}" for b in fp_digest)
    chars = "".join(alphabet[int(bits[i : i + 5], 2)] for i in range(0, 200, 5))
    assert header["site_key_fingerprint"] == "-".join(chars[i : i + 5] for i in range(0, 40, 5))

    # Key: X25519 -> HKDF-SHA256(salt = SHA-256(header block), info) -> key || prefix.
    center = X25519PrivateKey.from_private_bytes(center_x25519_private)
    ephemeral = bytes.fromhex(header["ephemeral_public_key"])
    shared = center.exchange(X25519PublicKey.from_public_bytes(ephemeral))
    info = b"rego-transfer-v1 payload key\x00" + ephemeral + center.public_key().public_bytes_raw()
    okm = HKDF(
        algorithm=SHA256(), length=39, salt=hashlib.sha256(header_block).digest(), info=info
    ).derive(shared)
    aead, prefix = AESGCM(okm[:32]), okm[32:]

    plaintext = b""
    pos, index = len(header_block), 0
    while True:
        kind, length = struct.unpack(">BI", data[pos : pos + 5])
        assert kind in (0, 1)
        ciphertext = data[pos + 5 : pos + 5 + length]
        assert len(ciphertext) == length
        nonce = prefix + struct.pack(">I", index) + bytes([kind])
        plaintext += aead.decrypt(nonce, ciphertext, b"")
        pos += 5 + length
        index += 1
        if kind == 1:
            break
    assert pos == len(data) - 65
    return header, plaintext


def test_independent_reader_decrypts_the_committed_vector() -> None:
    vector = committed_transfer()
    inputs = vector["inputs"]
    site_public = Ed25519PrivateKey.from_private_bytes(
        bytes.fromhex(inputs["site_ed25519_private_key"])
    ).public_key()
    header, plaintext = _independent_reader(
        bytes.fromhex(vector["file_hex"]),
        bytes.fromhex(inputs["center_x25519_private_key"]),
        site_public.public_bytes_raw(),
    )
    assert plaintext == bytes.fromhex(inputs["payload"])
    assert header["site_code"] == inputs["site_code"]
    assert header["sequence"] == inputs["sequence"]
    assert header["chunk_size"] == inputs["chunk_size"]
    assert header["recipient_fingerprint"] == vector["intermediate"]["center_fingerprint"]


def test_vector_covers_multiple_chunks_with_a_partial_final_chunk() -> None:
    inputs = committed_transfer()["inputs"]
    payload_length = len(bytes.fromhex(inputs["payload"]))
    assert payload_length > 2 * inputs["chunk_size"]
    assert payload_length % inputs["chunk_size"] != 0


def test_committed_key_files_match_the_vector_inputs() -> None:
    center = keys.load_center_private_key(CENTER_PRIVATE_VECTOR, PASSPHRASE)
    intermediate = committed_transfer()["intermediate"]
    assert center.fingerprint == intermediate["center_fingerprint"]
    assert (
        keys.load_site_public_key(SITE_PUBLIC_VECTOR).fingerprint
        == (intermediate["site_fingerprint"])
    )


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python -m tests.exchange.test_vectors --write")
    VECTOR_DIR.mkdir(exist_ok=True)
    for vector_path, content in build_vectors().items():
        vector_path.write_bytes(content)
        print(f"wrote {vector_path}")
