"""The dosing timeline of the PDF summary: the daily dose on every day since day 1.

One bar per day from the dose calendar of :func:`rego_desktop.rules.dosing.check_dosing`
(the same calendar the dose measures and label checks use), in rows of whole 28-day
blocks so that a day stays wide enough to see. Shown on it:

- the label range 80-160 mg/day as a shaded band;
- days 22-28 of each cycle (off days) in grey, days of the dosing window without a
  dose (interruptions, a cycle stopped early) in light red;
- doses off the label (outside 80-160 mg, not whole 40 mg tablets, or taken on an off
  day) in orange instead of blue, days with an unknown dose as grey outlines;
- cycle starts (C1, C2 ...), reductions (red down triangle), escalations (green up
  triangle) and the last dose (dashed line).

The drawing splits between rows when it does not fit on a page.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

from rego_desktop.reports.fonts import font_for
from rego_desktop.reports.labels import t
from rego_desktop.rules.dosing import DosingHistory, DosingSummary
from rego_desktop.rules.dosing_rules import (
    CYCLE_DAYS,
    DOSING_DAYS,
    MAX_DAILY_MG,
    MIN_DAILY_MG,
    TABLET_MG,
    is_whole_tablets,
)

BLUE: Final = colors.HexColor("#2b6cb0")
ORANGE: Final = colors.HexColor("#dd6b20")
GREY: Final = colors.HexColor("#a0aec0")
OFF_BG: Final = colors.HexColor("#e2e8f0")
GAP_BG: Final = colors.HexColor("#fed7d7")
BAND: Final = colors.HexColor("#9ae6b4")
GRID: Final = colors.HexColor("#cbd5e0")
INK: Final = colors.HexColor("#2d3748")
RED: Final = colors.HexColor("#c53030")
GREEN: Final = colors.HexColor("#2f855a")

MAX_ROW_DAYS: Final = 10 * CYCLE_DAYS  # 280 days: about 1.7 pt a day on A4 portrait
MIN_ROW_DAYS: Final = 2 * CYCLE_DAYS
GUTTER: Final = 34.0  # left margin for the mg axis
PLOT_H: Final = 46.0
TOP: Final = 11.0  # cycle labels above the plot
BOTTOM: Final = 12.0  # day labels below the plot
ROW_GAP: Final = 6.0
LEGEND_LINE: Final = 10.0
FONT_SIZE: Final = 6.5

# What a day shows.
DOSED, DEVIATION, UNKNOWN, OFF, GAP, AFTER = "dosed", "deviation", "unknown", "off", "gap", "after"


@dataclass(frozen=True)
class _Day:
    kind: str
    dose: float  # mg, 0 when not dosed (and for unknown doses)


def _classify(summary: DosingSummary, history: DosingHistory) -> list[_Day]:
    days = sorted(summary.calendar)
    starts = sorted(c.start for c in summary.cycles)
    stop = history.discontinued_on
    out: list[_Day] = []
    index = -1
    for day in days:
        while index + 1 < len(starts) and starts[index + 1] <= day:
            index += 1
        cycle_day = (day - starts[index]).days if index >= 0 else 0
        off = cycle_day >= DOSING_DAYS
        dose = summary.calendar[day]
        if dose is None:
            out.append(_Day(UNKNOWN, 0.0))
        elif dose > 0:
            on_label = MIN_DAILY_MG <= dose <= MAX_DAILY_MG and is_whole_tablets(dose)
            out.append(_Day(DEVIATION if off or not on_label else DOSED, dose))
        elif stop is not None and day > stop:
            out.append(_Day(AFTER, 0.0))
        else:
            out.append(_Day(OFF if off else GAP, 0.0))
    return out


def _level_changes(days: Sequence[_Day]) -> list[tuple[int, bool]]:
    """(day index, lower) where the dose taken differs from the last dose taken.

    Reductions and escalations are read from the calendar, as the dose measures count
    them: a cycle starting at a lower dose is a reduction as much as a dated change.
    """
    out: list[tuple[int, bool]] = []
    last: float | None = None
    for index, day in enumerate(days):
        if day.dose <= 0:
            continue
        if last is not None and day.dose != last:
            out.append((index, day.dose < last))
        last = day.dose
    return out


def _runs(days: Sequence[_Day], start: int, end: int) -> list[tuple[int, int, _Day]]:
    """(first index, length, day) for runs of equal days in ``days[start:end]``."""
    runs: list[tuple[int, int, _Day]] = []
    i = start
    while i < end:
        j = i + 1
        while j < end and days[j] == days[i]:
            j += 1
        runs.append((i, j - i, days[i]))
        i = j
    return runs


class DosingTimeline(Flowable):  # type: ignore[misc]
    """The timeline as a flowable; ``rows`` limits it to some rows when split."""

    def __init__(
        self,
        summary: DosingSummary,
        history: DosingHistory,
        language: str,
        *,
        rows: range | None = None,
        legend: bool = True,
        dates: bool = True,
    ) -> None:
        super().__init__()
        self.dates = dates  # False (de-identified copies): study days only
        self.summary = summary
        self.history = history
        self.language = language
        self.days = _classify(summary, history)
        total = len(self.days)
        blocks = max(1, math.ceil(total / CYCLE_DAYS))
        self.row_days = min(MAX_ROW_DAYS, max(MIN_ROW_DAYS, blocks * CYCLE_DAYS))
        count = max(1, math.ceil(total / self.row_days))
        self.rows = rows if rows is not None else range(count)
        self.legend = legend
        self.level_changes = _level_changes(self.days)
        top = max((d.dose for d in self.days), default=MAX_DAILY_MG)
        self.y_max = max(200.0, math.ceil((top + TABLET_MG) / TABLET_MG) * TABLET_MG)
        self.width = 0.0
        self.height = 0.0

    # ---------------------------------------------------------------- layout

    @property
    def row_height(self) -> float:
        return TOP + PLOT_H + BOTTOM + ROW_GAP

    def legend_height(self, width: float) -> float:
        return len(self._legend_lines(width)) * LEGEND_LINE + 6 if self.legend else 0.0

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        self.height = self.legend_height(avail_width) + len(self.rows) * self.row_height
        return self.width, self.height

    def split(self, avail_width: float, avail_height: float) -> list[Any]:
        room = avail_height - self.legend_height(avail_width)
        fit = int(room // self.row_height)
        if fit <= 0 or fit >= len(self.rows):
            return []
        first = DosingTimeline(
            self.summary,
            self.history,
            self.language,
            rows=self.rows[:fit],
            legend=self.legend,
            dates=self.dates,
        )
        rest = DosingTimeline(
            self.summary,
            self.history,
            self.language,
            rows=self.rows[fit:],
            legend=False,
            dates=self.dates,
        )
        return [first, rest]

    # ---------------------------------------------------------------- drawing

    def draw(self) -> None:
        c = self.canv
        y = self.height
        if self.legend:
            self._legend(c, y - 8)
            y -= self.legend_height(self.width)
        for row in self.rows:
            y -= self.row_height
            self._row(c, row, y + ROW_GAP + BOTTOM)

    def _text(self, c: Any, x: float, y: float, text: str, *, anchor: str = "left") -> None:
        c.setFont(font_for(text), FONT_SIZE)
        if anchor == "right":
            c.drawRightString(x, y, text)
        elif anchor == "centre":
            c.drawCentredString(x, y, text)
        else:
            c.drawString(x, y, text)

    def _legend_items(self) -> list[tuple[str, str, float]]:
        """(swatch, text, width) of each legend entry."""
        lang = self.language
        keys = (
            ("bar", "legend.dose"),
            ("band", "legend.range"),
            ("off", "legend.off"),
            ("gap", "legend.gap"),
            ("dev", "legend.deviation"),
            ("unknown", "legend.unknown"),
            ("down", "legend.reduction"),
            ("up", "legend.escalation"),
            ("stop", "legend.stop"),
        )
        out = []
        for kind, key in keys:
            text = t(key, lang)
            out.append((kind, text, 10 + stringWidth(text, font_for(text), FONT_SIZE) + 9))
        return out

    def _legend_lines(self, width: float) -> list[list[tuple[str, str, float]]]:
        lines: list[list[tuple[str, str, float]]] = [[]]
        used = 0.0
        for item in self._legend_items():
            if lines[-1] and used + item[2] > width:
                lines.append([])
                used = 0.0
            lines[-1].append(item)
            used += item[2]
        return lines

    def _legend(self, c: Any, y: float) -> None:
        for line in self._legend_lines(self.width):
            x = 0.0
            for kind, text, width in line:
                self._swatch(c, kind, x, y)
                c.setFillColor(INK)
                self._text(c, x + 10, y, text)
                x += width
            y -= LEGEND_LINE

    def _swatch(self, c: Any, kind: str, x: float, y: float) -> None:
        c.saveState()
        fills = {"bar": BLUE, "off": OFF_BG, "gap": GAP_BG, "dev": ORANGE}
        if kind in fills:
            c.setFillColor(fills[kind])
            c.rect(x, y - 1, 7, 7, stroke=0, fill=1)
        elif kind == "band":
            c.setFillColor(BAND)
            c.setFillAlpha(0.55)
            c.rect(x, y - 1, 7, 7, stroke=0, fill=1)
        elif kind == "unknown":
            c.setStrokeColor(GREY)
            c.setLineWidth(0.8)
            c.rect(x + 0.5, y - 0.5, 6, 6, stroke=1, fill=0)
        elif kind == "down":
            self._triangle(c, x + 3.5, y + 2.5, down=True)
        elif kind == "up":
            self._triangle(c, x + 3.5, y + 2.5, down=False)
        elif kind == "stop":
            c.setStrokeColor(INK)
            c.setDash(2, 1.5)
            c.setLineWidth(0.8)
            c.line(x + 3.5, y - 1.5, x + 3.5, y + 6.5)
        c.restoreState()

    def _triangle(self, c: Any, x: float, y: float, *, down: bool) -> None:
        size = 3.2
        path = c.beginPath()
        if down:
            path.moveTo(x - size, y + size * 0.8)
            path.lineTo(x + size, y + size * 0.8)
            path.lineTo(x, y - size * 0.8)
        else:
            path.moveTo(x - size, y - size * 0.8)
            path.lineTo(x + size, y - size * 0.8)
            path.lineTo(x, y + size * 0.8)
        path.close()
        c.setFillColor(RED if down else GREEN)
        c.drawPath(path, stroke=0, fill=1)

    def _row(self, c: Any, row: int, base: float) -> None:
        """Draw one row; ``base`` is the y of the zero-dose axis."""
        first_index = row * self.row_days
        end_index = min(len(self.days), first_index + self.row_days)
        plot_w = self.width - GUTTER
        day_w = plot_w / self.row_days
        x0 = GUTTER

        def x_of(index: int) -> float:
            return x0 + (index - first_index) * day_w

        def y_of(mg: float) -> float:
            return base + PLOT_H * min(mg, self.y_max) / self.y_max

        c.saveState()
        # Backgrounds: off days and days without the dose they should have had.
        for start, length, day in _runs(self.days, first_index, end_index):
            if day.kind in (OFF, GAP):
                c.setFillColor(OFF_BG if day.kind == OFF else GAP_BG)
                c.rect(x_of(start), base, length * day_w, PLOT_H, stroke=0, fill=1)
        # Label range band.
        c.saveState()
        c.setFillColor(BAND)
        c.setFillAlpha(0.45)
        span_w = (end_index - first_index) * day_w
        c.rect(x0, y_of(MIN_DAILY_MG), span_w, y_of(MAX_DAILY_MG) - y_of(MIN_DAILY_MG), 0, 1)
        c.restoreState()
        # Grid at whole tablets and the mg axis.
        c.setLineWidth(0.25)
        c.setStrokeColor(GRID)
        mg = TABLET_MG
        while mg <= self.y_max:
            c.line(x0, y_of(mg), x0 + plot_w, y_of(mg))
            mg += TABLET_MG
        c.setFillColor(INK)
        for tick in (MIN_DAILY_MG, MAX_DAILY_MG):
            self._text(c, x0 - 3, y_of(tick) - 2, f"{tick:g}", anchor="right")
        self._text(c, x0 - 3, base - 2, "0", anchor="right")
        self._text(c, x0 - 3, base + PLOT_H - 2, t("mg_day", self.language), anchor="right")
        # Bars.
        for start, length, day in _runs(self.days, first_index, end_index):
            if day.kind in (DOSED, DEVIATION):
                c.setFillColor(BLUE if day.kind == DOSED else ORANGE)
                c.rect(x_of(start), base, length * day_w, y_of(day.dose) - base, stroke=0, fill=1)
            elif day.kind == UNKNOWN:
                c.setStrokeColor(GREY)
                c.setLineWidth(0.6)
                height = y_of(MAX_DAILY_MG) - base
                c.rect(x_of(start) + 0.3, base, length * day_w - 0.6, height, stroke=1, fill=0)
        # Axis.
        c.setStrokeColor(INK)
        c.setLineWidth(0.6)
        c.line(x0, base, x0 + span_w, base)
        self._cycles(c, first_index, end_index, x_of, base)
        self._changes(c, first_index, end_index, x_of, y_of, base)
        self._day_labels(c, first_index, end_index, x_of, base)
        c.restoreState()

    def _index(self, on: dt.date) -> int:
        return (on - self.history.first_dose).days

    def _cycles(self, c: Any, first: int, end: int, x_of: Any, base: float) -> None:
        starts = [(cy.number, self._index(cy.start)) for cy in self.summary.cycles]
        inside = [(n, i) for n, i in starts if first <= i < end]
        if not inside:
            return
        spacing = min((b[1] - a[1] for a, b in itertools.pairwise(inside)), default=CYCLE_DAYS)
        spacing_pt = x_of(first + max(spacing, 1)) - x_of(first)
        every = 1 if spacing_pt >= 16 else math.ceil(16 / max(spacing_pt, 0.1))
        c.setStrokeColor(INK)
        c.setLineWidth(0.4)
        for position, (number, index) in enumerate(inside):
            x = x_of(index)
            c.line(x, base, x, base + PLOT_H + 2)
            if position % every == 0:
                c.setFillColor(INK)
                self._text(c, x + 1.2, base + PLOT_H + 2.5, f"C{number}")

    def _changes(self, c: Any, first: int, end: int, x_of: Any, y_of: Any, base: float) -> None:
        for index, down in self.level_changes:
            if not first <= index < end:
                continue
            height = y_of(self.days[index].dose)
            self._triangle(c, x_of(index) + 1.0, min(height + 4.5, base + PLOT_H + 1), down=down)
        stop = self.history.discontinued_on
        if stop is not None:
            index = self._index(stop)
            if first <= index < end:
                x = x_of(index + 1)
                c.saveState()
                c.setStrokeColor(INK)
                c.setLineWidth(0.8)
                c.setDash(2, 1.5)
                c.line(x, base - 2, x, base + PLOT_H)
                c.restoreState()

    def _day_labels(self, c: Any, first: int, end: int, x_of: Any, base: float) -> None:
        lang = self.language
        c.setFillColor(INK)
        first_day = self.history.first_dose + dt.timedelta(days=first)
        last_day = self.history.first_dose + dt.timedelta(days=end - 1)
        left, right = _day(first + 1, lang), _day(end, lang)
        if self.dates:
            left, right = f"{left} · {first_day.isoformat()}", f"{right} · {last_day.isoformat()}"
        self._text(c, x_of(first), base - 8, left)
        left_w = stringWidth(left, font_for(left), FONT_SIZE)
        right_w = stringWidth(right, font_for(right), FONT_SIZE)
        if x_of(end) - right_w > x_of(first) + left_w + 8:
            self._text(c, x_of(end), base - 8, right, anchor="right")
        else:  # a short last row: the end goes after the start
            self._text(c, x_of(first) + left_w + 8, base - 8, f"– {right}")


def _day(n: int, language: str) -> str:
    if language.startswith("zh"):
        return t("day", language).format(n=n)
    return f"{t('day', language)} {n}"
