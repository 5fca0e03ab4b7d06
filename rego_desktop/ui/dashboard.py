"""The endpoint dashboard: Kaplan-Meier curves, response, adverse-event and dosing tables.

Everything shown comes from :func:`rego_desktop.analysis.analyse_study` (the same figures
as ``rego-desktop summary``), computed in the background. The dashboard keeps itself
current: while it is visible it checks the cheap :func:`~rego_desktop.analysis.data_version`
fingerprint every few seconds and recomputes when any record was saved (from the
analysis rows each save stores, so a refresh is quick); :meth:`Dashboard.refresh` does
it at once. :meth:`Dashboard.export_png` and :meth:`Dashboard.export_pdf` write a
two-page report (curves with the time-to-event table; response, adverse events, dosing).
Exports hold aggregate figures only, no patient-level data.

Signals: ``updated()`` after new figures are shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, QSize, QSizeF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QHideEvent,
    QImage,
    QKeySequence,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from rego_desktop.analysis import (
    ENDPOINTS,
    DataVersion,
    StudySummary,
    analyse_study,
    data_version,
)
from rego_desktop.analysis.summary import RESPONSES, Rate
from rego_desktop.analysis.text import median_text, percent
from rego_desktop.rules.dosing_rules import deviation_name
from rego_desktop.store.study import OpenStudy
from rego_desktop.study.schema import Label
from rego_desktop.ui.geometry import place
from rego_desktop.ui.keyboard import set_default_button
from rego_desktop.ui.km_plot import ENDPOINT_COLORS, Curve, KaplanMeierPlot, paint_km
from rego_desktop.ui.messages import MessageService
from rego_desktop.ui.operations import Operation, Progress
from rego_desktop.ui.widgets import heading, language

POLL_MS = 5_000
# Logical size of an exported page (A4 landscape at 96 dpi); scaled to the device.
PAGE = QSizeF(1123, 794)
PNG_SCALE = 2.0

T = {
    "title": Label("Endpoint summary – site {site}", "终点汇总 – 中心 {site}"),
    "patients": Label(
        "{enrolled} enrolled · {failures} screen failures (excluded) · {analysed} analysed "
        "(eligible and treated) · {incomplete} not yet analysable",
        "入组 {enrolled} 例 · 筛选失败 {failures} 例(排除) · 可分析 {analysed} 例"
        "(符合条件且已治疗) · 尚不可分析 {incomplete} 例",
    ),
    "computing": Label("Computing the summary…", "正在计算汇总…"),
    "updated": Label("Updated {time}", "更新于 {time}"),
    "refresh": Label("&Refresh", "刷新(&R)"),
    "png": Label("Export &PNG…", "导出 &PNG…"),
    "pdf": Label("Export P&DF…", "导出 P&DF…"),
    "bands": Label("95% confidence bands", "95% 置信带"),
    "curves": Label("Kaplan-Meier curves", "Kaplan-Meier 曲线"),
    "tte": Label("Time to event (months)", "至事件时间(月)"),
    "response": Label("Best overall response", "最佳总体疗效"),
    "ae": Label("Adverse events", "不良事件"),
    "dosing": Label("Dosing", "给药"),
    "endpoint": Label("Endpoint", "终点"),
    "n": Label("n", "例数"),
    "events": Label("Events", "事件"),
    "median": Label("Median (95% CI)", "中位数 (95% CI)"),
    "rate6": Label("6-month rate (95% CI)", "6个月率 (95% CI)"),
    "rate12": Label("12-month rate (95% CI)", "12个月率 (95% CI)"),
    "not_computable": Label("Without dates", "缺少日期"),
    "beyond": Label("beyond follow-up", "超出随访"),
    "patients_col": Label("Patients", "患者"),
    "ci": Label("95% CI (exact)", "95% CI(精确法)"),
    "not_assessed": Label("Not assessed", "未评估"),
    "orr": Label("ORR (CR + PR)", "客观缓解率 ORR (CR+PR)"),
    "dcr": Label("DCR (CR + PR + SD)", "疾病控制率 DCR (CR+PR+SD)"),
    "term": Label("CTCAE term", "CTCAE 术语"),
    "any_grade": Label("Any grade", "任何级别"),
    "grade3": Label("Grade ≥ 3", "≥3级"),
    "measure": Label("Measure", "指标"),
    "value": Label("Value", "数值"),
    "initial_dose": Label("Initial daily dose {mg} mg", "起始日剂量 {mg} mg"),
    "initial_unknown": Label("Initial daily dose not recorded", "起始日剂量未记录"),
    "cycles": Label("Cycles started, median", "开始周期数,中位数"),
    "rdi": Label("Relative dose intensity, median (IQR)", "相对剂量强度,中位数 (IQR)"),
    "reductions": Label("Patients with a dose reduction", "有减量的患者"),
    "interruptions": Label("Patients with an interruption", "有暂停用药的患者"),
    "deviations": Label("Patients with a label deviation", "有说明书偏离的患者"),
    "base_tte": Label(
        "Analysed patients with the dates for each endpoint; months = days / 30.4375 from "
        "day 1 (first dose). NR = not reached.",
        "具备各终点所需日期的可分析患者;月 = 自第1天(首次给药)起的天数 / 30.4375。NR = 未达到。",
    ),
    "base_response": Label(
        "n = {n} analysed; patients without an assessment after day 1 count as non-responders.",
        "n = {n} 例可分析患者;第1天后无评估者计为未缓解。",
    ),
    "base_ae": Label(
        "n = {n} analysed; each patient once per term, at the worst grade.",
        "n = {n} 例可分析患者;每位患者每个术语按最重级别计一次。",
    ),
    "base_dosing": Label(
        "n = {n} analysed patients with a dosing record.", "n = {n} 例有给药记录的可分析患者。"
    ),
    "export_title": Label("Export the endpoint summary", "导出终点汇总"),
    "exported": Label(
        "Saved {path}. It holds aggregate figures only, no patient-level data.",
        "已保存 {path}。文件仅含汇总数据,不含患者个体数据。",
    ),
    "export_failed": Label("Could not write {path}: {reason}", "无法写入 {path}:{reason}"),
    "page": Label("Page {page} of {pages}", "第 {page} 页,共 {pages} 页"),
    "missing_tab": Label("Not computable ({n})", "无法计算({n})"),
    "missing_note": Label(
        "Patients left out of an endpoint, and why. Complete or correct the casebook to "
        "include them.",
        "未纳入某一终点的患者及原因。补充或更正病例报告后即可纳入。",
    ),
    "missing_none": Label(
        "Every analysed patient counts in every endpoint.", "所有可分析患者均纳入了每个终点。"
    ),
    "subject": Label("Subject", "受试者"),
    "reason": Label("Reason", "原因"),
    "generated": Label("Generated {time}", "生成于 {time}"),
}
NAMES = {"os": "OS", "pfs": "PFS", "ttp": "TTP"}
ENDPOINT_LABELS = {
    "os": Label("OS – overall survival", "OS – 总生存期"),
    "pfs": Label("PFS – progression-free survival", "PFS – 无进展生存期"),
    "ttp": Label("TTP – time to progression", "TTP – 至进展时间"),
}
RESPONSE_LABELS = {
    "CR": Label("CR – complete response", "CR – 完全缓解"),
    "PR": Label("PR – partial response", "PR – 部分缓解"),
    "SD": Label("SD – stable disease", "SD – 疾病稳定"),
    "PD": Label("PD – progressive disease", "PD – 疾病进展"),
    "NE": Label("NE – not evaluable", "NE – 无法评估"),
}


def say(key: str, **values: object) -> str:
    return T[key].text(language()).format(**values)


def count_text(count: int, n: int) -> str:
    return f"{count} ({percent(count / n if n else None)})"


def rate_cell(rate: Rate | None) -> str:
    if rate is None:
        return say("beyond")
    return f"{percent(rate.survival)} ({percent(rate.ci95[0])}–{percent(rate.ci95[1])})"


# ---------------------------------------------------------------------- table contents


Table = tuple[list[str], list[list[str]]]  # (headers, rows)


def curves(summary: StudySummary) -> list[Curve]:
    return [
        Curve(NAMES[name], QColor(ENDPOINT_COLORS[name]), summary.endpoints[name])
        for name in ENDPOINTS
    ]


def tte_table(summary: StudySummary) -> Table:
    headers = [say(k) for k in ("endpoint", "n", "events", "median", "rate6", "rate12")]
    headers.append(say("not_computable"))
    rows = []
    for name in ENDPOINTS:
        e = summary.endpoints[name]
        estimates = (
            [
                median_text(e.median_months, e.ci95_months),
                rate_cell(e.rate(6)),
                rate_cell(e.rate(12)),
            ]
            if e.n
            else ["–", "–", "–"]  # nothing to estimate from
        )
        rows.append(
            [
                ENDPOINT_LABELS[name].text(language()),
                str(e.n),
                str(e.events),
                *estimates,
                str(e.not_computable),
            ]
        )
    return headers, rows


def response_table(summary: StudySummary) -> Table:
    r = summary.response
    headers = [say("response"), say("patients_col"), say("ci")]
    rows = [
        [RESPONSE_LABELS[code].text(language()), count_text(r.counts[code], r.n), ""]
        for code in RESPONSES
    ]
    rows.append([say("not_assessed"), count_text(r.counts["not_assessed"], r.n), ""])
    for key, value in (("orr", r.orr), ("dcr", r.dcr)):
        if value is None:
            rows.append([say(key), "–", "–"])
        else:
            rows.append(
                [
                    say(key),
                    count_text(value.count, value.n),
                    f"{percent(value.ci95[0])}–{percent(value.ci95[1])}",
                ]
            )
    return headers, rows


def ae_table(summary: StudySummary) -> Table:
    n = summary.analysed
    headers = [say("term"), say("any_grade"), say("grade3")]
    zh = language().startswith("zh")
    rows = [
        [
            ae.term_zh if zh else ae.term,
            count_text(ae.row.any_grade, n),
            count_text(ae.row.grade_3_plus, n),
        ]
        for ae in summary.adverse_events
    ]
    return headers, rows


def dosing_table(summary: StudySummary) -> Table:
    d = summary.dosing
    rows = [
        [say("initial_dose", mg=f"{mg:g}"), count_text(count, d.n)]
        for mg, count in d.initial_doses.items()
    ]
    if d.initial_dose_unknown:
        rows.append([say("initial_unknown"), count_text(d.initial_dose_unknown, d.n)])
    rows.append([say("cycles"), "–" if d.cycles_median is None else f"{d.cycles_median:g}"])
    iqr = d.rdi_iqr
    rows.append(
        [
            say("rdi"),
            "–"
            if d.rdi_median is None or iqr is None
            else f"{percent(d.rdi_median, 0)} ({percent(iqr[0], 0)}–{percent(iqr[1], 0)}), "
            f"n = {len(d.rdi)}",
        ]
    )
    rows.append([say("reductions"), count_text(d.with_reductions, d.n)])
    rows.append([say("interruptions"), count_text(d.with_interruptions, d.n)])
    rows.append([say("deviations"), count_text(d.with_deviations, d.n)])
    rows += [
        [f"    {deviation_name(rule, language())}", str(count)]
        for rule, count in d.deviations_by_rule.items()
    ]
    return [say("measure"), say("value")], rows


ENDPOINT_NAMES = {
    **{key: Label(NAMES[key], NAMES[key]) for key in NAMES},
    "response": Label("Response (ORR, DCR)", "疗效(ORR、DCR)"),
}


def missing_table(summary: StudySummary) -> Table:
    """Who is left out of which endpoint, and why: no patient leaves silently."""
    rows = [
        [
            entry.subject,
            ENDPOINT_NAMES.get(entry.endpoint, Label(entry.endpoint, entry.endpoint)).text(
                language()
            ),
            entry.reason_zh if language().startswith("zh") else entry.reason,
        ]
        for entry in summary.not_computable
    ]
    return [say("subject"), say("endpoint"), say("reason")], rows


def patients_line(summary: StudySummary) -> str:
    return say(
        "patients",
        enrolled=summary.enrolled,
        failures=summary.screen_failures,
        analysed=summary.analysed,
        incomplete=summary.incomplete,
    )


# ---------------------------------------------------------------------- the widget


def _fill(table: QTableWidget, content: Table) -> None:
    headers, rows = content
    table.clear()
    table.setColumnCount(len(headers))
    table.setRowCount(len(rows))
    table.setHorizontalHeaderLabels(headers)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            item = QTableWidgetItem(value)
            if c > 0:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)
    table.resizeColumnsToContents()
    if headers:
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)


def _fill_text(table: QTableWidget, content: Table) -> None:
    """Like :func:`_fill` for text columns: left aligned, the last column wraps."""
    _fill(table, content)
    for r in range(table.rowCount()):
        for c in range(table.columnCount()):
            item = table.item(r, c)
            if item is not None:
                item.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    header = table.horizontalHeader()
    if table.columnCount():
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(table.columnCount() - 1, QHeaderView.ResizeMode.Stretch)
    table.resizeRowsToContents()


def _fit_height(table: QTableWidget) -> None:
    """Exactly as tall as its rows (for short tables under the plot)."""
    header = table.horizontalHeader()
    height = max(header.height(), header.sizeHint().height()) + 2 * table.frameWidth() + 2
    height += table.verticalHeader().length()
    table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    table.setFixedHeight(height)


def _table(name: str) -> QTableWidget:
    table = QTableWidget()
    table.setObjectName(name)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    table.verticalHeader().hide()
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return table


def _note(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet("color: #555555;")
    return label


class Dashboard(QWidget):
    """Endpoint summary of the open study, kept current while shown."""

    updated = Signal()

    def __init__(
        self,
        study: OpenStudy,
        messages: MessageService,
        parent: QWidget | None = None,
        *,
        poll_ms: int = POLL_MS,
    ) -> None:
        super().__init__(parent)
        self.study = study
        self.messages = messages
        self.summary: StudySummary | None = None
        self.version: DataVersion | None = None
        self.operation: Operation | None = None
        self.computed_at: dt.datetime | None = None
        self._again = False
        self.setObjectName("dashboard")
        self.setWindowFlag(Qt.WindowType.Window, True)  # its own window, even with a parent
        self.setWindowTitle(say("title", site=study.info.site_code))

        self.title = heading(say("title", site=study.info.site_code))
        self.patients = QLabel()
        self.patients.setObjectName("patientCounts")
        self.patients.setWordWrap(True)
        self.status = _note()
        self.status.setObjectName("dashboardStatus")
        self.refresh_button = QPushButton(say("refresh"))
        self.refresh_button.setObjectName("refreshSummary")
        self.refresh_button.setShortcut("F5")
        self.refresh_button.clicked.connect(self.refresh)
        self.png_button = QPushButton(say("png"))
        self.png_button.setObjectName("exportPng")
        self.png_button.clicked.connect(lambda: self._export_dialog("png"))
        self.pdf_button = QPushButton(say("pdf"))
        self.pdf_button.setObjectName("exportPdf")
        self.pdf_button.clicked.connect(lambda: self._export_dialog("pdf"))

        top = QHBoxLayout()
        titles = QVBoxLayout()
        titles.addWidget(self.title)
        titles.addWidget(self.patients)
        titles.addWidget(self.status)
        top.addLayout(titles, 1)
        for button in (self.refresh_button, self.png_button, self.pdf_button):
            top.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)

        self.plot = KaplanMeierPlot()
        self.curve_boxes: dict[str, QCheckBox] = {}
        toggles = QHBoxLayout()
        for name in ENDPOINTS:
            box = QCheckBox(NAMES[name])
            box.setObjectName(f"show_{name}")
            box.setChecked(True)
            box.setStyleSheet(f"QCheckBox {{ color: {ENDPOINT_COLORS[name]}; font-weight: bold; }}")
            box.toggled.connect(self._show_curves)
            self.curve_boxes[name] = box
            toggles.addWidget(box)
        self.bands_box = QCheckBox(say("bands"))
        self.bands_box.setObjectName("showBands")
        self.bands_box.setChecked(True)
        self.bands_box.toggled.connect(self.plot.set_bands)
        toggles.addSpacing(12)
        toggles.addWidget(self.bands_box)
        toggles.addStretch(1)
        curves_box = QGroupBox(say("curves"))
        curves_layout = QVBoxLayout(curves_box)
        curves_layout.addLayout(toggles)
        curves_layout.addWidget(self.plot, 1)

        self.tte = _table("tteTable")
        self.response = _table("responseTable")
        self.response_note = _note()
        self.ae = _table("aeTable")
        self.ae_note = _note()
        self.dosing = _table("dosingTable")
        self.dosing_note = _note()
        self.missing = _table("notComputableTable")
        self.missing.setWordWrap(True)
        self.missing_note = _note()

        curves_layout.addWidget(_note(say("base_tte")))
        curves_layout.addWidget(self.tte)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("summaryTabs")
        for widget, note, key in (
            (self.response, self.response_note, "response"),
            (self.ae, self.ae_note, "ae"),
            (self.dosing, self.dosing_note, "dosing"),
            (self.missing, self.missing_note, "missing_tab"),
        ):
            page = QWidget()
            page_layout = QVBoxLayout(page)
            page_layout.addWidget(note)
            page_layout.addWidget(widget, 1)
            self.tabs.addTab(page, say(key, n=0) if key == "missing_tab" else say(key))

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setObjectName("dashboardSplitter")
        splitter.addWidget(curves_box)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([780, 480])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)

        close = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        close.setContext(Qt.ShortcutContext.WindowShortcut)
        close.activated.connect(self.close)
        set_default_button(self, None)
        place(self, "dashboard", QSize(1280, 760))

        self.timer = QTimer(self)
        self.timer.setInterval(poll_ms)
        self.timer.timeout.connect(self.check_for_changes)
        self._set_exports_enabled(False)
        self.refresh()

    # -------------------------------------------------------------- computing

    @property
    def busy(self) -> bool:
        return self.operation is not None and self.operation.running

    def refresh(self) -> None:
        """Recompute now (after the running computation, if there is one)."""
        if self.busy:
            self._again = True
            return
        study = self.study

        def work(progress: Progress) -> tuple[DataVersion, StudySummary]:
            version = data_version(study)
            return version, analyse_study(study, progress)

        self.status.setText(say("computing"))
        self.operation = Operation(
            work, parent=self, label=say("computing"), messages=self.messages
        )
        self.operation.succeeded.connect(self._computed)
        self.operation.finished.connect(self._finished)
        self.operation.start()

    def check_for_changes(self) -> None:
        """Recompute if any record was saved since the figures shown were computed."""
        if self.busy or not self.isVisible():
            return
        try:
            current = data_version(self.study)
        except Exception:  # a busy or closed database: try again at the next tick
            return
        if current != self.version:
            self.refresh()

    def _computed(self, result: object) -> None:
        assert isinstance(result, tuple)
        version, summary = result
        assert isinstance(version, DataVersion)
        assert isinstance(summary, StudySummary)
        self.version = version
        self.show_summary(summary)

    def _finished(self) -> None:
        if self._again:
            self._again = False
            self.refresh()

    def show_summary(self, summary: StudySummary) -> None:
        self.summary = summary
        self.computed_at = dt.datetime.now()
        self.patients.setText(patients_line(summary))
        self.status.setText(say("updated", time=self.computed_at.strftime("%H:%M:%S")))
        self._show_curves()
        _fill(self.tte, tte_table(summary))
        _fit_height(self.tte)
        self.response_note.setText(say("base_response", n=summary.response.n))
        _fill(self.response, response_table(summary))
        self.ae_note.setText(say("base_ae", n=summary.analysed))
        _fill(self.ae, ae_table(summary))
        self.dosing_note.setText(say("base_dosing", n=summary.dosing.n))
        _fill(self.dosing, dosing_table(summary))
        _fill_text(self.missing, missing_table(summary))
        count = len(summary.not_computable)
        self.missing_note.setText(say("missing_note") if count else say("missing_none"))
        self.tabs.setTabText(self.tabs.count() - 1, say("missing_tab", n=count))
        self._set_exports_enabled(True)
        self.updated.emit()

    def _show_curves(self) -> None:
        if self.summary is None:
            return
        self.plot.set_curves(self.visible_curves())

    def visible_curves(self) -> list[Curve]:
        if self.summary is None:
            return []
        return [
            c
            for c, name in zip(curves(self.summary), ENDPOINTS, strict=True)
            if self.curve_boxes[name].isChecked()
        ]

    def _set_exports_enabled(self, enabled: bool) -> None:
        self.png_button.setEnabled(enabled)
        self.pdf_button.setEnabled(enabled)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        self.timer.start()
        self.check_for_changes()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802
        self.timer.stop()
        super().hideEvent(event)

    # -------------------------------------------------------------- export

    def report_pages(self) -> list[Callable[[QPainter, QSizeF], None]]:
        summary = self.summary
        assert summary is not None, "nothing computed yet"
        title = say("title", site=self.study.info.site_code)
        shown = self.visible_curves()
        bands = self.bands_box.isChecked()
        stamp = say("generated", time=dt.datetime.now().strftime("%Y-%m-%d %H:%M"))
        font = QFont(self.font())

        def page_one(painter: QPainter, size: QSizeF) -> None:
            y = _page_header(painter, size, font, title, patients_line(summary), stamp, 1)
            plot_height = size.height() - y - 150
            painter.save()
            painter.translate(24, y)
            paint_km(painter, size.width() - 48, plot_height, shown, bands=bands, base_font=font)
            painter.restore()
            y += plot_height + 10
            y = _paint_table(painter, font, 24, y, size.width() - 48, tte_table(summary))
            _paint_note(painter, font, 24, y + 2, size.width() - 48, say("base_tte"))

        def page_two(painter: QPainter, size: QSizeF) -> None:
            y = _page_header(painter, size, font, title, patients_line(summary), stamp, 2)
            half = (size.width() - 72) / 2
            left_y = _paint_heading(painter, font, 24, y, say("response"))
            left_y = _paint_note(
                painter, font, 24, left_y, half, say("base_response", n=summary.response.n)
            )
            left_y = _paint_table(painter, font, 24, left_y, half, response_table(summary))
            left_y = _paint_heading(painter, font, 24, left_y + 14, say("dosing"))
            left_y = _paint_note(
                painter, font, 24, left_y, half, say("base_dosing", n=summary.dosing.n)
            )
            _paint_table(painter, font, 24, left_y, half, dosing_table(summary))
            x = 48 + half
            right_y = _paint_heading(painter, font, x, y, say("ae"))
            right_y = _paint_note(
                painter, font, x, right_y, half, say("base_ae", n=summary.analysed)
            )
            _paint_table(
                painter, font, x, right_y, half, ae_table(summary), max_bottom=size.height()
            )

        return [page_one, page_two]

    def export_png(self, path: Path) -> None:
        """Both report pages, one above the other, as one PNG image."""
        pages = self.report_pages()
        image = QImage(
            round(PAGE.width() * PNG_SCALE),
            round(PAGE.height() * PNG_SCALE * len(pages)),
            QImage.Format.Format_RGB32,
        )
        image.setDotsPerMeterX(round(96 * PNG_SCALE / 0.0254))
        image.setDotsPerMeterY(round(96 * PNG_SCALE / 0.0254))
        image.fill(QColor("white"))
        painter = QPainter(image)
        try:
            painter.scale(PNG_SCALE, PNG_SCALE)
            for i, paint in enumerate(pages):
                painter.save()
                painter.translate(0, PAGE.height() * i)
                if i:
                    painter.setPen(QColor("#cccccc"))
                    painter.drawLine(0, 0, round(PAGE.width()), 0)
                paint(painter, PAGE)
                painter.restore()
        finally:
            painter.end()
        # PySide6 wants the format as str; its stubs say bytes.
        if not image.save(str(path), "PNG"):  # type: ignore[call-overload]
            raise OSError(f"the image could not be written to {path}")

    def export_pdf(self, path: Path) -> None:
        """The report as a two-page A4 landscape PDF (vector graphics and text)."""
        pages = self.report_pages()
        writer = QPdfWriter(str(path))
        writer.setResolution(300)
        writer.setTitle(say("title", site=self.study.info.site_code))
        writer.setCreator("rego-desktop")
        writer.setPageLayout(
            QPageLayout(
                QPageSize(QPageSize.PageSizeId.A4),
                QPageLayout.Orientation.Landscape,
                QMarginsF(8, 8, 8, 8),
                QPageLayout.Unit.Millimeter,
            )
        )
        painter = QPainter()
        if not painter.begin(writer):
            raise OSError(f"{path} cannot be written")
        try:
            area = writer.pageLayout().paintRectPixels(writer.resolution())
            scale = min(area.width() / PAGE.width(), area.height() / PAGE.height())
            for i, paint in enumerate(pages):
                if i:
                    writer.newPage()
                painter.save()
                painter.scale(scale, scale)
                paint(painter, PAGE)
                painter.restore()
        finally:
            painter.end()
        if not path.exists() or path.stat().st_size == 0:
            raise OSError(f"{path} was not written")

    def _export_dialog(self, kind: str) -> None:
        if self.summary is None:
            return
        suffix = f".{kind}"
        default = f"endpoint-summary-{self.study.info.site_code}-{dt.date.today():%Y%m%d}{suffix}"
        name, _ = QFileDialog.getSaveFileName(
            self, say("export_title"), default, f"{kind.upper()} (*{suffix})"
        )
        if not name:
            return
        path = Path(name)
        if path.suffix.lower() != suffix:
            path = path.with_suffix(suffix)
        try:
            (self.export_png if kind == "png" else self.export_pdf)(path)
        except OSError as exc:
            self.messages.error(
                self, say("export_title"), say("export_failed", path=path, reason=exc)
            )
            return
        self.messages.info(self, say("export_title"), say("exported", path=path))


# ---------------------------------------------------------------------- report painting


def _sized(base: QFont, pixels: float, *, bold: bool = False) -> QFont:
    font = QFont(base)
    font.setPixelSize(round(pixels))
    font.setBold(bold)
    return font


def _page_header(
    painter: QPainter,
    size: QSizeF,
    base: QFont,
    title: str,
    subtitle: str,
    stamp: str,
    page: int,
) -> float:
    painter.setPen(QColor("#111111"))
    painter.setFont(_sized(base, 20, bold=True))
    painter.drawText(QRectF(24, 16, size.width() - 48, 28), Qt.AlignmentFlag.AlignLeft, title)
    painter.setFont(_sized(base, 12))
    painter.setPen(QColor("#444444"))
    painter.drawText(QRectF(24, 46, size.width() - 48, 18), Qt.AlignmentFlag.AlignLeft, subtitle)
    footer = f"{stamp} · {say('page', page=page, pages=2)}"
    painter.drawText(
        QRectF(24, size.height() - 22, size.width() - 48, 16),
        Qt.AlignmentFlag.AlignRight,
        footer,
    )
    return 74.0


def _paint_heading(painter: QPainter, base: QFont, x: float, y: float, text: str) -> float:
    painter.setFont(_sized(base, 14, bold=True))
    painter.setPen(QColor("#111111"))
    painter.drawText(QRectF(x, y, 600, 20), Qt.AlignmentFlag.AlignLeft, text)
    return y + 22


def _paint_note(
    painter: QPainter, base: QFont, x: float, y: float, width: float, text: str
) -> float:
    font = _sized(base, 11)
    painter.setFont(font)
    painter.setPen(QColor("#555555"))
    flags = Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap
    bounds = painter.boundingRect(QRectF(x, y, width, 200), flags, text)
    painter.drawText(QRectF(x, y, width, bounds.height()), flags, text)
    return y + bounds.height() + 4


def _paint_table(
    painter: QPainter,
    base: QFont,
    x: float,
    y: float,
    width: float,
    content: Table,
    *,
    max_bottom: float | None = None,
) -> float:
    """A simple ruled table; columns sized to their content, the first one takes the rest."""
    headers, rows = content
    font = _sized(base, 11.5)
    bold = _sized(base, 11.5, bold=True)
    fm, fb = QFontMetricsF(font), QFontMetricsF(bold)
    row_h = fm.height() + 6
    widths = [
        max([fb.horizontalAdvance(headers[c])] + [fm.horizontalAdvance(r[c]) for r in rows]) + 14
        for c in range(len(headers))
    ]
    widths[0] = max(widths[0], width - sum(widths[1:]))
    if sum(widths) > width:
        widths[0] = max(60.0, width - sum(widths[1:]))
    limit = max_bottom - 30 if max_bottom is not None else None
    painter.setPen(QColor("#222222"))
    painter.setFont(bold)
    cx = x
    for c, header in enumerate(headers):
        align = Qt.AlignmentFlag.AlignLeft if c == 0 else Qt.AlignmentFlag.AlignRight
        painter.drawText(
            QRectF(cx + 4, y, widths[c] - 8, row_h), align | Qt.AlignmentFlag.AlignVCenter, header
        )
        cx += widths[c]
    y += row_h
    painter.drawLine(round(x), round(y), round(x + sum(widths)), round(y))
    painter.setFont(font)
    for i, row in enumerate(rows):
        if limit is not None and y + row_h > limit:
            painter.setPen(QColor("#555555"))
            painter.drawText(
                QRectF(x + 4, y, sum(widths), row_h),
                Qt.AlignmentFlag.AlignLeft,
                f"… {len(rows) - i} more",
            )
            return y + row_h
        if i % 2:
            painter.fillRect(QRectF(x, y, sum(widths), row_h), QColor("#f4f6f8"))
        painter.setPen(QColor("#222222"))
        cx = x
        for c, value in enumerate(row):
            align = Qt.AlignmentFlag.AlignLeft if c == 0 else Qt.AlignmentFlag.AlignRight
            painter.drawText(
                QRectF(cx + 4, y, widths[c] - 8, row_h),
                align | Qt.AlignmentFlag.AlignVCenter,
                value,
            )
            cx += widths[c]
        y += row_h
    painter.setPen(QColor("#999999"))
    painter.drawLine(round(x), round(y), round(x + sum(widths)), round(y))
    return y + 4
