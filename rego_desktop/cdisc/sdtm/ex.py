"""EX: one record per run of consecutive days dosed at the same daily dose.

The runs come from the dose calendar of :mod:`rego_desktop.rules.dosing` (cycle
starts, dosing end dates and dose changes resolved as the dosing summary resolves
them), so EX and the cumulative dose cannot disagree. A run whose dose is unknown has
``EXDOSE`` missing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping

from rego_desktop.cdisc.sdtm.common import EPOCH, STUDYID, USUBJID, domain, dtc, dy, sequence
from rego_desktop.cdisc.source import Source
from rego_desktop.cdisc.table import Column, Table
from rego_desktop.derive import Computed

TREATMENT = "REGORAFENIB"
SOURCE = "cycles.start_date, cycles.daily_dose, cycles.dosing_end_date, dose_changes.*"


def _columns() -> tuple[Column, ...]:
    return (
        STUDYID,
        domain("EX"),
        USUBJID,
        sequence("EX"),
        Column("EXTRT", "Name of Treatment", origin="Assigned"),
        Column(
            "EXDOSE",
            "Dose",
            "num",
            origin="Derived",
            source=SOURCE,
            derivation="Daily dose in mg of the run, from the dose calendar",
        ),
        Column("EXDOSU", "Dose Units", origin="Assigned", codelist="UNIT"),
        Column(
            "EXDOSFRQ",
            "Dosing Frequency per Interval",
            origin="Assigned",
            derivation='"QD" (once daily)',
        ),
        Column("EXROUTE", "Route of Administration", origin="Assigned", codelist="ROUTE"),
        dtc("EXSTDTC", "Start Date/Time of Treatment", SOURCE),
        dtc("EXENDTC", "End Date/Time of Treatment", SOURCE),
        dy("EXSTDY", "Study Day of Start of Treatment", "EXSTDTC"),
        dy("EXENDY", "Study Day of End of Treatment", "EXENDTC"),
        EPOCH,
    )


def runs(
    calendar: Mapping[dt.date, float | None],
) -> Iterator[tuple[dt.date, dt.date, float | None]]:
    """(first, last, mg) for each run of consecutive dosed days at one dose."""
    current: tuple[dt.date, dt.date, float | None] | None = None
    for day in sorted(calendar):
        dose = calendar[day]
        if dose == 0.0:
            if current is not None:
                yield current
                current = None
            continue
        if current is not None and current[2] == dose and current[1] + dt.timedelta(1) == day:
            current = (current[0], day, dose)
            continue
        if current is not None:
            yield current
        current = (day, day, dose)
    if current is not None:
        yield current


def build(source: Source) -> Table:
    # The dose calendar is in the canonical unit of the daily dose (the study definition's).
    dose_unit = source.definition.form("cycles").field("daily_dose").canonical_unit or ""
    table = Table(
        "EX",
        "Exposure",
        "SDTM",
        "INTERVENTIONS",
        "One record per constant-dose run",
        ("STUDYID", "USUBJID", "EXSTDTC"),
        _columns(),
    )
    for s in source.subjects:
        if s.data.first_dose is None:
            continue
        summary = s.data.dosing
        if not isinstance(summary, Computed):
            continue
        for number, (first, last, dose) in enumerate(runs(summary.value.calendar), start=1):
            table.add(
                {
                    "STUDYID": source.studyid,
                    "DOMAIN": "EX",
                    "USUBJID": s.usubjid,
                    "EXSEQ": number,
                    "EXTRT": TREATMENT,
                    "EXDOSE": dose,
                    "EXDOSU": dose_unit,
                    "EXDOSFRQ": "QD",
                    "EXROUTE": "ORAL",
                    "EXSTDTC": source.dtc(first),
                    "EXENDTC": source.dtc(last),
                    "EXSTDY": source.day(first, s),
                    "EXENDY": source.day(last, s),
                    "EPOCH": "TREATMENT",
                }
            )
    return table
