"""Where the application keeps files: the default study, logs and settings.

``REGO_DATA_DIR`` moves all of them (tests, portable installs on a USB drive).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "rego-desktop"


def data_dir() -> Path:
    override = os.environ.get("REGO_DATA_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir(APP, appauthor=False))


def log_dir() -> Path:
    override = os.environ.get("REGO_DATA_DIR")
    if override:
        return Path(override) / "logs"
    return Path(platformdirs.user_log_dir(APP, appauthor=False))


def default_database() -> Path:
    return data_dir() / "study.rego"
