"""Fonts for the PDF summaries: Helvetica for Latin text, an embedded CJK font for Chinese.

Chinese names, labels and messages must render on any computer, so the CJK font is
embedded (as a subset of the glyphs used). The first TrueType font found among
:data:`CANDIDATES` (or the file named by ``$REGO_CJK_FONT``) is used; fonts whose
licence forbids embedding are skipped. Without any, reportlab's built-in CID font
STSong-Light is used: it renders in every PDF viewer with the Adobe Asian font pack
(and in poppler with poppler-data) but is not embedded.

A string is drawn in the CJK font as a whole when it holds any character the
standard PDF fonts (WinAnsi encoding) cannot show; the CJK fonts used here all
carry Latin glyphs too, so mixed text such as "高宇 · ZY01119844" stays on one font.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont

LATIN: Final = "Helvetica"
LATIN_BOLD: Final = "Helvetica-Bold"
CJK_NAME: Final = "RegoCJK"
CID_FALLBACK: Final = "STSong-Light"
FONT_ENV: Final = "REGO_CJK_FONT"


def _windows_fonts() -> Path:
    return Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"


# (file, sub-font index for .ttc collections). TrueType outlines only: reportlab cannot
# embed CFF-based OpenType fonts (e.g. Noto Sans CJK .otf).
CANDIDATES: Final[tuple[tuple[Path, int], ...]] = (
    (Path(__file__).parent / "fonts" / "cjk.ttf", 0),
    (_windows_fonts() / "msyh.ttc", 0),  # Microsoft YaHei
    (_windows_fonts() / "msyh.ttf", 0),
    (_windows_fonts() / "simhei.ttf", 0),  # SimHei
    (_windows_fonts() / "simsun.ttc", 0),  # SimSun
    (Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"), 0),
    (Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"), 0),
    (Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"), 0),
    (Path("/usr/share/fonts/truetype/arphic/uming.ttc"), 0),
    (Path("/System/Library/Fonts/STHeiti Light.ttc"), 0),
    (Path("/Library/Fonts/Arial Unicode.ttf"), 0),
)


@dataclass(frozen=True)
class FontSet:
    """Registered font names; ``cjk_source`` says which file (or CID font) is used."""

    cjk: str
    cjk_bold: str
    cjk_source: str
    embedded: bool


_lock = threading.Lock()
_fonts: FontSet | None = None


def _candidates() -> list[tuple[Path, int]]:
    chosen = os.environ.get(FONT_ENV)
    found = [(Path(chosen), 0)] if chosen else []
    return found + list(CANDIDATES)


def fonts() -> FontSet:
    """Register the fonts once per process and say which are used."""
    global _fonts
    with _lock:
        if _fonts is None:
            _fonts = _register()
        return _fonts


def _register() -> FontSet:
    for path, index in _candidates():
        if not path.is_file():
            continue
        try:
            font = TTFont(CJK_NAME, str(path), subfontIndex=index)
        except (TTFError, OSError, ValueError):
            continue  # damaged, not TrueType, or embedding forbidden by its licence
        pdfmetrics.registerFont(font)
        return FontSet(CJK_NAME, CJK_NAME, str(path), embedded=True)
    pdfmetrics.registerFont(UnicodeCIDFont(CID_FALLBACK))
    return FontSet(CID_FALLBACK, CID_FALLBACK, CID_FALLBACK, embedded=False)


def needs_cjk(text: str) -> bool:
    """True when a standard PDF font (WinAnsi) cannot show ``text``."""
    if text.isascii():
        return False
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return True
    return False


def font_for(text: str, *, bold: bool = False) -> str:
    if needs_cjk(text):
        f = fonts()
        return f.cjk_bold if bold else f.cjk
    return LATIN_BOLD if bold else LATIN


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    width: float = pdfmetrics.stringWidth(text, font_for(text, bold=bold), size)
    return width
