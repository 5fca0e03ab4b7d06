"""Keys of the coordinating center and of the sites, and their files.

* The **coordinating center** has an X25519 key pair (sites encrypt transfer files to
  it) and an Ed25519 key pair (for signing receipts). Its public key file is given to
  every site; its private key file is encrypted with a passphrase (scrypt + AES-256-GCM).
* Each **site** has an Ed25519 signing key. Its raw 32-byte private key is stored by the
  site database (which encrypts it itself); its public key file is sent to the center,
  which registers it after the fingerprint has been confirmed by telephone.
* Beside it each site has an **X25519 key** to which the center encrypts query files.
  It is derived from the signing key's seed (HKDF-SHA256, domain-separated), so no new
  secret has to be stored, and its public half travels in the site public key file
  (version 2) with an Ed25519 signature by the site's signing key over it: the
  fingerprint confirmed by telephone (of the signing key, unchanged) thereby covers the
  encryption key too. Version 1 site key files (signing key only) remain valid for
  verifying transfer files.
* A **fingerprint** is SHA-256 over a domain-separated encoding of the public key(s),
  first 25 bytes (200 bits), written as 40 Crockford base-32 characters in 8 groups of
  5, e.g. ``7DQ0M-X4T9C-...``. The alphabet has no I, L, O or U, so it can be read aloud.

The exact file formats are specified in ``docs/transfer-format.md``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO, Final

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from rego_desktop.exchange._common import (
    JsonFormatError,
    PathLike,
    Rng,
    canonical_json,
    check_center_name,
    check_site_code,
    format_timestamp,
    is_lower_hex,
    load_json_object,
    normalize_created,
    parse_timestamp,
    random_bytes,
    read_small_file,
    write_file_atomically,
)
from rego_desktop.exchange.errors import (
    InvalidExchangeParameter,
    KeyFileError,
    KeyProblem,
    WrongPassphrase,
)

__all__ = [
    "CENTER_PRIVATE_KEY_FORMAT",
    "CENTER_PUBLIC_KEY_FORMAT",
    "KEY_FILE_VERSION",
    "SCRYPT_N",
    "SITE_PUBLIC_KEY_FORMAT",
    "SITE_PUBLIC_KEY_VERSION",
    "CenterPrivateKey",
    "CenterPublicKey",
    "SitePublicKey",
    "SiteSigningKey",
    "center_fingerprint",
    "center_private_key_to_bytes",
    "center_public_key_to_bytes",
    "generate_center_keys",
    "generate_site_key",
    "load_center_private_key",
    "load_center_public_key",
    "load_site_public_key",
    "normalize_fingerprint",
    "parse_center_private_key",
    "parse_center_public_key",
    "parse_site_public_key",
    "site_fingerprint",
    "site_private_key_bytes",
    "site_public_key_to_bytes",
    "site_signing_key_from_bytes",
    "write_center_private_key",
    "write_center_public_key",
    "write_site_public_key",
]

CENTER_PUBLIC_KEY_FORMAT: Final = "rego-center-public-key"
CENTER_PRIVATE_KEY_FORMAT: Final = "rego-center-private-key"
SITE_PUBLIC_KEY_FORMAT: Final = "rego-site-public-key"
KEY_FILE_VERSION: Final = 1
SITE_PUBLIC_KEY_VERSION: Final = 2
"""Site public key files: version 2 adds the X25519 key (version 1 files are still read)."""
SITE_X25519_INFO: Final = b"rego-site-x25519-v1\x00"
SITE_X25519_SIGNATURE_CONTEXT: Final = b"rego-site-x25519-v1 binding\x00"

SCRYPT_N: Final = 2**17
SCRYPT_R: Final = 8
SCRYPT_P: Final = 1
SCRYPT_MIN_N: Final = 2**10
SCRYPT_MAX_N: Final = 2**20
SCRYPT_MAX_MEMORY: Final = 2**28  # 128 * r * n bytes, i.e. n=2**18 at r=8
MIN_PASSPHRASE_LENGTH: Final = 8
KEY_FILE_SIZE_LIMIT: Final = 64 * 1024

CENTER_FINGERPRINT_DOMAIN: Final = b"rego-center-key-v1\x00"
SITE_FINGERPRINT_DOMAIN: Final = b"rego-site-key-v1\x00"
FINGERPRINT_BYTES: Final = 25
CROCKFORD_ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
FINGERPRINT_RE: Final = re.compile(r"[0-9A-HJKMNP-TV-Z]{5}(?:-[0-9A-HJKMNP-TV-Z]{5}){7}")

_UTF8_BOM: Final = b"\xef\xbb\xbf"
_KIND_NAMES: Final = {
    CENTER_PUBLIC_KEY_FORMAT: "the coordinating center's public key file",
    CENTER_PRIVATE_KEY_FORMAT: "the coordinating center's private key file",
    SITE_PUBLIC_KEY_FORMAT: "a site's public key file",
}


# --------------------------------------------------------------------------- fingerprints


def _render_fingerprint(digest: bytes) -> str:
    value = int.from_bytes(digest[:FINGERPRINT_BYTES], "big")
    n_chars = FINGERPRINT_BYTES * 8 // 5
    chars = "".join(
        CROCKFORD_ALPHABET[(value >> (5 * (n_chars - 1 - i))) & 0x1F] for i in range(n_chars)
    )
    return "-".join(chars[i : i + 5] for i in range(0, n_chars, 5))


def center_fingerprint(x25519_public: bytes, ed25519_public: bytes) -> str:
    """Fingerprint of the center's public keys (see the module docstring)."""
    if len(x25519_public) != 32 or len(ed25519_public) != 32:
        raise InvalidExchangeParameter("Center public keys must be 32 bytes each.")
    return _render_fingerprint(
        hashlib.sha256(CENTER_FINGERPRINT_DOMAIN + x25519_public + ed25519_public).digest()
    )


def site_fingerprint(ed25519_public: bytes) -> str:
    """Fingerprint of a site's Ed25519 public key (see the module docstring)."""
    if len(ed25519_public) != 32:
        raise InvalidExchangeParameter("A site public key must be 32 bytes.")
    return _render_fingerprint(hashlib.sha256(SITE_FINGERPRINT_DOMAIN + ed25519_public).digest())


_CONFUSABLES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def normalize_fingerprint(text: str) -> str:
    """Bring a fingerprint as a person typed it into the canonical ``XXXXX-...`` form.

    Case, spaces and hyphens are ignored and O, I, L are read as 0, 1, 1 (Crockford).
    Raises :class:`InvalidExchangeParameter` if it cannot be a fingerprint.
    """
    compact = "".join(c for c in text.upper() if c not in " -\t").translate(_CONFUSABLES)
    if len(compact) != 40 or any(c not in CROCKFORD_ALPHABET for c in compact):
        raise InvalidExchangeParameter(
            f"{text!r} is not a key fingerprint: it must have 40 characters (8 groups of 5) "
            "made of digits and the letters A-Z except I, L, O and U."
        )
    return "-".join(compact[i : i + 5] for i in range(0, 40, 5))


# --------------------------------------------------------------------------- key objects


def _check_created(created: datetime) -> None:
    if normalize_created(created) != created:
        raise InvalidExchangeParameter("A key's creation time must be UTC, in whole seconds.")


@dataclass(frozen=True)
class CenterPublicKey:
    """What a site needs to encrypt a transfer file for the coordinating center."""

    center: str
    x25519_public: bytes
    ed25519_public: bytes
    created: datetime

    def __post_init__(self) -> None:
        check_center_name(self.center)
        if len(self.x25519_public) != 32 or len(self.ed25519_public) != 32:
            raise InvalidExchangeParameter("Center public keys must be 32 bytes each.")
        _check_created(self.created)

    @property
    def fingerprint(self) -> str:
        return center_fingerprint(self.x25519_public, self.ed25519_public)


@dataclass(frozen=True)
class CenterPrivateKey:
    """The coordinating center's private keys together with its public key."""

    public: CenterPublicKey
    x25519_private: X25519PrivateKey = field(repr=False, compare=False)
    ed25519_private: Ed25519PrivateKey = field(repr=False, compare=False)

    def __post_init__(self) -> None:
        if (
            self.x25519_private.public_key().public_bytes_raw() != self.public.x25519_public
            or self.ed25519_private.public_key().public_bytes_raw() != self.public.ed25519_public
        ):
            raise InvalidExchangeParameter("The center's private keys do not match its public key.")

    @property
    def fingerprint(self) -> str:
        return self.public.fingerprint


def _x25519_binding(site_code: str, created: datetime, x25519_public: bytes) -> bytes:
    """What the site's signing key signs to vouch for its X25519 key."""
    return (
        SITE_X25519_SIGNATURE_CONTEXT
        + site_code.encode("ascii")
        + b"\x00"
        + format_timestamp(created).encode("ascii")
        + b"\x00"
        + x25519_public
    )


@dataclass(frozen=True)
class SitePublicKey:
    """A site's registered keys, as the coordinating center knows them.

    ``x25519_public`` (with ``x25519_signature``, the signing key's signature over it) is
    present for keys from version 2 key files; ``None`` for version 1 files, which only
    verify transfer files (query files cannot be encrypted to such a site).
    """

    site_code: str
    ed25519_public: bytes
    created: datetime
    x25519_public: bytes | None = None
    x25519_signature: bytes | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        check_site_code(self.site_code)
        if len(self.ed25519_public) != 32:
            raise InvalidExchangeParameter("A site public key must be 32 bytes.")
        _check_created(self.created)
        if (self.x25519_public is None) != (self.x25519_signature is None):
            raise InvalidExchangeParameter(
                "A site's X25519 key needs the signature that binds it to the signing key."
            )
        if self.x25519_public is not None and self.x25519_signature is not None:
            if len(self.x25519_public) != 32 or len(self.x25519_signature) != 64:
                raise InvalidExchangeParameter("The site's X25519 key or its binding is invalid.")
            try:
                Ed25519PublicKey.from_public_bytes(self.ed25519_public).verify(
                    self.x25519_signature,
                    _x25519_binding(self.site_code, self.created, self.x25519_public),
                )
            except (InvalidSignature, ValueError):
                raise InvalidExchangeParameter(
                    "The site's X25519 key is not signed by its signing key."
                ) from None

    @property
    def fingerprint(self) -> str:
        return site_fingerprint(self.ed25519_public)

    @property
    def can_receive_queries(self) -> bool:
        """Whether query files can be encrypted to this site (a version 2 key)."""
        return self.x25519_public is not None

    def signing_only(self) -> SitePublicKey:
        """The same key without its X25519 part (what a version 1 file holds)."""
        return SitePublicKey(self.site_code, self.ed25519_public, self.created)


@dataclass(frozen=True)
class SiteSigningKey:
    """A site's private Ed25519 key that signs its transfer files."""

    site_code: str
    private_key: Ed25519PrivateKey = field(repr=False, compare=False)
    created: datetime

    def __post_init__(self) -> None:
        check_site_code(self.site_code)
        _check_created(self.created)

    def public_key(self) -> SitePublicKey:
        x_pub = self.x25519_private().public_key().public_bytes_raw()
        return SitePublicKey(
            site_code=self.site_code,
            ed25519_public=self.private_key.public_key().public_bytes_raw(),
            created=self.created,
            x25519_public=x_pub,
            x25519_signature=self.private_key.sign(
                _x25519_binding(self.site_code, self.created, x_pub)
            ),
        )

    def x25519_private(self) -> X25519PrivateKey:
        """The site's X25519 key (query files are encrypted to it), derived from the seed."""
        seed = self.private_key.private_bytes_raw()
        raw = HKDF(
            algorithm=SHA256(),
            length=32,
            salt=None,
            info=SITE_X25519_INFO + self.site_code.encode("ascii"),
        ).derive(seed)
        return X25519PrivateKey.from_private_bytes(raw)

    @property
    def fingerprint(self) -> str:
        return site_fingerprint(self.private_key.public_key().public_bytes_raw())


# --------------------------------------------------------------------------- generation


def generate_center_keys(
    center: str, *, created: datetime | None = None, rng: Rng = os.urandom
) -> CenterPrivateKey:
    """New X25519 + Ed25519 key pairs for the coordinating center ``center``."""
    check_center_name(center)
    moment = normalize_created(created)
    x_priv = X25519PrivateKey.from_private_bytes(random_bytes(rng, 32))
    ed_priv = Ed25519PrivateKey.from_private_bytes(random_bytes(rng, 32))
    public = CenterPublicKey(
        center=center,
        x25519_public=x_priv.public_key().public_bytes_raw(),
        ed25519_public=ed_priv.public_key().public_bytes_raw(),
        created=moment,
    )
    return CenterPrivateKey(public=public, x25519_private=x_priv, ed25519_private=ed_priv)


def generate_site_key(
    site_code: str, *, created: datetime | None = None, rng: Rng = os.urandom
) -> SiteSigningKey:
    """A new Ed25519 signing key for the site ``site_code``."""
    check_site_code(site_code)
    return SiteSigningKey(
        site_code=site_code,
        private_key=Ed25519PrivateKey.from_private_bytes(random_bytes(rng, 32)),
        created=normalize_created(created),
    )


def site_private_key_bytes(key: SiteSigningKey) -> bytes:
    """The raw 32-byte Ed25519 private key (seed). Store it encrypted!"""
    return key.private_key.private_bytes_raw()


def site_signing_key_from_bytes(site_code: str, raw: bytes, *, created: datetime) -> SiteSigningKey:
    """Rebuild a :class:`SiteSigningKey` from :func:`site_private_key_bytes` output."""
    if not isinstance(raw, bytes) or len(raw) != 32:
        raise KeyFileError(
            "The site's stored signing key is damaged (it is not 32 bytes long). Restore the "
            "study database from a backup, or create a new site key and send its public key "
            "file to the coordinating center.",
            KeyProblem.MALFORMED,
        )
    return SiteSigningKey(
        site_code=check_site_code(site_code),
        private_key=Ed25519PrivateKey.from_private_bytes(raw),
        created=normalize_created(created),
    )


# --------------------------------------------------------------------------- writing


def _document(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"


def _center_public_fields(key: CenterPublicKey) -> dict[str, Any]:
    return {
        "center": key.center,
        "fingerprint": key.fingerprint,
        "created": format_timestamp(key.created),
        "x25519_public_key": key.x25519_public.hex(),
        "ed25519_public_key": key.ed25519_public.hex(),
    }


def center_public_key_to_bytes(key: CenterPublicKey) -> bytes:
    """The content of the center's public key file (UTF-8 JSON)."""
    return _document(
        {"format": CENTER_PUBLIC_KEY_FORMAT, "version": KEY_FILE_VERSION}
        | _center_public_fields(key)
    )


def _passphrase_bytes(passphrase: str) -> bytes:
    return unicodedata.normalize("NFC", passphrase).encode("utf-8", errors="surrogatepass")


def _check_scrypt_params(n: int, r: int, p: int) -> bool:
    return (
        SCRYPT_MIN_N <= n <= SCRYPT_MAX_N
        and n & (n - 1) == 0
        and 1 <= r <= 32
        and 1 <= p <= 16
        and 128 * r * n <= SCRYPT_MAX_MEMORY
    )


def center_private_key_to_bytes(
    key: CenterPrivateKey, passphrase: str, *, scrypt_n: int = SCRYPT_N, rng: Rng = os.urandom
) -> bytes:
    """The content of the center's private key file, encrypted with ``passphrase``.

    ``scrypt_n`` may be lowered (power of two, at least 2**10) to make tests fast.
    """
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise InvalidExchangeParameter(
            f"The passphrase must have at least {MIN_PASSPHRASE_LENGTH} characters."
        )
    if not _check_scrypt_params(scrypt_n, SCRYPT_R, SCRYPT_P):
        raise InvalidExchangeParameter(
            f"scrypt n must be a power of two from {SCRYPT_MIN_N} to "
            f"{SCRYPT_MAX_MEMORY // (128 * SCRYPT_R)}."
        )
    salt = random_bytes(rng, 16)
    nonce = random_bytes(rng, 12)
    obj: dict[str, Any] = {
        "format": CENTER_PRIVATE_KEY_FORMAT,
        "version": KEY_FILE_VERSION,
    } | _center_public_fields(key.public)
    obj["kdf"] = {"name": "scrypt", "salt": salt.hex(), "n": scrypt_n, "r": SCRYPT_R, "p": SCRYPT_P}
    obj["cipher"] = {"name": "aes-256-gcm", "nonce": nonce.hex()}
    secret = Scrypt(salt=salt, length=32, n=scrypt_n, r=SCRYPT_R, p=SCRYPT_P).derive(
        _passphrase_bytes(passphrase)
    )
    plaintext = key.x25519_private.private_bytes_raw() + key.ed25519_private.private_bytes_raw()
    obj["ciphertext"] = AESGCM(secret).encrypt(nonce, plaintext, canonical_json(obj)).hex()
    return _document(obj)


def site_public_key_to_bytes(key: SitePublicKey) -> bytes:
    """The content of a site's public key file (UTF-8 JSON): version 2 when the key has
    its X25519 part, else version 1."""
    obj: dict[str, Any] = {
        "format": SITE_PUBLIC_KEY_FORMAT,
        "version": KEY_FILE_VERSION,
        "site_code": key.site_code,
        "fingerprint": key.fingerprint,
        "created": format_timestamp(key.created),
        "ed25519_public_key": key.ed25519_public.hex(),
    }
    if key.x25519_public is not None and key.x25519_signature is not None:
        obj["version"] = SITE_PUBLIC_KEY_VERSION
        obj["x25519_public_key"] = key.x25519_public.hex()
        obj["x25519_signature"] = key.x25519_signature.hex()
    return _document(obj)


def _write(path: PathLike, data: bytes, *, overwrite: bool, private: bool, what: str) -> None:
    def produce(out: BinaryIO) -> None:
        out.write(data)

    write_file_atomically(path, produce, overwrite=overwrite, private=private, what=what)


def write_center_public_key(
    path: PathLike, key: CenterPublicKey, *, overwrite: bool = False
) -> None:
    _write(
        path,
        center_public_key_to_bytes(key),
        overwrite=overwrite,
        private=False,
        what="The public key file",
    )


def write_center_private_key(
    path: PathLike,
    key: CenterPrivateKey,
    passphrase: str,
    *,
    scrypt_n: int = SCRYPT_N,
    overwrite: bool = False,
) -> None:
    """Write the encrypted private key file (readable by the owner only on POSIX)."""
    data = center_private_key_to_bytes(key, passphrase, scrypt_n=scrypt_n)
    _write(path, data, overwrite=overwrite, private=True, what="The private key file")


def write_site_public_key(path: PathLike, key: SitePublicKey, *, overwrite: bool = False) -> None:
    _write(
        path,
        site_public_key_to_bytes(key),
        overwrite=overwrite,
        private=False,
        what="The site public key file",
    )


# --------------------------------------------------------------------------- reading


class _Doc:
    """One key document being validated; every problem becomes a KeyFileError."""

    def __init__(self, data: bytes, expected: str, source: str | None) -> None:
        self.source = source
        self.expected = expected
        self.subject = f"The key file {source}" if source else "The key file"
        if data.startswith(_UTF8_BOM):  # added by some Windows text editors
            data = data[len(_UTF8_BOM) :]
        try:
            obj = load_json_object(data)
        except JsonFormatError as exc:
            raise self.error(
                KeyProblem.NOT_A_KEY_FILE,
                f"{self.subject} is not a rego-desktop key file ({exc}). "
                f"Choose {_KIND_NAMES[expected]}.",
            ) from None
        fmt = obj.get("format")
        if not isinstance(fmt, str) or fmt not in _KIND_NAMES:
            raise self.error(
                KeyProblem.NOT_A_KEY_FILE,
                f'{self.subject} is not a rego-desktop key file (it has no known "format"). '
                f"Choose {_KIND_NAMES[expected]}.",
            )
        if fmt != expected:
            raise self.error(
                KeyProblem.WRONG_KIND,
                f"{self.subject} is {_KIND_NAMES[fmt]}, but {_KIND_NAMES[expected]} is needed "
                "here. Choose the right file.",
            )
        version = obj.get("version")
        if type(version) is not int:
            raise self.malformed('its "version" is missing or not a whole number')
        readable = (
            (KEY_FILE_VERSION, SITE_PUBLIC_KEY_VERSION)
            if fmt == SITE_PUBLIC_KEY_FORMAT
            else (KEY_FILE_VERSION,)
        )
        if version not in readable:
            raise self.error(
                KeyProblem.UNKNOWN_VERSION,
                f"{self.subject} has format version {version}, which this version of "
                f"rego-desktop cannot read (it reads version {readable[-1]}). Update "
                "rego-desktop, or ask for a file made by the same version.",
            )
        self.version: int = version
        self.obj = obj

    def error(self, reason: KeyProblem, message: str) -> KeyFileError:
        return KeyFileError(message, reason, self.source)

    def malformed(self, detail: str) -> KeyFileError:
        return self.error(
            KeyProblem.MALFORMED,
            f"{self.subject} is damaged: {detail}. Ask its owner for a fresh copy.",
        )

    def require_fields(self, obj: dict[str, Any], names: set[str], where: str = "") -> None:
        missing = sorted(names - obj.keys())
        extra = sorted(obj.keys() - names)
        if missing:
            raise self.malformed(f"the field{where} {missing[0]!r} is missing")
        if extra:
            raise self.malformed(f"it has an unexpected field{where} {extra[0]!r}")

    def string(self, obj: dict[str, Any], name: str) -> str:
        value = obj[name]
        if not isinstance(value, str):
            raise self.malformed(f"{name!r} is not a text")
        return value

    def integer(self, obj: dict[str, Any], name: str) -> int:
        value = obj[name]
        if type(value) is not int:
            raise self.malformed(f"{name!r} is not a whole number")
        return value

    def hex_bytes(self, obj: dict[str, Any], name: str, n_bytes: int) -> bytes:
        value = self.string(obj, name)
        if not is_lower_hex(value, n_bytes):
            raise self.malformed(f"{name!r} is not {n_bytes} bytes in lower-case hexadecimal")
        return bytes.fromhex(value)

    def created(self) -> datetime:
        try:
            return parse_timestamp(self.string(self.obj, "created"))
        except ValueError as exc:
            raise self.malformed(f"'created' is wrong ({exc})") from None

    def fingerprint(self, computed: str) -> None:
        stated = self.string(self.obj, "fingerprint")
        if FINGERPRINT_RE.fullmatch(stated) is None:
            raise self.malformed("'fingerprint' is not written as 8 groups of 5 characters")
        if stated != computed:
            raise self.error(
                KeyProblem.FINGERPRINT_MISMATCH,
                f"{self.subject} was altered or damaged: the fingerprint written in it "
                f"({stated}) does not match its key ({computed}). Do not use it; ask its owner "
                "for a fresh copy and confirm the fingerprint by telephone.",
            )

    def checked(self, what: str, check: Callable[[str], str], value: str) -> str:
        try:
            return check(value)
        except InvalidExchangeParameter as exc:
            raise self.malformed(f"{what} is not valid ({exc.message})") from None


_PROBE_KEY: Final = X25519PrivateKey.from_private_bytes(hashlib.sha256(b"probe").digest())

_CENTER_PUBLIC_FIELDS: Final = {
    "format",
    "version",
    "center",
    "fingerprint",
    "created",
    "x25519_public_key",
    "ed25519_public_key",
}


def _center_public_from_doc(doc: _Doc) -> CenterPublicKey:
    obj = doc.obj
    center = doc.checked("the center name", check_center_name, doc.string(obj, "center"))
    x_pub = doc.hex_bytes(obj, "x25519_public_key", 32)
    ed_pub = doc.hex_bytes(obj, "ed25519_public_key", 32)
    try:
        # A low-order X25519 point would make every shared secret zero: refuse it now.
        _PROBE_KEY.exchange(X25519PublicKey.from_public_bytes(x_pub))
        Ed25519PublicKey.from_public_bytes(ed_pub)
    except ValueError:
        raise doc.malformed("a public key is not a valid key") from None
    doc.fingerprint(center_fingerprint(x_pub, ed_pub))
    return CenterPublicKey(
        center=center, x25519_public=x_pub, ed25519_public=ed_pub, created=doc.created()
    )


def parse_center_public_key(data: bytes, *, source: str | None = None) -> CenterPublicKey:
    """Validate and decode the content of a center public key file."""
    doc = _Doc(data, CENTER_PUBLIC_KEY_FORMAT, source)
    doc.require_fields(doc.obj, _CENTER_PUBLIC_FIELDS)
    return _center_public_from_doc(doc)


def parse_center_private_key(
    data: bytes, passphrase: str, *, source: str | None = None
) -> CenterPrivateKey:
    """Validate, decrypt and decode the content of a center private key file.

    Raises :class:`WrongPassphrase` if the passphrase does not open it.
    """
    doc = _Doc(data, CENTER_PRIVATE_KEY_FORMAT, source)
    obj = doc.obj
    doc.require_fields(obj, _CENTER_PUBLIC_FIELDS | {"kdf", "cipher", "ciphertext"})
    public = _center_public_from_doc(doc)
    kdf, cipher = obj["kdf"], obj["cipher"]
    if not isinstance(kdf, dict) or not isinstance(cipher, dict):
        raise doc.malformed("'kdf' or 'cipher' is not an object")
    doc.require_fields(kdf, {"name", "salt", "n", "r", "p"}, " in 'kdf'")
    doc.require_fields(cipher, {"name", "nonce"}, " in 'cipher'")
    if doc.string(kdf, "name") != "scrypt" or doc.string(cipher, "name") != "aes-256-gcm":
        raise doc.malformed("it uses an unknown key derivation or cipher")
    salt = doc.hex_bytes(kdf, "salt", 16)
    n, r, p = doc.integer(kdf, "n"), doc.integer(kdf, "r"), doc.integer(kdf, "p")
    if not _check_scrypt_params(n, r, p):
        raise doc.malformed("its scrypt parameters are out of the accepted range")
    nonce = doc.hex_bytes(cipher, "nonce", 12)
    ciphertext = doc.hex_bytes(obj, "ciphertext", 64 + 16)
    aad = canonical_json({k: v for k, v in obj.items() if k != "ciphertext"})
    secret = Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(_passphrase_bytes(passphrase))
    try:
        plaintext = AESGCM(secret).decrypt(nonce, ciphertext, aad)
    except InvalidTag:
        raise WrongPassphrase(
            f"The passphrase does not open the private key file{f' {source}' if source else ''}"
            " (or the file was altered). Check Caps Lock and the keyboard language, then type "
            "the passphrase again.",
            source,
        ) from None
    try:
        return CenterPrivateKey(
            public=public,
            x25519_private=X25519PrivateKey.from_private_bytes(plaintext[:32]),
            ed25519_private=Ed25519PrivateKey.from_private_bytes(plaintext[32:]),
        )
    except (InvalidExchangeParameter, ValueError):
        raise doc.malformed("the private keys inside do not match its public keys") from None


def parse_site_public_key(data: bytes, *, source: str | None = None) -> SitePublicKey:
    """Validate and decode the content of a site public key file."""
    doc = _Doc(data, SITE_PUBLIC_KEY_FORMAT, source)
    obj = doc.obj
    names = {"format", "version", "site_code", "fingerprint", "created", "ed25519_public_key"}
    if doc.version == SITE_PUBLIC_KEY_VERSION:
        names |= {"x25519_public_key", "x25519_signature"}
    doc.require_fields(obj, names)
    site_code = doc.checked("the site code", check_site_code, doc.string(obj, "site_code"))
    ed_pub = doc.hex_bytes(obj, "ed25519_public_key", 32)
    try:
        Ed25519PublicKey.from_public_bytes(ed_pub)
    except ValueError:
        raise doc.malformed("the public key is not a valid key") from None
    doc.fingerprint(site_fingerprint(ed_pub))
    created = doc.created()
    if doc.version == KEY_FILE_VERSION:
        return SitePublicKey(site_code=site_code, ed25519_public=ed_pub, created=created)
    x_pub = doc.hex_bytes(obj, "x25519_public_key", 32)
    x_sig = doc.hex_bytes(obj, "x25519_signature", 64)
    try:
        _PROBE_KEY.exchange(X25519PublicKey.from_public_bytes(x_pub))
    except ValueError:
        raise doc.malformed("the X25519 public key is not a valid key") from None
    try:
        return SitePublicKey(
            site_code=site_code,
            ed25519_public=ed_pub,
            created=created,
            x25519_public=x_pub,
            x25519_signature=x_sig,
        )
    except InvalidExchangeParameter:
        raise doc.error(
            KeyProblem.FINGERPRINT_MISMATCH,
            f"{doc.subject} was altered or damaged: its encryption key is not signed by its "
            "signing key. Do not use it; ask the site for a fresh copy.",
        ) from None


def _read_key_file(path: PathLike) -> bytes:
    name = os.fspath(path)
    try:
        data = read_small_file(path, KEY_FILE_SIZE_LIMIT)
    except OSError as exc:
        raise KeyFileError(
            f"Could not read the key file {name}: {exc.strerror or exc}. Check the file name "
            "and that the USB stick or folder is available.",
            KeyProblem.UNREADABLE,
            name,
        ) from exc
    if data is None:
        raise KeyFileError(
            f"{name} is not a rego-desktop key file (it is far too large). Choose the key "
            "file exported by rego-desktop.",
            KeyProblem.NOT_A_KEY_FILE,
            name,
        )
    return data


def load_center_public_key(path: PathLike) -> CenterPublicKey:
    return parse_center_public_key(_read_key_file(path), source=os.fspath(path))


def load_center_private_key(path: PathLike, passphrase: str) -> CenterPrivateKey:
    return parse_center_private_key(_read_key_file(path), passphrase, source=os.fspath(path))


def load_site_public_key(path: PathLike) -> SitePublicKey:
    return parse_site_public_key(_read_key_file(path), source=os.fspath(path))
