"""Answers to center queries as they travel in a transfer file (payload version 2).

After its patient lines, a version 2 payload has one ``query_response`` line per query
of the coordinating center that the site holds (``docs/transfer-format.md`` §9.8)::

    {"kind": "query_response", "query": "Q000012", "subject": "S01-0012",
     "revision": 3, "status": "answered", "events": 2,
     "answer": "Grade confirmed with the chart.", "answered_by": "nurse1",
     "answered_at": "2026-12-06T01:00:00Z",
     "corrections": [{"form": "adverse_events", "entry": "...", "field": "grade",
                      "reason": "typing error", "by": "nurse1", "at": "..."}]}

``revision`` is the center's revision of the query the site last imported (the center's
acknowledgement: queries acknowledged at their current revision are not sent again);
``events`` counts the site's answers and corrections of the query, so the center applies
each only once, whatever the order or number of times files are merged. Corrections say
which field changed and why; the corrected value itself is in the patient's data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from rego_desktop.exchange._common import format_timestamp, parse_timestamp

__all__ = ["Correction", "QueryResponse", "ResponseFormatError", "parse_response"]

QUERY_ID_RE: Final = re.compile(r"Q[0-9]{6,12}")
SUBJECT_RE: Final = re.compile(r"[A-Z0-9]{2,8}-[0-9]{3,6}")
IDENT_RE: Final = re.compile(r"[a-z][a-z0-9_]{0,39}")
ENTRY_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")
STATUSES: Final = ("open", "answered", "closed")
MAX_TEXT: Final = 4000
MAX_CORRECTIONS: Final = 200
MAX_COUNT: Final = 2**53 - 1
_KEYS: Final = frozenset(
    {
        "kind",
        "query",
        "subject",
        "revision",
        "status",
        "events",
        "answer",
        "answered_by",
        "answered_at",
        "corrections",
    }
)
_CORRECTION_KEYS: Final = frozenset({"form", "entry", "field", "reason", "by", "at"})


class ResponseFormatError(ValueError):
    """A query response line is not valid (the message says what)."""


@dataclass(frozen=True)
class Correction:
    form: str
    entry: str | None
    field: str
    reason: str
    by: str
    at: datetime

    def to_json_object(self) -> dict[str, Any]:
        return {
            "at": format_timestamp(self.at),
            "by": self.by,
            "entry": self.entry,
            "field": self.field,
            "form": self.form,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class QueryResponse:
    query: str
    subject: str
    revision: int
    status: str
    events: int
    answer: str | None
    answered_by: str | None
    answered_at: datetime | None
    corrections: tuple[Correction, ...]

    def to_json_object(self) -> dict[str, Any]:
        return {
            "answer": self.answer,
            "answered_at": None if self.answered_at is None else format_timestamp(self.answered_at),
            "answered_by": self.answered_by,
            "corrections": [c.to_json_object() for c in self.corrections],
            "events": self.events,
            "kind": "query_response",
            "query": self.query,
            "revision": self.revision,
            "status": self.status,
            "subject": self.subject,
        }


def _text(value: object, what: str, *, optional: bool = False, limit: int = MAX_TEXT) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise ResponseFormatError(f"{what} is not a text of 1-{limit} characters")
    return value


def _match(value: object, pattern: re.Pattern[str], what: str, *, optional: bool = False) -> Any:
    if value is None and optional:
        return None
    if not isinstance(value, str) or pattern.fullmatch(value) is None:
        raise ResponseFormatError(f"{what} is not valid")
    return value


def _time(value: object, what: str, *, optional: bool = False) -> datetime | None:
    if value is None and optional:
        return None
    try:
        if isinstance(value, str):
            return parse_timestamp(value)
    except ValueError:
        pass
    raise ResponseFormatError(f"{what} is not a UTC time")


def _count(value: object, what: str, low: int) -> int:
    if type(value) is not int or not low <= value <= MAX_COUNT:
        raise ResponseFormatError(f"{what} is out of range")
    return value


def _correction(obj: object) -> Correction:
    if not isinstance(obj, dict) or obj.keys() != _CORRECTION_KEYS:
        raise ResponseFormatError("a correction does not have the expected fields")
    at = _time(obj["at"], "the time of a correction")
    assert at is not None
    return Correction(
        form=_match(obj["form"], IDENT_RE, "the form of a correction"),
        entry=_match(obj["entry"], ENTRY_RE, "the entry of a correction", optional=True),
        field=_match(obj["field"], IDENT_RE, "the field of a correction"),
        reason=str(_text(obj["reason"], "the reason of a correction")),
        by=str(_text(obj["by"], "who corrected", limit=200)),
        at=at,
    )


def parse_response(obj: Mapping[str, Any], site_code: str) -> QueryResponse:
    """Validate one ``query_response`` line (already parsed JSON) of site ``site_code``."""
    if obj.keys() != _KEYS:
        raise ResponseFormatError("a query response does not have the expected fields")
    subject = _match(obj["subject"], SUBJECT_RE, "the subject of a query response")
    if not subject.startswith(site_code + "-"):
        raise ResponseFormatError("a query response names a subject of another site")
    status = obj["status"]
    if status not in STATUSES:
        raise ResponseFormatError("a query response has an unknown status")
    corrections = obj["corrections"]
    if not isinstance(corrections, list) or len(corrections) > MAX_CORRECTIONS:
        raise ResponseFormatError("the corrections of a query response are not a list")
    answer = _text(obj["answer"], "an answer", optional=True)
    answered_by = _text(obj["answered_by"], "who answered", optional=True, limit=200)
    answered_at = _time(obj["answered_at"], "the time of an answer", optional=True)
    if (answer is None) != (answered_by is None) or (answer is None) != (answered_at is None):
        raise ResponseFormatError("an answer lacks its author or time")
    return QueryResponse(
        query=_match(obj["query"], QUERY_ID_RE, "a query id"),
        subject=subject,
        revision=_count(obj["revision"], "the revision of a query response", 1),
        status=status,
        events=_count(obj["events"], "the event count of a query response", 0),
        answer=answer,
        answered_by=answered_by,
        answered_at=answered_at,
        corrections=tuple(_correction(c) for c in corrections),
    )
