"""The ``cdisc`` subcommand of both command lines.

``rego-desktop cdisc --db FILE --out DIR [--deidentified]``: one site's package;
``rego-center cdisc --db DB --out DIR``: the pooled, de-identified package.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rego_desktop.cdisc.package import PackageReport

HELP = "write the CDISC package: odm.xml, SDTM and ADaM .xpt files, define.xml"


def _out_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--out",
        required=True,
        type=Path,
        metavar="DIR",
        help="folder to write into (created if missing; files replaced)",
    )


def register_site(sub: Any) -> None:
    from rego_desktop.cli.common import database_arg, user_arg

    p = sub.add_parser("cdisc", help=HELP, description=HELP + ".")
    database_arg(p)
    user_arg(p)
    _out_arg(p)
    p.add_argument(
        "--deidentified",
        action="store_true",
        help="as the transfer file: no identifying data, dates as study days",
    )
    p.set_defaults(run=cmd_site)


def register_center(sub: Any, db_arg: Callable[[argparse.ArgumentParser], None]) -> None:
    p = sub.add_parser("cdisc", help=HELP + " (pooled, de-identified)", description=HELP + ".")
    db_arg(p)
    _out_arg(p)
    p.set_defaults(run=cmd_center)


def _print(report: PackageReport) -> None:
    counts = ", ".join(f"{name} {n}" for name, n in report.tables.items())
    print(
        f"Wrote {len(report.files)} files to {report.out} ({report.subjects} subjects; "
        f"records: {counts}). See README.txt there."
    )


def cmd_site(args: argparse.Namespace) -> int:
    from rego_desktop.analysis.loading import load_analysis_casebooks
    from rego_desktop.cdisc.package import write_package
    from rego_desktop.cdisc.provenance import from_study
    from rego_desktop.cli.common import open_from_args
    from rego_desktop.study import CURRENT

    study = open_from_args(args)
    try:
        forms = tuple(form.id for form in CURRENT.forms)
        books = load_analysis_casebooks(study, forms=forms)
        provenance = None if args.deidentified else from_study(study, books)
    finally:
        study.close()
    definition = books[0].definition if books else CURRENT
    report = write_package(
        books, definition, args.out, deidentified=args.deidentified, provenance=provenance
    )
    _print(report)
    return 0


def cmd_center(args: argparse.Namespace) -> int:
    from rego_desktop.center.db import open_center_database
    from rego_desktop.center.exports import export_cdisc

    with open_center_database(args.db) as db:
        report = export_cdisc(db, args.out)
    _print(report)
    return 0
