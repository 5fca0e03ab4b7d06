"""ADAE: one record per adverse event (ADaM OCCDS), with the analysis start and end
dates imputed by the study's one rule set (:mod:`rego_desktop.rules.imputation`) and
flagged (``ASTDTF``, ``AENDTF``: D day, M month imputed), the treatment-emergent flag
and the worst grade per patient and term (the AE counts of the endpoint summary).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from rego_desktop.cdisc.adam.keys import ADSL_KEYS
from rego_desktop.cdisc.source import Source, Subject
from rego_desktop.cdisc.table import Column, Origin, Table
from rego_desktop.cdisc.terminology import submission
from rego_desktop.cdisc.xpt import Cell
from rego_desktop.rules.dates import study_day
from rego_desktop.rules.imputation import Imputed, PartialDate, impute_end, impute_start
from rego_desktop.workbooks.adam import eligibility_flag

FORM = "adverse_events"
# An event starting this many days after the last dose still counts as treatment-emergent.
TE_WINDOW_DAYS = 30


def _columns() -> tuple[Column, ...]:
    d: Origin = "Derived"
    return (
        *ADSL_KEYS,
        Column(
            "SAFFL",
            "Safety Population Flag",
            origin="Predecessor",
            source="ADSL.SAFFL",
            codelist="NY",
            label_zh="安全性分析集标志",
        ),
        Column(
            "TRTSDT",
            "Date of First Exposure to Treatment",
            "num",
            origin="Predecessor",
            source="ADSL.TRTSDT",
            date=True,
            label_zh="首次治疗暴露日期",
        ),
        Column(
            "AESEQ",
            "Sequence Number",
            "num",
            origin="Predecessor",
            source="AE.AESEQ",
            label_zh="序列号",
        ),
        Column(
            "AETERM",
            "Reported Term for the Adverse Event",
            origin="Predecessor",
            source="AE.AETERM",
            label_zh="不良事件报告术语",
        ),
        Column(
            "AEDECOD",
            "Dictionary-Derived Term",
            origin="Predecessor",
            source="AE.AEDECOD",
            label_zh="词典衍生术语",
        ),
        Column(
            "AELLTCD",
            "Lowest Level Term Code",
            "num",
            origin="Predecessor",
            source="AE.AELLTCD",
            label_zh="低位语代码",
        ),
        Column(
            "AESER",
            "Serious Event",
            origin="Predecessor",
            source="AE.AESER",
            codelist="NY",
            label_zh="严重事件",
        ),
        Column(
            "AEREL",
            "Causality",
            origin="Predecessor",
            source="AE.AEREL",
            codelist="AEREL",
            label_zh="因果关系",
        ),
        Column(
            "AETOXGR",
            "Standard Toxicity Grade",
            origin="Predecessor",
            source="AE.AETOXGR",
            label_zh="标准毒性分级",
        ),
        Column(
            "ATOXGRN",
            "Analysis Toxicity Grade (N)",
            "num",
            origin=d,
            derivation="AETOXGR as a number",
            label_zh="分析毒性分级（数值）",
        ),
        Column(
            "ASTDT",
            "Analysis Start Date",
            "num",
            origin=d,
            date=True,
            derivation="AESTDTC; a partial date takes the first day of its period, but "
            "not before the first dose when that falls in the period; missing when "
            "de-identified",
            label_zh="分析开始日期",
        ),
        Column(
            "ASTDTF",
            "Analysis Start Date Imputation Flag",
            origin=d,
            derivation="D when the day, M when the month and day of ASTDT were imputed",
            label_zh="分析开始日期插补标志",
        ),
        Column(
            "ASTDY",
            "Analysis Start Relative Day",
            "num",
            origin=d,
            derivation="Study day of ASTDT",
            label_zh="分析开始相对日",
        ),
        Column(
            "AENDT",
            "Analysis End Date",
            "num",
            origin=d,
            date=True,
            derivation="AEENDTC; a partial date takes the last day of its period, but not "
            "after death or the last follow-up when that falls in the period; missing "
            "when de-identified",
            label_zh="分析结束日期",
        ),
        Column(
            "AENDTF",
            "Analysis End Date Imputation Flag",
            origin=d,
            derivation="D when the day, M when the month and day of AENDT were imputed",
            label_zh="分析结束日期插补标志",
        ),
        Column(
            "AENDY",
            "Analysis End Relative Day",
            "num",
            origin=d,
            derivation="Study day of AENDT",
            label_zh="分析结束相对日",
        ),
        Column(
            "TRTEMFL",
            "Treatment Emergent Analysis Flag",
            origin=d,
            codelist="NY",
            derivation=f"Y when ASTDT is on or after the first dose and no later than "
            f"{TE_WINDOW_DAYS} days after the last dose (or treatment is ongoing), or "
            "the start is unknown in a treated patient",
            label_zh="治疗期出现的不良事件标志",
        ),
        Column(
            "AOCCPIFL",
            "1st Max Sev./Int. Occur Within PT Flag",
            origin=d,
            codelist="NY",
            derivation="Y on the treatment-emergent record with the worst grade per "
            "subject and AEDECOD (the earliest when tied): the record the AE counts "
            "by grade use",
            label_zh="同一首选术语内首次最高严重程度发生标志",
        ),
    )


@dataclass(frozen=True)
class _Event:
    number: int
    values: Mapping[str, object]
    start: Imputed | None
    end: Imputed | None
    grade: int | None
    emergent: bool


def _as_date(value: object) -> dt.date | PartialDate | None:
    return value if isinstance(value, dt.date | PartialDate) else None


def _events(s: Subject) -> list[_Event]:
    data = s.data
    first = data.first_dose
    last = data.date("treatment", "last_dose_date")
    death = data.death
    limit = death.date if death is not None else data.last_follow_up
    events = []
    for number, entry in enumerate(s.book.items(FORM), start=1):
        v = dict(entry.values)
        onset, resolution = _as_date(v.get("onset_date")), _as_date(v.get("resolution_date"))
        start = impute_start(onset, not_before=first) if onset is not None else None
        end = impute_end(resolution, not_after=limit) if resolution is not None else None
        grade = v.get("grade")
        emergent = first is not None and (
            start is None
            or (
                start.date >= first
                and (last is None or start.date <= last + dt.timedelta(TE_WINDOW_DAYS))
            )
        )
        events.append(
            _Event(number, v, start, end, grade if isinstance(grade, int) else None, emergent)
        )
    return events


def _worst(events: list[_Event], terms: dict[int, str]) -> set[int]:
    """Numbers of the record with the worst grade per term among the emergent ones."""
    best: dict[str, _Event] = {}
    for event in events:
        if not event.emergent or event.grade is None:
            continue
        term = terms[event.number]
        current = best.get(term)
        if current is None or event.grade > (current.grade or 0):
            best[term] = event
    return {e.number for e in best.values()}


def build(source: Source) -> Table:
    table = Table(
        "ADAE",
        "Adverse Events Analysis Dataset",
        "ADaM",
        "OCCURRENCE DATA STRUCTURE",
        "One record per adverse event per subject",
        ("STUDYID", "USUBJID", "AESEQ"),
        _columns(),
    )
    codes = source.definition.codelist("ctcae_term")
    for s in source.subjects:
        data = s.data
        first = data.first_dose
        events = _events(s)
        terms = {}
        for e in events:
            code = codes.get(str(e.values.get("term")))
            terms[e.number] = code.label.en if code else ""
        worst = _worst(events, terms)
        for e in events:
            code = codes.get(str(e.values.get("term")))
            values: dict[str, Cell] = {
                "STUDYID": source.studyid,
                "USUBJID": s.usubjid,
                "SITEID": s.row.site,
                "ELIGFL": eligibility_flag(data),
                "ANL01FL": "Y" if s.row.analysed else "N",
                "SAFFL": "Y" if first is not None else "N",
                "TRTSDT": source.date(first),
                "AESEQ": e.number,
                "AETERM": terms[e.number],
                "AEDECOD": terms[e.number],
                "AELLTCD": code.meddra_llt if code else None,
                "AESER": submission("yes_no", e.values.get("serious")),
                "AEREL": submission("ae_relation", e.values.get("relation")),
                "AETOXGR": str(e.grade) if e.grade is not None else "",
                "ATOXGRN": e.grade,
                "ASTDT": source.date(e.start.date) if e.start else None,
                "ASTDTF": e.start.flag if e.start else "",
                "ASTDY": study_day(e.start.date, first) if e.start and first else None,
                "AENDT": source.date(e.end.date) if e.end else None,
                "AENDTF": e.end.flag if e.end else "",
                "AENDY": study_day(e.end.date, first) if e.end and first else None,
                "TRTEMFL": "Y" if e.emergent else "N",
                "AOCCPIFL": "Y" if e.number in worst else "",
            }
            table.add(values)
    return table
