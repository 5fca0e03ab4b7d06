"""Payloads of odd structure, about 2 MB each, that a reader must refuse in time linear
in their size (issue 14, "slow refusals"): kept as fixtures for the tests (which check
that each is refused with a message) and for ``bench/bench_refusals.py`` (which times
them; the target is 0.5 s each).

Each case is the valid manifest line followed by the odd part, and the chunk size the
container delivers it in: the smallest chunk the container format allows (16 bytes)
turned a long line into quadratic work before the line splitter searched only new bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from rego_desktop.exchange.container import MIN_CHUNK_SIZE
from tests.exchange.casebooks import payload_bytes

SIZE = 2_000_000
_VALID = payload_bytes().splitlines(keepends=True)
_MANIFEST = _VALID[0]
_PATIENT = json.loads(_VALID[1])


@dataclass(frozen=True)
class SlowCase:
    name: str
    data: bytes
    chunk: int

    def chunks(self) -> Iterator[bytes]:
        for i in range(0, len(self.data), self.chunk):
            yield self.data[i : i + self.chunk]


def _patient_with(extra: bytes) -> bytes:
    text = json.dumps(_PATIENT, ensure_ascii=False).encode()
    return text[:-1] + b',"x":' + extra + b"}\n"


def cases() -> list[SlowCase]:
    many_keys = json.dumps({f"k{i}": i for i in range(SIZE // 14)}).encode()
    odd = {
        "one_long_line": b'{"a":"' + b"x" * SIZE + b'"}\n',
        "no_line_break": b"x" * SIZE,
        "deep_lists": b"[" * SIZE + b"\n",
        "deep_objects": b'{"a":' * (SIZE // 5) + b"\n",
        "many_keys": many_keys + b"\n",
        "long_integer": b"1" * SIZE + b"\n",
        "many_empty_lines": b"\n" * SIZE,
        "patient_with_long_list": _patient_with(json.dumps(list(range(SIZE // 7))).encode()),
        "patient_with_many_keys": _patient_with(many_keys),
    }
    out = []
    for name, tail in odd.items():
        for chunk in (MIN_CHUNK_SIZE, 65536):
            out.append(SlowCase(f"{name}/{chunk}", _MANIFEST + tail, chunk))
    return out
