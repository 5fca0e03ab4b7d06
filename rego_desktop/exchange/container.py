"""The transfer file: a signed, encrypted container around an opaque payload.

A site writes the payload (the de-identified dataset, decided elsewhere) with
:func:`write_transfer`; the coordinating center checks it with :func:`verify_transfer`
and reads it with :func:`open_transfer`. Layout (all integers big-endian; see
``docs/transfer-format.md`` for the byte-level specification)::

    magic "\\x89RGO\\r\\n\\x1a\\n" | u16 version=1 | u32 header length | header (canonical JSON)
    chunk records: u8 type (0 = chunk, 1 = final chunk) | u32 length | AES-256-GCM ciphertext
    u8 type 2 | 64-byte Ed25519 signature over
        "rego-transfer-v1 signature\\0" || SHA-512(all bytes before the signature)

The payload key comes from X25519 between an ephemeral key (public half in the header)
and the center's key, through HKDF-SHA256 salted with SHA-256 of the header block. Each
chunk's nonce is a 7-byte prefix from HKDF, a 4-byte counter and the final-chunk flag
(STREAM construction), so reordered, dropped or truncated chunks never decrypt.

Readers verify the whole file (one streaming hash pass) before decrypting anything, and
then decrypt chunk by chunk, so memory use is bounded by the chunk size. Any bytes at
all produce either a valid result or a :class:`TransferFileError`.
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO, Final, NamedTuple, NoReturn, TypeVar

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from rego_desktop.exchange._common import (
    PathLike,
    Rng,
    canonical_json,
    check_study_token,
    describe_source,
    format_timestamp,
    normalize_created,
    random_bytes,
    write_file_atomically,
)
from rego_desktop.exchange.errors import (
    InvalidExchangeParameter,
    TransferFileError,
    TransferProblem,
)
from rego_desktop.exchange.header_fields import HeaderFields
from rego_desktop.exchange.keys import (
    CenterPrivateKey,
    CenterPublicKey,
    SitePublicKey,
    SiteSigningKey,
)

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "FORMAT_VERSION",
    "MAGIC",
    "OpenedTransfer",
    "TransferHeader",
    "open_transfer",
    "read_header",
    "seal_transfer",
    "unseal_transfer",
    "verify_transfer",
    "write_transfer",
    "write_transfer_file",
]

MAGIC: Final = b"\x89RGO\r\n\x1a\n"
FORMAT_VERSION: Final = 1
MAX_HEADER_LENGTH: Final = 65536
DEFAULT_CHUNK_SIZE: Final = 65536
MIN_CHUNK_SIZE: Final = 16
MAX_CHUNK_SIZE: Final = 2**24
MAX_SEQUENCE: Final = 2**53 - 1
MAX_CHUNKS: Final = 2**32
TAG_SIZE: Final = 16
SIGNATURE_SIZE: Final = 64
NONCE_PREFIX_SIZE: Final = 7

RECORD_CHUNK: Final = 0x00
RECORD_FINAL: Final = 0x01
RECORD_SIGNATURE: Final = 0x02

SIGNATURE_CONTEXT: Final = b"rego-transfer-v1 signature\x00"
KEY_INFO_PREFIX: Final = b"rego-transfer-v1 payload key\x00"

_HEADER_FIELDS: Final = frozenset(
    {
        "format_version",
        "site_code",
        "package_id",
        "sequence",
        "created",
        "study_id",
        "study_version",
        "site_key_fingerprint",
        "recipient_fingerprint",
        "chunk_size",
        "ephemeral_public_key",
    }
)
_READ_BLOCK: Final = 1024 * 1024
_PREFIX_LENGTH: Final = len(MAGIC) + 2 + 4

_T = TypeVar("_T")

Source = PathLike | BinaryIO
"""A transfer file: a path, or a binary file object open for reading (seekable)."""


# --------------------------------------------------------------------------- header


class _BadHeader(ValueError):
    pass


@dataclass(frozen=True)
class TransferHeader:
    """The plaintext header of a transfer file (nothing clinical, nothing identifying)."""

    site_code: str
    package_id: uuid.UUID
    sequence: int
    created: datetime
    study_id: str
    study_version: str
    site_key_fingerprint: str
    recipient_fingerprint: str
    chunk_size: int
    ephemeral_public_key: bytes
    format_version: int = FORMAT_VERSION

    def to_json_object(self) -> dict[str, Any]:
        return {
            "chunk_size": self.chunk_size,
            "created": format_timestamp(self.created),
            "ephemeral_public_key": self.ephemeral_public_key.hex(),
            "format_version": self.format_version,
            "package_id": str(self.package_id),
            "recipient_fingerprint": self.recipient_fingerprint,
            "sequence": self.sequence,
            "site_code": self.site_code,
            "site_key_fingerprint": self.site_key_fingerprint,
            "study_id": self.study_id,
            "study_version": self.study_version,
        }

    def encode(self) -> bytes:
        """The canonical JSON bytes stored in the file."""
        return canonical_json(self.to_json_object())


def _parse_header(raw: bytes) -> TransferHeader:
    """Decode and validate header JSON; raises _BadHeader with a short explanation."""
    fields = HeaderFields(raw, _HEADER_FIELDS, _BadHeader)
    integer, fingerprint = fields.integer, fields.fingerprint
    site_code, study_id, study_version = fields.site_and_study()
    package_id = fields.uuid("package_id", "package id")
    created = fields.created()
    header = TransferHeader(
        site_code=site_code,
        package_id=package_id,
        sequence=integer("sequence", 1, MAX_SEQUENCE),
        created=created,
        study_id=study_id,
        study_version=study_version,
        site_key_fingerprint=fingerprint("site_key_fingerprint"),
        recipient_fingerprint=fingerprint("recipient_fingerprint"),
        chunk_size=integer("chunk_size", MIN_CHUNK_SIZE, MAX_CHUNK_SIZE),
        ephemeral_public_key=fields.ephemeral_key(),
        format_version=integer("format_version", FORMAT_VERSION, FORMAT_VERSION),
    )
    if header.encode() != raw:
        raise _BadHeader("the header is not in canonical form")
    return header


def _header_block(header: TransferHeader) -> bytes:
    raw = header.encode()
    return MAGIC + struct.pack(">HI", FORMAT_VERSION, len(raw)) + raw


# --------------------------------------------------------------------------- reading


class _Ctx:
    """Names the file in messages and builds the errors."""

    def __init__(self, source: object) -> None:
        self.path = describe_source(source)
        self.object = f"the transfer file {self.path}" if self.path else "the transfer file"
        self.subject = self.object[0].upper() + self.object[1:]
        self.site: str | None = None

    @property
    def sender(self) -> str:
        return f"site {self.site}" if self.site else "the sending site"

    def fail(self, reason: TransferProblem, message: str) -> NoReturn:
        raise TransferFileError(message, reason, self.path)

    def truncated(self, where: str) -> NoReturn:
        self.fail(
            TransferProblem.TRUNCATED,
            f"{self.subject} is incomplete: it ends {where}. The copy was "
            f"probably interrupted; copy the file again or ask {self.sender} to send it again.",
        )

    def altered(self, detail: str) -> NoReturn:
        self.fail(
            TransferProblem.ALTERED,
            f"{self.subject} is damaged or was altered ({detail}). Do not use "
            f"it; ask {self.sender} to send it again.",
        )

    def unreadable(self, exc: OSError) -> NoReturn:
        raise TransferFileError(
            f"Could not read {self.object}: {exc.strerror or exc}. Check the "
            "file name and that the USB stick or folder is available.",
            TransferProblem.UNREADABLE,
            self.path,
        ) from exc


class _Reader:
    """Reads a file object, feeding a SHA-512 of everything read (unless told not to)."""

    def __init__(self, f: BinaryIO, ctx: _Ctx) -> None:
        self.f = f
        self.ctx = ctx
        self.hash = hashlib.sha512()
        self.offset = 0

    def some(self, n: int, *, hashed: bool = True) -> bytes:
        """Up to ``n`` bytes; fewer only at the end of the file."""
        parts: list[bytes] = []
        wanted = n
        try:
            while wanted > 0:
                data = self.f.read(wanted)
                if not data:
                    break
                parts.append(data)
                wanted -= len(data)
        except OSError as exc:
            self.ctx.unreadable(exc)
        result = b"".join(parts)
        if hashed:
            self.hash.update(result)
        self.offset += len(result)
        return result

    def exact(self, n: int, where: str, *, hashed: bool = True) -> bytes:
        data = self.some(n, hashed=hashed)
        if len(data) != n:
            self.ctx.truncated(where)
        return data

    def skip(self, n: int, where: str) -> None:
        while n > 0:
            n -= len(self.exact(min(n, _READ_BLOCK), where))


def _read_header_block(r: _Reader) -> tuple[TransferHeader, bytes]:
    ctx = r.ctx
    magic = r.some(len(MAGIC))
    if not magic:
        ctx.fail(
            TransferProblem.TRUNCATED,
            f"{ctx.subject} is empty (0 bytes). The copy probably failed; copy "
            "it again or ask the site to send it again.",
        )
    if magic != MAGIC:
        if len(magic) < len(MAGIC) and MAGIC.startswith(magic):
            ctx.truncated("within its first bytes")
        if magic[:4] == MAGIC[:4]:
            ctx.altered(
                "its first bytes were changed, for example by a transfer in text mode that "
                "converted line endings; send it as a binary attachment"
            )
        ctx.fail(
            TransferProblem.NOT_A_TRANSFER_FILE,
            f"{f'The file {ctx.path}' if ctx.path else 'This file'} is not a rego-desktop "
            "transfer file. Choose the file that the site "
            "exported for the coordinating center.",
        )
    version_bytes = r.exact(2, "within its first bytes")
    (version,) = struct.unpack(">H", version_bytes)
    if version != FORMAT_VERSION:
        ctx.fail(
            TransferProblem.UNKNOWN_VERSION,
            f"{ctx.subject} uses transfer format version {version}, which this "
            f"version of rego-desktop cannot read (it reads version {FORMAT_VERSION}). Update "
            "rego-desktop, or ask the site which version made the file.",
        )
    length_bytes = r.exact(4, "within its first bytes")
    (length,) = struct.unpack(">I", length_bytes)
    if not 2 <= length <= MAX_HEADER_LENGTH:
        ctx.altered("its header length is impossible")
    raw = r.exact(length, "inside its header")
    try:
        header = _parse_header(raw)
    except _BadHeader as exc:
        ctx.altered(str(exc))
    ctx.site = header.site_code
    return header, magic + version_bytes + length_bytes + raw


def _records(r: _Reader, chunk_size: int) -> Iterator[tuple[int, int, int]]:
    """Yield (record type, chunk index, ciphertext length) for each chunk record.

    The caller must consume exactly ``length`` bytes from ``r`` before asking for the
    next record. Stops after the final chunk.
    """
    full = chunk_size + TAG_SIZE
    index = 0
    while True:
        kind_byte = r.some(1)
        if not kind_byte:
            r.ctx.truncated("before the end of its encrypted data")
        kind = kind_byte[0]
        if kind == RECORD_SIGNATURE:
            r.ctx.altered("the signature comes before the end of the encrypted data")
        if kind not in (RECORD_CHUNK, RECORD_FINAL):
            r.ctx.altered(f"unknown record type at byte {r.offset - 1}")
        (length,) = struct.unpack(">I", r.exact(4, "inside its encrypted data"))
        if kind == RECORD_CHUNK:
            valid = length == full
        else:
            valid = TAG_SIZE < length <= full or (length == TAG_SIZE and index == 0)
        if not valid:
            r.ctx.altered(f"impossible chunk length at byte {r.offset - 4}")
        if index >= MAX_CHUNKS:
            r.ctx.altered("it has too many chunks")
        yield kind, index, length
        index += 1
        if kind == RECORD_FINAL:
            return


def _read_trailer(r: _Reader) -> tuple[bytes, bytes]:
    """After the final chunk: the signature record. Returns (digest, signature)."""
    kind = r.some(1)
    if not kind:
        r.ctx.fail(
            TransferProblem.UNSIGNED,
            f"{r.ctx.subject} has no signature, so who made it cannot be "
            "verified. It is incomplete or was not produced by rego-desktop. Do not use it; "
            f"ask {r.ctx.sender} to export and send it again.",
        )
    if kind[0] != RECORD_SIGNATURE:
        r.ctx.altered(f"unexpected data after the encrypted data at byte {r.offset - 1}")
    digest = r.hash.digest()
    signature = r.exact(SIGNATURE_SIZE, "inside its signature", hashed=False)
    if r.some(1, hashed=False):
        r.ctx.altered(f"extra data after the signature at byte {r.offset - 1}")
    return digest, signature


@dataclass(frozen=True)
class _Scanned:
    header: TransferHeader
    header_block: bytes
    start: int
    digest: bytes
    signature: bytes


def _tell(f: BinaryIO, ctx: _Ctx) -> int:
    try:
        if not f.seekable():
            raise io.UnsupportedOperation("the stream is not seekable")
        return f.tell()
    except OSError as exc:
        ctx.unreadable(exc)


def _scan(f: BinaryIO, ctx: _Ctx) -> _Scanned:
    """Pass 1: check the structure of the whole file and hash it."""
    start = _tell(f, ctx)
    r = _Reader(f, ctx)
    header, block = _read_header_block(r)
    for _kind, _index, length in _records(r, header.chunk_size):
        r.skip(length, "inside its encrypted data")
    digest, signature = _read_trailer(r)
    return _Scanned(header, block, start, digest, signature)


def _check_signature(scanned: _Scanned, keys: Mapping[str, SitePublicKey], ctx: _Ctx) -> None:
    """Find the sending site's registered key and verify the signature with it."""
    header = scanned.header
    site, stated = header.site_code, header.site_key_fingerprint
    message = SIGNATURE_CONTEXT + scanned.digest

    def verifies(key: SitePublicKey) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(key.ed25519_public).verify(
                scanned.signature, message
            )
        except (InvalidSignature, ValueError):
            return False
        return True

    def bad_signature() -> NoReturn:
        ctx.fail(
            TransferProblem.BAD_SIGNATURE,
            f"{ctx.subject} does not carry a valid signature of site {site}: "
            f"it was altered after it was signed, or it was not signed with site {site}'s "
            f"registered key. Do not merge it; ask site {site} to export it again.",
        )

    registered = keys.get(site)
    # A registered key (of any site) with the fingerprint the file names, if any.
    named = next(
        (
            (code, key)
            for code, key in sorted(keys.items())
            if key.fingerprint == stated and code != site
        ),
        None,
    )
    if registered is not None and registered.fingerprint == stated:
        if registered.site_code != site:
            ctx.fail(
                TransferProblem.SITE_KEY_MISMATCH,
                f"The key registered at this center for site {site} is the key of site "
                f"{registered.site_code} (its key file says so), so {ctx.object} cannot be "
                "trusted. Correct the site key registry, then try again.",
            )
        if not verifies(registered):
            bad_signature()
        return
    if named is not None:
        other_code, other_key = named
        if not verifies(other_key):
            bad_signature()
        ctx.fail(
            TransferProblem.SITE_KEY_MISMATCH,
            f"{ctx.subject} says it comes from site {site} but was signed with "
            f"the key registered for site {other_code}. Do not merge it; check with both sites "
            "which site made it.",
        )
    if registered is None:
        ctx.fail(
            TransferProblem.UNKNOWN_SITE,
            f"{ctx.subject} comes from site {site}, which is not registered at "
            "this coordinating center. If this is a new site, register its public key file "
            f"after confirming the key fingerprint {stated} with the site by telephone, then "
            "try again.",
        )
    ctx.fail(
        TransferProblem.SITE_KEY_MISMATCH,
        f"{ctx.subject} from site {site} was signed with a key (fingerprint "
        f"{stated}) that is not the key registered for site {site} (fingerprint "
        f"{registered.fingerprint}). If the site has made a new key, register its new public "
        "key file after confirming the fingerprint by telephone; otherwise do not trust the file.",
    )


def _check_recipient(header: TransferHeader, center: CenterPrivateKey, ctx: _Ctx) -> None:
    if header.recipient_fingerprint != center.fingerprint:
        ctx.fail(
            TransferProblem.WRONG_RECIPIENT,
            f"{ctx.subject} was encrypted for another coordinating center "
            f"(fingerprint {header.recipient_fingerprint}); this center's key has fingerprint "
            f"{center.fingerprint}, so it cannot be opened here. Ask {ctx.sender} to export "
            "it again with this center's public key file.",
        )


def _derive(
    header_block: bytes, ephemeral_public: bytes, recipient_public: bytes, shared: bytes
) -> tuple[AESGCM, bytes]:
    okm = HKDF(
        algorithm=SHA256(),
        length=32 + NONCE_PREFIX_SIZE,
        salt=hashlib.sha256(header_block).digest(),
        info=KEY_INFO_PREFIX + ephemeral_public + recipient_public,
    ).derive(shared)
    return AESGCM(okm[:32]), okm[32:]


def _nonce(prefix: bytes, index: int, final: bool) -> bytes:
    return prefix + struct.pack(">IB", index, 1 if final else 0)


def _with_file(source: Source, ctx: _Ctx, action: Callable[[BinaryIO], _T]) -> _T:
    """Run ``action(f)`` on the opened file (or on the given file object)."""
    if isinstance(source, str | os.PathLike):
        try:
            f = open(source, "rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            ctx.unreadable(exc)
        with f:
            return action(f)
    return action(source)


def read_header(source: Source) -> TransferHeader:
    """Read and validate the header only (no keys needed, the rest is not read).

    The header is not yet authenticated: use :func:`verify_transfer` before trusting it.
    """
    ctx = _Ctx(source)

    def action(f: BinaryIO) -> TransferHeader:
        return _read_header_block(_Reader(f, ctx))[0]

    return _with_file(source, ctx, action)


def verify_transfer(
    source: Source, site_public_keys: Mapping[str, SitePublicKey]
) -> TransferHeader:
    """Check the file's structure and its signature by the registered key of its site.

    ``site_public_keys`` maps site codes to the keys registered at this center. Returns
    the (now authenticated) header; raises :class:`TransferFileError` otherwise.
    """
    ctx = _Ctx(source)

    def action(f: BinaryIO) -> _Scanned:
        return _scan(f, ctx)

    scanned = _with_file(source, ctx, action)
    _check_signature(scanned, site_public_keys, ctx)
    return scanned.header


class OpenedTransfer(NamedTuple):
    """An authenticated header and an iterator over the decrypted payload chunks.

    The iterator authenticates each chunk before yielding it and raises
    :class:`TransferFileError` if the file turns out incomplete or changed while being
    read, so only act on the payload (e.g. commit a merge) after it is exhausted.
    """

    header: TransferHeader
    plaintext: Iterator[bytes]


def open_transfer(
    source: Source,
    center_private: CenterPrivateKey,
    site_public_keys: Mapping[str, SitePublicKey],
) -> OpenedTransfer:
    """Verify a transfer file for this center, then decrypt it chunk by chunk.

    Checks, in order: that it is a transfer file of a known version, that it was
    encrypted for ``center_private``, its whole structure and its signature by the
    registered key of its site. Only then is the plaintext iterator returned. A path is
    opened again by the iterator (and closed when it ends or is discarded); a file object
    must stay open and seekable until the iterator is exhausted.
    """
    ctx = _Ctx(source)

    def first_pass(f: BinaryIO) -> _Scanned:
        start = _tell(f, ctx)
        header, _ = _read_header_block(_Reader(f, ctx))
        _check_recipient(header, center_private, ctx)
        try:
            f.seek(start)
        except OSError as exc:
            ctx.unreadable(exc)
        return _scan(f, ctx)

    scanned = _with_file(source, ctx, first_pass)
    _check_signature(scanned, site_public_keys, ctx)
    header = scanned.header
    try:
        shared = center_private.x25519_private.exchange(
            X25519PublicKey.from_public_bytes(header.ephemeral_public_key)
        )
    except ValueError:
        _undecryptable(ctx)
    aead, prefix = _derive(
        scanned.header_block,
        header.ephemeral_public_key,
        center_private.public.x25519_public,
        shared,
    )

    def decrypt(f: BinaryIO) -> Iterator[bytes]:
        try:
            f.seek(scanned.start + len(scanned.header_block))
        except OSError as exc:
            ctx.unreadable(exc)
        r = _Reader(f, ctx)
        r.hash.update(scanned.header_block)
        r.offset = len(scanned.header_block)
        for kind, index, length in _records(r, header.chunk_size):
            ciphertext = r.exact(length, "inside its encrypted data")
            try:
                chunk = aead.decrypt(_nonce(prefix, index, kind == RECORD_FINAL), ciphertext, None)
            except InvalidTag:
                _undecryptable(ctx)
            if chunk:
                yield chunk
        if _read_trailer(r) != (scanned.digest, scanned.signature):
            ctx.altered("it changed while it was being read")

    def plaintext() -> Iterator[bytes]:
        if isinstance(source, str | os.PathLike):
            try:
                f = open(source, "rb")  # noqa: SIM115 - closed below
            except OSError as exc:
                ctx.unreadable(exc)
            with f:
                yield from decrypt(f)
        else:
            yield from decrypt(source)

    return OpenedTransfer(header, plaintext())


def _undecryptable(ctx: _Ctx) -> NoReturn:
    ctx.fail(
        TransferProblem.UNDECRYPTABLE,
        f"{ctx.subject} is correctly signed by {ctx.sender} but cannot be "
        "decrypted with this center's key. The sending program may be faulty: ask the site "
        "to export the file again, and report the problem if it happens again.",
    )


def unseal_transfer(
    data: bytes,
    center_private: CenterPrivateKey,
    site_public_keys: Mapping[str, SitePublicKey],
    *,
    name: str | None = None,
) -> tuple[TransferHeader, bytes]:
    """Bytes-level :func:`open_transfer`: returns the header and the whole payload."""
    stream = io.BytesIO(data)
    if name is not None:
        stream.name = name
    header, chunks = open_transfer(stream, center_private, site_public_keys)
    return header, b"".join(chunks)


# --------------------------------------------------------------------------- writing


def _make_header(
    *,
    site_key: SiteSigningKey,
    recipient: CenterPublicKey,
    study_id: str,
    study_version: str,
    sequence: int,
    package_id: uuid.UUID | None,
    created: datetime | None,
    chunk_size: int,
    ephemeral_public: bytes,
    rng: Rng,
) -> TransferHeader:
    check_study_token(study_id, "study id")
    check_study_token(study_version, "study version")
    if type(sequence) is not int or not 1 <= sequence <= MAX_SEQUENCE:
        raise InvalidExchangeParameter(
            f"The sequence number must be a whole number from 1 to {MAX_SEQUENCE}."
        )
    if type(chunk_size) is not int or not MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE:
        raise InvalidExchangeParameter(
            f"The chunk size must be from {MIN_CHUNK_SIZE} to {MAX_CHUNK_SIZE} bytes."
        )
    if package_id is None:
        package_id = uuid.UUID(bytes=random_bytes(rng, 16), version=4)
    return TransferHeader(
        site_code=site_key.site_code,
        package_id=package_id,
        sequence=sequence,
        created=normalize_created(created),
        study_id=study_id,
        study_version=study_version,
        site_key_fingerprint=site_key.fingerprint,
        recipient_fingerprint=recipient.fingerprint,
        chunk_size=chunk_size,
        ephemeral_public_key=ephemeral_public,
    )


def write_transfer(
    out: BinaryIO,
    payload_chunks: Iterable[bytes],
    *,
    site_key: SiteSigningKey,
    recipient: CenterPublicKey,
    study_id: str,
    study_version: str,
    sequence: int,
    package_id: uuid.UUID | None = None,
    created: datetime | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    ephemeral_key: X25519PrivateKey | None = None,
    rng: Rng = os.urandom,
) -> TransferHeader:
    """Encrypt ``payload_chunks`` (pieces of any size) for ``recipient``, sign, write.

    Writes sequentially to ``out`` (which need not be seekable) and holds at most about
    two chunks in memory. ``package_id`` (random UUID), ``created`` (now) and
    ``ephemeral_key`` (fresh) may be given to make the output reproducible; ``rng`` is
    the randomness used for whatever is not given. Errors of ``out`` (OSError) propagate;
    use :func:`write_transfer_file` for a file on disk.
    """
    if ephemeral_key is None:
        ephemeral_key = X25519PrivateKey.from_private_bytes(random_bytes(rng, 32))
    ephemeral_public = ephemeral_key.public_key().public_bytes_raw()
    header = _make_header(
        site_key=site_key,
        recipient=recipient,
        study_id=study_id,
        study_version=study_version,
        sequence=sequence,
        package_id=package_id,
        created=created,
        chunk_size=chunk_size,
        ephemeral_public=ephemeral_public,
        rng=rng,
    )
    try:
        shared = ephemeral_key.exchange(X25519PublicKey.from_public_bytes(recipient.x25519_public))
    except ValueError:
        raise InvalidExchangeParameter(
            "The coordinating center's public key is not usable; import its public key file again."
        ) from None
    block = _header_block(header)
    aead, prefix = _derive(block, ephemeral_public, recipient.x25519_public, shared)
    digest = hashlib.sha512()

    def emit(data: bytes) -> None:
        digest.update(data)
        out.write(data)

    index = 0

    def emit_chunk(plaintext: bytes, final: bool) -> None:
        nonlocal index
        if index >= MAX_CHUNKS:
            raise InvalidExchangeParameter("The payload is too large for one transfer file.")
        ciphertext = aead.encrypt(_nonce(prefix, index, final), plaintext, None)
        kind = RECORD_FINAL if final else RECORD_CHUNK
        emit(struct.pack(">BI", kind, len(ciphertext)))
        emit(ciphertext)
        index += 1

    emit(block)
    pending = bytearray()
    for piece in payload_chunks:
        view = memoryview(piece).cast("B")
        pos = 0
        while pos < len(view):
            if len(pending) == chunk_size:
                # More data follows, so the buffered full chunk is not the last one.
                emit_chunk(bytes(pending), final=False)
                pending.clear()
            take = min(chunk_size - len(pending), len(view) - pos)
            pending += view[pos : pos + take]
            pos += take
    emit_chunk(bytes(pending), final=True)
    emit(bytes([RECORD_SIGNATURE]))
    out.write(site_key.private_key.sign(SIGNATURE_CONTEXT + digest.digest()))
    return header


def write_transfer_file(
    path: PathLike,
    payload_chunks: Iterable[bytes],
    *,
    site_key: SiteSigningKey,
    recipient: CenterPublicKey,
    study_id: str,
    study_version: str,
    sequence: int,
    package_id: uuid.UUID | None = None,
    created: datetime | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    ephemeral_key: X25519PrivateKey | None = None,
    rng: Rng = os.urandom,
    overwrite: bool = False,
) -> TransferHeader:
    """:func:`write_transfer` into ``path`` atomically (temporary file, then rename).

    Refuses to replace an existing file unless ``overwrite``; disk errors become
    :class:`~rego_desktop.exchange.errors.ExchangeWriteError`.
    """
    headers: list[TransferHeader] = []

    def produce(out: BinaryIO) -> None:
        headers.append(
            write_transfer(
                out,
                payload_chunks,
                site_key=site_key,
                recipient=recipient,
                study_id=study_id,
                study_version=study_version,
                sequence=sequence,
                package_id=package_id,
                created=created,
                chunk_size=chunk_size,
                ephemeral_key=ephemeral_key,
                rng=rng,
            )
        )

    write_file_atomically(
        path, produce, overwrite=overwrite, private=False, what="The transfer file"
    )
    return headers[0]


def seal_transfer(
    payload: bytes,
    *,
    site_key: SiteSigningKey,
    recipient: CenterPublicKey,
    study_id: str,
    study_version: str,
    sequence: int,
    package_id: uuid.UUID | None = None,
    created: datetime | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    ephemeral_key: X25519PrivateKey | None = None,
    rng: Rng = os.urandom,
) -> bytes:
    """Bytes-level :func:`write_transfer`: the whole transfer file for ``payload``."""
    out = io.BytesIO()
    write_transfer(
        out,
        [payload],
        site_key=site_key,
        recipient=recipient,
        study_id=study_id,
        study_version=study_version,
        sequence=sequence,
        package_id=package_id,
        created=created,
        chunk_size=chunk_size,
        ephemeral_key=ephemeral_key,
        rng=rng,
    )
    return out.getvalue()
