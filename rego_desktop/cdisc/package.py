"""The standard package: ``odm.xml``, SDTM and ADaM ``.xpt`` files, ``define.xml`` with
its HTML rendering, and ``README.txt`` saying what was not mapped and how to open it.

Every file is written to a temporary file beside it and renamed into place.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import BinaryIO

from rego_desktop.casebook import Casebook
from rego_desktop.cdisc import define
from rego_desktop.cdisc.adam import DATASETS
from rego_desktop.cdisc.odm import odm_document
from rego_desktop.cdisc.sdtm import DOMAINS
from rego_desktop.cdisc.source import deidentified_books, source_of
from rego_desktop.cdisc.table import Table
from rego_desktop.cdisc.terminology import VALUE_MAPS, unmapped
from rego_desktop.cdisc.xpt import write_xpt
from rego_desktop.files import write_file_atomically
from rego_desktop.study.schema import FieldType, StudyDefinition

# CRF forms an SDTM domain of this package draws on (the rest is listed as not mapped).
MAPPED_FORMS = frozenset(
    {
        "demographics",
        "adverse_events",
        "cycles",
        "dose_changes",
        "treatment",
        "response_assessments",
        "survival",
        "eligibility",
        "progression",
    }
)
NOT_PRODUCED = (
    (
        "LB",
        "laboratory tests (lab_tests, baseline_liver, cycles): LBTESTCD/unit mapping "
        "not declared yet",
    ),
    ("MH", "medical history and HCC history: MedDRA coding of conditions not available"),
    ("CM", "prior and subsequent anticancer treatments: not mapped yet"),
    ("ADAE", "treatment-emergent flag and worst grade dataset: not produced yet"),
)


@dataclass(frozen=True)
class PackageReport:
    out: Path
    files: tuple[str, ...]
    subjects: int
    tables: dict[str, int]


def _write(path: Path, produce: Callable[[BinaryIO], object]) -> None:
    def run(out: BinaryIO) -> None:
        produce(out)  # the writers' return values (byte counts) do not matter

    write_file_atomically(
        path,
        run,
        private=True,
        what="the CDISC package file",
        what_zh="CDISC数据包文件",
    )


def readme(definition: StudyDefinition, tables: Sequence[Table], *, deidentified: bool) -> str:
    lines = [
        f"CDISC package of study {definition.id} (definition {definition.version})",
        "",
        "Files",
        "  odm.xml          CDISC ODM 1.3.2: study metadata (forms, items, code lists in",
        "                   English and Chinese, units, range checks) and clinical data",
        "  define.xml       Define-XML 2.1 of the SDTM and ADaM datasets; define.html reads it",
    ]
    for t in tables:
        lines.append(
            f"  {t.name.lower() + '.xpt':<16} {t.standard} {t.label} ({len(t.rows)} records)"
        )
    lines += [
        "",
        "Opening the transport files (SAS version 5 transport, one dataset per file)",
        '  R:      haven::read_xpt("adtte.xpt")',
        '  SAS:    libname x xport "adtte.xpt"; proc copy in=x out=work; run;',
        '  Python: pyreadstat.read_xport("adtte.xpt"); pandas.read_sas(..., format="xport")',
        "          may drop a last record that ends in blanks (it takes them for padding)",
        "",
    ]
    if deidentified:
        lines += [
            "De-identified: calendar dates are not included. Every --DTC and date variable",
            "(TRTSDT, STARTDT, ADT) is blank; study days (--DY, ADY, AVAL) are given, day 1 =",
            "first dose of regorafenib, no day 0. In odm.xml date items hold study days.",
            "",
        ]
    lines.append("Not mapped, and why")
    for name, why in NOT_PRODUCED:
        lines.append(f"  {name}: {why}")
    lines.append("  AE: MedDRA lowest-level-term codes are not in the study's CTCAE code list")
    lines.append(
        "  odm.xml: AuditRecord, Signature and missing-data Flag elements are not written yet"
    )
    for form in definition.forms:
        if form.identifying:
            lines.append(f"  form {form.id}: identifying, never leaves the site")
            continue
        if form.id not in MAPPED_FORMS:
            lines.append(f"  form {form.id}: in odm.xml only (no SDTM domain yet)")
        for f in form.fields:
            if f.free_text or f.identifying or f.type is FieldType.TEXT:
                lines.append(f"  {form.id}.{f.id}: free text, not exported")
    for list_id in sorted(VALUE_MAPS):
        if list_id in definition.codelists:
            missing = unmapped(list_id, definition.codelist(list_id).values())
            if missing:
                lines.append(f"  code list {list_id}: no CDISC term for {', '.join(missing)}")
    return "\n".join(lines) + "\n"


def write_package(
    books: Sequence[Casebook],
    definition: StudyDefinition,
    out: Path,
    *,
    deidentified: bool,
    already_deidentified: bool = False,
    now: dt.datetime | None = None,
) -> PackageReport:
    """Write the package of ``books`` into ``out`` (created if missing).

    ``already_deidentified``: the casebooks were rebuilt from transfer files (the
    center); otherwise, with ``deidentified``, they are de-identified here first.
    """
    moment = now or dt.datetime.now(dt.UTC).replace(microsecond=0)
    if deidentified and not already_deidentified:
        books = deidentified_books(books)
    source = source_of(books, definition, deidentified=deidentified or already_deidentified)
    out.mkdir(parents=True, exist_ok=True)
    tables = [build(source) for build in (*DOMAINS, *DATASETS)]
    files: list[str] = []
    for table in tables:
        name = f"{table.name.lower()}.xpt"
        datasets = [table.dataset()]
        _write(out / name, partial(write_xpt, datasets=datasets, moment=moment))
        files.append(name)
    tree = odm_document(source, moment)

    def odm(o: BinaryIO) -> None:
        buffer = io.BytesIO()
        tree.write(buffer, encoding="utf-8", xml_declaration=True)
        o.write(buffer.getvalue())

    _write(out / "odm.xml", odm)
    files.append("odm.xml")
    define_xml, define_html = define.render(definition, tables, moment)
    _write(out / "define.xml", lambda o: o.write(define_xml))
    _write(out / "define.html", lambda o: o.write(define_html))
    files += ["define.xml", "define.html"]
    text = readme(definition, tables, deidentified=source.deidentified)
    _write(out / "README.txt", lambda o: o.write(text.encode("utf-8")))
    files.append("README.txt")
    return PackageReport(
        out, tuple(files), len(source.subjects), {t.name: len(t.rows) for t in tables}
    )
