"""The transport writer read back by independent readers (pyreadstat, pandas)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest

from rego_desktop.cdisc.xpt import Dataset, Variable, XptError, ibm_float, write_xpt

MOMENT = dt.datetime(2026, 1, 2, 3, 4, 5)


def _write(path: Path, dataset: Dataset) -> Path:
    with path.open("wb") as out:
        write_xpt(out, [dataset], MOMENT)
    return path


DATASET = Dataset(
    "ADTTE",
    "Time-to-Event Analysis Dataset",
    (
        Variable("USUBJID", "Unique Subject Identifier", "char", 20),
        Variable("AVAL", "Analysis Value", "num"),
        Variable("ADT", "Analysis Date", "num", date=True),
        Variable("X", "One byte", "char", 1),
    ),
    (
        ("S-0001", 100, dt.date(2024, 3, 5), "Y"),
        ("S-0002", None, None, ""),
        ("S-0003", -0.1, dt.date(1959, 12, 31), None),
        ("S-0004", 1e-5, None, "N"),
        ("S-0005", 123456789.125, None, "N"),
    ),
)


def test_pyreadstat_reads_names_labels_types_lengths_and_values(tmp_path: Path) -> None:
    df, meta = pyreadstat.read_xport(str(_write(tmp_path / "adtte.xpt", DATASET)))
    assert meta.table_name == "ADTTE"
    assert meta.file_label == "Time-to-Event Analysis Dataset"
    assert meta.column_names == ["USUBJID", "AVAL", "ADT", "X"]
    assert meta.column_labels == [v.label for v in DATASET.variables]
    assert meta.readstat_variable_types == {
        "USUBJID": "string",
        "AVAL": "double",
        "ADT": "double",
        "X": "string",
    }
    assert meta.variable_storage_width == {"USUBJID": 20, "AVAL": 8, "ADT": 8, "X": 1}
    assert meta.original_variable_types["ADT"] == "DATE9."
    assert list(df["USUBJID"]) == [r[0] for r in DATASET.rows]
    assert df["AVAL"].tolist()[0] == 100
    assert pd.isna(df["AVAL"][1])
    assert df["AVAL"][2] == pytest.approx(-0.1, rel=1e-15)
    assert df["AVAL"][3] == pytest.approx(1e-5, rel=1e-15)
    assert df["AVAL"][4] == 123456789.125
    assert df["ADT"][0] == dt.date(2024, 3, 5)
    assert df["ADT"][2] == dt.date(1959, 12, 31)
    assert pd.isna(df["ADT"][1])
    assert list(df["X"]) == ["Y", "", "", "N", "N"]
    assert meta.number_rows == 5


def test_pandas_reads_it_too(tmp_path: Path) -> None:
    # pandas counts blank 8-byte words of the last 80-byte record as padding, so a last
    # row ending in blanks can be lost (a pandas limitation); this one ends in data.
    rows = (*DATASET.rows[:4], ("S-0005-XXXXXXXXXXXXX", 1.0, dt.date(2024, 1, 1), "N"))
    dataset = Dataset(DATASET.name, DATASET.label, DATASET.variables, rows)
    df = pd.read_sas(_write(tmp_path / "adtte.xpt", dataset), format="xport", encoding="ascii")
    assert list(df.columns) == ["USUBJID", "AVAL", "ADT", "X"]
    assert len(df) == 5
    assert df["AVAL"][0] == 100
    assert df["ADT"][0] == (dt.date(2024, 3, 5) - dt.date(1960, 1, 1)).days


def test_ibm_float_known_values() -> None:
    assert ibm_float(1.0) == bytes.fromhex("4110000000000000")
    assert ibm_float(-118.625) == bytes.fromhex("C276A00000000000")
    assert ibm_float(0.0) == bytes(8)


@pytest.mark.parametrize(
    ("variables", "rows"),
    [
        ((Variable("lower", "x", "char", 1),), ()),
        ((Variable("TOOLONGNAME", "x", "char", 1),), ()),
        ((Variable("A", "x" * 41, "char", 1),), ()),
        ((Variable("A", "x", "char", 201),), ()),
        ((Variable("A", "x", "char", 2),), (("abc",),)),
        ((Variable("A", "x", "char", 8),), (("中文",),)),
        ((Variable("A", "x", "num"),), (("1",),)),
    ],
)
def test_refuses_what_version_5_cannot_hold(
    tmp_path: Path, variables: tuple[Variable, ...], rows: tuple[tuple[str, ...], ...]
) -> None:
    with pytest.raises(XptError):
        _write(tmp_path / "x.xpt", Dataset("DS", "x", variables, rows))
