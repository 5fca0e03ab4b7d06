"""The framing shared by the transfer file and the query file.

Both formats (``docs/transfer-format.md``, ``docs/query-file.md``) are the same container
with other constants and another header::

    magic | u16 version | u32 header length | header (canonical JSON)
    chunk records: u8 type (0 = chunk, 1 = final chunk) | u32 length | AES-256-GCM ciphertext
    u8 type 2 | 64-byte Ed25519 signature over context || SHA-512(all bytes before it)

The payload key comes from X25519 between an ephemeral key (public half in the header)
and the recipient's key, through HKDF-SHA256 salted with SHA-256 of the header block;
chunk nonces are a 7-byte HKDF prefix, a u32 counter and the final-chunk flag (STREAM).

What differs between the formats is a :class:`FrameFormat` (magic, version, signature
and key contexts) and a :class:`FrameContext` subclass (how the file is named in
messages, who sent it, which error and problem enum a refusal becomes, and the messages
that name the format). The header classes and their fields stay with each format.
"""

from __future__ import annotations

import enum
import hashlib
import io
import struct
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO, Final, NamedTuple, NoReturn, Protocol, TypeVar

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from rego_desktop.exchange._common import (
    Rng,
    check_study_token,
    describe_source,
    format_timestamp,
    random_bytes,
)
from rego_desktop.exchange.errors import ExchangeError, InvalidExchangeParameter

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "MAX_CHUNKS",
    "MAX_CHUNK_SIZE",
    "MAX_HEADER_LENGTH",
    "MAX_SEQUENCE",
    "MIN_CHUNK_SIZE",
    "RECORD_CHUNK",
    "RECORD_FINAL",
    "RECORD_SIGNATURE",
    "BadHeader",
    "ChunkCipher",
    "ChunkRecord",
    "FrameContext",
    "FrameFormat",
    "FrameProblem",
    "Reader",
    "check_canonical",
    "check_header_parameters",
    "common_header_json",
    "named_stream",
    "new_ephemeral_key",
    "new_uuid",
    "read_trailer",
    "records",
    "scan_chunks",
]

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

_READ_BLOCK: Final = 1024 * 1024

_H = TypeVar("_H")


class BadHeader(ValueError):
    """A header that is not exactly what its format allows (short explanation)."""


class CommonHeader(Protocol):
    """The header fields both formats have (each adds its own ids and fingerprints)."""

    @property
    def site_code(self) -> str: ...
    @property
    def site_key_fingerprint(self) -> str: ...
    @property
    def sequence(self) -> int: ...
    @property
    def created(self) -> datetime: ...
    @property
    def study_id(self) -> str: ...
    @property
    def study_version(self) -> str: ...
    @property
    def chunk_size(self) -> int: ...
    @property
    def ephemeral_public_key(self) -> bytes: ...
    @property
    def format_version(self) -> int: ...


def common_header_json(header: CommonHeader) -> dict[str, Any]:
    """The shared fields of a header as stored (canonical JSON sorts the keys)."""
    return {
        "chunk_size": header.chunk_size,
        "created": format_timestamp(header.created),
        "ephemeral_public_key": header.ephemeral_public_key.hex(),
        "format_version": header.format_version,
        "sequence": header.sequence,
        "site_code": header.site_code,
        "site_key_fingerprint": header.site_key_fingerprint,
        "study_id": header.study_id,
        "study_version": header.study_version,
    }


def check_canonical(encoded: bytes, raw: bytes) -> None:
    """Refuse a header whose stored bytes ``raw`` are not its canonical ``encoded`` form."""
    if encoded != raw:
        raise BadHeader("the header is not in canonical form")


# --------------------------------------------------------------------------- refusals


class FrameProblem(enum.StrEnum):
    """The refusals the framing itself finds; each format's problem enum has these values."""

    TRUNCATED = "truncated"
    ALTERED = "altered"
    UNSIGNED = "unsigned"
    UNREADABLE = "unreadable"


class FrameContext(ABC):
    """Names one file in refusal messages and builds its format's errors."""

    def __init__(self, source: object, what: str) -> None:
        """``what`` names the format in a sentence, e.g. ``"the transfer file"``."""
        self.path = describe_source(source)
        self.object = f"{what} {self.path}" if self.path else what
        self.subject = self.object[0].upper() + self.object[1:]

    @property
    @abstractmethod
    def sender(self) -> str:
        """Who to ask for the file again, e.g. ``"the coordinating center"``."""

    @abstractmethod
    def error(self, problem: FrameProblem, message: str) -> ExchangeError:
        """The format's error for a refusal found by the framing."""

    @abstractmethod
    def empty(self) -> NoReturn:
        """Refuse a file of 0 bytes."""

    @abstractmethod
    def wrong_magic(self, magic: bytes) -> NoReturn:
        """Refuse a file that is not of this format (neither truncated nor mangled)."""

    @abstractmethod
    def unknown_version(self, version: int) -> NoReturn:
        """Refuse a file of a format version this program cannot read."""

    @abstractmethod
    def undecryptable(self) -> NoReturn:
        """Refuse a correctly signed file whose chunks do not decrypt with our key."""

    def truncated(self, where: str) -> NoReturn:
        """Refuse a file that ends early (``where``: e.g. "inside its header")."""
        raise self.error(
            FrameProblem.TRUNCATED,
            f"{self.subject} is incomplete: it ends {where}. The copy was "
            f"probably interrupted; copy the file again or ask {self.sender} to send it again.",
        )

    def altered(self, detail: str) -> NoReturn:
        """Refuse a file whose structure is damaged (``detail`` says how)."""
        raise self.error(
            FrameProblem.ALTERED,
            f"{self.subject} is damaged or was altered ({detail}). Do not use "
            f"it; ask {self.sender} to send it again.",
        )

    def unsigned(self) -> NoReturn:
        """Refuse a file that ends after its encrypted data, without a signature."""
        raise self.error(
            FrameProblem.UNSIGNED,
            f"{self.subject} has no signature, so who made it cannot be "
            "verified. It is incomplete or was not produced by rego-desktop. Do not use it; "
            f"ask {self.sender} to export and send it again.",
        )

    def unreadable(self, exc: OSError) -> NoReturn:
        """Refuse a file the operating system could not read."""
        raise self.error(
            FrameProblem.UNREADABLE,
            f"Could not read {self.object}: {exc.strerror or exc}. Check the "
            "file name and that the USB stick or folder is available.",
        ) from exc


# --------------------------------------------------------------------------- reading


class Reader:
    """Reads a file object, feeding a SHA-512 of everything read (unless told not to)."""

    def __init__(self, f: BinaryIO, ctx: FrameContext) -> None:
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
        """Exactly ``n`` bytes; a shorter file is refused as truncated ``where``."""
        data = self.some(n, hashed=hashed)
        if len(data) != n:
            self.ctx.truncated(where)
        return data

    def skip(self, n: int, where: str) -> None:
        """Read (and hash) ``n`` bytes without keeping them."""
        while n > 0:
            n -= len(self.exact(min(n, _READ_BLOCK), where))


def records(r: Reader, chunk_size: int) -> Iterator[tuple[int, int, int]]:
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


class ChunkRecord(NamedTuple):
    """Where one chunk's ciphertext is in the file."""

    kind: int
    number: int
    offset: int
    length: int


def scan_chunks(r: Reader, chunk_size: int) -> Iterator[ChunkRecord]:
    """Check and hash each chunk record, yielding where its ciphertext is (not kept)."""
    for kind, index, length in records(r, chunk_size):
        offset = r.offset
        r.skip(length, "inside its encrypted data")
        yield ChunkRecord(kind, index, offset, length)


def read_trailer(r: Reader) -> tuple[bytes, bytes]:
    """After the final chunk: the signature record. Returns (digest, signature)."""
    kind = r.some(1)
    if not kind:
        r.ctx.unsigned()
    if kind[0] != RECORD_SIGNATURE:
        r.ctx.altered(f"unexpected data after the encrypted data at byte {r.offset - 1}")
    digest = r.hash.digest()
    signature = r.exact(SIGNATURE_SIZE, "inside its signature", hashed=False)
    if r.some(1, hashed=False):
        r.ctx.altered(f"extra data after the signature at byte {r.offset - 1}")
    return digest, signature


# --------------------------------------------------------------------------- keys


@dataclass(frozen=True)
class ChunkCipher:
    """The payload key and nonce prefix of one file (STREAM nonces)."""

    aead: AESGCM
    prefix: bytes

    def nonce(self, index: int, final: bool) -> bytes:
        """The nonce of chunk ``index``."""
        return self.prefix + struct.pack(">IB", index, 1 if final else 0)

    def seal(self, index: int, final: bool, plaintext: bytes) -> bytes:
        """Encrypt chunk ``index``."""
        return self.aead.encrypt(self.nonce(index, final), plaintext, None)

    def open(self, kind: int, index: int, ciphertext: bytes, ctx: FrameContext) -> bytes:
        """Decrypt chunk ``index`` of record type ``kind``; refuses it if it does not."""
        try:
            return self.aead.decrypt(self.nonce(index, kind == RECORD_FINAL), ciphertext, None)
        except InvalidTag:
            ctx.undecryptable()


@dataclass(frozen=True)
class FrameFormat:
    """The constants that make one format of the container."""

    magic: bytes
    version: int
    signature_context: bytes
    key_info_prefix: bytes

    def header_block(self, raw: bytes) -> bytes:
        """Magic, version, length and the header's canonical JSON ``raw``."""
        return self.magic + struct.pack(">HI", self.version, len(raw)) + raw

    def read_header_block(self, r: Reader, parse: Callable[[bytes], _H]) -> tuple[_H, bytes]:
        """Read and check the header block; ``parse`` raises :class:`BadHeader`.

        Returns the header and the block's bytes (the HKDF salt's input).
        """
        ctx = r.ctx
        magic = r.some(len(self.magic))
        if not magic:
            ctx.empty()
        if magic != self.magic:
            if len(magic) < len(self.magic) and self.magic.startswith(magic):
                ctx.truncated("within its first bytes")
            if magic[:4] == self.magic[:4]:
                ctx.altered(
                    "its first bytes were changed, for example by a transfer in text mode that "
                    "converted line endings; send it as a binary attachment"
                )
            ctx.wrong_magic(magic)
        version_bytes = r.exact(2, "within its first bytes")
        (version,) = struct.unpack(">H", version_bytes)
        if version != self.version:
            ctx.unknown_version(version)
        length_bytes = r.exact(4, "within its first bytes")
        (length,) = struct.unpack(">I", length_bytes)
        if not 2 <= length <= MAX_HEADER_LENGTH:
            ctx.altered("its header length is impossible")
        raw = r.exact(length, "inside its header")
        try:
            header = parse(raw)
        except BadHeader as exc:
            ctx.altered(str(exc))
        return header, magic + version_bytes + length_bytes + raw

    def cipher(
        self, header_block: bytes, ephemeral_public: bytes, recipient_public: bytes, shared: bytes
    ) -> ChunkCipher:
        """The file's payload key and nonce prefix from the X25519 ``shared`` secret."""
        okm = HKDF(
            algorithm=SHA256(),
            length=32 + NONCE_PREFIX_SIZE,
            salt=hashlib.sha256(header_block).digest(),
            info=self.key_info_prefix + ephemeral_public + recipient_public,
        ).derive(shared)
        return ChunkCipher(AESGCM(okm[:32]), okm[32:])

    def sender_cipher(
        self, header_block: bytes, ephemeral_key: X25519PrivateKey, recipient_public: bytes
    ) -> ChunkCipher:
        """The writer's cipher; ``ValueError`` if ``recipient_public`` is not usable."""
        shared = ephemeral_key.exchange(X25519PublicKey.from_public_bytes(recipient_public))
        ephemeral_public = ephemeral_key.public_key().public_bytes_raw()
        return self.cipher(header_block, ephemeral_public, recipient_public, shared)

    def recipient_cipher(
        self,
        header_block: bytes,
        ephemeral_public: bytes,
        private: X25519PrivateKey,
        recipient_public: bytes,
        ctx: FrameContext,
    ) -> ChunkCipher:
        """The reader's cipher; an unusable ephemeral key is refused as undecryptable."""
        try:
            shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
        except ValueError:
            ctx.undecryptable()
        return self.cipher(header_block, ephemeral_public, recipient_public, shared)

    def verifies(self, public_key: bytes, signature: bytes, digest: bytes) -> bool:
        """Whether ``signature`` is the Ed25519 signature of ``public_key`` over the file."""
        try:
            Ed25519PublicKey.from_public_bytes(public_key).verify(
                signature, self.signature_context + digest
            )
        except (InvalidSignature, ValueError):
            return False
        return True

    def write(
        self,
        out: BinaryIO,
        header_block: bytes,
        payload: Iterable[bytes],
        *,
        chunk_size: int,
        cipher: ChunkCipher,
        signer: Ed25519PrivateKey,
        too_large: str,
    ) -> None:
        """Write the header block, the payload in chunks, and the signature to ``out``.

        ``payload`` pieces may be of any size; at most about two chunks are held in
        memory. More than :data:`MAX_CHUNKS` chunks raise ``InvalidExchangeParameter``
        with the message ``too_large``.
        """
        digest = hashlib.sha512()

        def emit(data: bytes) -> None:
            digest.update(data)
            out.write(data)

        index = 0

        def emit_chunk(plaintext: bytes, final: bool) -> None:
            nonlocal index
            if index >= MAX_CHUNKS:
                raise InvalidExchangeParameter(too_large)
            ciphertext = cipher.seal(index, final, plaintext)
            kind = RECORD_FINAL if final else RECORD_CHUNK
            emit(struct.pack(">BI", kind, len(ciphertext)))
            emit(ciphertext)
            index += 1

        emit(header_block)
        pending = bytearray()
        for piece in payload:
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
        out.write(signer.sign(self.signature_context + digest.digest()))


# --------------------------------------------------------------------------- writing


def check_header_parameters(
    study_id: str, study_version: str, sequence: int, chunk_size: int
) -> None:
    """Refuse (``InvalidExchangeParameter``) header values a writer was given out of range."""
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


def named_stream(data: bytes, name: str | None) -> io.BytesIO:
    """``data`` as a file object, named ``name`` in refusal messages (if given)."""
    stream = io.BytesIO(data)
    if name is not None:
        stream.name = name
    return stream


def new_uuid(given: uuid.UUID | None, rng: Rng) -> uuid.UUID:
    """``given``, or a random (version 4) UUID from ``rng``."""
    return given if given is not None else uuid.UUID(bytes=random_bytes(rng, 16), version=4)


def new_ephemeral_key(given: X25519PrivateKey | None, rng: Rng) -> X25519PrivateKey:
    """``given``, or a fresh X25519 key from ``rng``."""
    if given is not None:
        return given
    return X25519PrivateKey.from_private_bytes(random_bytes(rng, 32))
