"""The precomputed field checks of the payload reader never accept what the full
validation refuses, and give exactly the value it gives."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rego_desktop.exchange.deidentify import export_policy
from rego_desktop.exchange.payload import _SLOW, _Bad, _fast_check, _no_duplicates, _typed_value
from rego_desktop.study import CURRENT
from rego_desktop.study.schema import Field, FieldType
from rego_desktop.study.values import choices, to_json

POLICY = export_policy(CURRENT)
FIELDS: list[Field] = [
    f for fields in POLICY.exported_fields.values() for f in fields if f.type is not FieldType.DATE
]
CHECKS = {id(f): _fast_check(CURRENT, f) for f in FIELDS}


def _near_limits(f: Field) -> list[float]:
    """Numbers on, just inside and just outside the field's limits, in each unit."""
    out: list[float] = []
    factors = [u.factor for u in f.units] or [1.0]
    for limit in (f.limits.minimum, f.limits.maximum):
        if limit is None:
            continue
        for factor in factors:
            edge = limit / factor
            out += [edge, edge - 1e-9, edge + 1e-9, edge - 2e-9, edge + 2e-9]
            out += [math.nextafter(edge - 1e-9, -math.inf), math.nextafter(edge + 1e-9, math.inf)]
            out += [float(round(edge)), float(math.floor(edge)), float(math.ceil(edge))]
    return out


def _numbers(f: Field) -> st.SearchStrategy[Any]:
    edges = _near_limits(f)
    floats = st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from(edges) if edges else st.floats(-1e6, 1e6),
        st.floats(-1e4, 1e4),
    )
    ints = st.one_of(
        st.integers(-(10**20), 10**20),
        st.sampled_from([2**53 - 1, 2**53, -(2**53), 10**400, 0, 1, -1]),
        st.sampled_from([int(x) for x in edges if math.isfinite(x)] or [0]),
        st.integers(-1000, 1000),
    )
    return st.one_of(floats, ints, st.booleans())


def _in_range(f: Field, factor: float) -> st.SearchStrategy[Any]:
    """Numbers of the field's JSON type, mostly within its limits (and on their edges)."""
    low = -1e6 if f.limits.minimum is None else f.limits.minimum / factor
    high = 1e6 if f.limits.maximum is None else f.limits.maximum / factor
    edges = st.sampled_from(_near_limits(f) or [0.0])
    if f.type is FieldType.INTEGER:
        return st.one_of(st.integers(math.ceil(low) - 2, math.floor(high) + 2), edges.map(round))
    return st.one_of(st.floats(low, high), st.integers(math.ceil(low), math.floor(high)), edges)


def _data_for(f: Field) -> st.SearchStrategy[Any]:
    codes = [value for value, _ in choices(CURRENT, f)] or ["x"]
    text = st.one_of(st.sampled_from(codes), st.text(max_size=5), st.sampled_from(["", "yes"]))
    number = _numbers(f)
    units = [u.id for u in f.units] + ["kg", "", "g/dL "]
    quantity = st.one_of(
        st.fixed_dictionaries({"value": number, "unit": st.sampled_from(units)}),
        st.fixed_dictionaries({"value": number, "unit": st.one_of(st.integers(), st.none())}),
        st.fixed_dictionaries(
            {"value": number, "unit": st.sampled_from(units), "extra": st.integers()}
        ),
        st.fixed_dictionaries({"value": number}),
        st.fixed_dictionaries({"value": st.text(max_size=3), "unit": st.sampled_from(units)}),
    )
    listing = st.lists(st.one_of(st.sampled_from(codes), st.text(max_size=3), st.integers()))
    anything = st.one_of(text, number, quantity, listing, st.none(), st.just({}))
    # Mostly data of the field's own kind, so that many cases reach the fast acceptance.
    if f.type in (FieldType.CHOICE, FieldType.YES_NO):
        likely: st.SearchStrategy[Any] = st.sampled_from(codes)
    elif f.type is FieldType.MULTI_CHOICE:
        likely = st.lists(st.sampled_from(codes), max_size=4)
    elif len(f.units) > 1:
        likely = st.sampled_from(f.units).flatmap(
            lambda unit: st.fixed_dictionaries(
                {"value": _in_range(f, unit.factor), "unit": st.just(unit.id)}
            )
        )
    else:
        likely = _in_range(f, f.units[0].factor if f.units else 1.0)
    return st.integers(0, 3).flatmap(lambda pick: likely if pick else anything)


def _slow(f: Field, data: Any) -> tuple[str, Any]:
    try:
        value = to_json(f, _typed_value(CURRENT, f, data, "form.field"))
    except _Bad as exc:
        return ("refused", exc.detail)
    return ("value", value)


@st.composite
def field_and_data(draw: st.DrawFn) -> tuple[Field, Any]:
    f = draw(st.sampled_from(FIELDS))
    return f, draw(_data_for(f))


def _same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(field_and_data())
def test_fast_check_accepts_only_what_the_full_check_accepts(case: tuple[Field, Any]) -> None:
    f, data = case
    fast = CHECKS[id(f)](data)
    if fast is _SLOW:
        return  # the reader then runs the full check itself
    outcome, value = _slow(f, data)
    assert outcome == "value", (f.id, data, value)
    assert _same(fast, value), (f.id, data, fast, value)


def test_fast_check_recognises_the_common_values() -> None:
    """Every field has values the fast check vouches for (else it would be useless)."""
    for f in FIELDS:
        codes = [value for value, _ in choices(CURRENT, f)]
        check = CHECKS[id(f)]
        if f.type in (FieldType.CHOICE, FieldType.YES_NO):
            assert check(codes[0]) == codes[0]
        elif f.type is FieldType.MULTI_CHOICE:
            assert check(codes[:2]) == codes[:2]
        elif len(f.units) > 1:
            unit = f.units[0]
            low = f.limits.minimum if f.limits.minimum is not None else 0.0
            amount = low / unit.factor
            assert check({"value": amount, "unit": unit.id}) == {"value": amount, "unit": unit.id}
        elif f.type is FieldType.INTEGER:
            low = math.ceil(f.limits.minimum or 0)
            assert check(low) == low
        else:
            low = f.limits.minimum or 0.0
            assert check(float(low)) == float(low)


def test_duplicate_keys_are_named_as_before() -> None:
    assert _no_duplicates([("a", 1), ("b", 2)]) == {"a": 1, "b": 2}
    with pytest.raises(_Bad, match="the key 'a' appears twice"):
        _no_duplicates([("a", 1), ("b", 2), ("a", 3)])
    with pytest.raises(_Bad, match="the key 'b' appears twice"):
        _no_duplicates([("x", 1), ("b", 2), ("b", 3), ("x", 4)])
