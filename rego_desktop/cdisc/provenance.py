"""Who entered and signed what, for the ``AuditRecord`` and ``Signature`` elements of
odm.xml.

At the site, from the study itself: the last change of every record in the audit
trail (who, when in UTC, why) and each casebook's current investigator signature
(name, time, meaning). A de-identified package and the center have no audit trail: the
transfer file carries, per record, the site that sent it and the time of its package,
and per casebook whether the investigator had signed it (:func:`from_casebooks`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rego_desktop.casebook import Casebook

if TYPE_CHECKING:
    from rego_desktop.store.study import OpenStudy


@dataclass(frozen=True)
class Change:
    """The last change of one record: ``user`` a user key of :attr:`Provenance.users`."""

    user: str
    at: dt.datetime
    reason: str = ""


@dataclass(frozen=True)
class Signed:
    user: str
    at: dt.datetime
    meaning: str


@dataclass(frozen=True)
class Provenance:
    """``users``: key -> (display name, ODM UserType); ``location``: where the data
    were entered (the site code); ``changes`` keyed by (subject code, form id, item
    uid); ``signatures`` by subject code."""

    location: str
    users: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    changes: Mapping[tuple[str, str, str], Change] = field(default_factory=dict)
    signatures: Mapping[str, Signed] = field(default_factory=dict)


def from_casebooks(books: Sequence[Casebook], moment: dt.datetime) -> dict[str, Provenance]:
    """Per site (the subject code's prefix): what a transfer file carries. Entries of a
    casebook rebuilt at the center carry their package's time; without one (a site's
    de-identified package) ``moment``, the time the package is written."""
    out: dict[str, Provenance] = {}
    placeholder = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    for book in books:
        site = book.subject_code.split("-", 1)[0]
        user = f"site {site}"
        provenance = out.setdefault(
            site,
            Provenance(site, {user: (f"Site {site} (transfer file)", "Other")}, {}, {}),
        )
        changes = dict(provenance.changes)
        latest = placeholder
        for form_id, entries in book.entries.items():
            for entry in entries:
                at = entry.updated_at if entry.updated_at > placeholder else moment
                latest = max(latest, at)
                changes[(book.subject_code, form_id, entry.item_uid)] = Change(
                    user, at, "as sent in the transfer file"
                )
        signatures = dict(provenance.signatures)
        if book.locked:
            signatures[book.subject_code] = Signed(
                user,
                latest if latest > placeholder else moment,
                "Casebook signed by the site's investigator (the signer's name stays at the site)",
            )
        out[site] = Provenance(site, provenance.users, changes, signatures)
    return out


def from_study(study: OpenStudy, books: Sequence[Casebook]) -> dict[str, Provenance]:
    """The site's audit trail and investigator signatures for ``books``."""
    from rego_desktop.audit import trail
    from rego_desktop.services.signatures import SignatureService

    site = study.info.site_code
    users: dict[str, tuple[str, str]] = {}
    changes: dict[tuple[str, str, str], Change] = {}
    wanted = {b.subject_code for b in books}
    with study.reading() as session:
        records = trail.read(session, study.keyring, study.info.db_uid)
    for record in records:
        if record.subject_code not in wanted or record.form_id is None:
            continue
        users.setdefault(record.username, (record.username, "Other"))
        key = (record.subject_code, record.form_id, record.item_uid or "")
        changes[key] = Change(record.username, record.at, record.reason or "")
    signatures: dict[str, Signed] = {}
    service = SignatureService(study)
    for code in sorted(wanted):
        # A broken signature (the casebook changed after signing) is no signature.
        current = [s for s in service.signatures(code) if s.revoked_at is None and not s.broken]
        if current:
            last = current[-1]
            users[last.username] = (last.full_name, "Investigator")
            signatures[code] = Signed(last.username, last.signed_at, last.meaning)
    return {site: Provenance(site, users, changes, signatures)}
