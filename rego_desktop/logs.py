"""Application log: bugs with their stack, never a patient's value.

Exception messages can carry data (a ValueError quoting what was typed), so the log
keeps the exception type and the stack frames (file, line, function) but drops the
message text and local variables.
"""

from __future__ import annotations

import logging
import logging.handlers
import traceback
from pathlib import Path

from rego_desktop.paths import log_dir

LOG_NAME = "rego-desktop.log"


class ScrubbingFormatter(logging.Formatter):
    def formatException(self, ei: object) -> str:  # noqa: N802 (logging API name)
        if not isinstance(ei, tuple) or len(ei) != 3 or ei[0] is None:
            return ""
        exc_type, _exc, tb = ei
        frames = traceback.extract_tb(tb)
        lines = [f"{exc_type.__module__}.{exc_type.__qualname__} (message withheld)"]
        lines += [f'  File "{f.filename}", line {f.lineno}, in {f.name}' for f in frames]
        return "\n".join(lines)


def setup_logging(level: int = logging.INFO) -> Path:
    """Log to a rotating file in the log folder; returns the file path."""
    folder = log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOG_NAME
    root = logging.getLogger("rego_desktop")
    if not any(getattr(h, "rego_log", False) for h in root.handlers):
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
        handler.rego_log = True  # type: ignore[attr-defined]
        handler.setFormatter(ScrubbingFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        root.addHandler(handler)
        root.setLevel(level)
    return path


def log_bug(message: str) -> Path:
    """Log the exception being handled as a bug; returns the log path."""
    path = setup_logging()
    logging.getLogger("rego_desktop").error(message, exc_info=True)
    return path
