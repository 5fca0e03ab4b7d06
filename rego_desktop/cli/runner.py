"""Running a parsed subcommand with the error policy both command lines share.

Known errors (``RegoError``) are one line on stderr with exit code 1 (2 for bad
usage); anything else is a bug: logged with its stack, one line pointing to the log.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence

from rego_desktop.errors import RegoError, UsageError
from rego_desktop.logs import log_bug


def run_command(
    prog: str, args: argparse.Namespace, argv: Sequence[str], *, interrupted: str
) -> int:
    try:
        code: int = args.run(args)
        return code
    except UsageError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    except RegoError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{prog}: interrupted; {interrupted}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # output piped into `head` and the like
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silences the exit flush
        return 1
    except Exception as exc:
        path = log_bug(f"unexpected error in {prog} {list(argv[:1])}")
        print(
            f"{prog}: internal error ({type(exc).__name__}); this is a bug. Details are in {path}.",
            file=sys.stderr,
        )
        return 1
