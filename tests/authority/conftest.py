"""Fixtures of the authority tests (see :mod:`tests.authority.sites`)."""

from tests.authority.sites import site, template

__all__ = ["site", "template"]
