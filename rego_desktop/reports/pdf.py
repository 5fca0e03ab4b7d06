"""Per-patient PDF summary for the treating physician (reportlab).

What is shown comes from the study definition: every section lists the fields of its
forms with their labels, units and code labels in the chosen language, and derived
fields from :mod:`rego_desktop.derive`. The layout (which forms go in which section)
is the only thing decided here.

Contents: header with site, subject code and (unless de-identified) name and record
number; at a glance; eligibility; baseline; prior treatments; regorafenib treatment
with the dosing timeline, cycles and dose changes; response assessments with the best
overall response; adverse events by grade; progression, subsequent treatments,
survival and OS/PFS/TTP; open queries and label deviations; signature status. Every
page has page "n of m", the generation time and the study definition version.

A de-identified copy shows the patient exactly as the transfer file carries them
(:func:`~rego_desktop.exchange.deidentified_view.deidentified_view`, the one
de-identification of every de-identified output): no identification form, name or
record number, no text typed by a person (specified "other" values, query answers), every
date as its study day ("day 45"), also inside finding texts and on the dosing timeline,
the age at first dose as "90+" from 90 years on, and the signature as signed or not
without the investigator's name or the time.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

from reportlab.lib.pagesizes import A4
from reportlab.platypus import CondPageBreak, KeepTogether, SimpleDocTemplate, Spacer

from rego_desktop import __version__
from rego_desktop.auth.roles import Permission
from rego_desktop.casebook import Entry, applies
from rego_desktop.derive import (
    SINGLE,
    Computed,
    DerivedKey,
    DerivedResult,
    NotComputable,
    PatientData,
    derived_values,
)
from rego_desktop.exchange.deidentified_view import (
    SITE_TEXT,
    DeidentifiedView,
    deidentified_view,
    sent_date_text,
)
from rego_desktop.exchange.deidentify import export_policy
from rego_desktop.files import check_output_file, output_folder, write_bytes_atomically
from rego_desktop.reports.data import Issue, PatientReportData, collect, issues, summary_issues
from rego_desktop.reports.fonts import fonts
from rego_desktop.reports.labels import t
from rego_desktop.reports.layout import (
    Furniture,
    Grid,
    MissingText,
    auto_table,
    canvas_maker,
    heading,
    key_values,
    para,
)
from rego_desktop.reports.timeline import DosingTimeline
from rego_desktop.rules.derived import value_or_none
from rego_desktop.rules.time_to_event import TimeToEvent
from rego_desktop.services.damage import DamagedRecord
from rego_desktop.services.damage import skip as skip_damaged
from rego_desktop.store.study import OpenStudy
from rego_desktop.study.schema import Field, FieldType, Form, StudyDefinition
from rego_desktop.study.values import Missing, Value, display

PAGE: Final = A4
AGE_DERIVATION: Final = "age_at_first_dose"
MARGIN: Final = 42.0
WIDTH: Final = PAGE[0] - 2 * MARGIN
LANGUAGES: Final = ("en", "zh")

# The layout: which forms make which section (everything inside comes from the definition).
BASELINE_FORMS: Final = (
    "demographics",
    "hcc_history",
    "primary_tumour",
    "baseline_liver",
    "baseline_imaging",
)
CYCLE_COLUMNS: Final = ("ecog", "child_pugh_class", "albi_grade")
FOLLOW_UP_FORMS: Final = ("progression", "survival")

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class PdfOptions:
    language: str = "en"
    deidentified: bool = False
    generated_at: dt.datetime | None = None  # default: now, in the computer's time zone

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}")


def _when(moment: dt.datetime) -> str:
    stamp = moment.strftime("%Y-%m-%d %H:%M")
    offset = moment.strftime("%z")
    if offset:
        stamp += f" UTC{offset[:3]}:{offset[3:]}"
    return stamp


@dataclass
class _Builder:
    report: PatientReportData
    options: PdfOptions
    story: list[Any] = field(default_factory=list)
    view: DeidentifiedView | None = None
    """The de-identified patient everything is shown from (de-identified copies)."""

    def __post_init__(self) -> None:
        self.lang = self.options.language
        if self.options.deidentified and self.view is None:
            self.view = deidentified_view(self.report.book)
        self.book = self.report.book if self.view is None else self.view.book
        self.study: StudyDefinition = self.book.definition
        self.data = self.report.data if self.view is None else PatientData(self.book)
        self.derived: dict[DerivedKey, DerivedResult] = derived_values(self.data)
        found = issues(self.data, self.report.queries, today=self.report.today)
        self.issues = summary_issues(self._deidentified_issues(found))

    def _deidentified_issues(self, found: list[Issue]) -> list[Issue]:
        """De-identified copies: no issue about what stays at the site, dates in the
        texts as study days, no text of a stored query the view does not raise again."""
        view = self.view
        if view is None:
            return found
        policy = export_policy(self.study)
        out = []
        for issue in found:
            if policy.removes(issue.form, issue.field):
                continue
            if issue.current:
                message = view.mask(issue.message, "en")
                message_zh = view.mask(issue.message_zh, "zh")
                where, where_zh = view.mask(issue.where, "en"), view.mask(issue.where_zh, "zh")
            else:  # written at the site: may name what the transfer file leaves out
                message, message_zh = SITE_TEXT.en, SITE_TEXT.zh
                where = view.mask_site(issue.where, "en")
                where_zh = view.mask_site(issue.where_zh, "zh")
            out.append(
                replace(
                    issue,
                    message=message,
                    message_zh=message_zh,
                    where=where,
                    where_zh=where_zh,
                    answer=None,
                    raised_at=None,
                )
            )
        return out

    # ------------------------------------------------------------ values

    def tr(self, key: str) -> str:
        return t(key, self.lang)

    def text(self, form: Form, f: Field, entry: Entry | None) -> str | None:
        """A field's value as read, or None when the field is not shown for this entry."""
        if f.identifying or (f.free_text and (self.options.deidentified or f.enabled_by)):
            return None
        if self.view is not None and f.type is FieldType.TEXT:
            return None  # the transfer file sends no text typed by a person
        values: Mapping[str, Value] = entry.values if entry is not None else {}
        if not applies(form, f, values):
            return None
        if f.derived is not None:
            if self.view is not None and f.derived == AGE_DERIVATION:
                return self.view.age_text(self.lang) or "—"  # "90+" from 90 years on
            uid = entry.item_uid if entry is not None else SINGLE
            return self._derived(f, self.derived.get((form.id, uid, f.id)))
        value = values.get(f.id)
        if self.view is not None and f.type is FieldType.DATE:
            # As the transfer file sends it: a study day, the days a partial date may
            # fall on, or a missing-data code.
            uid = entry.item_uid if entry is not None else SINGLE
            sent = self.view.sent(form.id, uid, f.id)
            shown_date = sent_date_text(sent, self.lang)
            if shown_date is None:
                return "—"
            return (
                MissingText(shown_date)
                if isinstance(sent, dict) and "missing" in sent
                else shown_date
            )
        if value is None:
            return "—"
        if isinstance(value, Missing):  # "Not done" / "未做", drawn grey and italic
            return MissingText(self.shown(f, value))
        shown = self.shown(f, value)
        other = self._specified(form, f, values)
        return f"{shown}: {other}" if other else shown

    def _specified(self, form: Form, f: Field, values: Mapping[str, Value]) -> str | None:
        """The free text that specifies an "other" choice, in identified copies."""
        if self.options.deidentified:
            return None
        for extra in form.fields:
            if extra.free_text and extra.enabled_by is not None and extra.enabled_by[0] == f.id:
                typed = values.get(extra.id)
                if isinstance(typed, str) and applies(form, extra, values):
                    return typed
        return None

    def _derived(self, f: Field, result: DerivedResult | None) -> str:
        if result is None:
            return "—"
        if isinstance(result, NotComputable):
            text = self.tr("not_computable")
            if self.lang == "en":
                text += f" ({self.tr('missing')} {', '.join(result.missing)})"
            return text
        value: Value = result.value
        if f.type is FieldType.INTEGER and isinstance(value, float):
            value = round(value)
        return self.shown(f, value)

    def shown(self, f: Field, value: Value) -> str:
        """A value as read, its unit as the study definition spells it ("µmol/L", "天");
        in a de-identified copy a date as its study day ("day 45")."""
        if self.view is not None and isinstance(value, dt.date):
            return self.view.day_text(value, self.lang)
        return display(self.study, f, value, self.lang)

    def date_text(self, on: dt.date) -> str:
        """A date the summary computed (an endpoint's date), or its study day."""
        return on.isoformat() if self.view is None else self.view.day_text(on, self.lang)

    def label(self, f: Field) -> str:
        return f.label.text(self.lang)

    def pairs(self, form: Form, entry: Entry | None) -> list[tuple[str, str]]:
        out = []
        for f in form.fields:
            shown = self.text(form, f, entry)
            if shown is not None:
                out.append((self.label(f), shown))
        return out

    def single(self, form_id: str) -> Entry | None:
        items = self.data.items(form_id)
        return items[0] if items else None

    def columns(self, form: Form, entries: Sequence[Entry]) -> list[Field]:
        """Fields shown as table columns: those that apply to at least one entry."""
        return [f for f in form.fields if any(self.text(form, f, e) is not None for e in entries)]

    def form_table(
        self, form: Form, entries: Sequence[Entry], fields: Sequence[Field] | None = None
    ) -> Any:
        cols = list(fields) if fields is not None else self.columns(form, entries)
        rows = [[self.label(f) for f in cols]]
        for e in entries:
            rows.append([self.text(form, f, e) or "" for f in cols])
        return auto_table(rows, WIDTH)

    # ------------------------------------------------------------ story

    def add_heading(self, text: str) -> None:
        self.story.append(CondPageBreak(60))
        self.story.append(Spacer(1, 8))
        self.story.append(heading(text))
        self.story.append(Spacer(1, 3))

    def sub_heading(self, text: str) -> Any:
        return para(text, size=9, bold=True)

    def add_sub_heading(self, text: str) -> None:
        self.story.append(CondPageBreak(50))
        self.story.append(Spacer(1, 4))
        self.story.append(self.sub_heading(text))
        self.story.append(Spacer(1, 2))

    def build(self) -> list[Any]:
        self.glance()
        self.eligibility()
        self.baseline()
        self.prior_treatments()
        self.treatment()
        self.response()
        self.adverse_events()
        self.follow_up()
        self.queries()
        self.signature()
        return self.story

    def glance(self) -> None:
        lang = self.lang
        treatment = self.study.form("treatment")
        entry = self.single("treatment")
        pairs: list[tuple[str, str]] = [
            (self.tr("status"), self.report.book.status().label.text(lang)),
            (self.tr("day1"), self._plain("treatment", "first_dose_date")),
        ]
        for field_id in (
            "treatment_status",
            "number_of_cycles",
            "final_daily_dose",
            "relative_dose_intensity",
            "best_overall_response",
        ):
            f = treatment.field(field_id)
            pairs.append((self.label(f), self.text(treatment, f, entry) or "—"))
        progression = self.study.form("progression")
        prog = self.single("progression")
        prog_text = self.text(progression, progression.field("progressed"), prog) or "—"
        prog_date = self._plain("progression", "progression_date")
        if prog_date != "—" and prog is not None and prog.get("progressed") == "yes":
            prog_text = f"{prog_text}, {prog_date}"
        pairs.append((self.label(progression.field("progressed")), prog_text))
        survival = self.study.form("survival")
        surv = self.single("survival")
        status = self.text(survival, survival.field("status"), surv) or "—"
        pairs.append((self.label(survival.field("status")), status))
        os_result = self.data.endpoints.os
        pairs.append((self.tr("os"), self._endpoint_short(os_result)))
        open_count = sum(1 for i in self.issues if i.status in ("open", "answered", "not_raised"))
        deviations = sum(1 for i in self.issues if i.severity == "deviation")
        counts = self.tr("open_and_deviations").format(open=open_count, deviations=deviations)
        pairs.append((self.tr("issues"), counts))
        pairs.append((self.tr("signature"), self._signature_short()))
        self.story.append(heading(self.tr("glance")))
        self.story.append(Spacer(1, 3))
        self.story.append(key_values(pairs, WIDTH))

    def _plain(self, form_id: str, field_id: str) -> str:
        form = self.study.form(form_id)
        return self.text(form, form.field(field_id), self.single(form_id)) or "—"

    def _endpoint_short(self, result: Any) -> str:
        event = value_or_none(result)
        if not isinstance(event, TimeToEvent):
            return self.tr("not_computable")
        kind = self.tr("event") if event.event else self.tr("censored")
        return (
            f"{event.days} {self.tr('days')} ({event.months:.1f} {self.tr('months')}), "
            f"{kind}: {self.tr('basis.' + event.basis)}"
        )

    def _signature_short(self) -> str:
        active = [s for s in self.report.signatures if s.revoked_at is None]
        if not active:
            return self.tr("not_signed").rstrip("。.")
        if self.view is not None:  # de-identified: no investigator's name, no date
            return self.tr("signed_deidentified").rstrip("。.")
        s = active[-1]
        if s.broken:
            return f"{s.full_name}, {s.signed_at:%Y-%m-%d}: {_broken_text(self.lang)}"
        return f"{s.full_name}, {s.signed_at:%Y-%m-%d}"

    def eligibility(self) -> None:
        form = self.study.form("eligibility")
        entry = self.single("eligibility")
        self.add_heading(form.label.text(self.lang))
        if entry is None:
            self.story.append(para(self.tr("not_recorded")))
            return
        rows: list[list[str]] = []
        spans: list[int] = []
        alerts: list[tuple[int, int]] = []
        for section in form.sections:
            failing = {"inclusion": "no", "exclusion": "yes"}.get(section.id)
            spans.append(len(rows))
            rows.append([section.label.text(self.lang), ""])
            for f in section.fields:
                shown = self.text(form, f, entry)
                if shown is None:
                    continue
                if f.is_input and failing is not None and entry.get(f.id) == failing:
                    alerts.append((1, len(rows)))
                if f.derived is not None and shown == display(self.study, f, "no", self.lang):
                    alerts.append((1, len(rows)))
                rows.append([self.label(f), shown])
        grid = Grid(
            rows,
            [WIDTH * 0.8, WIDTH * 0.2],
            header=False,
            label_columns=(0,),
            alerts=tuple(alerts),
            spans=tuple(spans),
        )
        self.story.append(grid.build())

    def baseline(self) -> None:
        self.add_heading(self.tr("baseline"))
        for form_id in BASELINE_FORMS:
            form = self.study.form(form_id)
            entry = self.single(form_id)
            block: list[Any] = [self.sub_heading(form.label.text(self.lang)), Spacer(1, 2)]
            if entry is None:
                block.append(para(self.tr("not_recorded"), color="muted"))
            else:
                block.append(key_values(self.pairs(form, entry), WIDTH))
            block.append(Spacer(1, 5))
            self.story.append(KeepTogether(block))

    def repeating(self, form_id: str, *, title: str | None = None, sub: bool = False) -> None:
        form = self.study.form(form_id)
        entries = self.data.items(form_id)
        text = title or form.label.text(self.lang)
        if sub:
            self.add_sub_heading(text)
        else:
            self.add_heading(text)
        if not entries:
            self.story.append(para(self.tr("none"), color="muted"))
            return
        self.story.append(self.form_table(form, entries))

    def prior_treatments(self) -> None:
        self.repeating("prior_treatments")

    def treatment(self) -> None:
        form = self.study.form("treatment")
        self.add_heading(form.label.text(self.lang))
        entry = self.single("treatment")
        if entry is None:
            self.story.append(para(self.tr("not_recorded"), color="muted"))
        else:
            self.story.append(key_values(self.pairs(form, entry), WIDTH))
        self.story.append(Spacer(1, 2))
        self.add_sub_heading(self.tr("timeline"))
        summary, history = self.data.dosing, self.data.dosing_history
        if isinstance(summary, Computed) and isinstance(history, Computed):
            self.story.append(
                DosingTimeline(summary.value, history.value, self.lang, dates=self.view is None)
            )
        else:
            self.story.append(para(self.tr("no_dosing"), color="muted"))
        self.cycles()
        self.repeating("dose_changes", sub=True)

    def cycles(self) -> None:
        form = self.study.form("cycles")
        entries = self.data.items("cycles")
        self.add_sub_heading(form.label.text(self.lang))
        if not entries:
            self.story.append(para(self.tr("none"), color="muted"))
            return
        fields = [form.field(f) for f in form.summary_fields] + [
            form.field(f) for f in CYCLE_COLUMNS if f not in form.summary_fields
        ]
        summary = self.data.dosing
        per_cycle = (
            {c.number: c for c in summary.value.cycles} if isinstance(summary, Computed) else {}
        )
        rows = [[self.label(f) for f in fields] + [self.tr("days_dosed"), self.tr("dose_in_cycle")]]
        for e in entries:
            row = [self.text(form, f, e) or "" for f in fields]
            number = e.get("cycle_number")
            cycle = per_cycle.get(number) if isinstance(number, int) else None
            if cycle is None:
                row += ["—", "—"]
            else:
                total = value_or_none(cycle.cumulative_dose_mg)
                row += [str(cycle.dosing_days), "—" if total is None else f"{total:,.0f} mg"]
            rows.append(row)
        self.story.append(auto_table(rows, WIDTH))

    def response(self) -> None:
        form = self.study.form("response_assessments")
        self.add_heading(self.tr("response"))
        treatment = self.study.form("treatment")
        entry = self.single("treatment")
        pairs = [
            (self.label(treatment.field(f)), self.text(treatment, treatment.field(f), entry) or "—")
            for f in ("best_overall_response", "time_to_best_response")
        ]
        self.story.append(key_values(pairs, WIDTH))
        self.story.append(Spacer(1, 4))
        entries = self.data.items(form.id)
        if not entries:
            self.story.append(para(self.tr("none"), color="muted"))
            return
        self.story.append(self.form_table(form, entries))

    def adverse_events(self) -> None:
        form = self.study.form("adverse_events")
        self.add_heading(form.label.text(self.lang))
        entries = self.data.items(form.id)
        if not entries:
            self.story.append(para(self.tr("none"), color="muted"))
            return

        def grade(e: Entry) -> int:
            g = e.get("grade")
            return g if isinstance(g, int) else 0

        ordered = sorted(entries, key=lambda e: -grade(e))  # stable: onset order kept
        counts: dict[int, int] = {}
        for e in entries:
            counts[grade(e)] = counts.get(grade(e), 0) + 1
        line = " · ".join(
            t("grade_n", self.lang).format(g=g, n=n) for g, n in sorted(counts.items()) if g
        )
        self.story.append(
            para(f"{self.tr('grade_counts')}: {line}" if line else self.tr("grade_counts"))
        )
        self.story.append(Spacer(1, 3))
        cols = self.columns(form, entries)
        grade_field = [f for f in cols if f.id == "grade"]
        rest = [f for f in cols if f.id != "grade"]
        table_fields = rest[:1] + grade_field + rest[1:]
        alerts = tuple((1, r + 1) for r, e in enumerate(ordered) if grade(e) >= 3 and grade_field)
        rows = [[self.label(f) for f in table_fields]]
        rows += [[self.text(form, f, e) or "" for f in table_fields] for e in ordered]
        self.story.append(auto_table(rows, WIDTH, alerts=alerts))

    def follow_up(self) -> None:
        self.add_heading(self.tr("follow_up"))
        pairs: list[tuple[str, str]] = []
        for form_id in FOLLOW_UP_FORMS:
            form = self.study.form(form_id)
            entry = self.single(form_id)
            if entry is None:
                pairs.append((form.label.text(self.lang), self.tr("not_recorded")))
            else:
                pairs += self.pairs(form, entry)
        self.story.append(key_values(pairs, WIDTH))
        self.story.append(Spacer(1, 5))
        rows = [
            [
                self.tr("endpoint"),
                self.tr("days_h"),
                self.tr("months_h"),
                self.tr("outcome"),
                self.tr("date" if self.view is None else "study_day"),
            ]
        ]
        endpoints = self.data.endpoints
        for key, result in (("os", endpoints.os), ("pfs", endpoints.pfs), ("ttp", endpoints.ttp)):
            if isinstance(result, NotComputable):
                reason = self.tr("not_computable")
                if self.lang == "en":
                    reason += f" ({self.tr('missing')} {', '.join(result.missing)})"
                rows.append([self.tr(key), "—", "—", reason, ""])
                continue
            event = result.value
            kind = self.tr("event") if event.event else self.tr("censored")
            rows.append(
                [
                    self.tr(key),
                    str(event.days),
                    f"{event.months:.1f}",
                    f"{kind}: {self.tr('basis.' + event.basis)}",
                    self.date_text(event.on)
                    + (f" ({self.tr('imputed.' + event.flag)})" if event.flag else ""),
                ]
            )
        self.story.append(auto_table(rows, WIDTH))
        self.repeating("subsequent_treatments", sub=True)

    def queries(self) -> None:
        self.add_heading(self.tr("issues"))
        if not self.issues:
            self.story.append(para(self.tr("no_issues"), color="muted"))
            return
        rows = [[self.tr("kind"), self.tr("where"), self.tr("finding"), self.tr("query_status")]]
        alerts: list[tuple[int, int]] = []
        for issue in self.issues:
            status = self.tr("status." + issue.status)
            if issue.answer and not self.options.deidentified:
                status = f"{status}: {issue.answer}"
            if issue.severity in ("error", "deviation"):
                alerts.append((0, len(rows)))
            rows.append(
                [
                    self.tr("severity." + issue.severity),
                    issue.place(self.lang),
                    issue.text(self.lang),
                    status,
                ]
            )
        widths = [WIDTH * 0.1, WIDTH * 0.25, WIDTH * 0.47, WIDTH * 0.18]
        self.story.append(Grid(rows, widths, alerts=tuple(alerts)).build())

    def signature(self) -> None:
        self.add_heading(self.tr("signature"))
        lines: list[str] = []
        if self.view is not None:  # de-identified: whether signed, not by whom or when
            signed = any(s.revoked_at is None for s in self.report.signatures)
            lines.append(self.tr("signed_deidentified" if signed else "not_signed"))
            if any(s.revoked_at is None and s.broken for s in self.report.signatures):
                lines.append(_broken_text(self.lang))
        for s in self.report.signatures if self.view is None else ():
            text = t("signed", self.lang).format(
                name=s.full_name,
                user=s.username,
                when=f"{s.signed_at:%Y-%m-%d %H:%M}",
                meaning=s.meaning,
            )
            if s.revoked_at is not None:
                text += "; " + t("revoked", self.lang).format(
                    when=f"{s.revoked_at:%Y-%m-%d %H:%M}", user=s.revoked_by or "?"
                )
            elif s.broken:
                text += "; " + _broken_text(self.lang)
            lines.append(text)
        if not lines:
            lines.append(self.tr("not_signed"))
        lines.append(self.tr("locked") if self.book.locked else self.tr("unlocked"))
        for line in lines:
            self.story.append(para(line, size=8.5))
            self.story.append(Spacer(1, 2))


def _broken_text(lang: str) -> str:
    """A signature whose casebook changed after signing (see services/signatures.py)."""
    if lang.lower().startswith("zh"):
        return "签名已失效（BROKEN）：病例报告在签署后被修改"
    return "SIGNATURE BROKEN: the casebook was changed after it was signed"


def _furniture(report: PatientReportData, options: PdfOptions, moment: dt.datetime) -> Furniture:
    lang = options.language
    book = report.book
    study = book.definition
    right = f"{t('site', lang)} {report.site_code} · {t('subject', lang)} {book.subject_code}"
    if options.deidentified:
        second, alert = t("deidentified", lang), False
    else:
        ident = book.single("identification")
        parts = []
        for field_id, key in (("full_name", "name"), ("hospital_record_number", "record_number")):
            value = ident.get(field_id)
            parts.append(f"{t(key, lang)}: {value if isinstance(value, str) else '—'}")
        second = " · ".join(parts) + "   " + t("identified", lang)
        alert = True
    footer = (
        f"{t('generated', lang)} {_when(moment)} · {t('definition', lang)} {study.id} "
        f"{study.version} · rego-desktop {__version__}"
    )
    return Furniture(
        header_left=f"{t('title', lang)} · {study.title.text(lang)}",
        header_right=right,
        header_second=second,
        footer_left=footer,
        page_format=t("page", lang),
        second_alert=alert,
    )


def render_pdf(report: PatientReportData, options: PdfOptions | None = None) -> bytes:
    """The summary of one patient as PDF bytes (nothing is written to disk)."""
    options = options or PdfOptions()
    fonts()
    moment = options.generated_at or dt.datetime.now().astimezone()
    furniture = _furniture(report, options, moment)
    view = deidentified_view(report.book) if options.deidentified else None
    story = _Builder(report, options, view=view).build()
    buffer = io.BytesIO()
    title = f"{t('title', options.language)} {report.book.subject_code}"
    doc = SimpleDocTemplate(
        buffer,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=58,
        bottomMargin=46,
        title=title,
        author=f"rego-desktop {__version__}",
        subject=f"{report.book.definition.id} {report.book.definition.version}",
        creator=f"rego-desktop {__version__}",
    )
    doc.build(story, canvasmaker=canvas_maker(furniture))
    return buffer.getvalue()


def patient_pdf(study: OpenStudy, subject_code: str, options: PdfOptions | None = None) -> bytes:
    """Read one patient from the study and render the summary (in memory)."""
    return render_pdf(collect(study, subject_code), options)


def write_pdf(
    study: OpenStudy, subject_code: str, path: Path, options: PdfOptions | None = None
) -> Path:
    """Write one patient's summary to ``path`` (a file leaving the database: export rights)."""
    study.user.require(Permission.EXPORT)
    check_output_file(path, "the PDF summary", "PDF 摘要")
    data = patient_pdf(study, subject_code, options)
    return write_bytes_atomically(path, data, what="the PDF summary", what_zh="PDF 摘要")


_SAFE = re.compile(r"[^A-Za-z0-9_.-]")
_PAGES = re.compile(rb"/Count (\d+) /Kids \[[^\]]*\] /Type /Pages")
_PAGE = re.compile(rb"/Type /Page\b(?!s)")


def page_count(pdf: bytes) -> int:
    """Pages of a summary made by :func:`render_pdf` (read from its page tree)."""
    found = _PAGES.search(pdf)
    return int(found.group(1)) if found else len(_PAGE.findall(pdf))


def file_name(subject_code: str) -> str:
    return _SAFE.sub("_", subject_code) + ".pdf"


def write_all(
    study: OpenStudy,
    folder: Path,
    options: PdfOptions | None = None,
    *,
    subjects: Iterable[str] | None = None,
    progress: Progress | None = None,
) -> list[Path]:
    """One PDF per patient in ``folder`` (created if needed), named by subject code."""
    from rego_desktop.services.patients import PatientService

    study.user.require(Permission.EXPORT)
    options = options or PdfOptions()
    if options.generated_at is None:
        options = PdfOptions(options.language, options.deidentified, dt.datetime.now().astimezone())
    codes = list(subjects) if subjects is not None else PatientService(study).subject_codes()
    folder = output_folder(folder, "PDF summaries", "PDF 摘要")
    written: list[Path] = []
    for number, code in enumerate(codes, start=1):
        path = folder / file_name(code)
        try:
            data = patient_pdf(study, code, options)
        except DamagedRecord as exc:  # skipped and listed by read-only commands
            if not skip_damaged(exc):
                raise
            continue
        write_bytes_atomically(path, data, what="the PDF summary", what_zh="PDF 摘要")
        written.append(path)
        if progress is not None:
            progress(number, len(codes))
    return written
