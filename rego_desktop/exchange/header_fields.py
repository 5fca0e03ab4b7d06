"""Strict reading of a container header's JSON fields, shared by the transfer file and
the query file (docs/transfer-format.md, docs/query-file.md): printable ASCII, exactly
the expected keys, typed values in range. Every problem raises the caller's exception
with a short explanation that goes into the refusal message."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from rego_desktop.exchange._common import (
    JsonFormatError,
    check_site_code,
    check_study_token,
    is_lower_hex,
    load_json_object,
    parse_timestamp,
)
from rego_desktop.exchange.errors import InvalidExchangeParameter
from rego_desktop.exchange.keys import FINGERPRINT_RE


class HeaderFields:
    """The fields of one header; raises ``error`` (a ``ValueError`` subclass) for
    anything that is not exactly what the format allows."""

    def __init__(self, raw: bytes, expected: frozenset[str], error: type[ValueError]) -> None:
        self.error = error
        if any(b < 0x20 or b > 0x7E for b in raw):
            raise error("the header contains characters that are not allowed")
        try:
            obj = load_json_object(raw)
        except JsonFormatError as exc:
            raise error(f"the header is not valid: {exc}") from None
        if obj.keys() != expected:
            raise error("the header does not have the expected fields")
        self.obj: dict[str, Any] = obj

    def integer(self, name: str, low: int, high: int) -> int:
        value = self.obj[name]
        if type(value) is not int or not low <= value <= high:
            raise self.error(f"the header field {name!r} is out of range")
        return value

    def string(self, name: str) -> str:
        value = self.obj[name]
        if not isinstance(value, str):
            raise self.error(f"the header field {name!r} is not a text")
        return value

    def fingerprint(self, name: str) -> str:
        value = self.string(name)
        if FINGERPRINT_RE.fullmatch(value) is None:
            raise self.error(f"the header field {name!r} is not a key fingerprint")
        return value

    def site_and_study(self) -> tuple[str, str, str]:
        """The site code, study id and study version."""
        try:
            return (
                check_site_code(self.string("site_code")),
                check_study_token(self.string("study_id"), "study id"),
                check_study_token(self.string("study_version"), "study version"),
            )
        except InvalidExchangeParameter as exc:
            raise self.error(exc.message) from None

    def uuid(self, name: str, what: str) -> uuid.UUID:
        try:
            return uuid.UUID(self.string(name))
        except ValueError:
            raise self.error(f"the {what} is not a UUID") from None

    def created(self) -> datetime:
        try:
            return parse_timestamp(self.string("created"))
        except ValueError:
            raise self.error("the creation time is not valid") from None

    def ephemeral_key(self) -> bytes:
        value = self.string("ephemeral_public_key")
        if not is_lower_hex(value, 32):
            raise self.error("the ephemeral public key is not valid")
        return bytes.fromhex(value)
