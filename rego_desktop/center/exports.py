"""Pooled data leaving the center: the workbook and the CDISC package, each recorded in
the center's audit trail once written (what, where, the file's SHA-256, the site chosen,
how many patients), so the trail says which data went out, when and by whom. The
command line (``rego-center xlsx``, ``rego-center cdisc``) and the window call these.
A failed write records nothing: the file was not made (see ``files.replace_atomically``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rego_desktop.backup.files import sha256_of
from rego_desktop.cdisc.package import PackageReport
from rego_desktop.center import audit
from rego_desktop.center.audit import AuditAction
from rego_desktop.center.db import CenterDatabase
from rego_desktop.center.errors import CenterDatabaseError
from rego_desktop.center.pooled_workbook import WorkbookReport, write_pooled_workbook

__all__ = ["export_cdisc", "export_workbook"]


def export_workbook(
    db: CenterDatabase, path: Path, *, site: str | None = None, overwrite: bool = False
) -> WorkbookReport:
    """Write the pooled workbook (:func:`write_pooled_workbook`) and record it."""
    report = write_pooled_workbook(db, path, site=site, overwrite=overwrite)
    _record(
        db,
        [report.path],
        AuditAction.EXPORT,
        site_code=site,
        file_sha256=sha256_of(report.path),
        details={
            "kind": "xlsx",
            "file": str(report.path.resolve()),
            "site": site or "all",
            "patients": report.rows.get("patients", 0),
        },
    )
    return report


def export_cdisc(db: CenterDatabase, out: Path) -> PackageReport:
    """Write the pooled, de-identified CDISC package into the folder ``out`` and record
    it with the SHA-256 of each file."""
    from rego_desktop.cdisc.package import write_package
    from rego_desktop.center.pooled import pooled_casebooks
    from rego_desktop.study import CURRENT

    books = pooled_casebooks(db)
    definition = books[0].definition if books else CURRENT
    report = write_package(books, definition, out, deidentified=True, already_deidentified=True)
    files = {name: sha256_of(report.out / name) for name in report.files}
    _record(
        db,
        [report.out / name for name in report.files],
        AuditAction.EXPORT,
        file_sha256=hashlib.sha256(
            "".join(f"{name}:{sha}\n" for name, sha in sorted(files.items())).encode()
        ).hexdigest(),
        details={
            "kind": "cdisc",
            "folder": str(report.out.resolve()),
            "files": files,
            "patients": report.subjects,
        },
    )
    return report


def _record(db: CenterDatabase, written: Sequence[Path], action: AuditAction, **entry: Any) -> None:
    """Record an export; if that fails, the files just written are removed (no export
    leaves the center unrecorded) and the error says so."""
    try:
        audit.record(db, action, **entry)
    except CenterDatabaseError as exc:
        for path in written:
            path.unlink(missing_ok=True)
        raise CenterDatabaseError(
            f"{exc} The export could not be recorded in the center's audit trail, so the "
            "files it wrote were removed; export again when the database can be written.",
            zh=f"{exc.message_zh or exc} 导出无法记入中心审计轨迹，因此已删除其写入的文件；"
            "请在数据库可写入时重新导出。",
        ) from exc
