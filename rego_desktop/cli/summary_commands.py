"""The ``summary`` subcommand: the site's endpoint summary as a table or as JSON.

``rego-desktop summary --db FILE`` prints OS, PFS and TTP (Kaplan-Meier medians with
95% CI, 6- and 12-month rates), ORR and DCR with exact 95% CI, the adverse-event table
and the dosing summary, each with the number of patients it rests on. ``--json`` prints
the same as one JSON object (keys ``patients``, ``os``, ``pfs``, ``ttp``, ``orr``,
``dcr``, ``best_response``, ``adverse_events``, ``dosing``).

Every save stores the patient's encrypted analysis row in the study
(:mod:`rego_desktop.analysis.stored`), so the summary reads 10,000 small rows instead of
deriving 10,000 casebooks; rows it cannot use are derived and stored. ``--no-cache``
derives every patient from the records and writes nothing (the figures are the same).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from rego_desktop.cli.common import database_arg, open_from_args, user_arg


def register(sub: Any) -> None:
    p = sub.add_parser(
        "summary",
        help="endpoint summary: OS, PFS, TTP, ORR, DCR, adverse events, dosing",
        description="Compute the endpoint summary of every eligible treated patient "
        "(screen failures excluded) and print it as a table, or as JSON with --json.",
    )
    database_arg(p)
    user_arg(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="derive every patient from the records instead of reading the analysis rows "
        "stored with each save (slower; same figures; writes nothing)",
    )
    p.set_defaults(run=cmd_summary)


def cmd_summary(args: argparse.Namespace) -> int:
    from rego_desktop.analysis import render_text, summarize_study

    study = open_from_args(args)
    try:
        progress = _progress if sys.stderr.isatty() and not args.json else None
        summary = summarize_study(study, progress, use_cache=not args.no_cache)
        if progress is not None:
            print("\r" + " " * 40 + "\r", end="", file=sys.stderr, flush=True)
    finally:
        study.close()
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        print(render_text(summary), end="")
    return 0


def _progress(done: int, total: int) -> None:
    if total:
        print(f"\rcomputing {done}/{total} patients", end="", file=sys.stderr, flush=True)
