"""The one de-identification every de-identified output shows (pure functions, no Qt).

The transfer file applies :func:`~rego_desktop.exchange.deidentify.deidentify_casebook`:
no identification form (name, record number, date of birth), no free text, every date
as a study day, the age at first dose as whole years up to 89 and ``"90+"`` from 90 on.
The de-identified workbook (``rego-desktop xlsx --deidentified``), the de-identified
PDF summary (``rego-desktop pdf --deidentified``, and the same choices in the
application) are built from exactly that result, never from the site's casebook:

* :func:`deidentified_view` de-identifies one casebook with the transfer file's
  transform and rebuilds a casebook from it the way the coordinating center does
  (:func:`rego_desktop.center.pooled.casebook_of`: day 1 is a fixed, meaningless
  anchor date), so every derivation, endpoint and edit check runs unchanged on the
  values that leave the site, and nothing the transform removed can reach an output;
* its anchored dates are never shown: :meth:`DeidentifiedView.day` turns one back into
  the study day it stands for, :meth:`DeidentifiedView.day_text` into words ("day 45",
  "第45天"), and :meth:`DeidentifiedView.mask` rewrites every date inside a sentence the
  domain wrote about the patient (edit-check messages, "Cycle 3 (from ...)");
* the age is the transfer file's (``"90+"`` from 90 years on), never computed again;
* a date is shown from what the transfer file sends (:meth:`DeidentifiedView.date_text`):
  a study day, the study days a partial date may fall on (``{"days": [120, 150], ...}``
  of :mod:`rego_desktop.exchange.study_days`: "days 120 to 150"), or a missing-data
  code's label.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from rego_desktop.casebook import Casebook
from rego_desktop.exchange.deidentify import (
    DeidentifiedPatient,
    ExportPolicy,
    deidentify_casebook,
    export_policy,
)
from rego_desktop.rules.dates import study_day
from rego_desktop.study.schema import MISSING_LABELS, Label, MissingReason

__all__ = [
    "DATE_IN_TEXT",
    "DAY_WORD",
    "SITE_TEXT",
    "DeidentifiedView",
    "day_words",
    "deidentified_view",
    "sent_date_text",
]

DATE_IN_TEXT: Final = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
"""A calendar date inside text (2024-03-05, 2024/3/5, 2024.03.05)."""
DAY_WORD: Final = Label("day {n}", "第{n}天")
DAY_SPAN: Final = Label("days {a} to {b}", "第{a}至{b}天")
YEARS: Final = Label("years", "岁")
SITE_TEXT: Final = Label(
    "Query text written at the site; not in de-identified copies.",
    "本中心所写的质疑内容,不列入去标识化副本。",
)
"""Shown instead of the text of a stored query that the de-identified data do not
raise again: it was written about the site's casebook and may name what the transfer
file leaves out (a birth date, an exact age)."""


def day_words(day: int, language: str) -> str:
    """A study day in words: "day 45" / "第45天" (day -3 is three days before day 1)."""
    return DAY_WORD.text(language).format(n=day)


@dataclass(frozen=True)
class DeidentifiedView:
    """One patient as the transfer file carries it, ready for an output to show."""

    patient: DeidentifiedPatient
    """Exactly what the transfer file would carry for this patient."""
    book: Casebook
    """A casebook rebuilt from :attr:`patient`: dates anchored, day 1 = ``ANCHOR``."""
    site_first_dose: dt.date | None = field(default=None, repr=False, compare=False)
    """The real day 1, only to turn dates in text stored at the site (a query written
    before this view was made) into study days; never shown."""

    @property
    def subject_code(self) -> str:
        return self.patient.subject_code

    @property
    def age(self) -> int | str | None:
        """Completed years at the first dose up to 89, ``"90+"`` from 90 on, or None."""
        return self.patient.age_at_first_dose

    def age_text(self, language: str) -> str | None:
        """The age as shown: "67 years", "90+ years" ("67 岁"), or None when unknown."""
        if self.age is None:
            return None
        return f"{self.age} {YEARS.text(language)}"

    def sent(self, form_id: str, entry_id: str, field_id: str) -> Any:
        """The JSON value the transfer file carries for one field of one entry (None
        when it carries none)."""
        for entry in self.patient.forms.get(form_id, ()):
            if entry.entry_id == entry_id:
                return entry.values.get(field_id)
        return None

    def date_text(self, form_id: str, entry_id: str, field_id: str, language: str) -> str | None:
        """A date as the transfer file sends it, in words: "day 45", "days 120 to 150"
        (a partial date), a missing-data code's label; None when nothing is sent."""
        return sent_date_text(self.sent(form_id, entry_id, field_id), language)

    @staticmethod
    def day(anchored: dt.date) -> int:
        """The study day an anchored date of :attr:`book` stands for (no day 0)."""
        from rego_desktop.center.pooled import date_to_day

        return date_to_day(anchored)

    def day_text(self, anchored: dt.date, language: str) -> str:
        return day_words(self.day(anchored), language)

    def mask(self, text: str, language: str) -> str:
        """``text`` with every calendar date in it replaced by its study day in words.

        The text is about :attr:`book`, whose dates are anchored, so a date found in it
        is an anchored date; one that is no real date is replaced by "day ?" all the same.
        """

        return _masked(text, language, self.day)

    def mask_site(self, text: str, language: str) -> str:
        """Like :meth:`mask`, for text written about the site's casebook (real dates):
        each date becomes its study day, or "day ?" for a patient without day 1."""
        first = self.site_first_dose
        if first is None:
            return _masked(text, language, None)
        return _masked(text, language, lambda on: study_day(on, first))


def _masked(text: str, language: str, day_of: Callable[[dt.date], int] | None) -> str:
    def replace(match: re.Match[str]) -> str:
        try:
            on = dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            on = None
        if on is None or day_of is None:
            return DAY_WORD.text(language).format(n="?")
        return day_words(day_of(on), language)

    return DATE_IN_TEXT.sub(replace, text)


def sent_date_text(data: Any, language: str) -> str | None:
    """A date field's JSON value in a transfer file, in words (see ``date_text``)."""
    if isinstance(data, bool) or data is None:
        return None
    if isinstance(data, int):
        return day_words(data, language)
    if isinstance(data, dict):
        if "missing" in data:
            try:
                return MISSING_LABELS[MissingReason(data["missing"])].text(language)
            except ValueError:
                return None
        days = data.get("days")
        if isinstance(days, list) and len(days) == 2 and all(isinstance(d, int) for d in days):
            return DAY_SPAN.text(language).format(a=days[0], b=days[1])
    return None


def deidentified_view(book: Casebook, policy: ExportPolicy | None = None) -> DeidentifiedView:
    """``book`` through the transfer file's de-identification (see the module doc)."""
    from rego_desktop.center.pooled import casebook_of

    policy = policy or export_policy(book.definition)
    patient = deidentify_casebook(book, policy)
    rebuilt = casebook_of(patient, book.definition, policy=policy)
    # The center puts the grouped age into the rebuilt casebook as a number (90 for
    # "90+"); here it is never shown from there (see DeidentifiedView.age).
    return DeidentifiedView(patient, rebuilt, book.first_dose)
