"""The shared derived-value result type."""

from __future__ import annotations

import pytest

from rego_desktop.rules.derived import (
    Computed,
    Derived,
    NotComputable,
    missing_inputs,
    value_or_none,
)


def test_not_computable_describes_what_is_missing() -> None:
    result = NotComputable(("bilirubin", "inr"))
    assert result.computable is False
    assert result.describe() == "not computable: missing bilirubin, inr"


def test_not_computable_refuses_an_empty_missing_list() -> None:
    with pytest.raises(ValueError, match="at least one"):
        NotComputable(())


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        pytest.param({"a": 1, "b": None, "c": 0}, ("b",), id="zero_is_not_missing"),
        pytest.param({"a": None, "b": None}, ("a", "b"), id="order_kept"),
        pytest.param({"a": 0.0}, (), id="none_missing"),
    ],
)
def test_missing_inputs_names_only_none(
    inputs: dict[str, object], expected: tuple[str, ...]
) -> None:
    assert missing_inputs(**inputs) == expected


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        pytest.param(Computed(3.5), 3.5, id="computed"),
        pytest.param(Computed(0.0), 0.0, id="computed_zero"),
        pytest.param(NotComputable(("x",)), None, id="not_computable"),
    ],
)
def test_value_or_none(result: Derived[float], expected: float | None) -> None:
    assert value_or_none(result) == expected
    assert result.computable is (expected is not None)
