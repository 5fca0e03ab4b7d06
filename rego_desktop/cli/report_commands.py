"""Subcommands for PDF summaries and Excel workbooks: ``pdf``, ``xlsx``, ``template``, ``import``.

- ``pdf --db FILE --subject CODE --out FILE.pdf`` (or ``--all --out DIR``): per-patient
  summaries; ``--language en|zh``; ``--deidentified``: the patient as the transfer file
  carries them (no name, record number, birth date or free text, dates as study days,
  ages of 90 or more as "90+").
- ``xlsx --db FILE --out FILE.xlsx [--deidentified]``: listings, data dictionary,
  queries, ADTTE and ADRS; the site copy keeps calendar dates (and says so), the
  ``--deidentified`` one is de-identified as the transfer file is.
- ``pdf --all`` and ``xlsx`` skip a patient with a damaged stored record, write the
  others, and exit 1 at the end naming the damaged patient, form and entry and the
  newest backup.
- ``template --out FILE.xlsx``: the data-entry template (no study needed).
- ``import --db FILE FILE.xlsx``: patients abstracted in the template, all or nothing.
  Exit 1 with every refused cell (sheet, row, column, reason) if anything is refused;
  label deviations and warnings are listed but do not stop the import.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from rego_desktop.cli.common import database_arg, open_from_args, user_arg
from rego_desktop.errors import UsageError
from rego_desktop.files import check_output_file, output_folder
from rego_desktop.services.damage import carry_on, skipped_report

LANGUAGES = ("en", "zh")
SITE_COPY_NOTE = (
    "calendar dates and exact ages are kept (no names, record numbers, birth dates or free "
    "text); keep it at the site, and use --deidentified for anything that leaves it"
)


def register(sub: Any) -> None:
    p = sub.add_parser(
        "pdf",
        help="per-patient PDF summary (one subject, or all into a folder)",
        description="Write the one-page-a-minute PDF summary of a patient for the treating "
        "physician. Identified (name and record number in the header) unless --deidentified.",
    )
    database_arg(p)
    user_arg(p)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--subject", metavar="CODE", help="subject code, e.g. BJ01-0012")
    which.add_argument("--all", action="store_true", help="every patient, one file each")
    p.add_argument(
        "--out",
        required=True,
        type=Path,
        metavar="PATH",
        help="PDF file (--subject) or folder (--all)",
    )
    p.add_argument("--language", choices=LANGUAGES, default="en", help="labels in (default en)")
    p.add_argument(
        "--deidentified",
        action="store_true",
        help="de-identified as the transfer file: no name, record number, birth date or "
        'free text, dates as study days, ages of 90 or more as "90+"',
    )
    p.set_defaults(run=cmd_pdf)

    p = sub.add_parser(
        "xlsx",
        help="Excel workbook: listings, dictionary, queries, ADTTE, ADRS (site copy with "
        "dates, or --deidentified)",
        description="Write the study workbook. Without --deidentified it is a SITE COPY: "
        "no names, record numbers, birth dates or free text, but calendar dates and exact "
        "ages are kept, so it stays at the site. With --deidentified every patient is "
        "de-identified as in the transfer file (dates as study days, ages of 90 or more "
        'as "90+").',
    )
    database_arg(p)
    user_arg(p)
    p.add_argument("--out", required=True, type=Path, metavar="FILE.xlsx")
    p.add_argument(
        "--deidentified",
        action="store_true",
        help='de-identified as the transfer file: dates as study days, ages 90+ as "90+"',
    )
    p.set_defaults(run=cmd_xlsx)

    p = sub.add_parser("template", help="Excel data-entry template for the import command")
    p.add_argument("--out", required=True, type=Path, metavar="FILE.xlsx")
    p.add_argument("--language", choices=LANGUAGES, default="en", help="labels in (default en)")
    p.add_argument("--site", metavar="CODE", help="site code shown in the examples")
    p.set_defaults(run=cmd_template)

    p = sub.add_parser(
        "import",
        help="import patients from a filled template (all or nothing)",
        description="Check every cell of a filled template with the same hard checks as the "
        "data-entry screens; import everything in one transaction, or nothing and list "
        "every refused cell (exit 1).",
    )
    database_arg(p)
    user_arg(p)
    p.add_argument("workbook", type=Path, metavar="FILE.xlsx")
    p.add_argument("--language", choices=LANGUAGES, default="en", help="messages in")
    p.add_argument("--json", action="store_true", help="machine-readable report")
    p.set_defaults(run=cmd_import)


def _xlsx_path(path: Path) -> Path:
    if path.suffix.lower() != ".xlsx":
        raise UsageError(f"{path}: give a file name ending in .xlsx.")
    return path


def _progress(what: str) -> Any:
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        print(f"\r{what} {done}/{total}", end="", file=sys.stderr, flush=True)
        if done == total:
            print(file=sys.stderr)

    return show


def cmd_pdf(args: argparse.Namespace) -> int:
    from rego_desktop.reports.pdf import PdfOptions, write_all, write_pdf

    options = PdfOptions(language=args.language, deidentified=args.deidentified)
    out: Path = args.out
    if args.all and out.suffix.lower() == ".pdf":
        raise UsageError("--all writes one PDF per patient: give a folder with --out.")
    if not args.all and out.is_dir():
        raise UsageError(f"{out} is a folder; give the PDF file name with --out.")
    study = open_from_args(args)
    try:
        started = time.perf_counter()
        if args.all:
            with carry_on() as skipped:
                written = write_all(study, out, options, progress=_progress("PDF"))
            seconds = time.perf_counter() - started
            print(f"Wrote {len(written)} PDF summaries to {out} in {seconds:.1f} s.")
            if skipped:
                print(f"rego-desktop: error: {skipped_report(skipped)}", file=sys.stderr)
                return 1
        else:
            code = args.subject.strip().upper()
            output_folder(out.parent, "the PDF summary", "PDF 摘要")
            write_pdf(study, code, out, options)
            print(f"Wrote the summary of {code} to {out}.")
    finally:
        study.close()
    return 0


def cmd_xlsx(args: argparse.Namespace) -> int:
    from rego_desktop.workbooks.export import export_workbook

    path = check_output_file(_xlsx_path(args.out), "the workbook", "工作簿")
    deidentified: bool = args.deidentified
    if not deidentified:
        print(f"Writing a site copy: {SITE_COPY_NOTE}", file=sys.stderr)
    study = open_from_args(args)
    try:
        with carry_on() as skipped:
            report = export_workbook(
                study, path, progress=_progress("patients"), deidentified=deidentified
            )
    finally:
        study.close()
    rows = sum(n for name, n in report.rows.items() if name not in ("README",))
    if deidentified:
        what = (
            "de-identified as the transfer file: no names, record numbers, birth dates or "
            'free text, dates as study days, ages of 90 or more as "90+"'
        )
    else:
        what = f"SITE COPY, not de-identified: {SITE_COPY_NOTE}"
    print(f"Wrote {path}: {report.patients} patients, {rows} rows ({what}).")
    if skipped:
        print(f"rego-desktop: error: {skipped_report(skipped)}", file=sys.stderr)
        return 1
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    from rego_desktop.study import CURRENT
    from rego_desktop.workbooks.template import write_template

    path = _xlsx_path(args.out)
    site = args.site.strip().upper() if args.site else None
    write_template(CURRENT, path, language=args.language, site_code=site)
    print(f"Wrote the data-entry template {path} ({CURRENT.id} {CURRENT.version}).")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from rego_desktop.workbooks.importer import import_workbook

    path: Path = args.workbook
    if not path.is_file():
        raise UsageError(f"{path} does not exist.")
    study = open_from_args(args)
    try:
        report = import_workbook(study, path)
    finally:
        study.close()
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
        return 0 if report.ok else 1
    lang = args.language
    if not report.ok:
        print(f"Refused cells in {path} ({len(report.refused)}):")
        for problem in report.refused:
            print(f"  {problem.line(lang)}")
        print(
            f"rego-desktop: nothing was imported: {len(report.refused)} cell(s) refused; "
            "correct them and import again.",
            file=sys.stderr,
        )
        return 1
    print(f"Imported {len(report.patients)} patients ({report.records} records) from {path}.")
    if report.notes:
        print(f"Raised as queries ({len(report.notes)}); answer them in the application:")
        for problem in report.notes:
            print(f"  {problem.severity:<9} {problem.line(lang)}")
    return 0
