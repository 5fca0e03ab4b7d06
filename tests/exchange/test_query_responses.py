"""Payload version 2: the answers to center queries after the patient lines (issue 16)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from rego_desktop.exchange.payload import (
    PAYLOAD_VERSION,
    PayloadError,
    PayloadProblem,
    PayloadReader,
    encode_line,
)
from rego_desktop.exchange.query_responses import Correction, QueryResponse
from tests.exchange.casebooks import header, payload_bytes

AT = dt.datetime(2026, 12, 6, 1, 0, 0, tzinfo=dt.UTC)
SITE = header().site_code


def response(n: int = 1, **changes: Any) -> QueryResponse:
    base: dict[str, Any] = {
        "query": f"Q{n:06d}",
        "subject": f"{SITE}-0001",
        "revision": 1,
        "status": "answered",
        "events": 2,
        "answer": "Checked with the chart.",
        "answered_by": "nurse1",
        "answered_at": AT,
        "corrections": (Correction("demographics", None, "ecog", "typing error", "nurse1", AT),),
    }
    base.update(changes)
    return QueryResponse(**base)


def with_lines(*objects: dict[str, Any], version: int = PAYLOAD_VERSION) -> bytes:
    lines = payload_bytes().splitlines(keepends=True)
    manifest = json.loads(lines[0])
    manifest["version"] = version
    return encode_line(manifest) + b"".join(lines[1:]) + b"".join(encode_line(o) for o in objects)


def read(data: bytes) -> PayloadReader:
    reader = PayloadReader([data], header())
    reader.read_all()
    return reader


def test_responses_are_read_after_the_patients() -> None:
    first, second = response(1), response(2, answer=None, answered_by=None, answered_at=None,
                                          status="open", events=0, corrections=())  # fmt: skip
    reader = read(with_lines(first.to_json_object(), second.to_json_object()))
    assert reader.payload_version == 2
    assert reader.query_responses == [first, second]


def test_version_1_payload_has_no_responses_and_is_read() -> None:
    reader = read(with_lines(version=1))
    assert reader.payload_version == 1
    assert reader.query_responses == []


@pytest.mark.parametrize(
    "objects",
    [
        [response(2).to_json_object(), response(1).to_json_object()],  # not by query id
        [response(1).to_json_object(), response(1).to_json_object()],  # twice
        [response(1, subject="XX99-0001").to_json_object()],  # another site's subject
        [{**response(1).to_json_object(), "extra": 1}],
        [{**response(1).to_json_object(), "status": "maybe"}],
        [{**response(1).to_json_object(), "events": -1}],
        [{**response(1).to_json_object(), "answered_by": None}],
        [{**response(1).to_json_object(), "corrections": [{"form": "x"}]}],
    ],
)
def test_bad_responses_are_refused(objects: list[dict[str, Any]]) -> None:
    with pytest.raises(PayloadError) as info:
        read(with_lines(*objects))
    assert info.value.reason is PayloadProblem.MALFORMED


def test_a_patient_after_the_responses_is_refused() -> None:
    lines = with_lines(response(1).to_json_object()).splitlines(keepends=True)
    reordered = lines[0] + lines[-1] + b"".join(lines[1:-1])
    with pytest.raises(PayloadError, match="after the answers"):
        read(reordered)


def test_version_1_with_a_response_line_is_refused() -> None:
    with pytest.raises(PayloadError):
        read(with_lines(response(1).to_json_object(), version=1))
