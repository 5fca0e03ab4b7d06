"""Undoing merged packages: ``rego-center rollback --site S01 --to-sequence N``.

Every merge keeps the patient versions it replaces or removes
(``center_patient_versions``, ``replaced_by`` = the package's sequence number). Rolling
a site back to package N undoes its later packages newest first, in one transaction:
patients a package added are removed, patients it changed or removed get the version it
replaced back (same uid, same entries). The data undone are kept as versions too
(``replaced_by`` = 0: replaced by a rollback), the packages are marked rolled back
(``rolled_back_at``) and the rollback is recorded in the audit trail.

The site's newest sequence number is not lowered: a package the site made before the
rollback stays refused as stale, and a rolled-back file merged again is reported as
rolled back. The site's next export (a higher sequence) merges as usual. Packages
merged before versions were kept (``versions_kept`` false) cannot be rolled back; the
refusal says which.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.orm import Session

from rego_desktop.center import audit
from rego_desktop.center.audit import AuditAction
from rego_desktop.center.db import CenterDatabase
from rego_desktop.center.merge import keep_versions
from rego_desktop.center.models import (
    CenterEntry,
    CenterPackage,
    CenterPatient,
    CenterPatientVersion,
    CenterSite,
)
from rego_desktop.center.queries import withdraw_rolled_back_answers
from rego_desktop.errors import RegoError
from rego_desktop.models.base import utcnow

__all__ = ["ROLLBACK_MARK", "RollbackError", "RollbackResult", "rollback"]

ROLLBACK_MARK = 0
"""``replaced_by`` of a version that a rollback (not a package) replaced."""


class RollbackError(RegoError):
    """The rollback cannot be done; nothing was changed."""


@dataclass(frozen=True)
class RollbackResult:
    site_code: str
    to_sequence: int
    undone: tuple[int, ...]
    """Sequence numbers of the packages undone, newest first."""
    removed: tuple[str, ...]
    restored: tuple[str, ...]
    reopened_queries: tuple[str, ...] = ()
    """Queries answered by an undone package, re-opened (answer withdrawn by rollback)."""

    def describe(self) -> str:
        undone = ", ".join(str(s) for s in self.undone)
        reopened = (
            f" {len(self.reopened_queries)} answered quer"
            f"{'y' if len(self.reopened_queries) == 1 else 'ies'} re-opened (answer withdrawn "
            f"by rollback): {', '.join(self.reopened_queries)}."
            if self.reopened_queries
            else ""
        )
        return (
            f"Site {self.site_code} is back at package {self.to_sequence}: undid package(s) "
            f"{undone}; {len(self.restored)} patient(s) restored, {len(self.removed)} removed. "
            "The undone data are kept; the rollback is in the audit trail." + reopened
        )

    def to_json_object(self) -> dict[str, Any]:
        return {
            "site": self.site_code,
            "to_sequence": self.to_sequence,
            "undone": list(self.undone),
            "restored": list(self.restored),
            "removed": list(self.removed),
            "reopened_queries": list(self.reopened_queries),
        }


def rollback(db: CenterDatabase, site_code: str, to_sequence: int) -> RollbackResult:
    """Return ``site_code`` to its state as of its package ``to_sequence`` (see module doc)."""
    with db.transaction() as session:
        site = session.get(CenterSite, site_code, with_for_update=True)
        if site is None:
            raise RollbackError(f"No package of site {site_code} has been merged.")
        packages = list(
            session.scalars(
                select(CenterPackage)
                .where(CenterPackage.site_code == site_code)
                .order_by(CenterPackage.sequence)
            )
        )
        target = next((p for p in packages if p.sequence == to_sequence), None)
        current = [p for p in packages if p.rolled_back_at is None]
        if target is None or target.rolled_back_at is not None:
            known = ", ".join(str(p.sequence) for p in current) or "none"
            raise RollbackError(
                f"Site {site_code} has no current merged package number {to_sequence} (current "
                f"packages: {known}); nothing was changed."
            )
        undo = sorted((p for p in current if p.sequence > to_sequence), key=lambda p: -p.sequence)
        if not undo:
            raise RollbackError(
                f"Site {site_code} is already at package {to_sequence}; nothing was changed."
            )
        old = [p.sequence for p in undo if not p.versions_kept]
        if old:
            raise RollbackError(
                f"Package(s) {', '.join(map(str, old))} of site {site_code} were merged before "
                "this version of rego-center kept replaced data, so they cannot be undone; "
                "nothing was changed."
            )
        now = utcnow()
        removed: set[str] = set()
        restored: set[str] = set()
        for package in undo:
            changes = json.loads(package.changes)
            gone = _undo_package(session, site_code, package.sequence, changes, now)
            removed |= gone
            restored -= gone
            back = set(changes["updated"]) | set(changes["removed"])
            restored |= back
            removed -= back
            package.rolled_back_at = now
        undone_ids = [p.package_id for p in undo]
        session.execute(
            update(CenterPatient)
            .where(CenterPatient.site_code == site_code, CenterPatient.package_id.in_(undone_ids))
            .values(package_id=target.package_id, package_created_at=target.created_at)
        )
        reopened = withdraw_rolled_back_answers(
            session, site_code, [p.sequence for p in undo], to_sequence
        )
        result = RollbackResult(
            site_code,
            to_sequence,
            tuple(p.sequence for p in undo),
            tuple(sorted(removed)),
            tuple(sorted(restored)),
            tuple(reopened),
        )
        audit.append(
            session,
            AuditAction.ROLLBACK,
            site_code=site_code,
            details=result.to_json_object(),
        )
        return result


def _undo_package(
    session: Session, site_code: str, sequence: int, changes: dict[str, Any], now: Any
) -> set[str]:
    """Undo one package (the site is in the state right after it). Returns the subjects
    removed because the package added them."""
    codes = list(changes["added"]) + list(changes["updated"])
    rows = (
        list(
            session.scalars(
                select(CenterPatient).where(
                    CenterPatient.site_code == site_code, CenterPatient.subject_code.in_(codes)
                )
            )
        )
        if codes
        else []
    )
    if rows:
        keep_versions(session, rows, ROLLBACK_MARK, now)
        session.execute(delete(CenterPatient).where(CenterPatient.id.in_([r.id for r in rows])))
        for row in rows:
            session.expunge(row)
    wanted = list(changes["updated"]) + list(changes["removed"])
    versions: Sequence[CenterPatientVersion] = (
        list(
            session.scalars(
                select(CenterPatientVersion).where(
                    CenterPatientVersion.site_code == site_code,
                    CenterPatientVersion.replaced_by == sequence,
                    CenterPatientVersion.subject_code.in_(wanted),
                )
            )
        )
        if wanted
        else []
    )
    missing = set(wanted) - {v.subject_code for v in versions}
    if missing:
        raise RollbackError(
            f"The data package {sequence} of site {site_code} replaced are not all kept "
            f"({', '.join(sorted(missing))}); nothing was changed."
        )
    connection = session.connection()
    for version in versions:
        patient_id = connection.execute(
            insert(cast(Table, CenterPatient.__table__)).returning(CenterPatient.id),
            {
                "uid": version.uid,
                "site_code": site_code,
                "subject_code": version.subject_code,
                "study_id": version.study_id,
                "study_version": version.study_version,
                "signed": version.signed,
                "first_dose_known": version.first_dose_known,
                "age": version.age,
                "content_sha256": version.content_sha256,
                "package_id": version.package_id,
                "package_created_at": version.package_created_at,
                "first_merged_at": version.first_merged_at,
                "updated_at": version.updated_at,
            },
        ).scalar_one()
        entries = json.loads(version.entries_json)["entries"]
        if entries:
            connection.execute(
                insert(cast(Table, CenterEntry.__table__)),
                [
                    {"patient_id": patient_id, "form_id": f, "entry_id": e, "values_json": v}
                    for f, e, v in entries
                ],
            )
    return set(changes["added"])
