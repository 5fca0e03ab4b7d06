"""The ``cdisc`` subcommand (issue 17); its code lives in :mod:`rego_desktop.cdisc`."""

from __future__ import annotations

from typing import Any


def register(sub: Any) -> None:
    from rego_desktop.cdisc.commands import register_site

    register_site(sub)
