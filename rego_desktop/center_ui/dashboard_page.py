"""The pooled dashboard: the site's Kaplan-Meier dashboard on pooled data, by site.

The figures are those of ``rego-center summary`` (the analysis rows stored at merge,
:func:`~rego_desktop.center.analysis_rows.pooled_rows`, summarised by
:func:`~rego_desktop.analysis.summary.summarize_rows`); the curves and tables are drawn
by the site dashboard's own pieces (:mod:`rego_desktop.ui.dashboard`,
:mod:`rego_desktop.ui.km_plot`).
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from rego_desktop.analysis import ENDPOINTS, StudySummary
from rego_desktop.analysis.summary import summarize_rows
from rego_desktop.center.analysis_rows import pooled_rows
from rego_desktop.center.pooled import site_counts
from rego_desktop.center_ui.common import Page, buddy
from rego_desktop.center_ui.session import CenterSession
from rego_desktop.center_ui.text import say
from rego_desktop.study import CURRENT
from rego_desktop.ui import dashboard as site_dashboard
from rego_desktop.ui.km_plot import ENDPOINT_COLORS, Curve, KaplanMeierPlot
from rego_desktop.ui.messages import MessageService
from rego_desktop.ui.operations import Progress
from rego_desktop.ui.widgets import heading


class DashboardPage(Page):
    def __init__(self, session: CenterSession, messages: MessageService) -> None:
        super().__init__(session, messages)
        self.setObjectName("dashboardPage")
        self.summary: StudySummary | None = None
        self.shown_site: str | None = None
        self.site = QComboBox()
        self.site.setObjectName("dashboardSite")
        self.site.addItem(say("all_sites"), None)
        self.site.activated.connect(lambda _i: self.refresh())
        self.refresh_button = QPushButton(say("refresh"))
        self.refresh_button.setObjectName("refreshDashboard")
        self.refresh_button.setShortcut("F5")
        self.refresh_button.clicked.connect(self.refresh)
        self.title = heading(say("dash_title_all"))
        self.patients = QLabel()
        self.patients.setObjectName("dashboardPatients")
        self.patients.setWordWrap(True)
        self.status = QLabel()
        self.status.setObjectName("dashboardStatus")

        self.plot = KaplanMeierPlot()
        self.plot.setMinimumHeight(240)
        self.curve_boxes: dict[str, QCheckBox] = {}
        toggles = QHBoxLayout()
        for name in ENDPOINTS:
            box = QCheckBox(site_dashboard.NAMES[name])
            box.setObjectName(f"show_{name}")
            box.setChecked(True)
            box.setStyleSheet(f"QCheckBox {{ color: {ENDPOINT_COLORS[name]}; font-weight: bold; }}")
            box.toggled.connect(self._show_curves)
            self.curve_boxes[name] = box
            toggles.addWidget(box)
        self.bands = QCheckBox(say("bands"))
        self.bands.setObjectName("showBands")
        self.bands.setChecked(True)
        self.bands.toggled.connect(self.plot.set_bands)
        toggles.addSpacing(12)
        toggles.addWidget(self.bands)
        toggles.addStretch(1)
        curves_box = QGroupBox(site_dashboard.say("curves"))
        curves_layout = QVBoxLayout(curves_box)
        curves_layout.addLayout(toggles)
        curves_layout.addWidget(self.plot, 1)
        self.tte = site_dashboard._table("tteTable")
        self.tte.setWordWrap(True)
        curves_layout.addWidget(QLabel(site_dashboard.say("base_tte"), wordWrap=True))
        curves_layout.addWidget(self.tte)

        self.response = site_dashboard._table("responseTable")
        self.ae = site_dashboard._table("aeTable")
        self.dosing = site_dashboard._table("dosingTable")
        self.missing = site_dashboard._table("notComputableTable")
        self.missing.setWordWrap(True)
        self.notes: dict[str, QLabel] = {}
        self.tabs = QTabWidget()
        self.tabs.setObjectName("summaryTabs")
        for widget, key in (
            (self.response, "response"),
            (self.ae, "ae"),
            (self.dosing, "dosing"),
            (self.missing, "missing_tab"),
        ):
            page = QWidget()
            page_layout = QVBoxLayout(page)
            note = QLabel(wordWrap=True)
            note.setStyleSheet("color: #555555;")
            self.notes[key] = note
            page_layout.addWidget(note)
            page_layout.addWidget(widget, 1)
            self.tabs.addTab(
                page,
                site_dashboard.say(key, n=0) if key == "missing_tab" else site_dashboard.say(key),
            )

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setObjectName("centerDashboardSplitter")
        splitter.addWidget(curves_box)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([720, 480])

        top = QHBoxLayout()
        top.addWidget(buddy("dash_site", self.site))
        top.addWidget(self.site)
        top.addWidget(self.refresh_button)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.title)
        layout.addWidget(self.patients)
        layout.addWidget(self.status)
        layout.addWidget(splitter, 1)

    def first_focus(self) -> QWidget | None:
        return self.site

    def _sites(self) -> None:
        """Offer every site that has sent data (kept current after merges)."""
        codes = [c.site_code for c in site_counts(self.session.db)]
        current = self.site.currentData()
        present = [self.site.itemData(i) for i in range(1, self.site.count())]
        if present != codes:
            self.site.blockSignals(True)
            while self.site.count() > 1:
                self.site.removeItem(1)
            for code in codes:
                self.site.addItem(code, code)
            index = self.site.findData(current) if current is not None else 0
            self.site.setCurrentIndex(max(0, index))
            self.site.blockSignals(False)

    def refresh(self) -> None:
        self._sites()
        db = self.session.db
        site = self.site.currentData()

        def work(_progress: Progress) -> tuple[str | None, StudySummary]:
            rows, definition = pooled_rows(db, site=site)
            return site, summarize_rows(rows, definition or CURRENT)

        def done(result: object) -> None:
            assert isinstance(result, tuple)
            shown, summary = result
            self.show_summary(shown, summary)

        self.status.setText(say("computing"))
        self.run(work, say("computing"), done)

    def show_summary(self, site: str | None, summary: StudySummary) -> None:
        self.summary = summary
        self.shown_site = site
        self.title.setText(
            say("dash_title_all") if site is None else say("dash_title_site", site=site)
        )
        self.patients.setText(site_dashboard.patients_line(summary))
        self.status.setText(say("updated", time=dt.datetime.now().strftime("%H:%M:%S")))
        self._show_curves()
        site_dashboard._fill(self.tte, site_dashboard.tte_table(summary))
        self.tte.resizeRowsToContents()  # long endpoint names wrap instead of being cut
        site_dashboard._fit_height(self.tte)
        self.notes["response"].setText(site_dashboard.say("base_response", n=summary.response.n))
        site_dashboard._fill(self.response, site_dashboard.response_table(summary))
        self.notes["ae"].setText(site_dashboard.say("base_ae", n=summary.analysed))
        site_dashboard._fill(self.ae, site_dashboard.ae_table(summary))
        self.notes["dosing"].setText(site_dashboard.say("base_dosing", n=summary.dosing.n))
        site_dashboard._fill(self.dosing, site_dashboard.dosing_table(summary))
        site_dashboard._fill_text(self.missing, site_dashboard.missing_table(summary))
        count = len(summary.not_computable)
        self.notes["missing_tab"].setText(
            site_dashboard.say("missing_note") if count else site_dashboard.say("missing_none")
        )
        self.tabs.setTabText(self.tabs.count() - 1, site_dashboard.say("missing_tab", n=count))

    def visible_curves(self) -> list[Curve]:
        if self.summary is None:
            return []
        return [
            c
            for c, name in zip(site_dashboard.curves(self.summary), ENDPOINTS, strict=True)
            if self.curve_boxes[name].isChecked()
        ]

    def _show_curves(self) -> None:
        if self.summary is not None:
            self.plot.set_curves(self.visible_curves())
