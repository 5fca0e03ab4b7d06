"""Pooled data leaving the center: the workbook and the CDISC package, each recorded in
the center's audit trail once written (what, where, the file's SHA-256, the site chosen,
how many patients), so the trail says which data went out, when and by whom. The
command line (``rego-center xlsx``, ``rego-center cdisc``) and the window call these.
A failed write records nothing: the file was not made (see ``files.replace_atomically``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from rego_desktop.cdisc.package import PackageReport
from rego_desktop.center import audit
from rego_desktop.center.audit import AuditAction
from rego_desktop.center.db import CenterDatabase
from rego_desktop.center.pooled import WorkbookReport, write_pooled_workbook

__all__ = ["export_cdisc", "export_workbook", "file_sha256"]

_CHUNK = 1 << 20


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def export_workbook(
    db: CenterDatabase, path: Path, *, site: str | None = None, overwrite: bool = False
) -> WorkbookReport:
    """Write the pooled workbook (:func:`write_pooled_workbook`) and record it."""
    report = write_pooled_workbook(db, path, site=site, overwrite=overwrite)
    audit.record(
        db,
        AuditAction.EXPORT,
        site_code=site,
        file_sha256=file_sha256(report.path),
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
    files = {name: file_sha256(report.out / name) for name in report.files}
    audit.record(
        db,
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
