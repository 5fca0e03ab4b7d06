"""The shortcuts of the bulk loader give exactly what the plain conversions give."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from rego_desktop.analysis.loading import FieldReader, LazyValues
from rego_desktop.bulk import JsonObjects
from rego_desktop.study import CURRENT
from rego_desktop.study.values import from_json

# JSON values of every type a record may hold, right or wrong for the field.
SAMPLES: list[Any] = [
    None,
    "",
    "yes",
    "2024-02-29",
    "12.5",
    0,
    7,
    -3,
    True,
    False,
    0.0,
    12.5,
    -1e300,
    ["a", "b"],
    [],
    {"value": 12.5, "unit": "g/dL"},
    {"value": 3, "unit": "umol/L"},
]


def _outcome(convert: Any, data: Any) -> tuple[str, Any]:
    try:
        value = convert(data)
    except Exception as exc:  # the kind of failure is compared
        return ("raises", type(exc))
    return ("value", (type(value), value))


@pytest.mark.parametrize("data", SAMPLES, ids=repr)
def test_field_reader_equals_from_json_for_every_field(data: Any) -> None:
    for form in CURRENT.forms:
        for f in form.fields:
            reader = FieldReader(f)
            expected = _outcome(lambda d, f=f: from_json(f, d), data)
            assert _outcome(reader, data) == expected, (form.id, f.id, data)
            values = LazyValues({f.id: reader}, {f.id: data})
            assert _outcome(lambda d, v=values, k=f.id: v[k], data) == expected, (form.id, f.id)


def test_lazy_values_leave_out_undefined_fields() -> None:
    form = CURRENT.form("treatment")
    readers = {f.id: FieldReader(f) for f in form.fields}
    values = LazyValues(readers, {"first_dose_date": "2024-01-02", "not_a_field": 1})
    assert dict(values) == {
        "first_dose_date": from_json(form.field("first_dose_date"), "2024-01-02")
    }
    assert values.get("not_a_field", "absent") == "absent"
    assert "not_a_field" not in values
    assert len(values) == 1


@pytest.mark.parametrize(
    "plain",
    [
        b'{"a":1,"b":[1,2.5,"x"],"c":{"value":1.5,"unit":"g/dL"},"d":null,"e":"\\u00e9\\"\\\\"}',
        '{"名":"张三","x":true}'.encode(),
        b"{}",
        b' {"a":1}',
        b'{"a":1} ',
        b'{"a":1}\n',
        b"[1,2]",
        b'"text"',
        b"12",
        b'{"a":NaN,"b":Infinity}',
    ],
)
def test_json_objects_equal_json_loads(plain: bytes) -> None:
    loaded = json.loads(plain.decode())
    got = JsonObjects()(plain)
    if isinstance(loaded, dict) and any(
        isinstance(v, float) and math.isnan(v) for v in loaded.values()
    ):
        assert json.dumps(got) == json.dumps(loaded)
    else:
        assert got == loaded
        assert type(got) is type(loaded)


@pytest.mark.parametrize("plain", [b"", b"{", b'{"a":1}x', b'{"a":1}{"b":2}', b"nope", b"  "])
def test_json_objects_refuse_what_json_loads_refuses(plain: bytes) -> None:
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(plain.decode())
    with pytest.raises(json.JSONDecodeError) as got:
        JsonObjects()(plain)
    assert str(got.value) == str(expected.value)
