"""Running a parsed subcommand with the error policy both command lines share.

Known errors (``RegoError``) are one line on stderr with exit code 1 (2 for bad
usage); anything else is a bug: logged with its stack, one line pointing to the log.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import io
import os
import sys
import unicodedata
from collections.abc import Sequence

from rego_desktop.errors import RegoError, UsageError
from rego_desktop.logs import log_bug

# Unit symbols (µmol/L, kg/m², 10⁹/L) in output redirected to a file on a Chinese
# Windows (code page 936) cannot be encoded: write the nearest spelling there instead
# of failing (µ as the Greek mu GBK has, ² as 2, ⁹ as ^9).
FALLBACK_ERRORS = "rego-unit-fallback"
_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789", strict=True))


def _fallback(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    out = []
    for ch in exc.object[exc.start : exc.end]:
        digit = _SUPERSCRIPTS.get(ch)
        candidates = [
            "^" + digit if digit is not None and ch != "²" else (digit or ""),
            unicodedata.normalize("NFKC", ch),
            "u" if ch in "µμ" else "",
        ]
        out.append(next((c for c in candidates if c and _encodes(c, exc.encoding)), "?"))
    return "".join(out), exc.end


def _encodes(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except (UnicodeError, LookupError):
        return False
    return True


codecs.register_error(FALLBACK_ERRORS, _fallback)


def _tolerant_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            with contextlib.suppress(ValueError, OSError):
                stream.reconfigure(errors=FALLBACK_ERRORS)


def run_command(
    prog: str, args: argparse.Namespace, argv: Sequence[str], *, interrupted: str
) -> int:
    _tolerant_streams()
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
