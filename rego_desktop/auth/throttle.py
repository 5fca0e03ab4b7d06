"""Slowing down repeated failed log-ins, across processes.

A wrong password must not modify the study file, so failures are counted outside it:
in the user's data folder (:func:`rego_desktop.paths.data_dir`, ``login-failures/``),
one folder per study and user name holding one small file per failure. The study is
known by its identity (the ``db_uid`` inside the file, read without unlocking), so a copy
of the file under another name or path shares the count, and every new process (each
``rego-desktop`` command, a second window) sees the failures of the others. Folder names
are hashes of the study identity and the user name: the folder does not list who tried
to sign in where.

After three failures each further attempt waits twice as long as the one before
(capped at five minutes); a successful log-in clears the count. The memory-hard KDF
already makes each guess cost half a second; this stops someone trying passwords at
the keyboard or from a script that starts a new process per guess.

Limits (documented in the README): the count is per computer account (another account
on the same computer has its own data folder) and deleting the folder resets it. If the
folder cannot be written the count is kept in memory for this process and the log-in
still works.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rego_desktop import paths
from rego_desktop.errors import LoginThrottled, OutputFileError
from rego_desktop.files import write_bytes_atomically

FREE_ATTEMPTS = 3
MAX_DELAY_S = 300.0
FOLDER_NAME = "login-failures"


def default_folder() -> Path:
    return paths.data_dir() / FOLDER_NAME


@dataclass
class LoginThrottle:
    """Failure counts per (study identity, user name).

    ``folder`` gives the folder the counts persist in (shared by every process of this
    computer account); without it they are kept in memory only (tests, one-off tools).
    """

    clock: Callable[[], float] = time.time
    folder: Callable[[], Path] | None = None
    _failures: dict[tuple[str, str], tuple[int, float]] = field(default_factory=dict)

    def delay_after(self, failures: int) -> float:
        if failures < FREE_ATTEMPTS:
            return 0.0
        return float(min(MAX_DELAY_S, 2 ** (failures - FREE_ATTEMPTS + 1)))

    def check(self, database: str, username: str) -> None:
        failures, last = self._load(database, username)
        delay = self.delay_after(failures)
        # A clock set back must not lock someone out for longer than the delay itself.
        wait = min(delay, last + delay - self.clock())
        if wait > 0:
            raise LoginThrottled(
                f"Too many failed log-ins for {username}; wait {wait:.0f} s and try again.",
                wait,
                zh=f"用户 {username} 登录失败次数过多，请等待 {wait:.0f} 秒后再试。",
            )

    def failed(self, database: str, username: str) -> None:
        failures, _ = self._load(database, username)
        self._store(database, username, (failures + 1, self.clock()))

    def succeeded(self, database: str, username: str) -> None:
        self._failures.pop(_key(database, username), None)
        folder = self._folder(database, username)
        if folder is None:
            return
        with contextlib.suppress(OSError):
            for path in folder.glob("*.fail"):
                path.unlink(missing_ok=True)
            folder.rmdir()

    # -- storage ----------------------------------------------------------------------
    # One small file per failure in a folder per (study, user): processes failing at the
    # same time each add their own file, so no failure is lost to a race.

    def _folder(self, database: str, username: str) -> Path | None:
        if self.folder is None:
            return None
        digest = hashlib.sha256("\0".join(_key(database, username)).encode()).hexdigest()
        return self.folder() / digest[:40]

    def _load(self, database: str, username: str) -> tuple[int, float]:
        memory = self._failures.get(_key(database, username), (0, 0.0))
        folder = self._folder(database, username)
        if folder is None:
            return memory
        failures, last = 0, 0.0
        try:
            for path in folder.glob("*.fail"):
                failures += 1
                with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
                    last = max(last, float(json.loads(path.read_text(encoding="utf-8"))["at"]))
        except OSError:
            return memory
        return max((failures, last), memory)

    def _store(self, database: str, username: str, value: tuple[int, float]) -> None:
        self._failures[_key(database, username)] = value
        folder = self._folder(database, username)
        if folder is None:
            return
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:12]}.fail"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            write_bytes_atomically(
                folder / name, json.dumps({"at": value[1]}).encode(), what="a log-in failure"
            )
        except (OSError, OutputFileError):
            pass  # kept in memory for this process; never block a log-in on this


def _key(database: str, username: str) -> tuple[str, str]:
    return database, username.casefold()


DEFAULT_THROTTLE = LoginThrottle(folder=default_folder)
