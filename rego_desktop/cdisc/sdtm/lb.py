"""LB: one record per laboratory test per sample, from every lab section of the study
definition (:mod:`rego_desktop.cdisc.labs`): baseline liver function, each cycle's
liver function and blood counts, the laboratory tests form and the primary tumour's AFP.

A result is written as entered (``LBORRES``, ``LBORRESU``) and in the field's canonical
unit (``LBSTRESN``, ``LBSTRESU``). A result recorded as not done or unknown
(:class:`~rego_desktop.study.values.Missing`) is a record with ``LBSTAT`` = NOT DONE
and the reason in ``LBREASND``.
"""

from __future__ import annotations

from collections.abc import Mapping

from rego_desktop.cdisc.labs import LAB_TESTS, LabSection, lab_sections
from rego_desktop.cdisc.sdtm.common import EPOCH, STUDYID, USUBJID, domain, dtc, dy, sequence
from rego_desktop.cdisc.sdtm.epoch import epoch
from rego_desktop.cdisc.source import Source, Subject
from rego_desktop.cdisc.table import Column, Table, plain_number
from rego_desktop.cdisc.xpt import Cell
from rego_desktop.study.schema import Field, Phase
from rego_desktop.study.values import Missing, Quantity

SOURCE = "each lab field of the study definition (rego_desktop.cdisc.labs)"


def _columns() -> tuple[Column, ...]:
    return (
        STUDYID,
        domain("LB"),
        USUBJID,
        sequence("LB"),
        Column(
            "LBTESTCD",
            "Lab Test or Examination Short Name",
            origin="Assigned",
            codelist="LBTESTCD",
            derivation="From the field id, declared once in rego_desktop.cdisc.labs",
        ),
        Column(
            "LBTEST",
            "Lab Test or Examination Name",
            origin="Assigned",
            codelist="LBTEST",
            derivation="Name of LBTESTCD",
        ),
        Column("LBCAT", "Category for Lab Test", origin="Assigned"),
        Column("LBORRES", "Result or Finding in Original Units", source=SOURCE),
        Column(
            "LBORRESU", "Original Units", source=SOURCE, codelist="UNIT", derivation="Unit entered"
        ),
        Column(
            "LBSTRESC",
            "Character Result/Finding in Std Format",
            origin="Derived",
            derivation="LBSTRESN as text",
        ),
        Column(
            "LBSTRESN",
            "Numeric Result/Finding in Standard Units",
            "num",
            origin="Derived",
            derivation="LBORRES converted to the field's canonical unit with the study "
            "definition's factor",
        ),
        Column(
            "LBSTRESU",
            "Standard Units",
            origin="Assigned",
            codelist="UNIT",
            derivation="The field's canonical unit (the study definition's first unit)",
        ),
        Column(
            "LBSTAT",
            "Completion Status",
            origin="Derived",
            codelist="ND",
            derivation='"NOT DONE" when the result is recorded as not done or unknown',
        ),
        Column(
            "LBREASND",
            "Reason Test Not Done",
            origin="Derived",
            derivation="The missing-data reason recorded (not done; unknown / not recorded)",
        ),
        Column("LBSPEC", "Specimen Type", origin="Assigned"),
        Column(
            "VISIT",
            "Visit Name",
            origin="Derived",
            derivation="BASELINE for the forms before the first dose, CYCLE n for a cycle",
        ),
        dtc("LBDTC", "Date/Time of Specimen Collection", SOURCE),
        dy("LBDY", "Study Day of Specimen Collection", "LBDTC"),
        EPOCH,
    )


def _visit(lab: LabSection, values: Mapping[str, object]) -> str:
    if lab.form.id == "cycles":
        number = values.get("cycle_number")
        return f"CYCLE {number}" if isinstance(number, int) else "CYCLE"
    if lab.form.phase is Phase.SCREENING and not lab.form.repeating:
        return "BASELINE"
    return ""


def _result(f: Field, value: object) -> dict[str, Cell] | None:
    """The result columns of one field's value (``None`` when nothing was entered)."""
    canonical = f.canonical_unit or ""
    if isinstance(value, Missing):
        return {
            "LBORRES": "",
            "LBORRESU": "",
            "LBSTRESC": "",
            "LBSTRESN": None,
            "LBSTRESU": "",
            "LBSTAT": "NOT DONE",
            "LBREASND": value.label.en.upper(),
        }
    if isinstance(value, Quantity):
        standard = value.canonical(f)
        return {
            "LBORRES": plain_number(value.value),
            "LBORRESU": value.unit,
            "LBSTRESC": plain_number(standard),
            "LBSTRESN": standard,
            "LBSTRESU": canonical,
        }
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        return {
            "LBORRES": plain_number(number),
            "LBORRESU": canonical,
            "LBSTRESC": plain_number(number),
            "LBSTRESN": number,
            "LBSTRESU": canonical,
        }
    return None


def _records(source: Source, s: Subject) -> list[dict[str, Cell]]:
    records: list[tuple[tuple[int, str], dict[str, Cell]]] = []
    for lab in lab_sections(source.definition):
        for entry in s.data.items(lab.form.id):
            values = dict(entry.values)
            on = values.get(lab.date_field) if lab.date_field else None
            for f in lab.tests:
                result = _result(f, values.get(f.id))
                if result is None:
                    continue
                test = LAB_TESTS[f.id]
                day = source.day(on, s)
                record: dict[str, Cell] = {
                    "STUDYID": source.studyid,
                    "DOMAIN": "LB",
                    "USUBJID": s.usubjid,
                    "LBTESTCD": test.testcd,
                    "LBTEST": test.test,
                    "LBCAT": test.category,
                    **result,
                    "LBSPEC": test.specimen,
                    "VISIT": _visit(lab, values),
                    "LBDTC": source.dtc(on),
                    "LBDY": day,
                    "EPOCH": epoch(s, on),
                }
                # Dated records in date order; undated (baseline AFP) first.
                key = (day if day is not None else -(10**9), test.testcd)
                records.append((key, record))
    records.sort(key=lambda item: item[0])
    return [r for _, r in records]


def build(source: Source) -> Table:
    table = Table(
        "LB",
        "Laboratory Test Results",
        "SDTM",
        "FINDINGS",
        "One record per lab test per sample per subject",
        ("STUDYID", "USUBJID", "LBTESTCD", "VISIT", "LBDTC"),
        _columns(),
    )
    for s in source.subjects:
        for number, record in enumerate(_records(source, s), start=1):
            record["LBSEQ"] = number
            table.add(record)
    return table
