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
all produce either a valid result or a :class:`TransferFileError`. The framing is shared
with the query file (:mod:`rego_desktop.exchange.framing`); this module holds what is the
transfer file's own: its constants, header, messages and site-key checks.
"""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO, Final, NamedTuple, NoReturn, TypeVar

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from rego_desktop.exchange._common import (
    PathLike,
    Rng,
    canonical_json,
    normalize_created,
    write_file_atomically,
)
from rego_desktop.exchange.errors import (
    InvalidExchangeParameter,
    TransferFileError,
    TransferProblem,
)
from rego_desktop.exchange.framing import DEFAULT_CHUNK_SIZE as DEFAULT_CHUNK_SIZE
from rego_desktop.exchange.framing import MAX_CHUNK_SIZE as MAX_CHUNK_SIZE
from rego_desktop.exchange.framing import MAX_HEADER_LENGTH as MAX_HEADER_LENGTH
from rego_desktop.exchange.framing import MAX_SEQUENCE as MAX_SEQUENCE
from rego_desktop.exchange.framing import MIN_CHUNK_SIZE as MIN_CHUNK_SIZE
from rego_desktop.exchange.framing import (
    BadHeader,
    FrameContext,
    FrameFormat,
    FrameProblem,
    Reader,
    check_canonical,
    check_header_parameters,
    common_header_json,
    named_stream,
    new_ephemeral_key,
    new_uuid,
    read_trailer,
    records,
    scan_chunks,
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
SIGNATURE_CONTEXT: Final = b"rego-transfer-v1 signature\x00"
KEY_INFO_PREFIX: Final = b"rego-transfer-v1 payload key\x00"
_FORMAT: Final = FrameFormat(MAGIC, FORMAT_VERSION, SIGNATURE_CONTEXT, KEY_INFO_PREFIX)

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

_T = TypeVar("_T")

Source = PathLike | BinaryIO
"""A transfer file: a path, or a binary file object open for reading (seekable)."""


# --------------------------------------------------------------------------- header


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
            **common_header_json(self),
            "package_id": str(self.package_id),
            "recipient_fingerprint": self.recipient_fingerprint,
        }

    def encode(self) -> bytes:
        """The canonical JSON bytes stored in the file."""
        return canonical_json(self.to_json_object())


def _parse_header(raw: bytes) -> TransferHeader:
    """Decode and validate header JSON; raises BadHeader with a short explanation."""
    fields = HeaderFields(raw, _HEADER_FIELDS, BadHeader)
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
    check_canonical(header.encode(), raw)
    return header


# --------------------------------------------------------------------------- reading


class _Ctx(FrameContext):
    """Names the transfer file in messages and builds its errors."""

    def __init__(self, source: object) -> None:
        super().__init__(source, "the transfer file")
        self.site: str | None = None

    @property
    def sender(self) -> str:
        return f"site {self.site}" if self.site else "the sending site"

    def error(self, problem: FrameProblem, message: str) -> TransferFileError:
        return TransferFileError(message, TransferProblem(problem.value), self.path)

    def fail(self, reason: TransferProblem, message: str) -> NoReturn:
        raise TransferFileError(message, reason, self.path)

    def empty(self) -> NoReturn:
        self.fail(
            TransferProblem.TRUNCATED,
            f"{self.subject} is empty (0 bytes). The copy probably failed; copy "
            "it again or ask the site to send it again.",
        )

    def wrong_magic(self, magic: bytes) -> NoReturn:
        self.fail(
            TransferProblem.NOT_A_TRANSFER_FILE,
            f"{f'The file {self.path}' if self.path else 'This file'} is not a rego-desktop "
            "transfer file. Choose the file that the site "
            "exported for the coordinating center.",
        )

    def unknown_version(self, version: int) -> NoReturn:
        self.fail(
            TransferProblem.UNKNOWN_VERSION,
            f"{self.subject} uses transfer format version {version}, which this "
            f"version of rego-desktop cannot read (it reads version {FORMAT_VERSION}). Update "
            "rego-desktop, or ask the site which version made the file.",
        )

    def undecryptable(self) -> NoReturn:
        self.fail(
            TransferProblem.UNDECRYPTABLE,
            f"{self.subject} is correctly signed by {self.sender} but cannot be "
            "decrypted with this center's key. The sending program may be faulty: ask the site "
            "to export the file again, and report the problem if it happens again.",
        )


def _read_header_block(r: Reader, ctx: _Ctx) -> tuple[TransferHeader, bytes]:
    """The header block; from then on, messages name the sending site."""
    header, block = _FORMAT.read_header_block(r, _parse_header)
    ctx.site = header.site_code
    return header, block


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
    r = Reader(f, ctx)
    header, block = _read_header_block(r, ctx)
    for _record in scan_chunks(r, header.chunk_size):
        pass
    digest, signature = read_trailer(r)
    return _Scanned(header, block, start, digest, signature)


def _check_signature(scanned: _Scanned, keys: Mapping[str, SitePublicKey], ctx: _Ctx) -> None:
    """Find the sending site's registered key and verify the signature with it."""
    header = scanned.header
    site, stated = header.site_code, header.site_key_fingerprint

    def verifies(key: SitePublicKey) -> bool:
        return _FORMAT.verifies(key.ed25519_public, scanned.signature, scanned.digest)

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
        return _read_header_block(Reader(f, ctx), ctx)[0]

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
        header, _ = _read_header_block(Reader(f, ctx), ctx)
        _check_recipient(header, center_private, ctx)
        try:
            f.seek(start)
        except OSError as exc:
            ctx.unreadable(exc)
        return _scan(f, ctx)

    scanned = _with_file(source, ctx, first_pass)
    _check_signature(scanned, site_public_keys, ctx)
    header = scanned.header
    cipher = _FORMAT.recipient_cipher(
        scanned.header_block,
        header.ephemeral_public_key,
        center_private.x25519_private,
        center_private.public.x25519_public,
        ctx,
    )

    def decrypt(f: BinaryIO) -> Iterator[bytes]:
        try:
            f.seek(scanned.start + len(scanned.header_block))
        except OSError as exc:
            ctx.unreadable(exc)
        r = Reader(f, ctx)
        r.hash.update(scanned.header_block)
        r.offset = len(scanned.header_block)
        for kind, index, length in records(r, header.chunk_size):
            ciphertext = r.exact(length, "inside its encrypted data")
            chunk = cipher.open(kind, index, ciphertext, ctx)
            if chunk:
                yield chunk
        if read_trailer(r) != (scanned.digest, scanned.signature):
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


def unseal_transfer(
    data: bytes,
    center_private: CenterPrivateKey,
    site_public_keys: Mapping[str, SitePublicKey],
    *,
    name: str | None = None,
) -> tuple[TransferHeader, bytes]:
    """Bytes-level :func:`open_transfer`: returns the header and the whole payload."""
    header, chunks = open_transfer(named_stream(data, name), center_private, site_public_keys)
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
    check_header_parameters(study_id, study_version, sequence, chunk_size)
    return TransferHeader(
        site_code=site_key.site_code,
        package_id=new_uuid(package_id, rng),
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
    ephemeral_key = new_ephemeral_key(ephemeral_key, rng)
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
    block = _FORMAT.header_block(header.encode())
    try:
        cipher = _FORMAT.sender_cipher(block, ephemeral_key, recipient.x25519_public)
    except ValueError:
        raise InvalidExchangeParameter(
            "The coordinating center's public key is not usable; import its public key file again."
        ) from None
    _FORMAT.write(
        out,
        block,
        payload_chunks,
        chunk_size=chunk_size,
        cipher=cipher,
        signer=site_key.private_key,
        too_large="The payload is too large for one transfer file.",
    )
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
