"""``rego-center queries ...`` and the site key replacement and revocation commands.

* ``queries raise --auto [--site S]``: the edit checks on the pooled data;
* ``queries raise --site S --subject X [--form F [--entry N] [--field F]] --text T``;
* ``queries list [--site S] [--status open|answered|closed] [--subject X] [--json]``;
* ``queries show --id ID [--json]``: one query with its answer, values and history;
* ``queries close --id ID [--text T]`` and ``queries reopen --id ID --text T``;
* ``queries export --site S --out FILE --key DIR --site-keys DIR``: the site's query file;
* ``replace-site-key`` and ``revoke-site-key``: a site's new key, a compromised key.

Every command that changes something is recorded in the center's audit trail.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rego_desktop.center import audit as center_audit
from rego_desktop.center import queries
from rego_desktop.center.audit import AuditAction
from rego_desktop.center.db import open_center_database
from rego_desktop.center.errors import SiteRegistryError
from rego_desktop.center.queries import STATUSES, CenterQueryRow
from rego_desktop.center.registry import (
    load_center_key,
    load_site_registry,
    replace_site_key,
    revoke_site_key,
)
from rego_desktop.cli.common import secret
from rego_desktop.errors import UsageError

__all__ = ["register"]

PASSPHRASE_ENV = "REGO_CENTER_PASSPHRASE"
ArgAdder = Callable[[argparse.ArgumentParser], None]


def register(sub: Any, db_arg: ArgAdder, site_keys_arg: ArgAdder) -> None:
    """Add ``queries`` and the key commands to ``rego-center``'s subcommands."""
    q = sub.add_parser("queries", help="data queries to the sites: raise, list, close, export")
    qsub = q.add_subparsers(title="query commands", metavar="ACTION", parser_class=type(q))

    p = qsub.add_parser("raise", help="raise queries: --auto (edit checks) or one with --text")
    db_arg(p)
    p.add_argument("--auto", action="store_true", help="run the edit checks on the pooled data")
    p.add_argument("--site", metavar="SITE", help="the site (required without --auto)")
    p.add_argument("--subject", metavar="CODE", help="the subject code, e.g. S01-0012")
    p.add_argument("--form", metavar="FORM", help="form id, e.g. adverse_events")
    p.add_argument("--entry", metavar="N", help="entry number (1, 2, ...) or entry id")
    p.add_argument("--field", metavar="FIELD", help="field id, e.g. grade")
    p.add_argument("--text", metavar="TEXT", help="the question to the site")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(run=cmd_raise)

    p = qsub.add_parser("list", help="list the queries")
    db_arg(p)
    p.add_argument("--site", metavar="SITE")
    p.add_argument("--status", choices=STATUSES)
    p.add_argument("--subject", metavar="CODE")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(run=cmd_list)

    p = qsub.add_parser("show", help="one query with its answer, values and history")
    db_arg(p)
    p.add_argument("--id", required=True, metavar="ID")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(run=cmd_show)

    p = qsub.add_parser("close", help="close a query (the answer is accepted)")
    db_arg(p)
    p.add_argument("--id", required=True, metavar="ID")
    p.add_argument("--text", metavar="TEXT", help="closing note (required if not answered)")
    p.set_defaults(run=cmd_close)

    p = qsub.add_parser("reopen", help="re-open an answered or closed query, saying why")
    db_arg(p)
    p.add_argument("--id", required=True, metavar="ID")
    p.add_argument("--text", required=True, metavar="TEXT", help="why (goes to the site)")
    p.set_defaults(run=cmd_reopen)

    p = qsub.add_parser("export", help="write a site's query file (signed, encrypted)")
    db_arg(p)
    p.add_argument("--site", required=True, metavar="SITE")
    p.add_argument("--out", required=True, type=Path, metavar="FILE", help="query file (.rgq)")
    p.add_argument("--key", required=True, type=Path, metavar="DIR", help="center key folder")
    site_keys_arg(p)
    p.add_argument("--force", action="store_true", help="replace an existing file")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(run=cmd_export)

    p = sub.add_parser(
        "replace-site-key", help="register a site's new key in place of its current one"
    )
    site_keys_arg(p)
    p.add_argument("--fingerprint", required=True, metavar="FP", help="confirmed by telephone")
    p.add_argument("file", type=Path, metavar="FILE", help="the site's new public key file")
    db_arg(p)
    p.set_defaults(run=cmd_replace_key)

    p = sub.add_parser("revoke-site-key", help="revoke a site's key (compromised or lost)")
    site_keys_arg(p)
    p.add_argument("--site", required=True, metavar="SITE")
    p.add_argument("--fingerprint", required=True, metavar="FP", help="of the key to revoke")
    p.add_argument("--reason", required=True, metavar="TEXT")
    db_arg(p)
    p.set_defaults(run=cmd_revoke_key)


# --------------------------------------------------------------------------- output


def _line(row: CenterQueryRow) -> str:
    place = ".".join(x for x in (row.form, row.entry, row.field) if x) or "(patient)"
    answer = f"  answer: {row.answer}" if row.answer else ""
    sent = "" if row.acknowledged else "  [not yet at site]"
    return (
        f"{row.query_id}  {row.status:<8} {row.subject:<12} {place:<40} "
        f"{row.origin:<6} {row.text}{answer}{sent}"
    )


def _details(row: CenterQueryRow) -> list[str]:
    place = ".".join(x for x in (row.form, row.entry, row.field) if x) or "(whole patient)"
    lines = [
        f"Query {row.query_id} ({row.origin}{', rule ' + row.rule if row.rule else ''}) "
        f"site {row.site}, subject {row.subject}, {place}",
        f"  status: {row.status}, revision {row.revision}, acknowledged by the site: "
        f"{row.acked_revision}",
        f"  text: {row.text}",
    ]
    if row.text_zh:
        lines.append(f"  text (zh): {row.text_zh}")
    if row.center_value is not None or row.current_value is not None:
        lines.append(f"  value when raised: {row.center_value}; value now: {row.current_value}")
    if row.answer:
        lines.append(f"  answer: {row.answer} ({row.answered_by}, {row.answered_at})")
    for c in row.corrections:
        lines.append(
            f"  corrected {c['form']}.{c['field']} by {c['by']} at {c['at']}: {c['reason']}"
        )
    lines.append("  history:")
    for e in row.history:
        text = f": {e.text}" if e.text else ""
        lines.append(f"    {e.at:%Y-%m-%d %H:%M:%S}Z  {e.event:<9} {e.by}{text}")
    return lines


# --------------------------------------------------------------------------- commands


def cmd_raise(args: argparse.Namespace) -> int:
    if args.auto:
        if args.subject or args.text or args.form or args.entry or args.field:
            raise UsageError("--auto runs the edit checks; give only --db and --site with it.")
        with open_center_database(args.db) as db:
            result = queries.raise_automatic(db, site=args.site)
        if args.json:
            print(json.dumps(result.to_json_object(), ensure_ascii=False, indent=2))
            return 0
        print(
            f"Edit checks run on {result.patients} pooled patients: {len(result.raised)} "
            f"quer{'y' if len(result.raised) == 1 else 'ies'} raised, {len(result.closed)} "
            f"closed (resolved by the data), {result.already_raised} already raised; "
            f"{result.skipped_site_only} findings of site-only checks left to the sites."
        )
        for site, n in sorted(result.per_site.items()):
            print(f"  {site}: {n} new")
        return 0
    if not (args.site and args.subject and args.text):
        raise UsageError(
            "Give --site, --subject and --text (and --form, --entry, --field as needed), or --auto."
        )
    with open_center_database(args.db) as db:
        row = queries.raise_manual(
            db,
            site=args.site,
            subject=args.subject,
            form=args.form,
            entry=args.entry,
            field=args.field,
            text=args.text,
        )
    if args.json:
        print(json.dumps(row.to_json_object(), ensure_ascii=False, indent=2))
    else:
        print(f"Raised query {row.query_id}: {_line(row)}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    with open_center_database(args.db) as db:
        rows = queries.list_queries(db, site=args.site, status=args.status, subject=args.subject)
    if args.json:
        print(json.dumps([r.to_json_object() for r in rows], ensure_ascii=False, indent=2))
        return 0
    for row in rows:
        print(_line(row))
    counts = {s: sum(1 for r in rows if r.status == s) for s in STATUSES}
    print(
        f"{len(rows)} quer{'y' if len(rows) == 1 else 'ies'}: "
        + ", ".join(f"{n} {s}" for s, n in counts.items())
    )
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    with open_center_database(args.db) as db:
        row = queries.get_query(db, args.id)
    if args.json:
        print(json.dumps(row.to_json_object(), ensure_ascii=False, indent=2))
    else:
        print("\n".join(_details(row)))
    return 0


def cmd_close(args: argparse.Namespace) -> int:
    with open_center_database(args.db) as db:
        row = queries.close_query(db, args.id, args.text)
    print(f"Closed query {row.query_id}; the closure goes to site {row.site} in its next file.")
    return 0


def cmd_reopen(args: argparse.Namespace) -> int:
    with open_center_database(args.db) as db:
        row = queries.reopen_query(db, args.id, args.text)
    print(f"Re-opened query {row.query_id}; it goes to site {row.site} in its next file.")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    registry = load_site_registry(args.site_keys)
    site_key = registry.get(args.site)
    if site_key is None:
        raise SiteRegistryError(
            f"Site {args.site} has no registered key in {args.site_keys}; query files are "
            "encrypted to the site's key. Register it first (rego-center register-site)."
        )
    passphrase = secret(PASSPHRASE_ENV, "Passphrase for the center's private key: ")
    center = load_center_key(args.key, passphrase)
    with open_center_database(args.db) as db:
        result = queries.export_query_file(
            db, args.site, args.out, center, site_key, overwrite=args.force
        )
    if args.json:
        print(json.dumps(result.to_json_object(), ensure_ascii=False, indent=2))
    else:
        print(result.describe())
    return 0


def cmd_replace_key(args: argparse.Namespace) -> int:
    with open_center_database(args.db, create=True) as db:
        new, old, target = replace_site_key(args.site_keys, args.file, args.fingerprint)
        center_audit.record(
            db,
            AuditAction.REPLACE_KEY,
            site_code=new.site_code,
            details={
                "fingerprint": new.fingerprint,
                "replaced": old.fingerprint,
                "file": str(target),
            },
        )
    print(
        f"Registered the new key of site {new.site_code} ({new.fingerprint}) as {target}; the "
        f"old key ({old.fingerprint}) is kept to verify files made before now."
    )
    return 0


def cmd_revoke_key(args: argparse.Namespace) -> int:
    reason = args.reason.strip()
    if not reason:
        raise UsageError("Give --reason: why the key is revoked goes to the audit trail.")
    with open_center_database(args.db, create=True) as db:
        key, moved = revoke_site_key(args.site_keys, args.site, args.fingerprint)
        center_audit.record(
            db,
            AuditAction.REVOKE_KEY,
            site_code=key.site_code,
            details={"fingerprint": key.fingerprint, "reason": reason, "file": str(moved)},
        )
    print(
        f"Revoked the key {key.fingerprint} of site {key.site_code} (moved to {moved}). Files "
        "signed with it are refused from now on; register the site's new key when it has one.",
        file=sys.stdout,
    )
    return 0
