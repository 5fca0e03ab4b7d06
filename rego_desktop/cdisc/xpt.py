"""SAS transport files, version 5 (SAS technical support document TS-140).

A transport file is a sequence of 80-byte records: a library header, then for each
member (dataset) a member header, one 140-byte *namestr* per variable, and the
observations, each row the concatenation of its fields. Numbers are 8-byte IBM
System/360 floating point, big-endian; a missing number is ``.`` followed by zeros;
character values are blank-padded ASCII. Names have at most 8 characters, labels 40,
character values 200 bytes (the FDA's and China NMPA's limits for submissions).

This writer is deliberately small: no compression, no formats catalogue; a date
variable is a number of days since 1960-01-01 with the ``DATE9.`` display format.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO, Literal

__all__ = [
    "SAS_EPOCH",
    "Dataset",
    "Variable",
    "XptError",
    "ibm_float",
    "write_xpt",
]

SAS_EPOCH = dt.date(1960, 1, 1)
_RECORD = 80
_NAMESTR = 140
_NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,7}$")
Cell = str | int | float | dt.date | None


class XptError(ValueError):
    """A dataset that a version 5 transport file cannot hold (said which and why)."""


@dataclass(frozen=True)
class Variable:
    """One column: ``kind`` "char" (``length`` bytes, 1-200) or "num" (8 bytes);
    ``date``: a numeric SAS date shown with ``DATE9.``."""

    name: str
    label: str
    kind: Literal["char", "num"]
    length: int = 8
    date: bool = False

    def check(self, dataset: str) -> None:
        where = f"{dataset}.{self.name}"
        if not _NAME.match(self.name):
            raise XptError(f"{where}: a name is 1-8 letters, digits or _, starting with a letter")
        if len(self.label) > 40 or not self.label.isascii():
            raise XptError(f"{where}: the label must be ASCII and at most 40 characters")
        if self.kind == "char" and not 1 <= self.length <= 200:
            raise XptError(f"{where}: character length {self.length} is not 1-200")
        if self.kind == "num" and self.length != 8:
            raise XptError(f"{where}: numbers are 8 bytes")


@dataclass(frozen=True)
class Dataset:
    """A member of the transport file: name, label, variables and rows (tuples of cells:
    ``str`` for char, ``int``/``float``/``date``/``None`` for num; ``None`` is missing)."""

    name: str
    label: str
    variables: tuple[Variable, ...]
    rows: tuple[tuple[Cell, ...], ...]

    def check(self) -> None:
        if not _NAME.match(self.name):
            raise XptError(f"dataset name {self.name!r} is not a SAS version 5 name")
        if len(self.label) > 40 or not self.label.isascii():
            raise XptError(f"{self.name}: the label must be ASCII and at most 40 characters")
        names = [v.name for v in self.variables]
        if len(set(names)) != len(names):
            raise XptError(f"{self.name}: a variable name appears twice")
        if len(self.variables) > 9999:
            raise XptError(f"{self.name}: more than 9999 variables")
        for v in self.variables:
            v.check(self.name)


def ibm_float(value: float) -> bytes:
    """``value`` as an 8-byte IBM hexadecimal floating-point number (big-endian)."""
    if math.isnan(value) or math.isinf(value):
        raise XptError(f"{value} cannot be written to a transport file")
    if value == 0:
        return bytes(8)
    sign = 0x80 if value < 0 else 0
    fraction, exponent2 = math.frexp(abs(value))  # value = fraction * 2**exponent2
    exponent16 = -((-exponent2) // 4)  # ceil(exponent2 / 4)
    mantissa = round(fraction * 2.0 ** (exponent2 - 4 * exponent16 + 56))
    if mantissa >= 1 << 56:  # rounding carried into a new hexadecimal digit
        mantissa >>= 4
        exponent16 += 1
    biased = exponent16 + 64
    if biased > 127:
        raise XptError(f"{value} is too large for an IBM floating-point number")
    if biased < 0:  # smaller than IBM can hold: zero
        return bytes(8)
    return bytes([sign | biased]) + mantissa.to_bytes(7, "big")


_MISSING = b"." + bytes(7)


def _stamp(moment: dt.datetime) -> bytes:
    text = moment.strftime("%d%b%y:%H:%M:%S").upper()
    return text.encode("ascii")


def _pad(data: bytes, size: int) -> bytes:
    return data + b" " * (size - len(data))


def _text(value: str, size: int) -> bytes:
    return _pad(value.encode("ascii"), size)


def _header(kind: str, numbers: str = "0" * 30) -> bytes:
    record = f"HEADER RECORD*******{kind:<8}HEADER RECORD!!!!!!!{numbers}"
    return _pad(record.encode("ascii"), _RECORD)


def _library_header(moment: dt.datetime) -> bytes:
    stamp = _stamp(moment)
    first = _text("SAS", 8) * 2 + _text("SASLIB", 8) + _text("9.4", 8) + _text("rego", 8)
    return _header("LIBRARY") + _pad(first + b" " * 24 + stamp, _RECORD) + _pad(stamp, _RECORD)


def _namestr(index: int, variable: Variable, position: int) -> bytes:
    kind = 1 if variable.kind == "num" else 2
    form = "DATE" if variable.date else ""
    form_length = 9 if variable.date else 0
    packed = struct.pack(
        ">hhhh8s40s8shhh2s8shhi52s",
        kind,
        0,
        variable.length,
        index,
        _text(variable.name, 8),
        _text(variable.label, 40),
        _text(form, 8),
        form_length,
        0,
        0,
        b"\0\0",
        _text(form, 8),
        form_length,
        0,
        position,
        bytes(52),
    )
    assert len(packed) == _NAMESTR
    return packed


def _cell(dataset: str, variable: Variable, value: Cell) -> bytes:
    if variable.kind == "char":
        text = "" if value is None else value
        if not isinstance(text, str):
            raise XptError(f"{dataset}.{variable.name}: {value!r} is not text")
        try:
            data = text.encode("ascii")
        except UnicodeEncodeError as exc:
            raise XptError(f"{dataset}.{variable.name}: {text!r} is not ASCII") from exc
        if len(data) > variable.length:
            raise XptError(f"{dataset}.{variable.name}: {text!r} is longer than {variable.length}")
        return _pad(data, variable.length)
    if value is None:
        return _MISSING
    if isinstance(value, dt.date):
        return ibm_float(float((value - SAS_EPOCH).days))
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise XptError(f"{dataset}.{variable.name}: {value!r} is not a number")
    if isinstance(value, float) and math.isnan(value):
        return _MISSING
    return ibm_float(float(value))


def _member(dataset: Dataset, moment: dt.datetime) -> bytes:
    dataset.check()
    stamp = _stamp(moment)
    out = bytearray()
    out += _header("MEMBER", "000000000000000001600000000140")
    out += _header("DSCRPTR")
    first = _text("SAS", 8) + _text(dataset.name, 8) + _text("SASDATA", 8) + _text("9.4", 8)
    out += _pad(first + _text("rego", 8) + b" " * 24 + stamp, _RECORD)
    out += _pad(stamp + b" " * 16 + _text(dataset.label, 40) + _text("", 8), _RECORD)
    out += _header("NAMESTR", f"000000{len(dataset.variables):04d}" + "0" * 20)
    names = bytearray()
    position = 0
    for index, variable in enumerate(dataset.variables, start=1):
        names += _namestr(index, variable, position)
        position += variable.length
    out += _pad(bytes(names), -(-len(names) // _RECORD) * _RECORD)
    out += _header("OBS")
    data = bytearray()
    for row in dataset.rows:
        if len(row) != len(dataset.variables):
            raise XptError(
                f"{dataset.name}: a row has {len(row)} values, not {len(dataset.variables)}"
            )
        for variable, value in zip(dataset.variables, row, strict=True):
            data += _cell(dataset.name, variable, value)
    out += _pad(bytes(data), -(-len(data) // _RECORD) * _RECORD)
    return bytes(out)


def write_xpt(out: BinaryIO, datasets: Sequence[Dataset], moment: dt.datetime) -> None:
    """Write ``datasets`` as one transport file (SDTM/ADaM use one dataset per file)."""
    out.write(_library_header(moment))
    for dataset in datasets:
        out.write(_member(dataset, moment))
