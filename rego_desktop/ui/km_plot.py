"""Kaplan-Meier curves drawn with QPainter: steps, censor marks, 95% bands, numbers at risk.

PySide6-Essentials has no QtCharts, and a survival plot has conventions a chart library
gets wrong anyway, so the plot is drawn here:

- the curve is a right-continuous step function starting at (0, 100%); it drops at each
  event time and runs on to the longest follow-up;
- a short vertical tick marks every time at which patients were censored;
- the shaded band is the pointwise 95% confidence interval (Greenwood, log(-log)), with
  the same steps as the curve;
- the x axis is in protocol months (days / 30.4375) from day 1, the first dose; the
  numbers at risk below it are those still followed at each tick (duration >= t), one
  row per curve, each number centred under its tick;
- the legend gives n, events and the median with its 95% CI for every curve.

:func:`paint_km` draws into any QPainter (screen, PNG image, PDF page) in a logical
coordinate system of the given size; :class:`KaplanMeierPlot` is the widget.

Lines are drawn in a few batched calls (``drawPolyline``, ``drawLines``), not one call
per step: besides being faster, this matters with PySide6 6.12 on Python 3.11, where
every call of a void Qt method drops a reference to ``None`` (harmless only on Python
3.12+, where ``None`` is immortal); thousands of calls per repaint would soon abort
the interpreter with "none_dealloc".
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QLineF, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPaintEvent,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from rego_desktop.analysis.summary import EndpointSummary
from rego_desktop.analysis.text import median_text
from rego_desktop.endpoints import DAYS_PER_MONTH, KaplanMeier
from rego_desktop.study.schema import Label
from rego_desktop.ui.widgets import language

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
ENDPOINT_COLORS = {"os": "#0072B2", "pfs": "#D55E00", "ttp": "#009E73"}
TICK_STEPS_MONTHS = (1, 2, 3, 6, 12, 24, 36, 48, 60, 120)
MAX_TICK_INTERVALS = 10
BAND_ALPHA = 48
CENSOR_TICK = 7.0

TEXT = {
    "y_axis": Label("Probability", "概率"),
    "x_axis": Label("Months since first dose (day 1)", "自首次给药(第1天)起的月数"),
    "at_risk": Label("Number at risk", "风险人数"),
    "empty": Label(
        "No analysed patient has the dates for these endpoints yet.",
        "尚无具备这些终点所需日期的可分析患者。",
    ),
    "events": Label("events", "事件"),
    "median": Label("median", "中位"),
    "months": Label("mo", "月"),
}


def text(key: str) -> str:
    return TEXT[key].text(language())


@dataclass(frozen=True)
class Curve:
    """One endpoint to draw: its short name (OS), colour and summary with the KM fit."""

    name: str
    color: QColor
    endpoint: EndpointSummary

    @property
    def km(self) -> KaplanMeier | None:
        return self.endpoint.km

    def legend(self) -> str:
        e = self.endpoint
        if e.n == 0:
            return f"{self.name}: n = 0"
        return (
            f"{self.name}: n = {e.n}, {e.events} {text('events')}, {text('median')} "
            f"{median_text(e.median_months, e.ci95_months)} {text('months')}"
        )


@dataclass(frozen=True)
class PlotGeometry:
    """Where :func:`paint_km` put the plot area, and its scales."""

    plot: QRectF
    end_months: float
    ticks: tuple[float, ...]
    risk_rows_top: float = 0.0  # top of the first numbers-at-risk row
    risk_row_height: float = 0.0

    def x(self, months: float) -> float:
        return self.plot.left() + months / self.end_months * self.plot.width()

    def y(self, probability: float) -> float:
        return self.plot.bottom() - probability * self.plot.height()


def tick_step(max_months: float) -> int:
    """The smallest step of :data:`TICK_STEPS_MONTHS` giving at most 10 intervals."""
    for step in TICK_STEPS_MONTHS:
        if max_months / step <= MAX_TICK_INTERVALS:
            return step
    return TICK_STEPS_MONTHS[-1]


def axis_months(curves: Sequence[Curve]) -> tuple[float, int]:
    """(end of the x axis, tick step), both in months; the axis ends on a tick."""
    longest = max(
        (c.km.last_time / DAYS_PER_MONTH for c in curves if c.km is not None), default=0.0
    )
    step = tick_step(max(longest, 1.0))
    return max(step, math.ceil(longest / step) * step), step


def step_points(km: KaplanMeier, values: Sequence[float]) -> list[tuple[float, float]]:
    """Vertices (months, value) of the right-continuous step function through ``values``."""
    times = [t / DAYS_PER_MONTH for t in km.timeline]
    points = [(times[0], values[0])]
    for i in range(1, len(times)):
        if values[i] != values[i - 1]:
            points.append((times[i], values[i - 1]))
            points.append((times[i], values[i]))
    if points[-1][0] < times[-1]:
        points.append((times[-1], values[-1]))
    return points


def censor_points(km: KaplanMeier) -> list[tuple[float, float]]:
    """(months, S) of every time at which somebody was censored."""
    return [
        (t / DAYS_PER_MONTH, s)
        for t, s, c in zip(km.timeline, km.survival, km.censored, strict=True)
        if c > 0
    ]


def at_risk_row(km: KaplanMeier | None, ticks: Sequence[float]) -> list[int]:
    """Patients still at risk at each tick (months)."""
    if km is None:
        return [0 for _ in ticks]
    return [km.at_risk_at(m * DAYS_PER_MONTH) for m in ticks]


def _font(base: QFont, pixels: float, *, bold: bool = False) -> QFont:
    font = QFont(base)
    font.setPixelSize(max(1, round(pixels)))
    font.setBold(bold)
    return font


def paint_km(
    painter: QPainter,
    width: float,
    height: float,
    curves: Sequence[Curve],
    *,
    bands: bool = True,
    font_px: float = 13.0,
    base_font: QFont | None = None,
) -> PlotGeometry:
    """Draw the plot into the rectangle (0, 0, width, height) of ``painter``.

    Returns where things went, so callers (and tests) can map data to the drawing.
    """
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    font = _font(base_font or QFont(), font_px)
    bold = _font(font, font_px, bold=True)
    small = _font(font, font_px * 0.92)
    fm = QFontMetricsF(font)
    line = fm.height()
    ink = QColor("#222222")
    grey = QColor("#6b6b6b")

    drawn = [c for c in curves if c.km is not None]
    end, step = axis_months(drawn)
    ticks = [float(step * k) for k in range(round(end / step) + 1)]
    risk_rows = [(c, at_risk_row(c.km, ticks)) for c in curves]

    names_width = max((QFontMetricsF(bold).horizontalAdvance(c.name) for c in curves), default=0)
    y_labels_width = fm.horizontalAdvance("100%")
    left = max(names_width + 14, y_labels_width + line + 14)
    right = max(fm.horizontalAdvance("0000") / 2 + 8, 16)
    top = 10.0
    # x tick labels, axis title, gap, "Number at risk", one row per curve, padding
    bottom_block = 5 + line * (1.2 + 1.3 + 0.6 + 1.2 + 1.15 * len(curves)) + 6
    plot = QRectF(
        left, top, max(10.0, width - left - right), max(10.0, height - top - bottom_block)
    )

    geometry = PlotGeometry(plot, end, tuple(ticks))
    x_of, y_of = geometry.x, geometry.y

    # Grid, the 50% reference line and the axes. Lines are drawn in batches: PySide6
    # 6.12 on Python 3.11 drops a reference to None on every call of a void method, so
    # the number of such calls per paint is kept small (see the module docstring).
    painter.setFont(small)
    painter.setPen(QPen(QColor("#e3e3e3"), 1.0))
    painter.drawLines(
        [QLineF(plot.left(), y_of(k / 4), plot.right(), y_of(k / 4)) for k in range(5)]
        + [QLineF(x_of(m), plot.top(), x_of(m), plot.bottom()) for m in ticks]
    )
    painter.setPen(QPen(QColor("#b9b9b9"), 1.0, Qt.PenStyle.DashLine))
    painter.drawLine(QLineF(plot.left(), y_of(0.5), plot.right(), y_of(0.5)))
    painter.setPen(grey)
    for k in range(5):
        y = y_of(k / 4)
        painter.drawText(
            QRectF(0, y - line / 2, plot.left() - 6, line),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            f"{k * 25}%",
        )
    painter.setPen(QPen(ink, 1.0))
    for m in ticks:
        painter.drawText(
            QRectF(x_of(m) - 40, plot.bottom() + 5, 80, line),
            Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
            f"{m:g}",
        )
    painter.drawLines([QLineF(x_of(m), plot.bottom(), x_of(m), plot.bottom() + 4) for m in ticks])
    painter.setPen(QPen(ink, 1.2))
    painter.drawLines(
        [
            QLineF(plot.bottomLeft(), plot.bottomRight()),
            QLineF(plot.bottomLeft(), plot.topLeft()),
        ]
    )

    # Axis titles.
    painter.setFont(font)
    painter.setPen(ink)
    x_title_top = plot.bottom() + 5 + line * 1.2
    painter.drawText(
        QRectF(plot.left(), x_title_top, plot.width(), line),
        Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
        text("x_axis"),
    )
    painter.save()
    painter.translate(2, plot.center().y())
    painter.rotate(-90)
    painter.drawText(
        QRectF(-plot.height() / 2, 0, plot.height(), line),
        Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
        text("y_axis"),
    )
    painter.restore()

    if not drawn:
        painter.setPen(grey)
        painter.drawText(
            plot, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, text("empty")
        )

    # Bands first (under every curve), then the curves, then the censor marks.
    painter.setClipRect(plot.adjusted(-1, -CENSOR_TICK, 1, 1))
    if bands:
        for curve in drawn:
            km = curve.km
            assert km is not None
            upper = step_points(km, km.ci_upper)
            lower = step_points(km, km.ci_lower)
            polygon = QPolygonF(
                [QPointF(x_of(t), y_of(v)) for t, v in upper]
                + [QPointF(x_of(t), y_of(v)) for t, v in reversed(lower)]
            )
            fill = QColor(curve.color)
            fill.setAlpha(BAND_ALPHA)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QBrush(fill))
            painter.drawPolygon(polygon)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    for curve in drawn:
        km = curve.km
        assert km is not None
        steps = QPolygonF([QPointF(x_of(t), y_of(v)) for t, v in step_points(km, km.survival)])
        painter.setPen(QPen(curve.color, 2.2, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap))
        painter.drawPolyline(steps)
        marks = [
            QLineF(x_of(t), y_of(s) - CENSOR_TICK / 2, x_of(t), y_of(s) + CENSOR_TICK / 2)
            for t, s in censor_points(km)
        ]
        if marks:
            painter.setPen(QPen(curve.color, 1.4))
            painter.drawLines(marks)
    painter.setClipping(False)

    # Legend, top right inside the plot.
    if curves:
        painter.setFont(small)
        sm = QFontMetricsF(small)
        row = sm.height() * 1.3
        swatch = 26.0
        box_width = min(
            plot.width() - 12,
            swatch + 18 + max(sm.horizontalAdvance(c.legend()) for c in curves),
        )
        box = QRectF(plot.right() - box_width - 6, plot.top() + 6, box_width, row * len(curves) + 8)
        painter.setPen(QPen(QColor("#cfcfcf"), 1.0))
        painter.setBrush(QColor(255, 255, 255, 230))
        painter.drawRect(box)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for i, curve in enumerate(curves):
            y = box.top() + 4 + row * i + row / 2
            fill = QColor(curve.color)
            fill.setAlpha(BAND_ALPHA)
            painter.fillRect(QRectF(box.left() + 8, y - 5, swatch, 10), fill)
            painter.setPen(QPen(curve.color, 2.2))
            painter.drawLine(QPointF(box.left() + 8, y), QPointF(box.left() + 8 + swatch, y))
            painter.setPen(ink)
            painter.drawText(
                QRectF(box.left() + swatch + 14, y - row / 2, box.width() - swatch - 18, row),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                curve.legend(),
            )

    # Numbers at risk, each centred under its tick.
    y = x_title_top + line * 1.3 + line * 0.6
    painter.setFont(bold)
    painter.setPen(ink)
    painter.drawText(
        QRectF(4, y, width - 8, line), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
        text("at_risk"),
    )  # fmt: skip
    y += line * 1.2
    risk_rows_top = y
    for curve, counts in risk_rows:
        painter.setFont(bold)
        painter.setPen(curve.color)
        painter.drawText(
            QRectF(4, y, left - 12, line),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
            curve.name,
        )
        painter.setFont(font)
        painter.setPen(ink)
        for m, count in zip(ticks, counts, strict=True):
            painter.drawText(
                QRectF(x_of(m) - 40, y, 80, line),
                Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                str(count),
            )
        y += line * 1.15
    painter.restore()
    return dataclasses.replace(geometry, risk_rows_top=risk_rows_top, risk_row_height=line * 1.15)


class KaplanMeierPlot(QWidget):
    """A widget drawing :func:`paint_km` at its own size."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("kmPlot")
        self.curves: list[Curve] = []
        self.bands = True
        self.last_geometry: PlotGeometry | None = None
        self.setMinimumSize(480, 360)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAutoFillBackground(False)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(760, 540)

    def set_curves(self, curves: Sequence[Curve]) -> None:
        self.curves = list(curves)
        self.update()

    def set_bands(self, shown: bool) -> None:
        self.bands = shown
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("white"))
        self.last_geometry = paint_km(
            painter,
            self.width(),
            self.height(),
            self.curves,
            bands=self.bands,
            font_px=max(11.0, QFontMetricsF(self.font()).height() * 0.8),
            base_font=self.font(),
        )
        painter.end()
