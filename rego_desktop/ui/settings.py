"""Application settings, declared once in a schema and stored as plain INI text.

No patient data ever goes here. Values read back are validated against the schema;
anything unreadable falls back to the default instead of breaking start-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from PySide6.QtCore import QSettings

from rego_desktop.backup.policy import BackupPolicy
from rego_desktop.paths import data_dir

T = TypeVar("T", str, int, bool)


@dataclass(frozen=True)
class Setting(Generic[T]):
    key: str
    default: T
    description: str
    choices: tuple[T, ...] = ()
    minimum: int | None = None
    maximum: int | None = None

    def coerce(self, raw: object) -> T:
        value: object
        try:
            if isinstance(self.default, bool):
                value = raw if isinstance(raw, bool) else str(raw).lower() in ("true", "1", "yes")
            elif isinstance(self.default, int):
                value = int(str(raw))
            else:
                value = str(raw)
        except (TypeError, ValueError):
            return self.default
        if self.choices and value not in self.choices:
            return self.default
        too_low = self.minimum is not None and isinstance(value, int) and value < self.minimum
        too_high = self.maximum is not None and isinstance(value, int) and value > self.maximum
        if too_low or too_high:
            return self.default
        return value


LANGUAGE: Setting[str] = Setting(
    "ui/language", "en", "Language of the application", ("en", "zh_CN")
)
IDLE_LOCK_MINUTES: Setting[int] = Setting(
    "security/idle_lock_minutes", 10, "Lock the screen after this many idle minutes", (), 1, 240
)
LAST_DATABASE: Setting[str] = Setting("study/last_database", "", "Study database opened last")
LAST_USER: Setting[str] = Setting("study/last_user", "", "User name that logged in last")
BACKUP_FOLDER: Setting[str] = Setting(
    "backup/folder", "", "Folder for automatic backups, e.g. on a USB drive (empty: the default)"
)
BACKUP_KEEP: Setting[int] = Setting(
    "backup/keep", 10, "Number of backups of the study kept in the backup folder", (), 1, 100
)

SCHEMA: tuple[Setting[str] | Setting[int] | Setting[bool], ...] = (
    LANGUAGE,
    IDLE_LOCK_MINUTES,
    LAST_DATABASE,
    LAST_USER,
    BACKUP_FOLDER,
    BACKUP_KEEP,
)


class Settings:
    """Typed access to the settings file (``settings.ini`` in the data folder)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or data_dir() / "settings.ini"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._qt = QSettings(str(self.path), QSettings.Format.IniFormat)

    def get(self, setting: Setting[T]) -> T:
        raw = self._qt.value(setting.key, setting.default)
        return setting.coerce(raw)

    def set(self, setting: Setting[T], value: T) -> None:
        if setting.coerce(value) != value:
            raise ValueError(f"{value!r} is not allowed for {setting.key}")
        self._qt.setValue(setting.key, value)
        self._qt.sync()


def backup_policy(settings: Settings) -> BackupPolicy:
    """Where automatic backups go and how many are kept, from the settings."""
    folder = settings.get(BACKUP_FOLDER)
    return BackupPolicy(Path(folder) if folder else None, settings.get(BACKUP_KEEP))
