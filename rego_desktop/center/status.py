"""Each site's state at the center, for the data manager (``rego-center status``).

Per site: the newest merged package (its sequence, when the site made it, when it was
merged), the patients the center holds, screen failures, completeness per form (share
of patients, screen failures excluded, whose exported form is complete by the site's own rule,
:meth:`~rego_desktop.casebook.Casebook.form_status`), the share of casebooks signed, the
patients sent without a first dose date (each package carries this; a patient without
it has no study days and is left out of every time-to-event analysis), and the days
since the site made its last package, marked overdue after ``overdue_days``.

Screen failures and completeness come from the casebooks rebuilt from the pooled data
(:func:`~rego_desktop.center.pooled.pooled_casebooks`), so they follow the same rules
as at the site.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import select

from rego_desktop.casebook import FormStatus
from rego_desktop.center.db import CenterDatabase
from rego_desktop.center.models import CenterPackage, CenterPatient, CenterSite
from rego_desktop.center.pooled import pooled_casebooks
from rego_desktop.exchange.deidentify import export_policy
from rego_desktop.models.base import utcnow

__all__ = ["DEFAULT_OVERDUE_DAYS", "SiteStatus", "site_status"]

DEFAULT_OVERDUE_DAYS: Final = 30


@dataclass(frozen=True)
class SiteStatus:
    site_code: str
    sequence: int
    """The newest package whose data are current (not rolled back)."""
    created_at: dt.datetime
    """When the site made that package."""
    merged_at: dt.datetime
    packages: int
    patients: int
    screen_failures: int
    signed: int
    without_first_dose: tuple[str, ...]
    completeness: dict[str, float]
    """Form id -> share (0-1) of patients, screen failures excluded, with the form complete."""
    days_since_package: int
    overdue: bool

    @property
    def signed_share(self) -> float:
        return self.signed / self.patients if self.patients else 0.0

    def to_json_object(self) -> dict[str, Any]:
        return {
            "site": self.site_code,
            "sequence": self.sequence,
            "package_created_at": self.created_at.isoformat(),
            "merged_at": self.merged_at.isoformat(),
            "packages": self.packages,
            "patients": self.patients,
            "screen_failures": self.screen_failures,
            "signed": self.signed,
            "signed_share": round(self.signed_share, 4),
            "without_first_dose": len(self.without_first_dose),
            "without_first_dose_subjects": list(self.without_first_dose),
            "completeness": {k: round(v, 4) for k, v in self.completeness.items()},
            "days_since_package": self.days_since_package,
            "overdue": self.overdue,
        }


def site_status(
    db: CenterDatabase,
    *,
    overdue_days: int = DEFAULT_OVERDUE_DAYS,
    now: dt.datetime | None = None,
) -> list[SiteStatus]:
    """The state of every site that has sent a package, by site code."""
    moment = now or utcnow()
    with db.reading() as session:
        sites = list(session.scalars(select(CenterSite).order_by(CenterSite.site_code)))
        packages = {
            (p.site_code, p.sequence): p
            for p in session.scalars(select(CenterPackage).order_by(CenterPackage.id))
        }
        package_counts = Counter(site for site, _seq in packages)
        missing_dose: dict[str, list[str]] = {}
        for code, site_code in session.execute(
            select(CenterPatient.subject_code, CenterPatient.site_code)
            .where(CenterPatient.first_dose_known.is_(False))
            .order_by(CenterPatient.subject_code)
        ):
            missing_dose.setdefault(site_code, []).append(code)
    out = []
    for site in sites:
        books = pooled_casebooks(db, site=site.site_code)
        failures = [b for b in books if b.screen_failed()]
        analysed = [b for b in books if not b.screen_failed()]
        completeness: dict[str, float] = {}
        if books:
            for form in export_policy(books[0].definition).exported_forms():
                complete = sum(1 for b in analysed if b.form_status(form.id) is FormStatus.COMPLETE)
                completeness[form.id] = complete / len(analysed) if analysed else 0.0
        current = [
            p
            for (code, _seq), p in packages.items()
            if code == site.site_code and p.rolled_back_at is None
        ]
        package = max(current, key=lambda p: p.sequence) if current else None
        created = package.created_at if package is not None else site.last_merged_at
        days = max(0, (moment - created).days)
        out.append(
            SiteStatus(
                site_code=site.site_code,
                sequence=package.sequence if package is not None else site.last_sequence,
                created_at=created,
                merged_at=site.last_merged_at,
                packages=package_counts[site.site_code],
                patients=len(books),
                screen_failures=len(failures),
                signed=sum(1 for b in books if b.locked),
                without_first_dose=tuple(missing_dose.get(site.site_code, ())),
                completeness=completeness,
                days_since_package=days,
                overdue=days > overdue_days,
            )
        )
    return out
