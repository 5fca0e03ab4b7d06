"""Building blocks of the PDF summary: paragraph styles, tables that fit, page furniture.

Tables take plain strings. A string that fits its column is drawn as is (fast); one
that does not becomes a wrapping paragraph. A :class:`MissingText` string (a missing-data
reason such as "Not done" / "未做", shown where a value would be) is drawn grey and,
in Latin script, italic, so it never reads as a value. Strings with Chinese characters are drawn
in the embedded CJK font (see :mod:`rego_desktop.reports.fonts`). Long tables repeat
their header row on every page they run over.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Final
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import Paragraph, Table, TableStyle

from rego_desktop.reports.fonts import LATIN, LATIN_BOLD, font_for, needs_cjk

SIZE: Final = 8.0
LEADING: Final = 10.0
PAD: Final = 3.0
INK: Final = colors.HexColor("#1a202c")
MUTED: Final = colors.HexColor("#4a5568")
RULE: Final = colors.HexColor("#a0aec0")
HEAD_BG: Final = colors.HexColor("#e2e8f0")
ALT_BG: Final = colors.HexColor("#f7fafc")
ALERT: Final = colors.HexColor("#c53030")
ACCENT: Final = colors.HexColor("#2c5282")
MISSING_INK: Final = colors.HexColor("#718096")
LATIN_ITALIC: Final = "Helvetica-Oblique"


class MissingText(str):
    """Text that stands where a value would be but is none: a missing-data reason."""

    __slots__ = ()


@cache
def style(
    name: str, *, size: float = SIZE, bold: bool = False, cjk: bool = False, color: str = "ink"
) -> ParagraphStyle:
    """A paragraph style; ``cjk`` uses the CJK font and breaks lines between characters."""
    from rego_desktop.reports.fonts import fonts

    latin = LATIN_BOLD if bold else LATIN
    font = (fonts().cjk_bold if bold else fonts().cjk) if cjk else latin
    tint = {"ink": INK, "muted": MUTED, "alert": ALERT, "accent": ACCENT, "missing": MISSING_INK}[
        color
    ]
    return ParagraphStyle(
        name,
        fontName=font,
        fontSize=size,
        leading=size * 1.25,
        textColor=tint,
        wordWrap="CJK" if cjk else None,
        spaceBefore=0,
        spaceAfter=0,
    )


def para(
    text: str, *, size: float = SIZE, bold: bool = False, color: str = "ink", italic: bool = False
) -> Paragraph:
    """A paragraph of plain text (escaped), in the font its characters need."""
    cjk = needs_cjk(text)
    markup = escape(text).replace("\n", "<br/>")
    if italic and not cjk:
        markup = f"<i>{markup}</i>"
    return Paragraph(markup, style("p", size=size, bold=bold, cjk=cjk, color=color))


def breakable(text: str, width: float, bold: bool = False) -> str:
    """Let a word too long for ``width`` break after a slash ("intermediate/advanced")."""
    if needs_cjk(text) or "/" not in text:
        return text
    font = LATIN_BOLD if bold else LATIN
    words = text.split(" ")
    if all(stringWidth(w, font, SIZE) <= width for w in words):
        return text
    return " ".join(
        w.replace("/", "/ ") if stringWidth(w, font, SIZE) > width else w for w in words
    )


def heading(text: str, *, size: float = 11.5) -> Paragraph:
    return para(text, size=size, bold=True, color="accent")


def fit_widths(natural: Sequence[float], total: float, minimum: float = 28.0) -> list[float]:
    """Column widths summing to ``total``: as natural as possible, narrow ones kept whole."""
    count = len(natural)
    if count == 0:
        return []
    wanted = [max(w, minimum) for w in natural]
    if sum(wanted) <= total:
        extra = total - sum(wanted)
        return [w + extra * w / sum(wanted) for w in wanted]
    fixed: dict[int, float] = {}
    while True:
        free = [i for i in range(count) if i not in fixed]
        room = total - sum(fixed.values())
        share = room / len(free)
        small = [i for i in free if wanted[i] <= share]
        if not small or len(small) == len(free):
            break
        for i in small:
            fixed[i] = wanted[i]
    free = [i for i in range(count) if i not in fixed]
    room = total - sum(fixed.values())
    weight = sum(wanted[i] for i in free)
    return [fixed.get(i, room * wanted[i] / weight if weight else 0.0) for i in range(count)]


def natural_width(text: str, *, bold: bool = False, size: float = SIZE) -> float:
    longest = max(text.split("\n"), key=len) if text else ""
    width: float = stringWidth(longest, font_for(longest, bold=bold), size)
    return width + 2 * PAD + 1


@dataclass
class Grid:
    """A table of strings; ``alerts`` are (column, row) cells shown in red."""

    rows: list[list[str]]
    widths: list[float]
    header: bool = True
    label_columns: tuple[int, ...] = ()
    alerts: tuple[tuple[int, int], ...] = ()
    spans: tuple[int, ...] = ()  # rows drawn as one cell across the table (sub-headings)
    zebra: bool = True

    def build(self) -> Table:
        data: list[list[Any]] = []
        cmds: list[tuple[Any, ...]] = [
            ("FONT", (0, 0), (-1, -1), LATIN, SIZE, LEADING),
            ("TEXTCOLOR", (0, 0), (-1, -1), INK),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), PAD),
            ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
            ("TOPPADDING", (0, 0), (-1, -1), 1.6),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.2),
            ("LINEBELOW", (0, -1), (-1, -1), 0.4, RULE),
        ]
        alerts = set(self.alerts)
        spans = set(self.spans)
        for r, row in enumerate(self.rows):
            is_head = (self.header and r == 0) or r in spans
            out: list[Any] = []
            for c, text in enumerate(row):
                bold = is_head
                muted = c in self.label_columns and not is_head
                missing = isinstance(text, MissingText) and not is_head
                alert = (c, r) in alerts
                width = sum(self.widths) if r in spans else self.widths[c]
                font = font_for(text, bold=bold)
                fits = "\n" not in text and stringWidth(text, font, SIZE) <= width - 2 * PAD
                if fits:
                    out.append(text)
                    if font != (LATIN_BOLD if bold else LATIN):
                        cmds.append(("FONTNAME", (c, r), (c, r), font))
                    if missing and font == LATIN:
                        cmds.append(("FONTNAME", (c, r), (c, r), LATIN_ITALIC))
                    if alert:
                        cmds.append(("TEXTCOLOR", (c, r), (c, r), ALERT))
                    elif missing:
                        cmds.append(("TEXTCOLOR", (c, r), (c, r), MISSING_INK))
                    elif muted:
                        cmds.append(("TEXTCOLOR", (c, r), (c, r), MUTED))
                else:
                    tint = (
                        "alert" if alert else "missing" if missing else "muted" if muted else "ink"
                    )
                    out.append(
                        para(
                            breakable(text, width - 2 * PAD, bold),
                            bold=bold,
                            color=tint,
                            italic=missing,
                        )
                    )
            data.append(out)
            if is_head:
                cmds.append(("FONTNAME", (0, r), (-1, r), LATIN_BOLD))
                cmds.append(("BACKGROUND", (0, r), (-1, r), HEAD_BG))
                if r in spans:
                    cmds.append(("SPAN", (0, r), (-1, r)))
                else:
                    cmds.append(("LINEBELOW", (0, r), (-1, r), 0.6, RULE))
            elif self.zebra and r % 2 == 0:
                cmds.append(("BACKGROUND", (0, r), (-1, r), ALT_BG))
        # Re-apply per-cell fonts after the row-wide bold header font.
        cmds.sort(key=lambda cmd: 1 if cmd[0] == "FONTNAME" and cmd[1] == cmd[2] else 0)
        table = Table(
            data,
            colWidths=self.widths,
            repeatRows=1 if self.header else 0,
            hAlign="LEFT",
        )
        table.setStyle(TableStyle(cmds))
        return table


def auto_table(
    rows: list[list[str]], total: float, *, alerts: tuple[tuple[int, int], ...] = ()
) -> Table:
    """A table with a header row and columns sized to their content within ``total``."""
    columns = len(rows[0])
    head = [natural_width(text, bold=True) for text in rows[0]]
    body = [max((natural_width(row[c]) for row in rows[1:]), default=0.0) for c in range(columns)]
    full = [max(h, b) for h, b in zip(head, body, strict=True)]
    if sum(full) > total:
        # Too wide: headers wrap first (to about two lines), then everything shrinks.
        full = [max(min(h, max(h / 2 + 6, 44.0)), b) for h, b in zip(head, body, strict=True)]
    natural = [min(w, 200.0) for w in full]
    return Grid(rows, fit_widths(natural, total), alerts=alerts).build()


def key_values(
    pairs: Sequence[tuple[str, str]],
    total: float,
    *,
    columns: int = 2,
    alerts: frozenset[str] = frozenset(),
) -> Table:
    """Label/value pairs laid out in ``columns`` pairs per row."""
    rows: list[list[str]] = []
    marks: list[tuple[int, int]] = []
    for start in range(0, len(pairs), columns):
        chunk = list(pairs[start : start + columns])
        row: list[str] = []
        for i, (label, value) in enumerate(chunk):
            row += [label, value]
            if label in alerts:
                marks.append((2 * i + 1, len(rows)))
        row += [""] * (2 * columns - len(row))
        rows.append(row)
    label_w = total / columns * 0.42
    value_w = total / columns - label_w
    widths = [label_w, value_w] * columns
    grid = Grid(
        rows,
        widths,
        header=False,
        label_columns=tuple(range(0, 2 * columns, 2)),
        alerts=tuple(marks),
        zebra=True,
    )
    return grid.build()


@dataclass(frozen=True)
class Furniture:
    """Header and footer texts of every page."""

    header_left: str
    header_right: str
    header_second: str
    footer_left: str
    page_format: str  # with {n} and {m}
    second_alert: bool = False


def canvas_maker(furniture: Furniture) -> type[Any]:
    """A canvas that numbers pages "n of m" and draws header and footer on each."""

    class NumberedCanvas(rl_canvas.Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._saved: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802
            self._saved.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._saved)
            for number, state in enumerate(self._saved, start=1):
                self.__dict__.update(state)
                self._furniture(number, total)
                super().showPage()
            super().save()

        def _furniture(self, number: int, total: int) -> None:
            width, height = self._pagesize
            left, right = 42.0, width - 42.0
            top = height - 30.0
            f = furniture
            self.saveState()
            room = right - left - self._width(f.header_right, 9.5) - 18.0
            title = f.header_left
            words = title.split(" ")
            while len(words) > 1 and self._width(title, 9.5) > room:
                words = words[:-1]
                title = " ".join(words).rstrip(" ·,") + " …"
            self._draw(left, top, title, 9.5, bold=True, color=ACCENT)
            self._draw(right, top, f.header_right, 9.5, bold=True, anchor="right")
            if f.header_second:
                tint = ALERT if f.second_alert else MUTED
                self._draw(left, top - 12, f.header_second, 8, color=tint)
            self.setStrokeColor(RULE)
            self.setLineWidth(0.6)
            self.line(left, top - 17, right, top - 17)
            self.line(left, 34, right, 34)
            self._draw(left, 24, f.footer_left, 7, color=MUTED)
            page = f.page_format.format(n=number, m=total)
            self._draw(right, 24, page, 7.5, anchor="right")
            self.restoreState()

        def _width(self, text: str, size: float) -> float:
            return float(self.stringWidth(text, font_for(text, bold=True), size))

        def _draw(
            self,
            x: float,
            y: float,
            text: str,
            size: float,
            *,
            bold: bool = False,
            color: Any = INK,
            anchor: str = "left",
        ) -> None:
            self.setFont(font_for(text, bold=bold), size)
            self.setFillColor(color)
            if anchor == "right":
                self.drawRightString(x, y, text)
            else:
                self.drawString(x, y, text)

    return NumberedCanvas
