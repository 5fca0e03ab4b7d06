"""The payload of a transfer file: the de-identified dataset as JSON lines (version 1).

Inside the encrypted container (``container.py``) the payload is UTF-8 text, one JSON
object per line, each line ending with ``\\n``:

* line 1, the **manifest**: which package this is (repeating the authenticated header's
  site, package id, sequence number and study), counts per form, and what was removed;
* then one line per **patient**, in subject-code order, with the de-identified entries
  of each form keyed by form id and field id.

Writers emit compact JSON with sorted keys (so the same data always gives the same
bytes); readers accept any JSON layout within a line. ``docs/transfer-format.md``
section 9 is the specification.

:class:`PayloadReader` validates everything against the study definition named in the
header before anything is used, and refuses, naming the file and the line, a payload
that is malformed, disagrees with its header or its own manifest, or contains anything
that must never leave a site (a removed form or field, a calendar date, an exact age
of 90 or more). Any bytes produce either valid patients or a :class:`PayloadError`.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final, NoReturn

from rego_desktop import study
from rego_desktop.exchange.container import TransferHeader
from rego_desktop.exchange.deidentify import (
    AGE_GROUP_TOP,
    AGE_TOP,
    DAY_ONE_FIELD,
    DAY_ONE_FORM,
    DatasetTally,
    DeidentifiedEntry,
    DeidentifiedPatient,
    ExportPolicy,
    Removal,
    RemovedItem,
    export_policy,
)
from rego_desktop.exchange.errors import ExchangeError
from rego_desktop.exchange.query_responses import (
    QueryResponse,
    ResponseFormatError,
    parse_response,
)
from rego_desktop.exchange.study_days import date_problem, needs_first_dose
from rego_desktop.study.schema import Field, FieldType, StudyDefinition
from rego_desktop.study.values import (
    FieldProblem,
    Quantity,
    Value,
    check,
    choices,
    from_json,
    to_json,
)

__all__ = [
    "DATE_CONVENTION",
    "PAYLOAD_FORMAT",
    "PAYLOAD_VERSION",
    "Manifest",
    "PayloadError",
    "PayloadProblem",
    "PayloadReader",
    "encode_line",
    "payload_lines",
]

PAYLOAD_FORMAT: Final = "rego-deidentified-dataset"
PAYLOAD_VERSION: Final = 2
READABLE_VERSIONS: Final = (1, 2)
"""Version 2 (issue 16) adds query_response lines after the patients; 1 is still read."""
DATE_CONVENTION: Final = "study-day"
"""Dates are study days: day 1 = first dose date, the day before is -1, no day 0."""
MAX_LINE_BYTES: Final = 16 * 1024 * 1024

SUBJECT_RE: Final = re.compile(r"[A-Z0-9]{2,8}-[0-9]{3,6}")
ENTRY_ID_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")

_MANIFEST_KEYS: Final = frozenset(
    {
        "kind",
        "format",
        "version",
        "site_code",
        "package_id",
        "sequence",
        "study_id",
        "study_version",
        "date_convention",
        "patients",
        "entries",
        "removed",
        "patients_without_first_dose",
        "ages_grouped",
        "ages_unknown",
    }
)
_PATIENT_KEYS: Final = frozenset(
    {"kind", "subject", "signed", "first_dose_known", "age_at_first_dose", "forms"}
)
_REMOVED_KEYS: Final = frozenset({"form", "field", "reason", "count"})
_ENTRY_KEYS: Final = frozenset({"entry", "values"})


class PayloadProblem(StrEnum):
    """Why the content of a validly signed transfer file was refused."""

    MALFORMED = "malformed_payload"
    """Not the documented format: bad JSON, wrong types, impossible values, counts."""
    UNKNOWN_VERSION = "unknown_payload_version"
    """A payload format version this software cannot read."""
    UNKNOWN_STUDY = "unknown_study"
    """The study definition (id and version) is not known to this software."""
    MISMATCH = "payload_mismatch"
    """The manifest names another site, package, sequence number or study than the header."""
    IDENTIFYING = "identifying_data"
    """It contains something that must never leave a site."""


class PayloadError(ExchangeError):
    """The decrypted content of a transfer file is refused; nothing from it may be used."""

    def __init__(self, message: str, reason: PayloadProblem, path: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.path = path


# What json.dumps(obj, sort_keys=True, ...) builds on every call, built once.
_LINE_ENCODER: Final = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def encode_line(obj: Mapping[str, Any]) -> bytes:
    """One payload line: compact JSON, keys sorted, UTF-8, then ``\\n``."""
    return (_LINE_ENCODER.encode(obj) + "\n").encode("utf-8")


@dataclass(frozen=True)
class Manifest:
    """The first payload line."""

    site_code: str
    package_id: uuid.UUID
    sequence: int
    study_id: str
    study_version: str
    patients: int
    entries: Mapping[str, int]
    """Exported form id -> number of entries sent (every exported form, 0 included)."""
    removed: tuple[RemovedItem, ...]
    patients_without_first_dose: tuple[str, ...]
    ages_grouped: int
    ages_unknown: int

    @classmethod
    def from_tally(
        cls,
        tally: DatasetTally,
        *,
        site_code: str,
        package_id: uuid.UUID,
        sequence: int,
    ) -> Manifest:
        definition = tally.policy.definition
        return cls(
            site_code=site_code,
            package_id=package_id,
            sequence=sequence,
            study_id=definition.id,
            study_version=definition.version,
            patients=tally.patients,
            entries={f.id: tally.entries[f.id] for f in tally.policy.exported_forms()},
            removed=tally.removed_items(),
            patients_without_first_dose=tuple(sorted(tally.without_first_dose)),
            ages_grouped=tally.ages_grouped,
            ages_unknown=tally.ages_unknown,
        )

    def to_json_object(self) -> dict[str, Any]:
        return {
            "kind": "manifest",
            "format": PAYLOAD_FORMAT,
            "version": PAYLOAD_VERSION,
            "site_code": self.site_code,
            "package_id": str(self.package_id),
            "sequence": self.sequence,
            "study_id": self.study_id,
            "study_version": self.study_version,
            "date_convention": DATE_CONVENTION,
            "patients": self.patients,
            "entries": dict(self.entries),
            "removed": [
                {"form": r.form_id, "field": r.field_id, "reason": r.reason.value, "count": r.count}
                for r in self.removed
            ],
            "patients_without_first_dose": list(self.patients_without_first_dose),
            "ages_grouped": self.ages_grouped,
            "ages_unknown": self.ages_unknown,
        }


def payload_lines(
    manifest: Manifest,
    patients: Iterable[DeidentifiedPatient],
    signatures: Mapping[str, bytes] | None = None,
    query_responses: Iterable[QueryResponse] = (),
) -> Iterator[bytes]:
    """The payload bytes, one line at a time (patients are sorted by subject code).

    ``signatures`` maps the subject code of a signed casebook to the
    :func:`signed_content_digest` stored with its signature when it was signed; it is sent
    as the patient's ``"signature"`` so the center can check the casebook is still what
    was signed.
    """
    yield encode_line(manifest.to_json_object())
    for patient in sorted(patients, key=lambda p: p.subject_code):
        obj = patient.to_json_object()
        digest = (signatures or {}).get(patient.subject_code)
        if patient.signed and digest is not None:
            obj[SIGNATURE_KEY] = digest.hex()
        yield encode_line(obj)
    # Issue 16: the answers to center queries, after the patients, by query id.
    for response in sorted(query_responses, key=lambda r: r.query):
        yield encode_line(response.to_json_object())


SIGNATURE_KEY: Final = "signature"
"""Optional key of a signed patient's line: hex SHA-256 of what the investigator signed."""


def signed_content_digest(patient: DeidentifiedPatient) -> bytes:
    """SHA-256 of the de-identified patient as a transfer file carries it, without its
    ``signed`` flag and signature: the site stores it at signing, the center recomputes it
    from the patient it merges and counts the casebook as signed only if they match."""
    obj = patient.to_json_object()
    obj.pop("signed", None)
    return hashlib.sha256(encode_line(obj)).digest()


# --------------------------------------------------------------------------- reading


class _Bad(Exception):
    """A validation failure inside one line (becomes a PayloadError with the line number)."""

    def __init__(self, detail: str, reason: PayloadProblem = PayloadProblem.MALFORMED) -> None:
        super().__init__(detail)
        self.detail = detail
        self.reason = reason


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):  # some key repeats: name the first one that does
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                raise _Bad(f"the key {key!a} appears twice")
            seen.add(key)
    return result


def _no_constant(text: str) -> Any:
    raise _Bad(f"{text} is not a number")


def _load(line: bytes) -> dict[str, Any]:
    try:
        text = line.decode("utf-8")
        value = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except UnicodeDecodeError:
        raise _Bad("it is not UTF-8 text") from None
    except RecursionError:
        raise _Bad("it is nested too deeply") from None
    except ValueError:  # JSONDecodeError, and integers with too many digits
        raise _Bad("it is not valid JSON") from None
    if not isinstance(value, dict):
        raise _Bad("it is not a JSON object")
    return value


def _keys(obj: dict[str, Any], expected: frozenset[str], what: str) -> None:
    if obj.keys() == expected:
        return
    missing = sorted(expected - obj.keys())
    extra = sorted(obj.keys() - expected)
    if missing:
        raise _Bad(f"{what} lacks {missing[0]!a}")
    if extra:
        raise _Bad(f"{what} has an unexpected key {extra[0]!a}")


def _int(value: object, what: str, low: int, high: int) -> int:
    if type(value) is not int or not low <= value <= high:
        raise _Bad(f"{what} is not a whole number from {low} to {high}")
    return value


def _str(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise _Bad(f"{what} is not a text")
    return value


def _bool(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise _Bad(f"{what} is not true or false")
    return value


def _dict(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Bad(f"{what} is not an object")
    return value


def _list(value: object, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise _Bad(f"{what} is not a list")
    return value


def _typed_value(definition: StudyDefinition, f: Field, data: object, where: str) -> Value:
    """Check the JSON type strictly, convert, then apply the definition's hard checks."""
    kind = f.type
    ok: bool
    if isinstance(data, dict) and data.keys() == {"missing"}:
        ok = isinstance(data["missing"], str) and kind is not FieldType.TEXT
    elif kind in (FieldType.CHOICE, FieldType.YES_NO):
        ok = isinstance(data, str)
    elif kind is FieldType.MULTI_CHOICE:
        ok = isinstance(data, list) and all(isinstance(v, str) for v in data)
    elif kind in (FieldType.INTEGER, FieldType.DECIMAL):
        if isinstance(data, dict):
            ok = (
                data.keys() == {"value", "unit"}
                and isinstance(data["unit"], str)
                and type(data["value"]) in (int, float)
            )
        elif kind is FieldType.INTEGER:
            ok = type(data) is int
        else:
            ok = type(data) in (int, float)
    else:  # text and dates never get here
        ok = False
    if not ok:
        raise _Bad(f"{where} has a value of the wrong type")
    try:
        value = from_json(f, data)
        if isinstance(value, Quantity) and kind is FieldType.INTEGER:
            raise _Bad(f"{where} has a value of the wrong type")
        check(definition, f, value)
    except FieldProblem as exc:
        raise _Bad(f"{where} is impossible ({exc})") from None
    except (ValueError, TypeError, OverflowError):
        raise _Bad(f"{where} has a value of the wrong type") from None
    return value


_SLOW: Final = object()
"""What a fast field check returns when it cannot vouch for a value by itself."""
_EXACT_INT: Final = 2**53  # integers below this convert to float and compare exactly


def _fast_check(definition: StudyDefinition, f: Field) -> Callable[[Any], Any]:
    """A quick acceptance of one field's JSON value, precomputed from the definition.

    Returns what ``to_json(f, _typed_value(definition, f, data, ...))`` returns for the
    values it recognises as plainly valid (an allowed code, a number of the right JSON
    type inside the field's limits, a known unit), and :data:`_SLOW` for everything
    else, which then goes through :func:`_typed_value` and is accepted or refused there
    with its message. It never accepts what :func:`_typed_value` refuses (the property
    tests in tests/exchange/test_payload_fast.py hold it to that), so validation is as
    strict as before; only the common case is cheaper.
    """
    kind = f.type
    if kind in (FieldType.CHOICE, FieldType.YES_NO, FieldType.MULTI_CHOICE):
        allowed = frozenset(value for value, _label in choices(definition, f))
        if kind is FieldType.MULTI_CHOICE:

            def multi_choice(data: Any) -> Any:
                if (
                    type(data) is list
                    and all(type(v) is str and v in allowed for v in data)
                    and len(set(data)) == len(data)
                ):
                    return list(data)
                return _SLOW

            return multi_choice

        def choice(data: Any) -> Any:
            return data if type(data) is str and data in allowed else _SLOW

        return choice
    if kind not in (FieldType.INTEGER, FieldType.DECIMAL):
        return lambda data: _SLOW
    lo, hi = f.limits.minimum, f.limits.maximum

    def limits(factor: float) -> tuple[float, float]:
        # The bounds _check_number compares with, in the unit the value is given in.
        low = -math.inf if lo is None else lo / factor - 1e-9
        high = math.inf if hi is None else hi / factor + 1e-9
        return low, high

    if len(f.units) > 1:
        if kind is FieldType.INTEGER:
            return lambda data: _SLOW  # a unit choice on a whole number is refused
        by_unit: dict[str, tuple[float, float]] = {}
        for unit in f.units:
            by_unit.setdefault(unit.id, limits(unit.factor))

        def quantity(data: Any) -> Any:
            if type(data) is not dict or len(data) != 2:
                return _SLOW
            unit_id, amount = data.get("unit"), data.get("value")
            bounds = by_unit.get(unit_id) if type(unit_id) is str else None
            if bounds is None:
                return _SLOW
            if type(amount) is int and -_EXACT_INT < amount < _EXACT_INT:
                amount = float(amount)
            if (
                type(amount) is not float
                or not math.isfinite(amount)
                or not bounds[0] <= amount <= bounds[1]
            ):
                return _SLOW
            return {"value": amount, "unit": unit_id}

        return quantity
    low, high = limits(f.units[0].factor if f.units else 1.0)
    if kind is FieldType.INTEGER:

        def integer(data: Any) -> Any:
            if type(data) is int and -_EXACT_INT < data < _EXACT_INT and low <= data <= high:
                return data
            return _SLOW

        return integer

    def decimal(data: Any) -> Any:
        if type(data) is int and -_EXACT_INT < data < _EXACT_INT:
            data = float(data)
        if type(data) is float and math.isfinite(data) and low <= data <= high:
            return data
        return _SLOW

    return decimal


def _fast_checks(
    definition: StudyDefinition, policy: ExportPolicy
) -> dict[str, dict[str, tuple[Field, Callable[[Any], Any]]]]:
    """Form id -> field id -> (field, fast check), for every exported field."""
    return {
        form_id: {f.id: (f, _fast_check(definition, f)) for f in fields}
        for form_id, fields in policy.exported_fields.items()
    }


class PayloadReader:
    """Reads and validates a payload from decrypted chunks.

    ``chunks`` is the plaintext iterator of :func:`~rego_desktop.exchange.container.open_transfer`
    (or any iterable of bytes); ``header`` is the authenticated header it belongs to.
    The constructor reads the manifest; :meth:`patients` yields validated patients and,
    when exhausted, has consumed every chunk (so the container's final checks ran) and
    checked the manifest's counts. Everything wrong raises :class:`PayloadError`.
    """

    def __init__(
        self, chunks: Iterable[bytes], header: TransferHeader, *, source: str | None = None
    ) -> None:
        self.header = header
        self.source = source
        self.subject = f"The transfer file {source}" if source else "The transfer file"
        definition = study.definition(header.study_id, header.study_version)
        if definition is None:
            raise PayloadError(
                f"{self.subject} from site {header.site_code} uses study definition "
                f"{header.study_id} {header.study_version}, which this version of rego-desktop "
                "does not know. Install the version of rego-desktop the sites use, then try "
                "again.",
                PayloadProblem.UNKNOWN_STUDY,
                source,
            )
        self.definition: StudyDefinition = definition
        self.policy: ExportPolicy = export_policy(definition)
        self._checks = _fast_checks(definition, self.policy)
        self._lines = self._split(iter(chunks))
        self._line_no = 0
        self._started = False
        self.payload_version = 1
        self.query_responses: list[QueryResponse] = []
        """Answers to center queries (version 2), filled while :meth:`patients` runs."""
        self.broken_signatures: list[str] = []
        """Subjects sent as signed whose content is not what was signed (counted unsigned)."""
        self.manifest = self._read_manifest()

    # ----------------------------------------------------------------- plumbing

    def _fail(self, detail: str, reason: PayloadProblem = PayloadProblem.MALFORMED) -> NoReturn:
        site = self.header.site_code
        where = f" (line {self._line_no})" if self._line_no else ""
        if reason is PayloadProblem.IDENTIFYING:
            advice = (
                f"It was not used. Tell site {site}, and whoever is responsible for data "
                "protection, that their software sent data that must stay at the site."
            )
        elif reason is PayloadProblem.UNKNOWN_VERSION:
            advice = "Update rego-desktop, or ask the site which version made the file."
        else:
            advice = (
                f"It was not used; the sending program may be faulty. Ask site {site} to "
                "export the file again, and report the problem if it happens again."
            )
        raise PayloadError(
            f"{self.subject} is correctly signed by site {site} but its content "
            f"{detail}{where}. {advice}",
            reason,
            self.source,
        )

    def _split(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        buffer = bytearray()
        for chunk in chunks:
            # Only the new bytes are searched: what the buffer holds has no line break,
            # so a long line in many small chunks costs linear time, not quadratic.
            searched = len(buffer)
            buffer += chunk
            start = 0
            while (end := buffer.find(b"\n", max(start, searched))) >= 0:
                yield bytes(buffer[start:end])
                start = end + 1
            del buffer[:start]
            if len(buffer) > MAX_LINE_BYTES:
                self._line_no += 1
                self._fail("has a line that is far too long")
        if buffer:
            self._line_no += 1
            self._fail("does not end with a line break (it is incomplete)")

    def _next_line(self) -> dict[str, Any] | None:
        line = next(self._lines, None)
        if line is None:
            return None
        self._line_no += 1
        if len(line) > MAX_LINE_BYTES:
            self._fail("has a line that is far too long")
        try:
            return _load(line)
        except _Bad as exc:
            self._fail(exc.detail, exc.reason)

    # ----------------------------------------------------------------- manifest

    def _read_manifest(self) -> Manifest:
        obj = self._next_line()
        if obj is None:
            self._fail("is empty (it has no manifest)")
        try:
            return self._manifest(obj)
        except _Bad as exc:
            self._fail(exc.detail, exc.reason)

    def _manifest(self, obj: dict[str, Any]) -> Manifest:
        if obj.get("kind") != "manifest" or obj.get("format") != PAYLOAD_FORMAT:
            raise _Bad("does not start with a manifest")
        version = obj.get("version")
        if version not in READABLE_VERSIONS or type(version) is not int:
            raise _Bad(
                f"uses payload format version {version!a}, which this version of "
                f"rego-desktop cannot read (it reads versions 1 to {PAYLOAD_VERSION})",
                PayloadProblem.UNKNOWN_VERSION,
            )
        self.payload_version = version
        _keys(obj, _MANIFEST_KEYS, "the manifest")
        if obj["date_convention"] != DATE_CONVENTION:
            raise _Bad("uses an unknown date convention")
        header = self.header
        stated = (
            obj["site_code"],
            obj["package_id"],
            obj["sequence"],
            obj["study_id"],
            obj["study_version"],
        )
        expected = (
            header.site_code,
            str(header.package_id),
            header.sequence,
            header.study_id,
            header.study_version,
        )
        if stated != expected or type(obj["sequence"]) is not int:
            raise _Bad(
                "names another site, package, sequence number or study than its header",
                PayloadProblem.MISMATCH,
            )
        entries = _dict(obj["entries"], "the manifest's 'entries'")
        exported = {f.id for f in self.policy.exported_forms()}
        if entries.keys() != exported:
            raise _Bad("the manifest's 'entries' do not list the study's exported forms")
        removed = tuple(self._removed_item(item) for item in _list(obj["removed"], "'removed'"))
        without = _list(obj["patients_without_first_dose"], "'patients_without_first_dose'")
        for code in without:
            self._subject(code)
        return Manifest(
            site_code=header.site_code,
            package_id=header.package_id,
            sequence=header.sequence,
            study_id=header.study_id,
            study_version=header.study_version,
            patients=_int(obj["patients"], "'patients'", 0, 10**9),
            entries={k: _int(v, f"the entry count of {k}", 0, 10**12) for k, v in entries.items()},
            removed=removed,
            patients_without_first_dose=tuple(without),
            ages_grouped=_int(obj["ages_grouped"], "'ages_grouped'", 0, 10**9),
            ages_unknown=_int(obj["ages_unknown"], "'ages_unknown'", 0, 10**9),
        )

    def _removed_item(self, item: object) -> RemovedItem:
        obj = _dict(item, "an item of 'removed'")
        _keys(obj, _REMOVED_KEYS, "an item of 'removed'")
        form_id = _str(obj["form"], "a removed form")
        field_id = obj["field"]
        if not self.definition.has_form(form_id):
            raise _Bad("'removed' names an unknown form")
        if field_id is not None and not self.definition.form(form_id).has_field(
            _str(field_id, "a removed field")
        ):
            raise _Bad("'removed' names an unknown field")
        reason = _str(obj["reason"], "a removal reason")
        if reason not in Removal.__members__.values():
            raise _Bad("'removed' gives an unknown reason")
        return RemovedItem(
            form_id, field_id, Removal(reason), _int(obj["count"], "a removed count", 0, 10**12)
        )

    def _subject(self, code: object) -> str:
        text = _str(code, "a subject code")
        if SUBJECT_RE.fullmatch(text) is None or not text.startswith(self.header.site_code + "-"):
            raise _Bad(f"has the subject code {text!a}, which is not one of this site's")
        return text

    # ----------------------------------------------------------------- patients

    def patients(self) -> Iterator[DeidentifiedPatient]:
        """Validated patients; exhausting it also checks the manifest and the container."""
        if self._started:
            raise RuntimeError("PayloadReader.patients() can be iterated only once")
        self._started = True
        seen: set[str] = set()
        previous = ""
        entries: dict[str, int] = dict.fromkeys(self.manifest.entries, 0)
        without: list[str] = []
        grouped = unknown = 0
        while (obj := self._next_line()) is not None:
            if obj.get("kind") == "query_response" and self.payload_version >= 2:
                self._query_response(obj)
                continue
            if self.query_responses:
                self._fail("has a patient after the answers to center queries")
            try:
                patient = self._patient(obj)
            except _Bad as exc:
                self._fail(exc.detail, exc.reason)
            code = patient.subject_code
            if code in seen:
                self._fail(f"lists subject {code} twice")
            if code < previous:
                self._fail("does not list its patients in subject-code order")
            seen.add(code)
            previous = code
            for form_id, form_entries in patient.forms.items():
                entries[form_id] += len(form_entries)
            if not patient.first_dose_known:
                without.append(code)
            if patient.age_at_first_dose == AGE_GROUP_TOP:
                grouped += 1
            elif patient.age_at_first_dose is None:
                unknown += 1
            yield patient
        self._line_no = 0
        m = self.manifest
        if len(seen) != m.patients:
            self._fail(f"has {len(seen)} patients but its manifest says {m.patients}")
        if entries != dict(m.entries):
            self._fail("has other entry counts per form than its manifest says")
        if sorted(without) != sorted(m.patients_without_first_dose):
            self._fail("lists other patients without a first dose date than it contains")
        if (grouped, unknown) != (m.ages_grouped, m.ages_unknown):
            self._fail("has other age counts than its manifest says")

    def _query_response(self, obj: dict[str, Any]) -> None:
        try:
            response = parse_response(obj, self.header.site_code)
        except ResponseFormatError as exc:
            self._fail(str(exc))
        if self.query_responses and response.query <= self.query_responses[-1].query:
            self._fail("does not list its answers to center queries once each, by query id")
        self.query_responses.append(response)

    def _patient(self, obj: dict[str, Any]) -> DeidentifiedPatient:
        if obj.get("kind") != "patient":
            raise _Bad("has a line that is not a patient after the manifest")
        sent_digest = obj.pop(SIGNATURE_KEY, None)
        _keys(obj, _PATIENT_KEYS, "a patient")
        code = self._subject(obj["subject"])
        signed = _bool(obj["signed"], "'signed'")
        first_dose_known = _bool(obj["first_dose_known"], "'first_dose_known'")
        age = obj["age_at_first_dose"]
        if type(age) is int and age >= AGE_TOP:
            raise _Bad(
                f"gives subject {code} an exact age of {AGE_TOP} or more (must be "
                f"{AGE_GROUP_TOP!r})",
                PayloadProblem.IDENTIFYING,
            )
        if age is not None and age != AGE_GROUP_TOP and (type(age) is not int or age < 0):
            raise _Bad(
                f"gives subject {code} an age that is not 0-{AGE_TOP - 1} or {AGE_GROUP_TOP!r}"
            )
        if age is not None and not first_dose_known:
            raise _Bad(f"gives subject {code} an age at a first dose it does not have")
        forms_obj = _dict(obj["forms"], "'forms'")
        forms: dict[str, tuple[DeidentifiedEntry, ...]] = {}
        for form_id in sorted(forms_obj):
            forms[form_id] = self._form(code, form_id, forms_obj[form_id], first_dose_known)
        if first_dose_known:
            day_one = forms.get(DAY_ONE_FORM, ())
            if not day_one or day_one[0].values.get(DAY_ONE_FIELD) != 1:
                raise _Bad(f"says subject {code} has a first dose date but it is not day 1")
        patient = DeidentifiedPatient(code, signed, first_dose_known, age, forms)
        if sent_digest is not None and not (
            isinstance(sent_digest, str) and re.fullmatch("[0-9a-f]{64}", sent_digest)
        ):
            raise _Bad(f"gives subject {code} a signature that is not a SHA-256 digest")
        if signed and (
            sent_digest is None or bytes.fromhex(sent_digest) != signed_content_digest(patient)
        ):
            self.broken_signatures.append(code)
            patient = DeidentifiedPatient(code, False, first_dose_known, age, forms)
        return patient

    def _form(
        self, code: str, form_id: str, entries_obj: object, dates: bool
    ) -> tuple[DeidentifiedEntry, ...]:
        if form_id in self.policy.removed_forms:
            raise _Bad(
                f"contains the form {form_id!a} for subject {code}",
                PayloadProblem.IDENTIFYING,
            )
        if form_id not in self.policy.exported_fields:
            raise _Bad(f"contains an unknown form {form_id!a}")
        form = self.definition.form(form_id)
        items = _list(entries_obj, f"the entries of {form_id}")
        if not items:
            raise _Bad(f"has an empty entry list for {form_id}")
        if not form.repeating and len(items) != 1:
            raise _Bad(f"has several entries of the single form {form_id}")
        entries: list[DeidentifiedEntry] = []
        for item in items:
            obj = _dict(item, f"an entry of {form_id}")
            _keys(obj, _ENTRY_KEYS, f"an entry of {form_id}")
            entry_id = _str(obj["entry"], "an entry id")
            if form.repeating and ENTRY_ID_RE.fullmatch(entry_id) is None:
                raise _Bad(f"has an invalid entry id in {form_id}")
            if not form.repeating and entry_id != "":
                raise _Bad(f"has an entry id in the single form {form_id}")
            values = self._values(form_id, _dict(obj["values"], "'values'"), dates)
            entries.append(DeidentifiedEntry(entry_id, values))
        ids = [e.entry_id for e in entries]
        if ids != sorted(set(ids)):
            raise _Bad(f"has repeated or unordered entry ids in {form_id}")
        return tuple(entries)

    def _values(self, form_id: str, values: dict[str, Any], dates: bool) -> dict[str, Any]:
        removed = self.policy.removed_fields[form_id]
        checks = self._checks.get(form_id, {})
        out: dict[str, Any] = {}
        for field_id in sorted(values):
            data = values[field_id]
            if field_id in removed:
                where = f"{form_id}.{field_id}"
                raise _Bad(f"contains the field {where!a}", PayloadProblem.IDENTIFYING)
            known = checks.get(field_id)
            if known is None:
                where = f"{form_id}.{field_id}"
                raise _Bad(f"contains an unknown field {where!a}")
            f, fast = known
            if f.type is FieldType.DATE:
                if type(data) is not int and not isinstance(data, dict):
                    raise _Bad(
                        f"has a date that is not a study day in {form_id}.{field_id}",
                        PayloadProblem.IDENTIFYING
                        if isinstance(data, str)
                        else PayloadProblem.MALFORMED,
                    )
                if not dates and needs_first_dose(data):
                    where = f"{form_id}.{field_id}"
                    raise _Bad(f"has a date of a patient without a first dose date in {where}")
                problem = date_problem(f, data)
                if problem is not None:
                    raise _Bad(f"has {problem} in {form_id}.{field_id}")
                out[field_id] = data
                continue
            value = fast(data)
            if value is _SLOW:
                where = f"{form_id}.{field_id}"
                value = to_json(f, _typed_value(self.definition, f, data, where))
            out[field_id] = value
        return out

    def read_all(self) -> list[DeidentifiedPatient]:
        """Every patient (validated); for small payloads and tests."""
        return list(self.patients())
