"""Exporting one site's query file (see :mod:`rego_desktop.center.queries`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from rego_desktop.center import audit
from rego_desktop.center.audit import AuditAction
from rego_desktop.center.db import CenterDatabase
from rego_desktop.center.queries.common import (
    CenterQueryError,
    _pending,
    _rows,
    _serialise,
    _study_of,
)
from rego_desktop.center.query_models import CenterQueryFile
from rego_desktop.exchange.keys import CenterPrivateKey, SitePublicKey
from rego_desktop.exchange.query_file import (
    write_query_file_to,
)

# --------------------------------------------------------------------------- export


@dataclass(frozen=True)
class QueryExport:
    path: Path
    site: str
    sequence: int
    file_id: str
    file_sha256: str
    queries: tuple[str, ...]
    open: int
    closed: int

    def to_json_object(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "site": self.site,
            "sequence": self.sequence,
            "file_id": self.file_id,
            "sha256": self.file_sha256,
            "queries": list(self.queries),
            "open": self.open,
            "closed": self.closed,
        }

    def describe(self) -> str:
        return (
            f"Wrote {self.path}: query file number {self.sequence} for site {self.site}, "
            f"{len(self.queries)} quer{'y' if len(self.queries) == 1 else 'ies'} "
            f"({self.open} open or answered, {self.closed} closed), SHA-256 {self.file_sha256}."
        )


def export_query_file(
    db: CenterDatabase,
    site: str,
    out: Path,
    center: CenterPrivateKey,
    site_key: SitePublicKey,
    *,
    overwrite: bool = False,
    created: dt.datetime | None = None,
) -> QueryExport:
    """Write ``site``'s next query file: every query it has not acknowledged as it is now.

    ``site_key`` is the site's registered key (version 2: with its encryption key). The
    file and its record (and audit entry) are written in one transaction; if the
    database step fails, the file is removed again.
    """
    from rego_desktop.study import CURRENT

    if site_key.site_code != site:
        raise CenterQueryError(
            f"The registered key given is the key of site {site_key.site_code}, not {site}.",
            zh=f"所给的登记密钥属于站点 {site_key.site_code}，不是 {site}。",
        )
    if not site_key.can_receive_queries:
        raise CenterQueryError(
            f"Site {site}'s registered key file is version 1, without the encryption key that "
            "query files need. Ask the site for its current public key file (rego-desktop "
            "site-key) and register it (rego-center register-site); then export again.",
            zh=f"站点 {site} 登记的公钥文件为第1版，没有质疑文件所需的加密密钥。请向站点索取当前"
            "公钥文件（rego-desktop site-key）并登记（rego-center register-site），然后重新导出。",
        )
    written = False
    try:
        with db.transaction() as session:
            _serialise(session)
            pending = _pending(session, site)
            rows = _rows(session, pending)
            sequence = (
                int(
                    session.scalar(
                        select(func.coalesce(func.max(CenterQueryFile.sequence), 0)).where(
                            CenterQueryFile.site_code == site
                        )
                    )
                    or 0
                )
                + 1
            )
            study_id, study_version = _study_of(session, site) or (CURRENT.id, CURRENT.version)
            header = write_query_file_to(
                out,
                [r.item() for r in rows],
                overwrite=overwrite,
                center=center,
                site=site_key,
                study_id=study_id,
                study_version=study_version,
                sequence=sequence,
                created=created,
            )
            written = True
            digest = hashlib.sha256(out.read_bytes()).hexdigest()
            carried = [[r.query_id, r.revision] for r in rows]
            session.add(
                CenterQueryFile(
                    site_code=site,
                    sequence=sequence,
                    file_id=str(header.file_id),
                    file_name=str(out),
                    file_sha256=digest,
                    created_at=header.created,
                    exported_by=audit.operator(),
                    queries=len(rows),
                    query_ids=json.dumps(carried),
                )
            )
            audit.append(
                session,
                AuditAction.QUERY_EXPORT,
                site_code=site,
                file_sha256=digest,
                details={
                    "file": str(out),
                    "sequence": sequence,
                    "file_id": str(header.file_id),
                    "queries": carried,
                    "site_key": site_key.fingerprint,
                    "center_key": center.fingerprint,
                },
            )
    except BaseException:
        if written:
            out.unlink(missing_ok=True)
        raise
    return QueryExport(
        path=out,
        site=site,
        sequence=sequence,
        file_id=str(header.file_id),
        file_sha256=digest,
        queries=tuple(r.query_id for r in rows),
        open=sum(1 for r in rows if r.status != "closed"),
        closed=sum(1 for r in rows if r.status == "closed"),
    )
