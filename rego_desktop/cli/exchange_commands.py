"""Site subcommands for sending data to the coordinating center: ``site-key`` and ``export``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rego_desktop.cli.common import database_arg, open_from_args, user_arg
from rego_desktop.errors import UsageError
from rego_desktop.exchange.export import export_transfer, preview_export
from rego_desktop.exchange.keys import load_center_public_key
from rego_desktop.exchange.site_keys import export_site_public_key
from rego_desktop.services.damage import DamagedRecord


def register(sub: Any) -> None:
    p = sub.add_parser(
        "site-key",
        help="write this site's public key file for registration at the coordinating center",
    )
    database_arg(p)
    user_arg(p)
    p.add_argument("--out", required=True, type=Path, metavar="FILE", help="key file to write")
    p.add_argument("--force", action="store_true", help="replace an existing file")
    p.set_defaults(run=cmd_site_key)

    p = sub.add_parser(
        "export",
        help="write the de-identified, encrypted and signed transfer file for the center",
    )
    database_arg(p)
    user_arg(p)
    p.add_argument(
        "--center-key",
        required=True,
        type=Path,
        metavar="FILE",
        help="the coordinating center's public key file",
    )
    p.add_argument("--out", type=Path, metavar="FILE", help="transfer file to write (.rgt)")
    p.add_argument(
        "--preview", action="store_true", help="only show what would be sent; write nothing"
    )
    p.add_argument(
        "--sequence-at-least",
        type=_sequence,
        metavar="N",
        help="continue numbering from N (after restoring an old backup of the database)",
    )
    p.add_argument("--force", action="store_true", help="replace an existing file")
    p.set_defaults(run=cmd_export)


def _sequence(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("the sequence number starts at 1")
    return value


def cmd_site_key(args: argparse.Namespace) -> int:
    study = open_from_args(args)
    try:
        public = export_site_public_key(study, args.out, overwrite=args.force)
    finally:
        study.close()
    print(f"Wrote the public key of site {public.site_code} to {args.out}.")
    print(f"Fingerprint: {public.fingerprint}")
    print(
        "Send the file to the coordinating center and read this fingerprint to them by "
        "telephone, so they can confirm the key is yours before registering it."
    )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    if not args.preview and args.out is None:
        raise UsageError("Give --out FILE for the transfer file (or --preview).")
    center = load_center_public_key(args.center_key)
    study = open_from_args(args)
    try:
        if args.preview:
            for line in preview_export(study).lines():
                print(line)
            return 0
        try:
            result = export_transfer(
                study,
                center,
                args.out,
                overwrite=args.force,
                sequence_at_least=args.sequence_at_least,
            )
        except DamagedRecord as exc:
            raise exc.refusing_transfer() from None
    finally:
        study.close()
    for line in result.preview.lines():
        print(line)
    print(
        f"Wrote {result.path} ({result.size} bytes, SHA-256 {result.file_sha256}) for "
        f"{center.center} (center key {center.fingerprint}), signed with site key "
        f"{result.header.site_key_fingerprint}."
    )
    return 0
