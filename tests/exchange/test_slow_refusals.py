"""Odd payload structures are refused with a message, whatever chunk size delivers them
(timed by bench/bench_refusals.py, not here)."""

from __future__ import annotations

import pytest

from rego_desktop.exchange.payload import PayloadError, PayloadReader
from tests.exchange.casebooks import header, payload_bytes
from tests.exchange.slow_payloads import SlowCase, cases


@pytest.mark.parametrize("case", cases(), ids=lambda c: c.name)
def test_odd_structures_are_refused(case: SlowCase) -> None:
    with pytest.raises(PayloadError) as info:
        PayloadReader(case.chunks(), header(), source="odd.rgt").read_all()
    assert "odd.rgt" in info.value.message
    assert "internal error" not in info.value.message


def test_the_line_splitter_reads_each_byte_a_bounded_number_of_times() -> None:
    """A long line in 16-byte chunks: the searches for line breaks cover each byte
    once, not once per chunk (which made refusal quadratic)."""
    (case,) = [c for c in cases() if c.name == "one_long_line/16"]
    searched = 0

    class Counting(bytearray):
        def find(self, sub: bytes, start: int = 0, *rest: int) -> int:  # type: ignore[override]
            nonlocal searched
            found = super().find(sub, start, *rest)
            searched += (found if found >= 0 else len(self)) - start
            return found

    reader = PayloadReader(iter([payload_bytes()]), header(), source="odd.rgt")
    import rego_desktop.exchange.payload as payload_module

    original = payload_module.bytearray if hasattr(payload_module, "bytearray") else None
    payload_module.bytearray = Counting  # type: ignore[attr-defined]
    try:
        lines = list(reader._split(case.chunks()))
    finally:
        if original is None:
            del payload_module.bytearray  # type: ignore[attr-defined]
        else:
            payload_module.bytearray = original  # type: ignore[attr-defined]
    assert len(lines) == 2  # the manifest and the long line
    assert 0 < searched <= 2 * len(case.data)
