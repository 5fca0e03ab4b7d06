"""Errors raised by the transfer-file and key-file code.

Every failure a user can meet (a damaged or forged file, a wrong passphrase, a USB
stick that is full) is a :class:`~rego_desktop.errors.RegoError` subclass whose message
names the file, says what is wrong and what to do. The machine-readable ``reason``
lets the user interface choose a translated text or an icon without parsing messages.
"""

from __future__ import annotations

import enum

from rego_desktop.errors import RegoError


class TransferProblem(enum.StrEnum):
    """Why a transfer file was refused (``TransferFileError.reason``)."""

    NOT_A_TRANSFER_FILE = "not_a_transfer_file"
    """The bytes do not start with the transfer-file magic."""
    UNKNOWN_VERSION = "unknown_version"
    """Written by another (newer) version of the format."""
    TRUNCATED = "truncated"
    """The file ends early: empty, cut inside the header, a chunk or the signature."""
    UNSIGNED = "unsigned"
    """All data is present but there is no signature after it."""
    ALTERED = "altered"
    """The structure is damaged: bad lengths, malformed header, extra bytes, ..."""
    BAD_SIGNATURE = "bad_signature"
    """The signature does not verify with the registered key of the sending site."""
    UNKNOWN_SITE = "unknown_site"
    """The sending site (and its key) are not registered at this center."""
    SITE_KEY_MISMATCH = "site_key_mismatch"
    """Signed with a key other than the one registered for the site it names."""
    WRONG_RECIPIENT = "wrong_recipient"
    """Encrypted for another coordinating center's key."""
    UNDECRYPTABLE = "undecryptable"
    """Validly signed but the content does not decrypt (faulty sending software)."""
    UNREADABLE = "unreadable"
    """The operating system could not read the file (missing, no permission, ...)."""


class KeyProblem(enum.StrEnum):
    """Why a key file was refused (``KeyFileError.reason``)."""

    NOT_A_KEY_FILE = "not_a_key_file"
    UNKNOWN_VERSION = "unknown_version"
    WRONG_KIND = "wrong_kind"
    """A valid key file of another kind (e.g. a site key where a center key is needed)."""
    MALFORMED = "malformed"
    FINGERPRINT_MISMATCH = "fingerprint_mismatch"
    WRONG_PASSPHRASE = "wrong_passphrase"
    UNREADABLE = "unreadable"


class ExchangeError(RegoError):
    """Base of all errors raised by :mod:`rego_desktop.exchange`."""


class TransferFileError(ExchangeError):
    """A transfer file was refused; nothing from it may be used."""

    def __init__(self, message: str, reason: TransferProblem, path: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.path = path


class KeyFileError(ExchangeError):
    """A key file (or stored key material) cannot be used."""

    def __init__(self, message: str, reason: KeyProblem, path: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.path = path


class WrongPassphrase(KeyFileError):
    """The passphrase does not open the private key file."""

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message, KeyProblem.WRONG_PASSPHRASE, path)


class ExchangeWriteError(ExchangeError):
    """A key or transfer file could not be written (disk full, read-only, removed)."""

    def __init__(self, message: str, path: str | None = None, *, zh: str | None = None) -> None:
        super().__init__(message, zh=zh)
        self.path = path


class InvalidExchangeParameter(ExchangeError, ValueError):
    """A value given to the exchange code is not acceptable (site code, name, passphrase)."""
