"""The recovery key: 256 random bits shown once at set-up, printed and kept safe.

Written as 14 groups of 4 Crockford base32 characters (no I, L, O, U), the last
group carrying a checksum so a mistyped key is told apart from a wrong one.
"""

from __future__ import annotations

import hashlib
import os

from rego_desktop.errors import AuthenticationError

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_SECRET_BYTES = 32
_CHECK_BYTES = 3
_GROUP = 4


class MistypedRecoveryKey(AuthenticationError):
    pass


def generate() -> bytes:
    return os.urandom(_SECRET_BYTES)


def _encode(data: bytes) -> str:
    bits = int.from_bytes(data, "big")
    nbits = len(data) * 8
    chars = []
    for shift in range(nbits - 5, -5, -5):
        chars.append(_ALPHABET[(bits >> shift) & 31 if shift >= 0 else (bits << -shift) & 31])
    return "".join(chars)


def format_key(secret: bytes) -> str:
    check = hashlib.sha256(b"rego-recovery" + secret).digest()[:_CHECK_BYTES]
    text = _encode(secret + check)
    return "-".join(text[i : i + _GROUP] for i in range(0, len(text), _GROUP))


def parse_key(text: str) -> bytes:
    """The secret from a typed recovery key; tolerant of spaces, case and O/I/L typos."""
    cleaned = (
        text.upper().replace("-", "").replace(" ", "").replace("O", "0").replace("I", "1")
    ).replace("L", "1")
    total_bytes = _SECRET_BYTES + _CHECK_BYTES
    expected_chars = (total_bytes * 8 + 4) // 5
    if len(cleaned) != expected_chars or any(c not in _ALPHABET for c in cleaned):
        raise MistypedRecoveryKey(
            f"A recovery key has {expected_chars} letters and digits in groups of 4 "
            "(for example 7K2Q-...); check what you typed.",
            zh=f"恢复密钥由 {expected_chars} 个字母和数字组成，每 4 个一组"
            "（例如 7K2Q-...）；请检查输入。",
        )
    bits = 0
    for c in cleaned:
        bits = (bits << 5) | _ALPHABET.index(c)
    bits >>= expected_chars * 5 - total_bytes * 8
    data = bits.to_bytes(total_bytes, "big")
    secret, check = data[:_SECRET_BYTES], data[_SECRET_BYTES:]
    if hashlib.sha256(b"rego-recovery" + secret).digest()[:_CHECK_BYTES] != check:
        raise MistypedRecoveryKey(
            "That recovery key contains a typing mistake (its checksum does not match); "
            "check each group against the printed key.",
            zh="该恢复密钥有输入错误（校验和不符）；请逐组与打印的密钥核对。",
        )
    return secret
