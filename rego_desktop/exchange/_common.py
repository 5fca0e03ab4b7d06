"""Small helpers shared by the key-file and transfer-file code (internal)."""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, BinaryIO

from rego_desktop import files
from rego_desktop.errors import OutputFileError
from rego_desktop.exchange.errors import ExchangeWriteError, InvalidExchangeParameter

Rng = Callable[[int], bytes]
"""A source of random bytes: ``rng(n)`` returns ``n`` bytes (default :func:`os.urandom`)."""

PathLike = str | os.PathLike[str]

SITE_CODE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
STUDY_TOKEN_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+/-]{0,63}")
_TIMESTAMP_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z")
_LOWER_HEX_RE = re.compile(r"[0-9a-f]*")
MAX_NAME_LENGTH = 200


def random_bytes(rng: Rng, n: int) -> bytes:
    """Call ``rng`` and check that it kept its promise (a wrong test double is a bug)."""
    data = rng(n)
    if not isinstance(data, bytes) or len(data) != n:
        raise ValueError(f"rng({n}) must return exactly {n} bytes")
    return data


def canonical_json(obj: object) -> bytes:
    """RFC 8785 (JCS) encoding for our documents (ASCII keys, strings and integers only).

    For such documents Python's sorted, compact, non-ASCII-preserving output is exactly
    the JCS form: keys sorted, no insignificant white space, strings UTF-8 with only the
    mandatory escapes (``\\"``, ``\\\\``, ``\\b \\f \\n \\r \\t`` and ``\\u00xx`` for other
    control characters, lower-case hex).
    """
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


class JsonFormatError(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise JsonFormatError(f"the field {key!r} appears twice")
        result[key] = value
    return result


def _no_float(text: str) -> float:
    raise JsonFormatError(f"unexpected number {text!r} (only whole numbers are allowed)")


def _no_constant(text: str) -> float:
    raise JsonFormatError(f"unexpected value {text!r}")


def load_json_object(data: bytes) -> dict[str, Any]:
    """Parse strict UTF-8 JSON whose top level is an object.

    Duplicate keys, non-integer numbers and NaN/Infinity are refused. Raises
    :class:`JsonFormatError` (a :class:`ValueError`) for anything else that is wrong,
    including absurd nesting.
    """
    try:
        text = data.decode("utf-8")
        value = json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_float=_no_float,
            parse_constant=_no_constant,
        )
    except JsonFormatError:
        raise
    except UnicodeDecodeError as exc:
        raise JsonFormatError("the text is not valid UTF-8") from exc
    except RecursionError as exc:
        raise JsonFormatError("the JSON is nested too deeply") from exc
    except ValueError as exc:
        raise JsonFormatError("it is not valid JSON") from exc
    if not isinstance(value, dict):
        raise JsonFormatError("the JSON text is not an object")
    return value


def format_timestamp(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` in UTC, whole seconds."""
    m = moment.astimezone(UTC)
    return f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}Z"


def parse_timestamp(text: str) -> datetime:
    """Inverse of :func:`format_timestamp`; raises ValueError for any other spelling."""
    match = _TIMESTAMP_RE.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not a UTC time written as YYYY-MM-DDTHH:MM:SSZ")
    year, month, day, hour, minute, second = (int(g) for g in match.groups())
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def normalize_created(moment: datetime | None) -> datetime:
    """An aware UTC time truncated to whole seconds (now if None)."""
    if moment is None:
        moment = datetime.now(UTC)
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidExchangeParameter("A creation time must carry a time zone (use UTC).")
    try:
        return moment.astimezone(UTC).replace(microsecond=0)
    except (OverflowError, ValueError):
        raise InvalidExchangeParameter("The creation time is out of range.") from None


def is_lower_hex(text: str, n_bytes: int) -> bool:
    return len(text) == 2 * n_bytes and _LOWER_HEX_RE.fullmatch(text) is not None


def check_site_code(site_code: object) -> str:
    if not isinstance(site_code, str) or SITE_CODE_RE.fullmatch(site_code) is None:
        raise InvalidExchangeParameter(
            f"{site_code!r} is not a valid site code: use 1-64 letters (A-Z, a-z), digits, "
            "'.', '_' or '-', starting with a letter or digit."
        )
    return site_code


def check_study_token(value: object, what: str) -> str:
    if not isinstance(value, str) or STUDY_TOKEN_RE.fullmatch(value) is None:
        raise InvalidExchangeParameter(
            f"{value!r} is not a valid {what}: use 1-64 ASCII letters, digits or . _ : + / -, "
            "starting with a letter or digit."
        )
    return value


def check_center_name(name: object) -> str:
    if not isinstance(name, str) or not name or len(name) > MAX_NAME_LENGTH:
        raise InvalidExchangeParameter(
            f"The coordinating center's name must be 1-{MAX_NAME_LENGTH} characters long."
        )
    if name != name.strip():
        raise InvalidExchangeParameter(
            "The coordinating center's name must not start or end with spaces."
        )
    for char in name:
        if unicodedata.category(char) in {"Cc", "Cs", "Zl", "Zp"}:
            raise InvalidExchangeParameter(
                "The coordinating center's name must not contain control characters or line breaks."
            )
    return name


def describe_source(source: object) -> str | None:
    """The name of a file (or file object) for messages; None if it has none."""
    if isinstance(source, str | os.PathLike):
        return str(os.fspath(source))
    name = getattr(source, "name", None)
    if isinstance(name, str) and name:
        return name
    return None


def write_file_atomically(
    path: PathLike,
    produce: Callable[[BinaryIO], None],
    *,
    overwrite: bool,
    private: bool,
    what: str,
) -> None:
    """Write ``path`` through a temporary file beside it (:mod:`rego_desktop.files`).

    Operating-system failures become :class:`ExchangeWriteError`; errors raised by
    ``produce`` propagate unchanged.
    """
    what = what[0].lower() + what[1:] if what.startswith("The ") else what
    try:
        files.write_file_atomically(path, produce, overwrite=overwrite, private=private, what=what)
    except OutputFileError as exc:
        raise ExchangeWriteError(str(exc), exc.path, zh=exc.message_zh) from exc


def read_small_file(path: PathLike, limit: int) -> bytes | None:
    """Read at most ``limit`` bytes; None if the file is larger. OSError propagates."""
    with open(path, "rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        return None
    return data
