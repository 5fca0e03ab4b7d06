"""The standard package: ``odm.xml``, SDTM and ADaM ``.xpt`` files, ``define.xml`` with
its HTML rendering, and ``README.txt`` saying what was not mapped and how to open it.

Every file is written to a temporary file beside it and renamed into place.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import BinaryIO

from rego_desktop.casebook import Casebook
from rego_desktop.cdisc import define
from rego_desktop.cdisc.adam import DATASETS
from rego_desktop.cdisc.labs import lab_sections, not_in_lb
from rego_desktop.cdisc.meddra_sources import notes as meddra_notes
from rego_desktop.cdisc.odm import odm_document
from rego_desktop.cdisc.provenance import Provenance, from_casebooks
from rego_desktop.cdisc.sdtm import DOMAINS
from rego_desktop.cdisc.source import deidentified_books, source_of
from rego_desktop.cdisc.table import Table
from rego_desktop.cdisc.terminology import VALUE_MAPS, ct_notes, unmapped
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
        "baseline_liver",
        "lab_tests",
        "medical_history",
        "hcc_history",
        "prior_treatments",
        "subsequent_treatments",
    }
)
# What the mapped domains leave out, and why.
NOT_MAPPED = (
    ("MH", "MHDECOD is blank: conditions are not MedDRA-coded (no dictionary offline)"),
    ("MH", "hcc_history.diagnosis_basis: no MH variable (in odm.xml)"),
    (
        "CM",
        "best response, reason stopped and number of cycles of a regimen have no CM "
        "variable (in odm.xml); CMDECOD is blank (no WHODrug coding offline)",
    ),
    (
        "AE",
        "AEDECOD holds the CTCAE v5.0 term, a MedDRA lowest-level term; the preferred "
        "term and the higher MedDRA levels are not held offline",
    ),
    (
        "ADAE",
        "treatment-emergent: onset on or after the first dose and no more than "
        "30 days after the last dose; an unknown onset in a treated patient counts",
    ),
)
STATISTICIANS = """Opening the transport files (SAS version 5 transport, one dataset per file)
  R:      adtte <- haven::read_xpt("adtte.xpt")
          labels: attr(adtte$AVAL, "label"); dates (TRTSDT, ADT) come as Date
  SAS:    libname x xport "adtte.xpt"; proc copy in=x out=work; run;
  Python: import pyreadstat; df, meta = pyreadstat.read_xport("adtte.xpt")
          (meta.column_labels); pandas.read_sas("adtte.xpt", format="xport") works
          too but may drop a last record that ends in blanks (it takes them for padding)
  Dates in ADaM are SAS dates (days since 1960-01-01) with format DATE9.; SDTM --DTC
  are ISO 8601 text, YYYY or YYYY-MM when the chart gave only the year or month.
  Kaplan-Meier from ADTTE: rows with ANL01FL = "Y", time AVAL (days), event 1 - CNSR.
  AE tables from ADAE: TRTEMFL = "Y"; worst grade per patient and term: AOCCPIFL = "Y".
"""


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
        "                   English and Chinese, units, range checks), the clinical data",
        "                   with audit records, investigator signatures and flags for",
        "                   missing-data reasons (ND, UNK, NA)",
        "  define.xml       Define-XML 2.1 of the SDTM and ADaM datasets; define.html shows it",
    ]
    for t in tables:
        lines.append(
            f"  {t.name.lower() + '.xpt':<16} {t.standard} {t.label} ({len(t.rows)} records)"
        )
    lines += ["", *STATISTICIANS.splitlines(), ""]
    if deidentified:
        lines += [
            "De-identified: calendar dates are not included. Every --DTC and date variable",
            "(TRTSDT, STARTDT, ADT, ASTDT) is blank; study days (--DY, ADY, ASTDY, AVAL) are",
            "given, day 1 = first dose of regorafenib, no day 0. In odm.xml date items hold",
            "study days; audit records name the site and the time of its transfer package.",
            "",
        ]
    lines.append("Not mapped, and why")
    for name, why in NOT_MAPPED:
        lines.append(f"  {name}: {why}")
    for field_ref, why in dict.fromkeys(not_in_lb(definition)):
        lines.append(f"  LB: {field_ref}: {why}")
    for code in definition.codelist("ctcae_term").codes:
        if code.meddra_llt is None:
            lines.append(
                f"  AE: CTCAE term {code.value} ({code.label.en}): no MedDRA code "
                "(none exists for a free-text term, or it could not be verified)"
            )
    lines.append(
        "  LB: LBTESTCD AFP and PIVKAII are sponsor-defined (their CDISC CT codes could "
        "not be verified offline)"
    )
    lab_forms = {lab.form.id for lab in lab_sections(definition)}
    for form in definition.forms:
        if form.identifying:
            lines.append(f"  form {form.id}: identifying, never leaves the site")
            continue
        if form.id in lab_forms and form.id not in MAPPED_FORMS:
            lines.append(f"  form {form.id}: lab tests in LB, the rest in odm.xml only")
        elif form.id not in MAPPED_FORMS:
            lines.append(f"  form {form.id}: in odm.xml only (no SDTM domain)")
        for f in form.fields:
            if f.free_text or f.identifying or f.type is FieldType.TEXT:
                lines.append(f"  {form.id}.{f.id}: free text, not exported")
    for list_id in sorted(VALUE_MAPS):
        if list_id in definition.codelists:
            missing = unmapped(list_id, definition.codelist(list_id).values())
            if missing:
                lines.append(f"  code list {list_id}: no CDISC term for {', '.join(missing)}")
    lines += ["", "MedDRA codes of the CTCAE v5.0 terms (AELLTCD)", *meddra_notes()]
    lines += ["", "Controlled terminology (NCI codes in define.xml)", *ct_notes()]
    return "\n".join(lines) + "\n"


def write_package(
    books: Sequence[Casebook],
    definition: StudyDefinition,
    out: Path,
    *,
    deidentified: bool,
    already_deidentified: bool = False,
    now: dt.datetime | None = None,
    provenance: Mapping[str, Provenance] | None = None,
) -> PackageReport:
    """Write the package of ``books`` into ``out`` (created if missing).

    ``already_deidentified``: the casebooks were rebuilt from transfer files (the
    center); otherwise, with ``deidentified``, they are de-identified here first.
    ``provenance``: the site's audit trail and signatures (odm.xml's AuditRecord and
    Signature elements); without it, or de-identified, what a transfer file carries.
    """
    moment = now or dt.datetime.now(dt.UTC).replace(microsecond=0)
    if deidentified and not already_deidentified:
        books = deidentified_books(books)
    if provenance is None or deidentified or already_deidentified:
        provenance = from_casebooks(books, moment)
    source = source_of(
        books,
        definition,
        deidentified=deidentified or already_deidentified,
        provenance=provenance,
    )
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
