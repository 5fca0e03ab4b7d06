"""The endpoint dashboard: curves drawn where the data say, tables, updates, exports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QFileDialog, QTableWidget
from pytestqt.qtbot import QtBot

from rego_desktop.analysis import analyse, summarize_study
from rego_desktop.demo.generator import generate
from rego_desktop.endpoints import DAYS_PER_MONTH, kaplan_meier
from rego_desktop.services.patients import PatientService
from rego_desktop.store.study import OpenStudy
from rego_desktop.ui.dashboard import Dashboard, curves
from rego_desktop.ui.km_plot import (
    ENDPOINT_COLORS,
    Curve,
    PlotGeometry,
    at_risk_row,
    axis_months,
    censor_points,
    paint_km,
    step_points,
    tick_step,
)
from rego_desktop.ui.messages import ScriptedMessages
from tests.analysis.cohort import casebooks
from tests.ui.conftest import settle, snapshot

# ---------------------------------------------------------------------- geometry, no window


def test_step_points_are_right_continuous_steps() -> None:
    # Events at 100 and 200 days, censored at 150 and 300.
    km = kaplan_meier([100, 150, 200, 300], [1, 0, 1, 0])
    m = DAYS_PER_MONTH
    assert step_points(km, km.survival) == [
        (0.0, 1.0),
        (100 / m, 1.0),  # flat until the first event ...
        (100 / m, 0.75),  # ... then a vertical drop at it
        (200 / m, 0.75),  # the censoring at 150 does not step
        (200 / m, 0.375),
        (300 / m, 0.375),  # runs on to the longest follow-up
    ]
    assert censor_points(km) == [(150 / m, 0.75), (300 / m, 0.375)]


def test_ticks_and_numbers_at_risk() -> None:
    assert tick_step(5.0) == 1
    assert tick_step(20.0) == 2
    assert tick_step(30.0) == 3
    assert tick_step(58.0) == 6
    assert tick_step(100.0) == 12
    summary = analyse(casebooks())
    drawn = curves(summary)
    end, step = axis_months(drawn)
    assert (end, step) == (14.0, 2)  # longest: 400 days = 13.1 months
    km = summary.endpoints["os"].km
    ticks = [0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0]
    # OS times 100 (e), 150 (c), 200 (e, e), 300 (e), 400 (c) days. Ticks in days:
    # 0, 60.9, 121.8, 182.6, 243.5, 304.4, 365.3, 426.1; at risk = times >= tick.
    assert at_risk_row(km, ticks) == [6, 6, 5, 4, 2, 1, 1, 0]
    assert at_risk_row(None, ticks) == [0] * 8


def _render(
    curve_list: list[Curve], size: tuple[int, int] = (900, 600), *, bands: bool = True
) -> tuple[QImage, PlotGeometry]:
    image = QImage(size[0], size[1], QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    geometry = paint_km(painter, size[0], size[1], curve_list, bands=bands)
    painter.end()
    return image, geometry


def _near(image: QImage, x: float, y: float, color: QColor, radius: int = 2) -> bool:
    """Some pixel within ``radius`` of (x, y) has (about) ``color``."""
    for dx in range(-radius, radius + 1):
        for dy in range(-radius, radius + 1):
            pixel = image.pixelColor(round(x) + dx, round(y) + dy)
            if all(
                abs(a - b) <= 40
                for a, b in zip(
                    (pixel.red(), pixel.green(), pixel.blue()),
                    (color.red(), color.green(), color.blue()),
                    strict=True,
                )
            ):
                return True
    return False


@pytest.mark.usefixtures("qapp")
def test_curve_band_and_censor_marks_are_drawn_where_the_data_say() -> None:
    summary = analyse(casebooks())
    os_curve = curves(summary)[0]
    blue = QColor(ENDPOINT_COLORS["os"])
    image, g = _render([os_curve])
    m = DAYS_PER_MONTH
    # On the curve: S = 1 before day 100, 5/6 from 100 to 200, 5/12 from 200 to 300.
    assert _near(image, g.x(50 / m), g.y(1.0), blue)
    assert _near(image, g.x(130 / m), g.y(5 / 6), blue)
    assert _near(image, g.x(250 / m), g.y(5 / 12), blue)
    assert _near(image, g.x(350 / m), g.y(5 / 24), blue)
    # Not where the curve is not: S is 5/6, not 1, at 130 days.
    assert not _near(image, g.x(130 / m), g.y(1.0), blue)
    # The vertical drop at day 200 from 5/6 to 5/12.
    assert _near(image, g.x(200 / m), g.y(0.6), blue)
    # A censor tick at day 150 reaches above the curve (S = 5/6 there).
    assert _near(image, g.x(150 / m), g.y(5 / 6) - 3, blue, radius=1)
    assert not _near(image, g.x(130 / m), g.y(5 / 6) - 3, blue, radius=1)
    # The band at 250 days (S = 5/12) is tinted between curve and its limits, not white.
    km = summary.endpoints["os"].km
    assert km is not None
    lower, upper = km.ci_at(250)
    inside = image.pixelColor(round(g.x(250 / m)), round(g.y((5 / 12 + upper) / 2)))
    assert inside != QColor("white")
    assert inside.blue() > inside.red()
    outside = image.pixelColor(round(g.x(250 / m)), round(g.y(min(1.0, upper + 0.08))))
    assert outside.red() > 200
    assert outside.green() > 200
    # Without bands that spot is white (or a grid line).
    plain, g2 = _render([os_curve], bands=False)
    spot = plain.pixelColor(round(g2.x(250 / m)), round(g2.y((5 / 12 + upper) / 2)))
    assert spot.red() > 200
    assert lower < 5 / 12 < upper
    # Numbers at risk sit below the plot, one row per curve.
    assert g.risk_rows_top > g.plot.bottom()
    assert g.ticks[0] == 0.0
    assert g.x(g.ticks[-1]) == pytest.approx(g.plot.right())


@pytest.mark.usefixtures("qapp")
def test_empty_plot_says_so() -> None:
    summary = analyse([])
    image, geometry = _render(curves(summary))
    assert geometry.end_months > 0
    assert not image.isNull()


# ---------------------------------------------------------------------- the widget


@pytest.fixture
def demo_study(study: OpenStudy) -> OpenStudy:
    generate(study, 40, seed=7)
    return study


@pytest.fixture
def dashboard(
    qtbot: QtBot, demo_study: OpenStudy, messages: ScriptedMessages
) -> Iterator[Dashboard]:
    window = Dashboard(demo_study, messages, poll_ms=50)
    qtbot.addWidget(window)
    window.resize(1400, 860)
    window.show()
    qtbot.waitUntil(lambda: window.summary is not None, timeout=30_000)
    settle()
    yield window
    window.timer.stop()


def _cells(table: QTableWidget) -> list[list[str]]:
    return [
        [table.item(r, c).text() for c in range(table.columnCount())]
        for r in range(table.rowCount())
    ]


def test_dashboard_shows_the_same_figures_as_the_summary(
    dashboard: Dashboard, demo_study: OpenStudy, shots: Path
) -> None:
    expected = summarize_study(demo_study, use_cache=False)
    patients = expected["patients"]
    assert f"{patients['enrolled']} enrolled" in dashboard.patients.text()
    assert f"{patients['analysed']} analysed" in dashboard.patients.text()
    tte = _cells(dashboard.tte)
    assert [row[1:3] for row in tte] == [
        [str(expected[k]["n"]), str(expected[k]["events"])] for k in ("os", "pfs", "ttp")
    ]
    os_median = expected["os"]["median_months"]
    assert tte[0][3].startswith(f"{os_median:.1f} (")
    response = _cells(dashboard.response)
    orr = expected["orr"]
    assert response[-2][1] == f"{orr['responders']} ({orr['rate'] * 100:.1f}%)"
    assert response[-2][2] == f"{orr['ci95'][0] * 100:.1f}%–{orr['ci95'][1] * 100:.1f}%"
    ae = _cells(dashboard.ae)
    assert len(ae) == len(expected["adverse_events"])
    first = expected["adverse_events"][0]
    assert ae[0][0] == first["term"]
    assert ae[0][1].startswith(f"{first['any_grade']} (")
    assert ae[0][2].startswith(f"{first['grade_3_plus']} (")
    dosing = _cells(dashboard.dosing)
    assert any(row[0].startswith("Relative dose intensity") for row in dosing)
    plot = dashboard.plot
    assert [c.name for c in plot.curves] == ["OS", "PFS", "TTP"]
    assert (
        plot.curves[0]
        .legend()
        .startswith(f"OS: n = {expected['os']['n']}, {expected['os']['events']} events, median ")
    )
    path = snapshot(dashboard, shots, "dashboard")
    assert QImage(str(path)).width() >= 1000
    dashboard.tabs.setCurrentIndex(1)
    snapshot(dashboard, shots, "dashboard-adverse-events")
    dashboard.tabs.setCurrentIndex(2)
    snapshot(dashboard, shots, "dashboard-dosing")


def test_plot_toggles(dashboard: Dashboard, qtbot: QtBot) -> None:
    dashboard.curve_boxes["pfs"].setChecked(False)
    assert [c.name for c in dashboard.plot.curves] == ["OS", "TTP"]
    dashboard.bands_box.setChecked(False)
    assert dashboard.plot.bands is False
    dashboard.plot.repaint()
    geometry = dashboard.plot.last_geometry
    assert geometry is not None
    assert geometry.plot.width() > 300


def test_recomputed_when_data_change(
    dashboard: Dashboard, demo_study: OpenStudy, qtbot: QtBot
) -> None:
    assert dashboard.summary is not None
    before = dashboard.summary.enrolled
    service = PatientService(demo_study)
    code = service.create_patient()
    # The poll notices the change by itself.
    qtbot.waitUntil(
        lambda: dashboard.summary is not None and dashboard.summary.enrolled == before + 1,
        timeout=30_000,
    )
    assert "41 enrolled" in dashboard.patients.text()
    assert dashboard.summary.incomplete >= 1
    service.save(code, "treatment", {"first_dose_date": dt.date(2024, 3, 1)})
    version = dashboard.version
    qtbot.waitUntil(lambda: dashboard.version != version, timeout=30_000)
    settle()


def test_refresh_while_busy_runs_again(dashboard: Dashboard, qtbot: QtBot) -> None:
    updates: list[int] = []
    dashboard.updated.connect(lambda: updates.append(1))
    dashboard.refresh()
    dashboard.refresh()  # while the first one runs: queued, not lost
    qtbot.waitUntil(lambda: len(updates) >= 2, timeout=30_000)
    settle()


def test_export_png_and_pdf(dashboard: Dashboard, tmp_path: Path, shots: Path) -> None:
    png = tmp_path / "summary.png"
    dashboard.export_png(png)
    image = QImage(str(png))
    assert image.width() >= 2000
    assert image.height() > image.width()  # two pages, one above the other
    image.save(str(shots / "dashboard-export.png"))
    pdf = tmp_path / "summary.pdf"
    dashboard.export_pdf(pdf)
    reader = PdfReader(str(pdf))
    assert len(reader.pages) == 2
    first = reader.pages[0].extract_text().replace("\t", " ")
    assert "Number at risk" in first
    assert "Months since" in first  # "first" may come out as a ligature
    assert "OS – overall survival" in first
    second = reader.pages[1].extract_text().replace("\t", " ")
    assert "ORR (CR + PR)" in second
    assert "Adverse events" in second
    width = float(reader.pages[0].mediabox.width)
    assert width > float(reader.pages[0].mediabox.height)  # landscape


def test_export_through_the_dialog(
    dashboard: Dashboard,
    messages: ScriptedMessages,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    qtbot: QtBot,
) -> None:
    target = tmp_path / "site-summary"  # the suffix is added
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *args: (str(target), ""))
    )
    qtbot.mouseClick(dashboard.pdf_button, Qt.MouseButton.LeftButton)
    assert (tmp_path / "site-summary.pdf").stat().st_size > 1000
    assert "aggregate figures only" in messages.texts("info")[-1]
    missing = tmp_path / "no-such-folder" / "x.png"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *args: (str(missing), ""))
    )
    qtbot.mouseClick(dashboard.png_button, Qt.MouseButton.LeftButton)
    assert "Could not write" in messages.texts("error")[-1]
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *args: ("", "")))
    shown = len(messages.shown)
    qtbot.mouseClick(dashboard.png_button, Qt.MouseButton.LeftButton)
    assert len(messages.shown) == shown  # cancelled: nothing happens


def test_empty_study(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages, shots: Path
) -> None:
    window = Dashboard(study, messages)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.summary is not None, timeout=30_000)
    assert "0 enrolled" in window.patients.text()
    assert [row[1:6] for row in _cells(window.tte)] == [["0", "0", "–", "–", "–"]] * 3
    assert [c.legend() for c in window.plot.curves] == ["OS: n = 0", "PFS: n = 0", "TTP: n = 0"]
    assert window.ae.rowCount() == 0
    snapshot(window, shots, "dashboard-empty")
    window.timer.stop()


def test_patients_left_out_of_an_endpoint_are_named_with_the_reason(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages
) -> None:
    import datetime as dt

    from rego_desktop.services.patients import PatientService

    service = PatientService(study)
    code = service.create_patient()
    service.save(
        code,
        "eligibility",
        {
            f.id: ("yes" if f.id.startswith("inc_") else "no")
            for f in study.definition.form("eligibility").fields
            if f.is_input
        },
    )
    service.save(code, "treatment", {"first_dose_date": dt.date(2024, 3, 1)})
    dashboard = Dashboard(study, messages)
    qtbot.addWidget(dashboard)
    qtbot.waitUntil(lambda: dashboard.summary is not None, timeout=10_000)
    assert dashboard.summary is not None
    assert dashboard.summary.not_computable, "a treated patient without follow-up is named"
    table = dashboard.missing
    subjects = {table.item(r, 0).text() for r in range(table.rowCount())}  # type: ignore[union-attr]
    assert subjects == {code}
    reasons = [table.item(r, 2).text() for r in range(table.rowCount())]  # type: ignore[union-attr]
    assert all(reasons)
    title = dashboard.tabs.tabText(dashboard.tabs.count() - 1)
    assert f"({len(dashboard.summary.not_computable)})" in title
