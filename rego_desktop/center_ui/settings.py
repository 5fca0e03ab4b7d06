"""The center window's own settings (``center.ini`` in the data folder).

Only where things are (database, key folder, site key folder, backup, inbox and
export folders) and the language; never the passphrase and no patient data. The overdue
period of the site status is a setting of the center database itself
(:func:`rego_desktop.center.status.set_overdue_days`), shared with the command line.
"""

from __future__ import annotations

from pathlib import Path

from rego_desktop.paths import data_dir
from rego_desktop.ui.settings import LANGUAGE, Setting, Settings

__all__ = [
    "BACKUP_FOLDER",
    "DATABASE",
    "EXPORT_FOLDER",
    "INBOX_FOLDER",
    "KEY_FOLDER",
    "LANGUAGE",
    "SITE_KEYS",
    "center_settings",
]

DATABASE: Setting[str] = Setting("center/database", "", "Center database opened last")
KEY_FOLDER: Setting[str] = Setting("center/key_folder", "", "Folder of the center key")
SITE_KEYS: Setting[str] = Setting("center/site_keys", "", "Folder of registered site keys")
BACKUP_FOLDER: Setting[str] = Setting("center/backup_folder", "", "Folder for center backups")
INBOX_FOLDER: Setting[str] = Setting("center/inbox_folder", "", "Folder transfer files come from")
EXPORT_FOLDER: Setting[str] = Setting(
    "center/export_folder", "", "Folder the pooled workbook and CDISC package were last written to"
)


def center_settings(path: Path | None = None) -> Settings:
    return Settings(path or data_dir() / "center.ini")
