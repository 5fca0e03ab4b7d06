"""Known, expected failures that the user can act on.

Anything raised as a :class:`RegoError` is shown as one friendly line (CLI) or a
message box (GUI). Every other exception is a bug and is logged with its traceback.
"""

from __future__ import annotations


class RegoError(Exception):
    """Base of all errors whose message is written for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
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
    def __init__(self, message: str, wait_seconds: float) -> None:
        super().__init__(message)
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
