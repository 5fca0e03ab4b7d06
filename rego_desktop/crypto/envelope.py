"""Envelope encryption of the study data.

One random 256-bit data key protects the whole study. It never touches the disk in
the clear: each user's password (through scrypt, memory-hard) and the recovery key
each wrap a copy of it in a key slot. Subkeys for records, the audit trail's MAC and
other purposes are derived from it with HKDF so no key is used for two jobs.
"""

from __future__ import annotations

import hmac
import os
from dataclasses import dataclass
from hashlib import sha256

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32
NONCE_BYTES = 12


class DecryptionFailed(Exception):
    """Ciphertext, its associated data or the key is wrong (tampering or wrong key)."""


def derive_subkey(master: bytes, purpose: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=purpose.encode()
    ).derive(master)


@dataclass(frozen=True, repr=False)
class Aead:
    """AES-256-GCM with a random nonce stored in front of the ciphertext.

    Associated data binds a ciphertext to the row (and patient) it belongs to, so
    ciphertexts cannot be moved between rows without the tag failing.
    """

    key: bytes

    def encrypt(self, plaintext: bytes, aad: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + AESGCM(self.key).encrypt(nonce, plaintext, aad)

    def decrypt(self, blob: bytes, aad: bytes) -> bytes:
        if len(blob) < NONCE_BYTES + 16:
            raise DecryptionFailed("ciphertext too short")
        try:
            return AESGCM(self.key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)
        except InvalidTag:
            raise DecryptionFailed("authentication failed") from None


@dataclass(frozen=True, repr=False)
class DataKeyring:
    """The unwrapped data key and the keys derived from it, for one open study."""

    data_key: bytes

    @classmethod
    def generate(cls) -> DataKeyring:
        return cls(os.urandom(KEY_BYTES))

    @property
    def records(self) -> Aead:
        return Aead(derive_subkey(self.data_key, "rego-desktop/v1/records"))

    def mac(self, purpose: str, message: bytes) -> bytes:
        key = derive_subkey(self.data_key, f"rego-desktop/v1/mac/{purpose}")
        return hmac.new(key, message, sha256).digest()

    def __repr__(self) -> str:
        return "DataKeyring(<secret>)"
