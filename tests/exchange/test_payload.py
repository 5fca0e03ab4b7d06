"""The payload reader: valid payloads round-trip, everything else is refused by reason."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from rego_desktop.exchange.payload import (
    PayloadError,
    PayloadProblem,
    PayloadReader,
)
from tests.exchange.casebooks import deidentified, header, payload_bytes

VALID = payload_bytes()
LINES = [json.loads(line) for line in VALID.splitlines()]
Edit = Callable[[list[dict[str, Any]]], None]


def read(data: bytes, **header_overrides: object) -> list[Any]:
    return PayloadReader([data], header(**header_overrides), source="x.rgt").read_all()


def refused(data: bytes, **header_overrides: object) -> PayloadError:
    with pytest.raises(PayloadError) as info:
        read(data, **header_overrides)
    assert info.value.path == "x.rgt"
    assert "x.rgt" in info.value.message
    return info.value


def edited(edit: Edit) -> bytes:
    lines = json.loads(json.dumps(LINES))
    edit(lines)
    # ASCII escapes, so that even a lone surrogate can be written.
    return b"".join(json.dumps(line, sort_keys=True).encode("ascii") + b"\n" for line in lines)


def test_valid_payload_round_trips() -> None:
    patients, manifest = deidentified()
    reader = PayloadReader([VALID], header())
    assert reader.manifest == manifest
    assert reader.read_all() == patients


@pytest.mark.parametrize("size", [1, 2, 7, 64, 1000])
def test_chunking_does_not_matter(size: int) -> None:
    chunks = [VALID[i : i + size] for i in range(0, len(VALID), size)]
    assert PayloadReader(chunks, header()).read_all() == deidentified()[0]


def test_any_json_layout_is_accepted() -> None:
    loose = b"".join(
        json.dumps(line, indent=None, ensure_ascii=True).encode() + b"\n" for line in LINES
    )
    assert read(loose) == deidentified()[0]


def _set(path: tuple[Any, ...], value: Any) -> Edit:
    def edit(lines: list[dict[str, Any]]) -> None:
        target: Any = lines
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return edit


def _del(path: tuple[Any, ...]) -> Edit:
    def edit(lines: list[dict[str, Any]]) -> None:
        target: Any = lines
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return edit


AE = (1, "forms", "adverse_events", 0, "values")
TREATMENT = (1, "forms", "treatment", 0, "values")
LIVER = (1, "forms", "baseline_liver", 0, "values")
IDENT = {"entry": "", "values": {"full_name": "王秀英"}}

MALFORMED = PayloadProblem.MALFORMED
IDENTIFYING = PayloadProblem.IDENTIFYING

CASES: list[tuple[str, Edit, PayloadProblem]] = [
    ("manifest version", _set((0, "version"), 3), PayloadProblem.UNKNOWN_VERSION),
    ("manifest version bool", _set((0, "version"), True), PayloadProblem.UNKNOWN_VERSION),
    ("manifest format", _set((0, "format"), "csv"), MALFORMED),
    ("manifest extra key", _set((0, "comment"), "hi"), MALFORMED),
    ("manifest missing key", _del((0, "ages_unknown")), MALFORMED),
    ("manifest other site", _set((0, "site_code"), "SH02"), PayloadProblem.MISMATCH),
    ("manifest other package", _set((0, "package_id"), "0" * 36), PayloadProblem.MISMATCH),
    ("manifest other sequence", _set((0, "sequence"), 4), PayloadProblem.MISMATCH),
    ("manifest other study", _set((0, "study_version"), "2.0"), PayloadProblem.MISMATCH),
    ("manifest patient count", _set((0, "patients"), 4), MALFORMED),
    ("manifest entry count", _set((0, "entries", "adverse_events"), 2), MALFORMED),
    ("manifest forms", _del((0, "entries", "cycles")), MALFORMED),
    ("manifest without-dose list", _set((0, "patients_without_first_dose"), []), MALFORMED),
    ("manifest ages", _set((0, "ages_grouped"), 0), MALFORMED),
    ("manifest removed reason", _set((0, "removed", 0, "reason"), "x"), MALFORMED),
    ("manifest date convention", _set((0, "date_convention"), "iso"), MALFORMED),
    ("identification form", _set((1, "forms", "identification"), [IDENT]), IDENTIFYING),
    ("free text field", _set((*AE, "term_other"), "anything"), IDENTIFYING),
    ("calendar date", _set((*AE, "onset_date"), "2023-03-10"), IDENTIFYING),
    ("exact age over 89", _set((3, "age_at_first_dose"), 93), IDENTIFYING),
    ("negative age", _set((1, "age_at_first_dose"), -1), MALFORMED),
    ("age as text", _set((1, "age_at_first_dose"), "72"), MALFORMED),
    ("age without first dose", _set((2, "age_at_first_dose"), 50), MALFORMED),
    ("study day 0", _set((*AE, "onset_date"), 0), MALFORMED),
    ("absurd study day", _set((*AE, "onset_date"), 10**6), MALFORMED),
    ("date as float", _set((*AE, "onset_date"), 1.5), MALFORMED),
    (
        "date without first dose",
        _set((2, "forms", "adverse_events", 0, "values", "onset_date"), 3),
        MALFORMED,
    ),
    ("first dose not day 1", _set((*TREATMENT, "first_dose_date"), 2), MALFORMED),
    ("first dose missing", _del((*TREATMENT, "first_dose_date")), MALFORMED),
    ("unknown form", _set((1, "forms", "diary"), [{"entry": "", "values": {}}]), MALFORMED),
    ("unknown field", _set((*AE, "colour"), "red"), MALFORMED),
    ("derived field", _set((*TREATMENT, "number_of_cycles"), 3), MALFORMED),
    ("choice not in code list", _set((*AE, "term"), "hiccups"), MALFORMED),
    ("choice as number", _set((*AE, "serious"), 1), MALFORMED),
    ("integer as float", _set((*AE, "grade"), 3.0), MALFORMED),
    ("integer as text", _set((*AE, "grade"), "3"), MALFORMED),
    ("integer as bool", _set((*AE, "grade"), True), MALFORMED),
    ("integer out of range", _set((*AE, "grade"), 6), MALFORMED),
    ("null value", _set((*AE, "grade"), None), MALFORMED),
    ("huge integer", _set((*AE, "grade"), 10**400), MALFORMED),
    ("quantity without unit", _set((*LIVER, "bilirubin"), 1.2), MALFORMED),
    ("quantity bad unit", _set((*LIVER, "bilirubin"), {"value": 1.2, "unit": "mol"}), MALFORMED),
    (
        "quantity extra key",
        _set((*LIVER, "bilirubin"), {"value": 1, "unit": "g/L", "x": 1}),
        MALFORMED,
    ),
    ("unit on a plain number", _set((*LIVER, "inr"), {"value": 1.1, "unit": "x"}), MALFORMED),
    (
        "multi choice not a list",
        _set((1, "forms", "hcc_history", 0, "values", "aetiology"), "hbv"),
        MALFORMED,
    ),
    (
        "multi choice repeated",
        _set((1, "forms", "hcc_history", 0, "values", "aetiology"), ["hbv", "hbv"]),
        MALFORMED,
    ),
    ("subject of another site", _set((1, "subject"), "SH02-0001"), MALFORMED),
    ("subject not a code", _set((1, "subject"), "Wang Xiuying"), MALFORMED),
    ("patient extra key", _set((1, "name"), "x"), MALFORMED),
    ("signed not bool", _set((1, "signed"), "yes"), MALFORMED),
    (
        "two single entries",
        _set((1, "forms", "demographics"), [{"entry": "", "values": {}}] * 2),
        MALFORMED,
    ),
    ("entry id on single form", _set((1, "forms", "demographics", 0, "entry"), "ab"), MALFORMED),
    ("bad entry id", _set((1, "forms", "adverse_events", 0, "entry"), "a/b"), MALFORMED),
    ("repeated entry id", _set((1, "forms", "adverse_events", 1, "entry"), "0f" * 16), MALFORMED),
    ("empty entry list", _set((1, "forms", "survival"), []), MALFORMED),
    ("lone surrogate", _set((*AE, "term"), "\ud800"), MALFORMED),
    ("second manifest", lambda lines: lines.insert(1, lines[0]), MALFORMED),
    ("duplicate patient", lambda lines: lines.insert(2, lines[1]), MALFORMED),
    ("unordered patients", lambda lines: lines.insert(1, lines.pop(2)), MALFORMED),
    ("missing patient", _del((3,)), MALFORMED),
]


@pytest.mark.parametrize(("edit", "reason"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_refusals(edit: Edit, reason: PayloadProblem) -> None:
    error = refused(edited(edit))
    assert error.reason is reason, error.message
    assert "correctly signed by site BJ01" in error.message


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "is empty"),
        (VALID[:-1], "does not end with a line break"),
        (VALID[:100], "does not end with a line break"),
        (b"\xff\xfe" + VALID, "not UTF-8"),
        (b"[1]\n", "not a JSON object"),
        (b'{"a":1,"a":2}\n', "appears twice"),
        (b'{"a":NaN}\n', "not a number"),
        (b"[" * 100_000 + b"\n", "nested too deeply"),
        (VALID + b"\n", "not valid JSON"),
    ],
    ids=["empty", "cut", "cut-early", "utf16", "array", "duplicate", "nan", "deep", "blank"],
)
def test_byte_level_refusals(data: bytes, says: str) -> None:
    error = refused(data)
    assert error.reason is MALFORMED
    assert says in error.message


def test_unknown_study_version() -> None:
    error = refused(VALID, study_version="9.9")
    assert error.reason is PayloadProblem.UNKNOWN_STUDY
    assert "REGO-HCC-RWS 9.9" in error.message


def test_a_very_long_line_is_refused_without_reading_it_all() -> None:
    from rego_desktop.exchange import payload

    def endless() -> Any:
        yield VALID.splitlines(keepends=True)[0]
        while True:
            yield b"x" * 1024 * 1024

    with pytest.raises(PayloadError, match="far too long"):
        PayloadReader(endless(), header()).read_all()
    assert payload.MAX_LINE_BYTES < 10**9


def test_patients_can_be_iterated_once() -> None:
    reader = PayloadReader([VALID], header())
    reader.read_all()
    with pytest.raises(RuntimeError):
        reader.read_all()
