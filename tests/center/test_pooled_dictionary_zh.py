"""The pooled workbook's ``dictionary`` sheet, read back with openpyxl: every ADaM column
has its Chinese label (``Column.label_zh`` of the CDISC package's builders) beside the
English one."""

from __future__ import annotations

import re
from pathlib import Path

from openpyxl import load_workbook

from rego_desktop.cdisc.adam import DATASETS
from rego_desktop.cdisc.source import source_of
from rego_desktop.center.db import CenterDatabase
from rego_desktop.center.merge import merge_file
from rego_desktop.center.pooled_workbook import write_pooled_workbook
from rego_desktop.study import CURRENT
from tests.center.conftest import CENTER, Network

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_adam_dictionary_rows_have_chinese_labels(
    network: Network, center_db: CenterDatabase, tmp_path: Path
) -> None:
    site = sorted(network.sites)[0]
    merge_file(center_db, network.sites[site].files[0], CENTER, network.registry)
    path = tmp_path / "pooled.xlsx"
    write_pooled_workbook(center_db, path, site=site)
    wb = load_workbook(path, read_only=True)
    try:
        rows = list(wb["dictionary"].iter_rows(values_only=True))
    finally:
        wb.close()
    header = [str(h) for h in rows[0]]
    at = {name: header.index(name) for name in ("sheet", "column", "label_en", "label_zh")}
    found = {
        (r[at["sheet"]], r[at["column"]]): (r[at["label_en"]], r[at["label_zh"]]) for r in rows[1:]
    }
    empty = source_of([], CURRENT, deidentified=True)
    expected = {
        (t.name, c.name): (c.label, c.label_zh)
        for t in (build(empty) for build in DATASETS)
        for c in t.columns
    }
    assert {key: found.get(key) for key in expected} == expected
    assert all(CJK.search(zh) for _en, zh in expected.values())
