"""Errors of the coordinating center's commands.

A refused transfer file raises an :class:`~rego_desktop.exchange.errors.ExchangeError`
subclass with ``reason`` and ``path``: :class:`~rego_desktop.exchange.errors.TransferFileError`
(the container: altered, unsigned, unknown site, wrong recipient, ...),
:class:`~rego_desktop.exchange.payload.PayloadError` (the de-identified content) or
:class:`MergeRefused` (the merge rules: a package older than one already merged).
"""

from __future__ import annotations

from enum import StrEnum

from rego_desktop.errors import RegoError
from rego_desktop.exchange.errors import ExchangeError


class MergeProblem(StrEnum):
    STALE_PACKAGE = "stale_package"
    """Older than (or as old as) a package already merged from the same site."""
    PACKAGE_CONFLICT = "package_conflict"
    """Same package id as a merged file but different bytes or site."""
    CHANGED_WHILE_READING = "changed_while_reading"
    """The file changed on disk while it was being merged."""
    CONCURRENT_MERGE = "concurrent_merge"
    """Another merge of the same site ran at the same time."""
    REMOVALS_NOT_ALLOWED = "removals_not_allowed"
    """The package removes patients the center holds, and removals were not allowed."""


class MergeRefused(ExchangeError):
    """The file is valid but the merge rules refuse it; the database is untouched."""

    def __init__(
        self,
        message: str,
        reason: MergeProblem,
        path: str | None = None,
        *,
        subjects: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.path = path
        self.subjects = subjects
        """The patients concerned (for ``removals_not_allowed``: those it would remove)."""


class CenterDatabaseError(RegoError):
    """The center database cannot be opened, created or used."""


class SiteRegistryError(RegoError):
    """The folder of registered site keys cannot be used."""
