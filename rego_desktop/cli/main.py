"""The ``rego-desktop`` command: no arguments start the GUI, subcommands do the rest.

Exit codes: 0 success, 1 a failure with a one-line explanation, 2 bad usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from rego_desktop import __version__
from rego_desktop.cli import (
    backup_commands,
    cdisc_commands,
    check_commands,
    exchange_commands,
    query_commands,
    report_commands,
    study_commands,
    summary_commands,
)
from rego_desktop.cli.runner import run_command

PROG = "rego-desktop"
# Each module adds its subcommands with register(subparsers).
COMMAND_MODULES = (
    study_commands,
    check_commands,
    summary_commands,
    exchange_commands,
    report_commands,
    backup_commands,
    cdisc_commands,
    query_commands,  # issue 16
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Offline data capture for the regorafenib HCC real-world study. "
        "Without a command, starts the application window. Passwords come from "
        "$REGO_PASSWORD or a prompt, never from the command line.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--demo", action="store_true", help="open a throw-away demo study")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check this installation without a window: create a temporary study, store and "
        "read an encrypted record, back it up, render a PDF; exit 0 if all passed",
    )
    sub = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_Parser)
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(args_list)
    if not hasattr(args, "run") and args.self_test:
        from rego_desktop.selftest import run as self_test

        return self_test()
    if not hasattr(args, "run"):
        from rego_desktop.ui.app import run_gui

        gui_code: int = run_gui(demo=args.demo)
        return gui_code
    return run_command(PROG, args, args_list, interrupted="nothing half-saved was kept.")


if __name__ == "__main__":
    sys.exit(main())
