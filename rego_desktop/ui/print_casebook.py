"""Print a patient's PDF summary, or save it as a PDF file (casebook window actions).

The summary is made by :mod:`rego_desktop.reports.pdf` (the same PDF as the ``pdf``
command) in memory; nothing is written to disk unless the user saves it.

Printing: the Qt print dialog chooses the printer, pages and copies. When the user
picks Qt's "Print to PDF" target the PDF itself is written there (vector, unchanged);
for a real printer each page is rendered at the printer's resolution (at most
:data:`MAX_DPI`) with PDFium (the ``pypdfium2`` package) and painted on the
:class:`QPrinter`.

Saving offers two kinds of file in its dialog: the site copy (name and record number
in the header) and the de-identified copy, which shows the patient as the transfer file
carries them (dates as study days, ages of 90 or more as "90+"; see
:mod:`rego_desktop.reports.pdf`). The choice is the file type of the save dialog.

Both functions raise :class:`~rego_desktop.errors.RegoError` with a message for the
user (no study access, unknown subject, printer failure, PDFium missing); the caller
shows it like any other action error. When they succeed they say so (which printer,
which file) in the status bar of the calling window, or through ``messages`` when it
has none; nothing is said when neither exists (command line, tests).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final, TypeVar

from PySide6.QtCore import QCoreApplication, QRect, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QFileDialog, QWidget

from rego_desktop.auth.roles import Permission
from rego_desktop.errors import RegoError
from rego_desktop.files import write_bytes_atomically
from rego_desktop.reports.pdf import PdfOptions, file_name, page_count, patient_pdf
from rego_desktop.store.study import OpenStudy
from rego_desktop.ui.messages import STATUS_MS, MessageService, status_window

MAX_DPI: Final = 300
T = TypeVar("T")


def default_file_name(subject_code: str) -> str:
    """The suggested name of a saved summary, e.g. ``BJ01-0003-summary.pdf``."""
    stem = Path(file_name(subject_code)).stem
    return QCoreApplication.translate("PrintCasebook", "{code}-summary.pdf").format(code=stem)


def pdf_filters() -> tuple[str, str]:
    """The save dialog's two file types: (site copy, de-identified copy)."""
    return (
        QCoreApplication.translate(
            "PrintCasebook", "PDF with name and record number, keep at the site (*.pdf)"
        ),
        QCoreApplication.translate(
            "PrintCasebook", "De-identified PDF, dates as study days (*.pdf)"
        ),
    )


def _confirm(
    parent: QWidget | None, messages: MessageService | None, title: str, text: str
) -> None:
    window = status_window(parent)
    if messages is not None:
        messages.notify(parent, title, text)
    elif window is not None:
        window.statusBar().showMessage(text, STATUS_MS)


def summary_pdf(
    study: OpenStudy, subject_code: str, *, language: str = "en", deidentified: bool = False
) -> bytes:
    """The summary PDF of one patient, in memory."""
    lang = "zh" if language.startswith("zh") else "en"
    return patient_pdf(study, subject_code, PdfOptions(language=lang, deidentified=deidentified))


def _pdfium() -> Any:
    try:
        return importlib.import_module("pypdfium2")
    except ImportError:
        raise RegoError(
            QCoreApplication.translate(
                "PrintCasebook",
                "Printing needs the PDF renderer (Python package pypdfium2), which is not "
                "installed. Use Save as PDF and print the file from a PDF viewer.",
            )
        ) from None


def render_pages(pdf: bytes, dpi: int, first: int = 1, last: int | None = None) -> Iterator[QImage]:
    """Pages ``first``..``last`` (1-based, inclusive) as images at ``dpi``."""
    pdfium = _pdfium()
    document = pdfium.PdfDocument(pdf)
    try:
        end = len(document) if last is None else min(last, len(document))
        for index in range(first - 1, end):
            page = document[index]
            bitmap = page.render(scale=dpi / 72.0, rev_byteorder=True)
            try:
                width, height, stride = bitmap.width, bitmap.height, bitmap.stride
                channels = stride // width if width else 3
                kind = (
                    QImage.Format.Format_RGB888 if channels == 3 else QImage.Format.Format_RGBX8888
                )
                data = bytes(bitmap.buffer)
                image = QImage(data, width, height, stride, kind).copy()
            finally:
                bitmap.close()
                page.close()
            image.setDotsPerMeterX(round(dpi / 0.0254))
            image.setDotsPerMeterY(round(dpi / 0.0254))
            yield image
    finally:
        document.close()


def print_pdf(pdf: bytes, printer: QPrinter, *, passthrough: bool = True) -> int:
    """Send ``pdf`` to ``printer`` (its page range honoured); returns the pages printed.

    A printer that writes a PDF file gets the PDF itself unless ``passthrough`` is
    False (then pages are rendered and painted as for a real printer).
    """
    to_file = printer.outputFormat() == QPrinter.OutputFormat.PdfFormat
    if passthrough and to_file and printer.outputFileName():
        target = Path(printer.outputFileName())
        try:
            target.write_bytes(pdf)
        except OSError as exc:
            raise RegoError(
                QCoreApplication.translate(
                    "PrintCasebook", "Could not write {path}: {reason}."
                ).format(path=target, reason=exc.strerror)
            ) from None
        return page_count(pdf)
    first, last = printer.fromPage(), printer.toPage()
    if first <= 0:
        first, last = 1, 0
    dpi = max(72, min(printer.resolution(), MAX_DPI))
    painter = QPainter()
    if not painter.begin(printer):
        raise RegoError(
            QCoreApplication.translate(
                "PrintCasebook",
                "The printer could not be started; check that it is on and ready.",
            )
        )
    printed = 0
    try:
        for image in render_pages(pdf, dpi, first, last or None):
            if printed:
                printer.newPage()
            area = painter.viewport()  # the printable area, in device pixels
            size = image.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
            x = area.x() + (area.width() - size.width()) // 2
            y = area.y() + (area.height() - size.height()) // 2
            painter.drawImage(QRect(x, y, size.width(), size.height()), image)
            printed += 1
    finally:
        painter.end()
    return printed


def print_casebook(
    parent: QWidget | None,
    study: OpenStudy,
    subject_code: str,
    *,
    language: str = "en",
    deidentified: bool = False,
    printer: QPrinter | None = None,
    ask: bool = True,
    messages: MessageService | None = None,
) -> bool:
    """Print a patient's summary: Qt print dialog, then the PDF to the chosen printer.

    Returns False when the user cancels the dialog. ``printer`` and ``ask=False`` let
    callers (and tests) print without the dialog. Says where it went when done.
    """
    pdf = _with_busy_cursor(
        lambda: summary_pdf(study, subject_code, language=language, deidentified=deidentified)
    )
    printer = printer or QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(
        QCoreApplication.translate("PrintCasebook", "Summary of {code}").format(code=subject_code)
    )
    printer.setFromTo(1, page_count(pdf))
    if ask:
        dialog = QPrintDialog(printer, parent)
        dialog.setWindowTitle(
            QCoreApplication.translate("PrintCasebook", "Print summary of {code}").format(
                code=subject_code
            )
        )
        dialog.setMinMax(1, page_count(pdf))
        if not dialog.exec():
            return False
    pages = _with_busy_cursor(lambda: print_pdf(pdf, printer))
    _confirm(
        parent,
        messages,
        QCoreApplication.translate("PrintCasebook", "Print summary"),
        printed_text(subject_code, printer, pages),
    )
    return True


def printed_text(subject_code: str, printer: QPrinter, pages: int) -> str:
    """What was printed where: the printer's name, or the file for "Print to PDF"."""
    if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat and printer.outputFileName():
        return QCoreApplication.translate(
            "PrintCasebook", "The summary of {code} ({pages} pages) was written to {path}."
        ).format(code=subject_code, pages=pages, path=printer.outputFileName())
    name = printer.printerName() or QCoreApplication.translate(
        "PrintCasebook", "the default printer"
    )
    return QCoreApplication.translate(
        "PrintCasebook", "The summary of {code} ({pages} pages) was sent to the printer {printer}."
    ).format(code=subject_code, pages=pages, printer=name)


def save_casebook_pdf(
    parent: QWidget | None,
    study: OpenStudy,
    subject_code: str,
    *,
    language: str = "en",
    deidentified: bool = False,
    path: Path | None = None,
    messages: MessageService | None = None,
) -> Path | None:
    """Save a patient's summary as a PDF file; asks where unless ``path`` is given.

    Returns the file written, or None when the user cancels. Names the file when done.
    """
    if path is None:
        identified_filter, deidentified_filter = pdf_filters()
        chosen, chosen_filter = QFileDialog.getSaveFileName(
            parent,
            QCoreApplication.translate("PrintCasebook", "Save summary of {code} as PDF").format(
                code=subject_code
            ),
            str(Path.home() / default_file_name(subject_code)),
            ";;".join((identified_filter, deidentified_filter)),
            deidentified_filter if deidentified else identified_filter,
        )
        if not chosen:
            return None
        deidentified = chosen_filter == deidentified_filter
        path = Path(chosen)
        if path.suffix.lower() != ".pdf":
            path = path.with_suffix(".pdf")
    study.user.require(Permission.EXPORT)
    pdf = _with_busy_cursor(
        lambda: summary_pdf(study, subject_code, language=language, deidentified=deidentified)
    )
    write_bytes_atomically(path, pdf, what="the PDF summary", what_zh="PDF 摘要")
    saved = (
        QCoreApplication.translate(
            "PrintCasebook", "The de-identified summary of {code} was saved as {path}."
        )
        if deidentified
        else QCoreApplication.translate(
            "PrintCasebook",
            "The summary of {code} was saved as {path}; it names the patient: keep it at the site.",
        )
    )
    _confirm(
        parent,
        messages,
        QCoreApplication.translate("PrintCasebook", "Save summary as PDF"),
        saved.format(code=subject_code, path=path),
    )
    return path


def _with_busy_cursor(work: Callable[[], T]) -> T:
    QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        return work()
    finally:
        QGuiApplication.restoreOverrideCursor()
