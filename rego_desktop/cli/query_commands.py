"""``rego-desktop queries ...``: the coordinating center's queries (and the site's own).

* ``queries import --db FILE QUERYFILE [--center-key FILE]``: import a query file of the
  center, verified with the center key registered at set-up (or the one given);
* ``queries list --db FILE [--center] [--status S] [--subject X] [--json]``;
* ``queries answer --db FILE --id ID --text TEXT``;
* ``queries correct --db FILE --id ID --value VALUE --reason TEXT [--unit U]``: correct
  the field a center query is about, with a reason for change.

Answers and corrections go to the center in the next transfer file (``export``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rego_desktop.cli.common import database_arg, open_from_args, user_arg
from rego_desktop.errors import UsageError
from rego_desktop.exchange.keys import load_center_public_key
from rego_desktop.paths import data_dir
from rego_desktop.services.center_queries import correct_from_query, import_query_file
from rego_desktop.services.queries import STATUSES, QueryRow, QueryService

__all__ = ["register"]

CENTER_KEY_NAME = "center-public-key.json"


def register(sub: Any) -> None:
    q = sub.add_parser("queries", help="queries of the coordinating center: import, answer, list")
    qsub = q.add_subparsers(title="query commands", metavar="ACTION", parser_class=type(q))

    p = qsub.add_parser("import", help="import a query file of the coordinating center")
    database_arg(p)
    user_arg(p)
    p.add_argument("file", type=Path, metavar="QUERYFILE", help="the query file (.rgq)")
    p.add_argument(
        "--center-key",
        type=Path,
        metavar="FILE",
        help="the center's public key file (default: the one registered at set-up)",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(run=cmd_import)

    p = qsub.add_parser("list", help="list queries (the center's and the site's own)")
    database_arg(p)
    user_arg(p)
    p.add_argument("--center", action="store_true", help="only the coordinating center's")
    p.add_argument("--status", choices=STATUSES)
    p.add_argument("--subject", metavar="CODE")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(run=cmd_list)

    p = qsub.add_parser("answer", help="answer a query (the reason the data stand)")
    database_arg(p)
    user_arg(p)
    p.add_argument("--id", required=True, metavar="ID", help="query id (or the center's Q...)")
    p.add_argument("--text", required=True, metavar="TEXT")
    p.set_defaults(run=cmd_answer)

    p = qsub.add_parser("correct", help="correct the field a center query is about")
    database_arg(p)
    user_arg(p)
    p.add_argument("--id", required=True, metavar="ID", help="query id (or the center's Q...)")
    p.add_argument("--value", required=True, metavar="VALUE", help="the corrected value")
    p.add_argument("--unit", metavar="UNIT", help="unit of the value, where the field has several")
    p.add_argument("--reason", required=True, metavar="TEXT", help="reason for the change")
    p.set_defaults(run=cmd_correct)


def _center_key_path(given: Path | None) -> Path:
    if given is not None:
        return given
    stored = data_dir() / CENTER_KEY_NAME
    if not stored.exists():
        raise UsageError(
            "This computer has no center key registered at set-up; give the coordinating "
            "center's public key file with --center-key (confirm its fingerprint by telephone)."
        )
    return stored


def _resolve(service: QueryService, ident: str) -> str:
    """A site query uid, or the center's query id (Q000012) of a center query."""
    text = ident.strip()
    if text[:1].upper() == "Q" and text[1:].isdigit():
        for row in service.list():
            if row.center_id == text.upper():
                return row.uid
    return text


def _line(row: QueryRow) -> str:
    origin = f"center {row.center_id}" if row.from_center else "site"
    answer = f"  answer: {row.answer}" if row.answer else ""
    return (
        f"{row.uid}  [{origin}]  {row.status:<8} {row.subject:<12} {row.where}: "
        f"{row.message}{answer}"
    )


def cmd_import(args: argparse.Namespace) -> int:
    center = load_center_public_key(_center_key_path(args.center_key))
    study = open_from_args(args)
    try:
        result = import_query_file(study, args.file, center)
    finally:
        study.close()
    if args.json:
        print(json.dumps(result.to_json_object(), ensure_ascii=False, indent=2))
    else:
        print("\n".join(result.lines()))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    study = open_from_args(args)
    try:
        rows = QueryService(study).list(args.subject, args.status)
    finally:
        study.close()
    if args.center:
        rows = [r for r in rows if r.from_center]
    if args.json:
        print(json.dumps([r.to_json() for r in rows], ensure_ascii=False, indent=2))
        return 0
    for row in rows:
        print(_line(row))
    center = sum(1 for r in rows if r.from_center)
    print(f"{len(rows)} quer{'y' if len(rows) == 1 else 'ies'} ({center} from the center).")
    return 0


def cmd_answer(args: argparse.Namespace) -> int:
    study = open_from_args(args)
    try:
        service = QueryService(study)
        row = service.answer(_resolve(service, args.id), args.text)
    finally:
        study.close()
    extra = " It goes to the center in the next transfer file." if row.from_center else ""
    print(f"Answered query {row.center_id or row.uid}.{extra}")
    return 0


def cmd_correct(args: argparse.Namespace) -> int:
    study = open_from_args(args)
    try:
        uid = _resolve(QueryService(study), args.id)
        row = correct_from_query(study, uid, args.value, args.reason, unit=args.unit)
    finally:
        study.close()
    print(
        f"Corrected {row.where} of {row.subject} for query {row.center_id or row.uid}; the "
        "correction goes to the center in the next transfer file."
    )
    return 0
