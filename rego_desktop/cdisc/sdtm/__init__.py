"""SDTM domains, one module each; :data:`DOMAINS` lists their builders in output order."""

from __future__ import annotations

from collections.abc import Callable

from rego_desktop.cdisc.sdtm import ae, cm, dm, ds, ex, lb, mh, rs
from rego_desktop.cdisc.source import Source
from rego_desktop.cdisc.table import Table

DOMAINS: tuple[Callable[[Source], Table], ...] = (
    dm.build,
    ae.build,
    ex.build,
    lb.build,
    rs.build,
    ds.build,
    mh.build,
    cm.build,
)
