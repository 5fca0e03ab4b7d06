"""Every column of the ADaM datasets has a Simplified Chinese label (``Column.label_zh``),
the one the center's pooled workbook dictionary shows beside the English label; the
transport files keep the English label alone."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from rego_desktop.cdisc.adam import DATASETS
from rego_desktop.cdisc.sdtm import DOMAINS
from rego_desktop.cdisc.source import source_of
from rego_desktop.cdisc.table import Column, Table
from rego_desktop.study import CURRENT
from tests.cdisc.richbook import rich_casebook

CJK = re.compile(r"[\u4e00-\u9fff]")


def _empty() -> list[Table]:
    """As the center's pooled workbook builds them before any patient is added."""
    source = source_of([], CURRENT, deidentified=True)
    return [build(source) for build in DATASETS]


def _filled() -> list[Table]:
    source = source_of([rich_casebook()], CURRENT, deidentified=False)
    return [build(source) for build in DATASETS]


@pytest.mark.parametrize("make", [_empty, _filled], ids=["empty", "one patient"])
def test_every_adam_column_has_a_chinese_label(make: Callable[[], list[Table]]) -> None:
    tables = make()
    assert [t.name for t in tables] == ["ADSL", "ADTTE", "ADRS", "ADAE"]
    missing = [
        f"{t.name}.{c.name}"
        for t in tables
        for c in t.columns
        if not c.label_zh.strip() or not CJK.search(c.label_zh)
    ]
    assert missing == []
    # a translation, not the English label copied
    assert all(c.label_zh != c.label for t in tables for c in t.columns)


def test_chinese_labels_as_a_biostatistician_writes_them() -> None:
    by = {(t.name, c.name): c.label_zh for t in _empty() for c in t.columns}
    assert by[("ADSL", "USUBJID")] == "受试者唯一标识符"
    assert by[("ADTTE", "AVAL")] == "分析值"
    assert by[("ADTTE", "CNSR")] == "删失"
    assert by[("ADTTE", "PARAMCD")] == "参数代码"
    assert by[("ADAE", "TRTEMFL")] == "治疗期出现的不良事件标志"
    # a variable shared by several datasets reads the same in each
    shared: dict[str, set[str]] = {}
    for (_table, name), zh in by.items():
        shared.setdefault(name, set()).add(zh)
    assert {name: zhs for name, zhs in shared.items() if len(zhs) > 1} == {}


def test_transport_files_and_sdtm_keep_the_english_label() -> None:
    source = source_of([rich_casebook()], CURRENT, deidentified=False)
    adsl = DATASETS[0](source)
    dataset = adsl.dataset()
    assert [v.label for v in dataset.variables] == [c.label for c in adsl.columns]
    assert not any(CJK.search(v.label) for v in dataset.variables)
    # SDTM has no Chinese labels; the identifiers ADaM shares with it differ only there
    dm = next(t for t in (build(source) for build in DOMAINS) if t.name == "DM")
    assert all(c.label_zh == "" for c in dm.columns)
    sdtm_usubjid, adam_usubjid = dm.column("USUBJID"), adsl.column("USUBJID")
    assert isinstance(adam_usubjid, Column)
    assert (sdtm_usubjid.label, sdtm_usubjid.origin, sdtm_usubjid.derivation) == (
        adam_usubjid.label,
        adam_usubjid.origin,
        adam_usubjid.derivation,
    )
