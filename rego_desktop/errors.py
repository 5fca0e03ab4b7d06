"""Known, expected failures that the user can act on.

Anything raised as a :class:`RegoError` is shown as one friendly line (CLI) or a
message box (GUI). Every other exception is a bug and is logged with its traceback.

Each message is bilingual: ``str(exc)`` is the English text (command line, logs) and
``exc.text(language)`` gives the Simplified Chinese one when the GUI runs in Chinese.
"""

from __future__ import annotations


class RegoError(Exception):
    """Base of all errors whose message is written for the user."""

    def __init__(self, message: str, zh: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.message_zh = zh

    def __str__(self) -> str:
        return self.message

    def text(self, language: str) -> str:
        """The message in ``language`` ("zh…" gives Chinese when there is one)."""
        if self.message_zh is not None and language.lower().startswith("zh"):
            return self.message_zh
        return self.message


class StudyFileError(RegoError):
    """The study database cannot be used: missing, damaged, not ours, too new, in use."""


class NotAStudyDatabase(StudyFileError):
    pass


class DamagedDatabase(StudyFileError):
    pass


class NewerSchema(StudyFileError):
    pass


class DatabaseInUse(StudyFileError):
    pass


class StorageFull(StudyFileError):
    """The disk is full or the folder is read-only; nothing already saved was lost."""


class AuthenticationError(RegoError):
    """Wrong user name, password or recovery key."""


class LoginThrottled(AuthenticationError):
    def __init__(self, message: str, wait_seconds: float, zh: str | None = None) -> None:
        super().__init__(message, zh)
        self.wait_seconds = wait_seconds


class PermissionDenied(RegoError):
    """The signed-in user's role does not allow the action."""


class ValidationError(RegoError):
    """A value or record was refused by a hard check; nothing was saved."""


class NotFound(RegoError):
    pass


class CasebookLocked(RegoError):
    """The casebook is signed and locked; unlock it (audited) before changing it."""


class UsageError(RegoError):
    """Bad command-line usage (exit code 2)."""


class OutputFileError(RegoError):
    """A file the program writes (workbook, PDF, transfer or key file) could not be
    written: bad path, folder where a file is expected, full disk, read-only folder.
    Nothing was left half-written and nothing in the study was changed."""

    def __init__(self, message: str, zh: str | None = None, path: str | None = None) -> None:
        super().__init__(message, zh)
        self.path = path
