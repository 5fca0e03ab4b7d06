"""Wrapping the data key with a password or the recovery key.

A key slot is (KDF parameters, salt, AES-GCM(KEK, data key)). Changing a password
writes a new slot for the same data key; no record is re-encrypted.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from rego_desktop.crypto.envelope import KEY_BYTES, Aead, DecryptionFailed

SALT_BYTES = 16


@dataclass(frozen=True)
class ScryptParams:
    """scrypt cost; n=2**17, r=8 uses 128 MiB and about half a second per log-in."""

    n: int = 2**17
    r: int = 8
    p: int = 1

    def to_json(self) -> dict[str, Any]:
        return {"kdf": "scrypt", "n": self.n, "r": self.r, "p": self.p}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ScryptParams:
        if data.get("kdf") != "scrypt":
            raise ValueError(f"unknown key derivation {data.get('kdf')!r}")
        n, r, p = int(data["n"]), int(data["r"]), int(data["p"])
        if n < 2**10 or n > 2**22 or n & (n - 1) or not 1 <= r <= 32 or not 1 <= p <= 16:
            raise ValueError("key derivation parameters out of range")
        return cls(n, r, p)


DEFAULT_SCRYPT = ScryptParams()


@dataclass(frozen=True)
class WrappedKey:
    kdf: dict[str, Any]
    salt: bytes
    wrapped: bytes


def password_kek(password: str, salt: bytes, params: ScryptParams) -> bytes:
    return Scrypt(salt=salt, length=KEY_BYTES, n=params.n, r=params.r, p=params.p).derive(
        password.encode("utf-8")
    )


def recovery_kek(recovery_secret: bytes, salt: bytes) -> bytes:
    # The recovery key is 256 random bits, so a fast KDF is enough.
    return HKDF(
        algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt, info=b"rego-desktop/v1/recovery"
    ).derive(recovery_secret)


def wrap_with_password(
    data_key: bytes, password: str, aad: bytes, params: ScryptParams = DEFAULT_SCRYPT
) -> WrappedKey:
    salt = os.urandom(SALT_BYTES)
    kek = password_kek(password, salt, params)
    return WrappedKey(params.to_json(), salt, Aead(kek).encrypt(data_key, aad))


def unwrap_with_password(slot: WrappedKey, password: str, aad: bytes) -> bytes:
    """The data key, or :class:`DecryptionFailed` for a wrong password."""
    kek = password_kek(password, slot.salt, ScryptParams.from_json(slot.kdf))
    return Aead(kek).decrypt(slot.wrapped, aad)


def wrap_with_recovery(data_key: bytes, recovery_secret: bytes, aad: bytes) -> WrappedKey:
    salt = os.urandom(SALT_BYTES)
    kek = recovery_kek(recovery_secret, salt)
    return WrappedKey({"kdf": "hkdf-sha256"}, salt, Aead(kek).encrypt(data_key, aad))


def unwrap_with_recovery(slot: WrappedKey, recovery_secret: bytes, aad: bytes) -> bytes:
    if slot.kdf.get("kdf") != "hkdf-sha256":
        raise DecryptionFailed("not a recovery slot")
    return Aead(recovery_kek(recovery_secret, slot.salt)).decrypt(slot.wrapped, aad)
