"""The query file: data queries from the coordinating center to one site, by file.

The center writes it with :func:`write_query_file`; the site reads it with
:func:`open_query_file`. It is the transfer file's container (the framing both share:
header block, chunk records, nonces, signature, trailer, is ``framing.py``) with the roles
swapped: signed by the **center's** Ed25519 key, encrypted to the **site's** X25519 key (from its
version 2 site public key file). Layout (big-endian; ``docs/query-file.md`` is the
byte-level specification, with test vectors)::

    magic "\\x89RGQ\\r\\n\\x1a\\n" | u16 version=1 | u32 header length | header (canonical JSON)
    chunk records: u8 type (0 = chunk, 1 = final chunk) | u32 length | AES-256-GCM ciphertext
    u8 type 2 | 64-byte Ed25519 signature over
        "rego-query-v1 signature\\0" || SHA-512(all bytes before the signature)

The key comes from X25519 between an ephemeral key (public half in the header) and the
site's X25519 key through HKDF-SHA256 salted with SHA-256 of the header block; chunk
nonces are the transfer file's (7-byte HKDF prefix, u32 counter, final flag).

The plaintext is one canonical JSON object (see :class:`QueryFileContent`) carrying no
identifying data: subject codes, form and field ids, entry ids, the query text (and a
de-identified value at the center, e.g. a study day) and each query's history.

The sequence number (per site, from 1) and the file id are in the authenticated header;
refusing an older sequence or a replay needs the site's database and is done by the
site's import (:mod:`rego_desktop.services.center_queries`). Any bytes at all produce
either a valid :class:`OpenedQueryFile` or a :class:`QueryFileError`.
"""

from __future__ import annotations

import enum
import hashlib
import io
import os
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO, Final, NoReturn

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from rego_desktop.exchange import framing
from rego_desktop.exchange._common import (
    JsonFormatError,
    PathLike,
    Rng,
    canonical_json,
    format_timestamp,
    load_json_object,
    normalize_created,
    parse_timestamp,
    write_file_atomically,
)
from rego_desktop.exchange.container import MAGIC as TRANSFER_MAGIC
from rego_desktop.exchange.errors import (
    ExchangeError,
    InvalidExchangeParameter,
)
from rego_desktop.exchange.framing import DEFAULT_CHUNK_SIZE as DEFAULT_CHUNK_SIZE
from rego_desktop.exchange.framing import MAX_CHUNK_SIZE, MAX_CHUNKS, MAX_SEQUENCE, MIN_CHUNK_SIZE
from rego_desktop.exchange.framing import MAX_HEADER_LENGTH as MAX_HEADER_LENGTH
from rego_desktop.exchange.header_fields import HeaderFields
from rego_desktop.exchange.keys import (
    CenterPrivateKey,
    CenterPublicKey,
    SitePublicKey,
    SiteSigningKey,
)

__all__ = [
    "CONTENT_FORMAT",
    "CONTENT_VERSION",
    "DEFAULT_CHUNK_SIZE",
    "FORMAT_VERSION",
    "MAGIC",
    "QUERY_ID_RE",
    "HistoryEvent",
    "OpenedQueryFile",
    "QueryFileContent",
    "QueryFileError",
    "QueryFileHeader",
    "QueryFileProblem",
    "QueryItem",
    "open_query_file",
    "read_query_header",
    "seal_query_file",
    "unseal_query_file",
    "write_query_file",
]

MAGIC: Final = b"\x89RGQ\r\n\x1a\n"
FORMAT_VERSION: Final = 1
MAX_PLAINTEXT: Final = 64 * 1024 * 1024
"""A query file's content never comes near this (1,000 queries are about 1 MB)."""
SIGNATURE_CONTEXT: Final = b"rego-query-v1 signature\x00"
KEY_INFO_PREFIX: Final = b"rego-query-v1 payload key\x00"
_FORMAT: Final = framing.FrameFormat(MAGIC, FORMAT_VERSION, SIGNATURE_CONTEXT, KEY_INFO_PREFIX)
CONTENT_FORMAT: Final = "rego-center-queries"
CONTENT_VERSION: Final = 1
MAX_TEXT: Final = 4000
MAX_HISTORY: Final = 1000
QUERY_ID_RE: Final = re.compile(r"Q[0-9]{6,12}")
SUBJECT_RE: Final = re.compile(r"[A-Z0-9]{2,8}-[0-9]{3,6}")
IDENT_RE: Final = re.compile(r"[a-z][a-z0-9_]{0,39}")
ENTRY_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")
RULE_RE: Final = re.compile(r"[a-z][a-z0-9_.]{0,39}")
STATUSES: Final = ("open", "answered", "closed")
SEVERITIES: Final = ("error", "deviation", "warning")
EVENTS: Final = ("raised", "answered", "corrected", "closed", "reopened")

_HEADER_FIELDS: Final = frozenset(
    {
        "format_version",
        "center_fingerprint",
        "site_code",
        "site_key_fingerprint",
        "sequence",
        "file_id",
        "created",
        "study_id",
        "study_version",
        "chunk_size",
        "ephemeral_public_key",
    }
)
_CONTENT_FIELDS: Final = frozenset(
    {"format", "version", "site_code", "sequence", "file_id", "queries"}
)
_QUERY_FIELDS: Final = frozenset(
    {
        "id",
        "revision",
        "subject",
        "form",
        "entry",
        "field",
        "rule",
        "severity",
        "status",
        "text",
        "text_zh",
        "center_value",
        "history",
    }
)
_EVENT_FIELDS: Final = frozenset({"at", "event", "by", "text"})


class QueryFileProblem(enum.StrEnum):
    """Why a query file was refused (``QueryFileError.reason``)."""

    NOT_A_QUERY_FILE = "not_a_query_file"
    UNKNOWN_VERSION = "unknown_version"
    TRUNCATED = "truncated"
    UNSIGNED = "unsigned"
    ALTERED = "altered"
    BAD_SIGNATURE = "bad_signature"
    UNKNOWN_CENTER = "unknown_center"
    """Signed by another center key than the one the site registered at set-up."""
    WRONG_SITE = "wrong_site"
    """Made for another site (or another key of this site)."""
    UNDECRYPTABLE = "undecryptable"
    UNREADABLE = "unreadable"
    MALFORMED_CONTENT = "malformed_content"
    OLDER_SEQUENCE = "older_sequence"
    """Older than a query file the site has already imported."""
    REPLAY = "replay"
    """This very file (or another with the same number) was imported before."""
    WRONG_STUDY = "wrong_study"


class QueryFileError(ExchangeError):
    """A query file was refused; nothing from it was used."""

    def __init__(
        self, message: str, reason: QueryFileProblem, path: str | None = None, zh: str | None = None
    ) -> None:
        super().__init__(message, zh)
        self.reason = reason
        self.path = path


# --------------------------------------------------------------------------- content


@dataclass(frozen=True)
class HistoryEvent:
    at: datetime
    event: str
    by: str
    text: str | None

    def to_json_object(self) -> dict[str, Any]:
        return {
            "at": format_timestamp(self.at),
            "by": self.by,
            "event": self.event,
            "text": self.text,
        }


@dataclass(frozen=True)
class QueryItem:
    """One query as the center states it (its newest revision)."""

    id: str
    revision: int
    subject: str
    form: str | None
    entry: str | None
    field: str | None
    rule: str | None
    severity: str | None
    status: str
    text: str
    text_zh: str | None
    center_value: str | None
    history: tuple[HistoryEvent, ...]

    def to_json_object(self) -> dict[str, Any]:
        return {
            "center_value": self.center_value,
            "entry": self.entry,
            "field": self.field,
            "form": self.form,
            "history": [e.to_json_object() for e in self.history],
            "id": self.id,
            "revision": self.revision,
            "rule": self.rule,
            "severity": self.severity,
            "status": self.status,
            "subject": self.subject,
            "text": self.text,
            "text_zh": self.text_zh,
        }


@dataclass(frozen=True)
class QueryFileContent:
    site_code: str
    sequence: int
    file_id: uuid.UUID
    queries: tuple[QueryItem, ...]

    def to_json_object(self) -> dict[str, Any]:
        return {
            "file_id": str(self.file_id),
            "format": CONTENT_FORMAT,
            "queries": [q.to_json_object() for q in self.queries],
            "sequence": self.sequence,
            "site_code": self.site_code,
            "version": CONTENT_VERSION,
        }

    def encode(self) -> bytes:
        return canonical_json(self.to_json_object())


class QueryContentError(ValueError):
    pass


def _text(value: object, what: str, *, optional: bool = False, limit: int = MAX_TEXT) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise QueryContentError(f"{what} is not a text of 1-{limit} characters")
    if any(ord(c) < 0x20 and c not in "\n\t" for c in value):
        raise QueryContentError(f"{what} contains control characters")
    return value


def _pattern(value: object, pattern: re.Pattern[str], what: str, *, optional: bool) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or pattern.fullmatch(value) is None:
        raise QueryContentError(f"{what} is not valid")
    return value


def _choice(value: object, allowed: Sequence[str], what: str, *, optional: bool) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or value not in allowed:
        raise QueryContentError(f"{what} is not one of {', '.join(allowed)}")
    return value


def _event(obj: object, where: str) -> HistoryEvent:
    if not isinstance(obj, dict) or obj.keys() != _EVENT_FIELDS:
        raise QueryContentError(f"an event of {where} does not have the expected fields")
    try:
        at = parse_timestamp(obj["at"]) if isinstance(obj["at"], str) else None
    except ValueError:
        at = None
    if at is None:
        raise QueryContentError(f"an event of {where} has an invalid time")
    event = _choice(obj["event"], EVENTS, f"an event of {where}", optional=False)
    by = _text(obj["by"], f"who acted in {where}", limit=200)
    assert event is not None
    assert by is not None
    return HistoryEvent(at, event, by, _text(obj["text"], f"a text of {where}", optional=True))


def _query(obj: object, site_code: str) -> QueryItem:
    if not isinstance(obj, dict) or obj.keys() != _QUERY_FIELDS:
        raise QueryContentError("a query does not have the expected fields")
    qid = _pattern(obj["id"], QUERY_ID_RE, "a query id", optional=False)
    assert qid is not None
    where = f"query {qid}"
    revision = obj["revision"]
    if type(revision) is not int or not 1 <= revision <= MAX_SEQUENCE:
        raise QueryContentError(f"the revision of {where} is out of range")
    subject = _pattern(obj["subject"], SUBJECT_RE, f"the subject of {where}", optional=False)
    assert subject is not None
    if not subject.startswith(site_code + "-"):
        raise QueryContentError(f"{where} names a subject of another site")
    form = _pattern(obj["form"], IDENT_RE, f"the form of {where}", optional=True)
    entry = _pattern(obj["entry"], ENTRY_RE, f"the entry of {where}", optional=True)
    field = _pattern(obj["field"], IDENT_RE, f"the field of {where}", optional=True)
    if form is None and (entry is not None or field is not None):
        raise QueryContentError(f"{where} names an entry or field without a form")
    history_obj = obj["history"]
    if not isinstance(history_obj, list) or not 1 <= len(history_obj) <= MAX_HISTORY:
        raise QueryContentError(f"the history of {where} is not a list of 1-{MAX_HISTORY} events")
    history = tuple(_event(e, where) for e in history_obj)
    if history[0].event != "raised":
        raise QueryContentError(f"the history of {where} does not start with its raising")
    status = _choice(obj["status"], STATUSES, f"the status of {where}", optional=False)
    text = _text(obj["text"], f"the text of {where}")
    assert status is not None
    assert text is not None
    return QueryItem(
        id=qid,
        revision=revision,
        subject=subject,
        form=form,
        entry=entry,
        field=field,
        rule=_pattern(obj["rule"], RULE_RE, f"the rule of {where}", optional=True),
        severity=_choice(obj["severity"], SEVERITIES, f"the severity of {where}", optional=True),
        status=status,
        text=text,
        text_zh=_text(obj["text_zh"], f"the Chinese text of {where}", optional=True),
        center_value=_text(obj["center_value"], f"the value of {where}", optional=True, limit=400),
        history=history,
    )


def parse_content(data: bytes, header: QueryFileHeader) -> QueryFileContent:
    """Validate the decrypted content against its (authenticated) header."""
    try:
        obj = load_json_object(data)
    except JsonFormatError as exc:
        raise QueryContentError(f"it is not valid ({exc})") from None
    if obj.get("format") != CONTENT_FORMAT:
        raise QueryContentError("it is not a list of center queries")
    if obj.get("version") != CONTENT_VERSION or type(obj.get("version")) is not int:
        raise QueryContentError(f"its content version {obj.get('version')!a} is unknown")
    if obj.keys() != _CONTENT_FIELDS:
        raise QueryContentError("it does not have the expected fields")
    if (obj["site_code"], obj["sequence"], obj["file_id"]) != (
        header.site_code,
        header.sequence,
        str(header.file_id),
    ) or type(obj["sequence"]) is not int:
        raise QueryContentError("it names another site, sequence number or file than its header")
    if not isinstance(obj["queries"], list):
        raise QueryContentError("its queries are not a list")
    queries = tuple(_query(q, header.site_code) for q in obj["queries"])
    ids = [q.id for q in queries]
    if len(set(ids)) != len(ids):
        raise QueryContentError("it lists a query twice")
    content = QueryFileContent(header.site_code, header.sequence, header.file_id, queries)
    if content.encode() != data:
        raise QueryContentError("it is not in canonical form")
    return content


# --------------------------------------------------------------------------- header


@dataclass(frozen=True)
class QueryFileHeader:
    """The plaintext header (nothing clinical): who made it, for whom, which number."""

    center_fingerprint: str
    site_code: str
    site_key_fingerprint: str
    sequence: int
    file_id: uuid.UUID
    created: datetime
    study_id: str
    study_version: str
    chunk_size: int
    ephemeral_public_key: bytes
    format_version: int = FORMAT_VERSION

    def to_json_object(self) -> dict[str, Any]:
        return {
            **framing.common_header_json(self),
            "center_fingerprint": self.center_fingerprint,
            "file_id": str(self.file_id),
        }

    def encode(self) -> bytes:
        return canonical_json(self.to_json_object())


def _parse_header(raw: bytes) -> QueryFileHeader:
    fields = HeaderFields(raw, _HEADER_FIELDS, framing.BadHeader)
    integer, fingerprint = fields.integer, fields.fingerprint
    site_code, study_id, study_version = fields.site_and_study()
    file_id = fields.uuid("file_id", "file id")
    created = fields.created()
    header = QueryFileHeader(
        center_fingerprint=fingerprint("center_fingerprint"),
        site_code=site_code,
        site_key_fingerprint=fingerprint("site_key_fingerprint"),
        sequence=integer("sequence", 1, MAX_SEQUENCE),
        file_id=file_id,
        created=created,
        study_id=study_id,
        study_version=study_version,
        chunk_size=integer("chunk_size", MIN_CHUNK_SIZE, MAX_CHUNK_SIZE),
        ephemeral_public_key=fields.ephemeral_key(),
        format_version=integer("format_version", FORMAT_VERSION, FORMAT_VERSION),
    )
    framing.check_canonical(header.encode(), raw)
    return header


# --------------------------------------------------------------------------- reading

_ZH: Final[dict[QueryFileProblem, str]] = {
    QueryFileProblem.NOT_A_QUERY_FILE: (
        "该文件不是协调中心的质疑文件。请选择协调中心发送的质疑文件。"
    ),
    QueryFileProblem.UNKNOWN_VERSION: (
        "该质疑文件的格式版本过新，本软件无法读取。请更新 rego-desktop。"
    ),
    QueryFileProblem.TRUNCATED: (
        "该质疑文件不完整（复制可能被中断）。请重新复制，或请协调中心重新发送。"
    ),
    QueryFileProblem.UNSIGNED: (
        "该质疑文件没有签名，无法确认来源。请勿使用；请协调中心重新导出并发送。"
    ),
    QueryFileProblem.ALTERED: ("该质疑文件已损坏或被篡改。请勿使用；请协调中心重新发送。"),
    QueryFileProblem.BAD_SIGNATURE: (
        "该质疑文件的签名无效：文件在签名后被修改，或并非由协调中心签名。请勿使用。"
    ),
    QueryFileProblem.UNKNOWN_CENTER: (
        "该质疑文件并非由本站点设置时登记的协调中心密钥签名。请勿使用；请致电协调中心核实。"
    ),
    QueryFileProblem.WRONG_SITE: (
        "该质疑文件是发给其他站点（或本站点的其他密钥）的，不能在此导入。"
    ),
    QueryFileProblem.UNDECRYPTABLE: (
        "该质疑文件签名有效，但无法用本站点的密钥解密。请协调中心重新导出。"
    ),
    QueryFileProblem.UNREADABLE: ("无法读取该质疑文件。请检查文件名以及U盘或文件夹是否可用。"),
    QueryFileProblem.MALFORMED_CONTENT: (
        "该质疑文件签名有效，但内容不符合格式，未被使用。请协调中心重新导出。"
    ),
    QueryFileProblem.OLDER_SEQUENCE: (
        "该质疑文件比本站点已导入的质疑文件更旧，未被使用；其内容已包含在较新的文件中。"
    ),
    QueryFileProblem.REPLAY: "该质疑文件已经导入过，未作任何更改。",
    QueryFileProblem.WRONG_STUDY: ("该质疑文件属于另一个研究或研究版本，不能在此导入。"),
}


def chinese(reason: QueryFileProblem) -> str:
    """The Chinese message for a refusal reason."""
    return _ZH[reason]


class _QueryCtx(framing.FrameContext):
    """Names a query file in messages and builds its errors (with their Chinese text)."""

    def __init__(self, source: object) -> None:
        super().__init__(source, "the query file")

    @property
    def sender(self) -> str:
        return "the coordinating center"

    def error(self, problem: framing.FrameProblem, message: str) -> QueryFileError:
        reason = QueryFileProblem(problem.value)
        return QueryFileError(message, reason, self.path, zh=_ZH[reason])

    def refuse(self, reason: QueryFileProblem, message: str) -> NoReturn:
        raise QueryFileError(message, reason, self.path, zh=_ZH[reason])

    def empty(self) -> NoReturn:
        self.refuse(
            QueryFileProblem.TRUNCATED,
            f"{self.subject} is empty (0 bytes). The copy probably failed; copy it again or "
            "ask the coordinating center to send it again.",
        )

    def wrong_magic(self, magic: bytes) -> NoReturn:
        name = f"The file {self.path}" if self.path else "This file"
        if magic == TRANSFER_MAGIC:
            self.refuse(
                QueryFileProblem.NOT_A_QUERY_FILE,
                f"{name} is a transfer file (data a site sends to the coordinating center), "
                "not a query file. Choose the query file (.rgq) the center sent to this site.",
            )
        self.refuse(
            QueryFileProblem.NOT_A_QUERY_FILE,
            f"{name} is not a query file of the coordinating center. Choose the query file "
            "(.rgq) the center sent to this site.",
        )

    def unknown_version(self, version: int) -> NoReturn:
        self.refuse(
            QueryFileProblem.UNKNOWN_VERSION,
            f"{self.subject} uses query file format version {version}, which this version of "
            f"rego-desktop cannot read (it reads version {FORMAT_VERSION}). Update rego-desktop.",
        )

    def undecryptable(self) -> NoReturn:
        self.refuse(
            QueryFileProblem.UNDECRYPTABLE,
            f"{self.subject} is correctly signed by the coordinating center but cannot be "
            "decrypted with this site's key. Ask the center to export it again with this "
            "site's current public key file.",
        )


def _with_file(source: PathLike | BinaryIO, ctx: _QueryCtx) -> bytes:
    """The whole file (query files are small): read once, verified and decrypted in memory."""
    try:
        if isinstance(source, str | os.PathLike):
            with open(source, "rb") as f:
                data = f.read(MAX_PLAINTEXT * 2 + 1)
        else:
            data = source.read(MAX_PLAINTEXT * 2 + 1)
    except OSError as exc:
        ctx.unreadable(exc)
    if len(data) > MAX_PLAINTEXT * 2:
        ctx.refuse(
            QueryFileProblem.NOT_A_QUERY_FILE,
            f"{ctx.subject} is far too large to be a query file. Choose the query file the "
            "coordinating center sent.",
        )
    return data


def read_query_header(source: PathLike | BinaryIO) -> QueryFileHeader:
    """The header only, not yet authenticated (to show which site and number a file is)."""
    ctx = _QueryCtx(source)
    r = framing.Reader(io.BytesIO(_with_file(source, ctx)), ctx)
    return _FORMAT.read_header_block(r, _parse_header)[0]


@dataclass(frozen=True)
class OpenedQueryFile:
    header: QueryFileHeader
    content: QueryFileContent
    file_sha256: str


def open_query_file(
    source: PathLike | BinaryIO,
    center: CenterPublicKey,
    site_key: SiteSigningKey,
    *,
    study_id: str | None = None,
    study_version: str | None = None,
) -> OpenedQueryFile:
    """Verify a query file (center signature, this site, structure), then decrypt it.

    Checks, in order: a query file of a known version; made for this site and this
    site's key; signed by ``center`` (the key the site registered at set-up); its whole
    structure and signature; then decrypts and validates the content. With
    ``study_id`` / ``study_version``, also that it is for this study.
    """
    ctx = _QueryCtx(source)
    data = _with_file(source, ctx)
    r = framing.Reader(io.BytesIO(data), ctx)
    header, block = _FORMAT.read_header_block(r, _parse_header)
    site = site_key.site_code
    if header.site_code != site:
        ctx.refuse(
            QueryFileProblem.WRONG_SITE,
            f"{ctx.subject} is for site {header.site_code}, not for this site ({site}). Nothing "
            "was imported; give it to the right site.",
        )
    if header.site_key_fingerprint != site_key.fingerprint:
        ctx.refuse(
            QueryFileProblem.WRONG_SITE,
            f"{ctx.subject} was encrypted for another key of site {site} (fingerprint "
            f"{header.site_key_fingerprint}; this site's key is {site_key.fingerprint}). Ask the "
            "coordinating center to register this site's current public key file and export "
            "the queries again.",
        )
    if header.center_fingerprint != center.fingerprint:
        ctx.refuse(
            QueryFileProblem.UNKNOWN_CENTER,
            f"{ctx.subject} was made with the key of a coordinating center (fingerprint "
            f"{header.center_fingerprint}) that is not the one this site registered at set-up "
            f"({center.fingerprint}). Do not use it; call the coordinating center to check.",
        )
    if (study_id, study_version) != (None, None) and (header.study_id, header.study_version) != (
        study_id,
        study_version,
    ):
        ctx.refuse(
            QueryFileProblem.WRONG_STUDY,
            f"{ctx.subject} is for study {header.study_id} {header.study_version}, but this "
            f"database holds study {study_id} {study_version}. Nothing was imported.",
        )
    records = list(framing.scan_chunks(r, header.chunk_size))
    digest, signature = framing.read_trailer(r)
    if not _FORMAT.verifies(center.ed25519_public, signature, digest):
        ctx.refuse(
            QueryFileProblem.BAD_SIGNATURE,
            f"{ctx.subject} does not carry a valid signature of the coordinating center: it was "
            "altered after it was signed, or not made by the center. Do not use it; ask the "
            "center to send it again.",
        )
    private = site_key.x25519_private()
    cipher = _FORMAT.recipient_cipher(
        block,
        header.ephemeral_public_key,
        private,
        private.public_key().public_bytes_raw(),
        ctx,
    )
    parts: list[bytes] = []
    total = 0
    for record in records:
        ciphertext = data[record.offset : record.offset + record.length]
        chunk = cipher.open(record.kind, record.number, ciphertext, ctx)
        total += len(chunk)
        if total > MAX_PLAINTEXT:
            _malformed(ctx, "it is far too large")
        parts.append(chunk)
    try:
        content = parse_content(b"".join(parts), header)
    except QueryContentError as exc:
        _malformed(ctx, str(exc))
    return OpenedQueryFile(header, content, hashlib.sha256(data).hexdigest())


def _malformed(ctx: _QueryCtx, detail: str) -> NoReturn:
    ctx.refuse(
        QueryFileProblem.MALFORMED_CONTENT,
        f"{ctx.subject} is correctly signed by the coordinating center but its content is not "
        f"valid: {detail}. It was not used; ask the center to export it again, and report the "
        "problem if it happens again.",
    )


def unseal_query_file(
    data: bytes, center: CenterPublicKey, site_key: SiteSigningKey, *, name: str | None = None
) -> OpenedQueryFile:
    """Bytes-level :func:`open_query_file`."""
    return open_query_file(framing.named_stream(data, name), center, site_key)


# --------------------------------------------------------------------------- writing


def write_query_file(
    out: BinaryIO,
    queries: Sequence[QueryItem],
    *,
    center: CenterPrivateKey,
    site: SitePublicKey,
    study_id: str,
    study_version: str,
    sequence: int,
    file_id: uuid.UUID | None = None,
    created: datetime | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    ephemeral_key: X25519PrivateKey | None = None,
    rng: Rng = os.urandom,
) -> QueryFileHeader:
    """Encrypt ``queries`` for ``site``, sign with the center's key and write to ``out``.

    ``file_id``, ``created`` and ``ephemeral_key`` may be given to make the output
    reproducible (test vectors); otherwise they are random / now / fresh.
    """
    if site.x25519_public is None:
        raise InvalidExchangeParameter(
            f"Site {site.site_code}'s registered key file has no encryption key (it is a "
            "version 1 file), so queries cannot be sent to it. Ask the site for its current "
            "public key file (rego-desktop site-key) and register it "
            "(rego-center replace-site-key)."
        )
    framing.check_header_parameters(study_id, study_version, sequence, chunk_size)
    file_id = framing.new_uuid(file_id, rng)
    ephemeral_key = framing.new_ephemeral_key(ephemeral_key, rng)
    ephemeral_public = ephemeral_key.public_key().public_bytes_raw()
    header = QueryFileHeader(
        center_fingerprint=center.fingerprint,
        site_code=site.site_code,
        site_key_fingerprint=site.fingerprint,
        sequence=sequence,
        file_id=file_id,
        created=normalize_created(created),
        study_id=study_id,
        study_version=study_version,
        chunk_size=chunk_size,
        ephemeral_public_key=ephemeral_public,
    )
    content = QueryFileContent(site.site_code, sequence, file_id, tuple(queries))
    try:
        parsed = parse_content(content.encode(), header)
    except QueryContentError as exc:
        raise InvalidExchangeParameter(f"The queries cannot be written: {exc}.") from None
    plaintext = parsed.encode()
    too_large = "Too many queries for one query file."
    if max(1, -(-len(plaintext) // chunk_size)) > MAX_CHUNKS:
        raise InvalidExchangeParameter(too_large)
    block = _FORMAT.header_block(header.encode())
    _FORMAT.write(
        out,
        block,
        [plaintext],
        chunk_size=chunk_size,
        cipher=_FORMAT.sender_cipher(block, ephemeral_key, site.x25519_public),
        signer=center.ed25519_private,
        too_large=too_large,
    )
    return header


def write_query_file_to(
    path: PathLike, queries: Sequence[QueryItem], *, overwrite: bool = False, **kwargs: Any
) -> QueryFileHeader:
    """:func:`write_query_file` into ``path`` atomically (temporary file, then rename)."""
    headers: list[QueryFileHeader] = []

    def produce(out: BinaryIO) -> None:
        headers.append(write_query_file(out, queries, **kwargs))

    write_file_atomically(path, produce, overwrite=overwrite, private=False, what="The query file")
    return headers[0]


def seal_query_file(queries: Sequence[QueryItem], **kwargs: Any) -> bytes:
    """Bytes-level :func:`write_query_file`."""
    out = io.BytesIO()
    write_query_file(out, queries, **kwargs)
    return out.getvalue()
