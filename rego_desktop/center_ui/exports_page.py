"""The Exports page of the center window (Ctrl+9): the pooled data written out.

The same functions as ``rego-center xlsx`` and ``rego-center cdisc``
(:mod:`rego_desktop.center.exports`), which also record each export in the center's
audit trail. The work runs in the background with a progress dialog after a short
delay; an error is shown once and nothing else changes.

Keys: the page opens on the site chooser; Tab goes site, workbook file, Choose…,
Write workbook, package folder, Choose…, Write CDISC package. Enter in the workbook
file field writes the workbook; Enter in the package folder field writes the package.
"""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from rego_desktop.cdisc.package import PackageReport
from rego_desktop.center.db import CenterDatabase
from rego_desktop.center.exports import export_cdisc, export_workbook
from rego_desktop.center.pooled import site_counts
from rego_desktop.center.pooled_derived import SCORES_SHEET
from rego_desktop.center.pooled_workbook import WorkbookReport
from rego_desktop.center_ui import settings as keys
from rego_desktop.center_ui.choosers import FileChooser
from rego_desktop.center_ui.common import Page, buddy
from rego_desktop.center_ui.reasons import error_text
from rego_desktop.center_ui.session import CenterSession
from rego_desktop.center_ui.text import say
from rego_desktop.errors import OutputFileError, RegoError
from rego_desktop.files import write_error
from rego_desktop.study import CURRENT
from rego_desktop.ui.keyboard import EnterKey
from rego_desktop.ui.messages import MessageService
from rego_desktop.ui.operations import Progress
from rego_desktop.ui.settings import Settings

__all__ = [
    "ExportsPage",
    "check_package_folder",
    "package_folder_name",
    "tables_text",
    "workbook_name",
    "workbook_parts",
    "write_cdisc_package",
]

WORKBOOK_SUFFIX = ".xlsx"
_NAMED_SHEETS = ("patients", SCORES_SHEET, "dictionary", "merge_log")


# --------------------------------------------------------------------------- plain helpers


def workbook_name(site: str | None, day: dt.date) -> str:
    """The suggested file name: ``pooled-2026-12-06.xlsx`` or ``pooled-S01-2026-12-06.xlsx``."""
    middle = f"{site}-" if site else ""
    return f"pooled-{middle}{day.isoformat()}{WORKBOOK_SUFFIX}"


def package_folder_name(parent: Path, day: dt.date) -> Path:
    """The suggested package folder: ``cdisc-2026-12-06`` in ``parent``, or ``…-2``,
    ``…-3`` when that one exists and is not empty."""
    base = f"cdisc-{day.isoformat()}"
    candidate = parent / base
    number = 1
    while _holds_something(candidate):
        number += 1
        candidate = parent / f"{base}-{number}"
    return candidate


def _holds_something(path: Path) -> bool:
    try:
        return path.exists() and (not path.is_dir() or any(path.iterdir()))
    except OSError:
        return True


def check_package_folder(out: Path) -> None:
    """Refuse a package folder that is a file or holds anything already: the package's
    files must not be mixed with older ones (``write_package`` of
    :mod:`rego_desktop.cdisc.package` replaces the files it writes and leaves the others)."""
    if out.exists() and not out.is_dir():
        raise OutputFileError(
            f"{out} is a file, not a folder. Give a folder for the CDISC package: an empty "
            "one, or a new one (it is created).",
            zh=f"{out} 是文件而不是文件夹。请给出存放 CDISC 数据包的文件夹：空的文件夹，"
            "或一个新的文件夹（会自动创建）。",
            path=str(out),
        )
    if not out.is_dir():
        return
    try:
        held = sum(1 for _ in out.iterdir())
    except OSError as exc:
        raise write_error("the CDISC package folder", "CDISC 数据包文件夹", out, exc) from exc
    if held:
        # Beside an earlier package; inside any other folder (e.g. "Documents").
        earlier = (out / "define.xml").exists()
        suggestion = package_folder_name(out.parent if earlier else out, dt.date.today())
        raise OutputFileError(
            f"The folder {out} is not empty (it holds {held} item(s)). The CDISC package goes "
            "into an empty or new folder, so that no older file is taken for part of it; "
            f"nothing was written. Give a new folder, for example {suggestion}.",
            zh=f"文件夹 {out} 不是空的（其中有 {held} 项）。"
            "CDISC 数据包须写入空的或新建的文件夹，以免旧文件被误当作数据包的一部分；"
            f"未写入任何文件。请给出一个新的文件夹，例如 {suggestion}。",
            path=str(out),
        )


def _make_package_folder(out: Path) -> bool:
    """Create ``out`` (and its parents) if missing; True if it was created here."""
    if out.is_dir():
        return False
    try:
        out.mkdir(parents=True)
    except FileExistsError:
        return False
    except OSError as exc:
        raise write_error("the CDISC package folder", "CDISC 数据包文件夹", out, exc) from exc
    return True


def _clear_failed_package(out: Path, created: bool) -> None:
    """After a failed package: the folder was new or empty before, so whatever it holds
    now is a part of the package written; remove it (and the folder if made here)."""
    try:
        if created:
            shutil.rmtree(out, ignore_errors=True)
            return
        for child in out.iterdir():
            if child.is_file() or child.is_symlink():
                child.unlink(missing_ok=True)
    except OSError:
        pass  # best effort: the error shown already names the folder


def write_cdisc_package(db: CenterDatabase, out: Path) -> PackageReport:
    """The CDISC package into ``out`` (:func:`export_cdisc`), checked empty or new
    first; on failure no part of the package is left behind."""
    check_package_folder(out)
    created = _make_package_folder(out)
    try:
        return export_cdisc(db, out)
    except BaseException:
        _clear_failed_package(out, created)
        raise


def workbook_parts(rows: Mapping[str, int]) -> dict[str, object]:
    """The values of the result line: patients, the listings (one per form of the study
    definition) counted and summed, scores, ADaM datasets one by one, dictionary and
    merge log."""
    forms = {form.id for form in CURRENT.forms}
    listings = {name: n for name, n in rows.items() if name in forms}
    adam = [
        f"{name} {n}" for name, n in rows.items() if name not in forms and name not in _NAMED_SHEETS
    ]
    return {
        "patients": rows.get("patients", 0),
        "listings": len(listings),
        "listing_rows": sum(listings.values()),
        "scores": rows.get(SCORES_SHEET, 0),
        "adam": ", ".join(adam),
        "dictionary": rows.get("dictionary", 0),
        "merge_log": rows.get("merge_log", 0),
    }


def tables_text(tables: Mapping[str, int]) -> str:
    return ", ".join(f"{name} {n}" for name, n in tables.items())


def _in_folder(text: str, folder: Path) -> Path:
    """A typed path; a bare name (or relative path) is taken inside ``folder``."""
    path = Path(text).expanduser()
    return path if path.is_absolute() else folder / path


def _as_workbook_path(text: str, folder: Path) -> Path:
    path = _in_folder(text, folder)
    if path.suffix.lower() != WORKBOOK_SUFFIX:
        path = path.with_name(path.name + WORKBOOK_SUFFIX)
    return path


# --------------------------------------------------------------------------- the page


class ExportsPage(Page):
    """Write the pooled workbook (all sites or one) and the CDISC package."""

    def __init__(
        self,
        session: CenterSession,
        messages: MessageService,
        chooser: FileChooser,
        settings: Settings,
    ) -> None:
        super().__init__(session, messages)
        self.chooser = chooser
        self.settings = settings
        self.setObjectName("exportsPage")
        self._suggested_file = ""
        self._suggested_folder = ""

        self.note = QLabel(say("ex_note"))
        self.note.setObjectName("exportsNote")
        self.note.setWordWrap(True)

        # the workbook
        self.site = QComboBox()
        self.site.setObjectName("exportSite")
        self.site.addItem(say("ex_all_sites"), None)
        self.site.currentIndexChanged.connect(lambda _i: self._suggest_file())
        self.file = QLineEdit()
        self.file.setObjectName("workbookFile")
        self.choose_file_button = self._button(
            "ex_choose_file", "chooseWorkbookFile", self.choose_file
        )
        self.workbook_button = self._button(
            "ex_write_workbook", "writeWorkbook", self.write_workbook
        )
        self.workbook_result = self._result("workbookResult")
        EnterKey(self.file, self.write_workbook)

        # the CDISC package
        self.folder = QLineEdit()
        self.folder.setObjectName("packageFolder")
        self.choose_folder_button = self._button(
            "ex_choose_folder", "choosePackageFolder", self.choose_folder
        )
        self.cdisc_button = self._button("ex_write_cdisc", "writeCdisc", self.write_cdisc)
        self.cdisc_result = self._result("cdiscResult")
        EnterKey(self.folder, self.write_cdisc)

        workbook = QGroupBox(say("ex_workbook"))
        workbook.setObjectName("workbookBox")
        intro = QLabel(say("ex_workbook_intro"))
        intro.setWordWrap(True)
        site_row = QHBoxLayout()
        site_row.addWidget(buddy("ex_site", self.site))
        site_row.addWidget(self.site)
        site_row.addStretch(1)
        file_row = QHBoxLayout()
        file_row.addWidget(buddy("ex_file", self.file))
        file_row.addWidget(self.file, 1)
        file_row.addWidget(self.choose_file_button)
        file_row.addWidget(self.workbook_button)
        box = QVBoxLayout(workbook)
        box.addWidget(intro)
        box.addLayout(site_row)
        box.addLayout(file_row)
        box.addWidget(self.workbook_result)

        cdisc = QGroupBox(say("ex_cdisc"))
        cdisc.setObjectName("cdiscBox")
        cdisc_intro = QLabel(say("ex_cdisc_intro"))
        cdisc_intro.setWordWrap(True)
        folder_row = QHBoxLayout()
        folder_row.addWidget(buddy("ex_folder", self.folder))
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.choose_folder_button)
        folder_row.addWidget(self.cdisc_button)
        box = QVBoxLayout(cdisc)
        box.addWidget(cdisc_intro)
        box.addLayout(folder_row)
        box.addWidget(self.cdisc_result)

        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(workbook)
        layout.addWidget(cdisc)
        layout.addStretch(1)

        chain = [
            self.site,
            self.file,
            self.choose_file_button,
            self.workbook_button,
            self.folder,
            self.choose_folder_button,
            self.cdisc_button,
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)
        self._suggest_file()
        self._suggest_folder()

    def _button(self, key: str, name: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(say(key))
        button.setObjectName(name)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        return button

    @staticmethod
    def _result(name: str) -> QLabel:
        label = QLabel()
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.hide()  # until there is a result
        return label

    # ----------------------------------------------------------------- reading

    def first_focus(self) -> QWidget | None:
        return self.site

    def refresh(self) -> None:
        """The sites that have merged data (after a merge, a rollback, a restore)."""
        try:
            counts = site_counts(self.session.db)
        except RegoError as exc:
            self.messages.error(self, say("cannot"), error_text(exc))
            counts = []
        current = self.site.currentData()
        self.site.blockSignals(True)
        self.site.clear()
        self.site.addItem(say("ex_all_sites"), None)
        for count in counts:
            self.site.addItem(
                say("ex_site_item", site=count.site_code, patients=count.patients),
                count.site_code,
            )
        index = self.site.findData(current) if current is not None else 0
        self.site.setCurrentIndex(max(index, 0))
        self.site.blockSignals(False)
        self._suggest_file()
        self._suggest_folder()

    # ----------------------------------------------------------------- suggestions

    def _export_folder(self) -> Path:
        saved = self.settings.get(keys.EXPORT_FOLDER)
        return Path(saved).expanduser() if saved else Path.home()

    def _suggest_file(self) -> None:
        """A dated name in the last folder used, unless the user typed another one."""
        text = self.file.text().strip()
        if text and text != self._suggested_file:
            return
        site = self.site.currentData()
        name = workbook_name(site if isinstance(site, str) else None, dt.date.today())
        suggestion = str(self._export_folder() / name)
        self._suggested_file = suggestion
        self.file.setText(suggestion)

    def _suggest_folder(self) -> None:
        text = self.folder.text().strip()
        if text and text != self._suggested_folder:
            return
        suggestion = str(package_folder_name(self._export_folder(), dt.date.today()))
        self._suggested_folder = suggestion
        self.folder.setText(suggestion)

    def _remember_folder(self, folder: Path) -> None:
        self.settings.set(keys.EXPORT_FOLDER, str(folder))

    # ----------------------------------------------------------------- choosing

    def choose_file(self) -> None:
        start = self.file.text().strip() or self._suggested_file
        name = self.chooser.save_file(self, say("ex_file_title"), start, say("ex_xlsx_files"))
        if name:
            path = _as_workbook_path(name, self._export_folder())
            self.file.setText(str(path))
            self._remember_folder(path.parent)
            self.workbook_button.setFocus()
        else:
            self.choose_file_button.setFocus()

    def choose_folder(self) -> None:
        text = self.folder.text().strip()
        start = str(Path(text).expanduser().parent) if text else str(self._export_folder())
        name = self.chooser.folder(self, say("ex_folder_title"), start)
        if name:
            self.folder.setText(name)
            self._remember_folder(Path(name).parent)
            self.cdisc_button.setFocus()
        else:
            self.choose_folder_button.setFocus()

    # ----------------------------------------------------------------- writing

    def _not_busy(self) -> bool:
        if self.busy:
            self.messages.info(self, say("tab_exports"), say("ex_busy"))
            return False
        return True

    def write_workbook(self) -> None:
        if not self._not_busy():
            return
        text = self.file.text().strip()
        if not text:
            self.messages.info(self, say("tab_exports"), say("ex_need_file"))
            self.file.setFocus()
            return
        path = _as_workbook_path(text, self._export_folder())
        if str(path) != text:
            if text == self._suggested_file:
                self._suggested_file = str(path)
            self.file.setText(str(path))
        overwrite = False
        if path.is_file():
            question = say("ex_replace", name=path.name, folder=path.parent)
            if not self.messages.confirm(self, say("ex_replace_title"), question):
                self.file.setFocus()
                return
            overwrite = True
        site_data = self.site.currentData()
        site = site_data if isinstance(site_data, str) else None
        db = self.session.db
        self._remember_folder(path.parent)

        def work(_progress: Progress) -> WorkbookReport:
            return export_workbook(db, path, site=site, overwrite=overwrite)

        def done(result: object) -> None:
            assert isinstance(result, WorkbookReport)
            self.workbook_result.setText(
                say("ex_workbook_done", path=result.path, **workbook_parts(result.rows))
            )
            self.workbook_result.setToolTip(tables_text(result.rows))
            self.workbook_result.show()
            self.messages.notify(
                self, say("tab_exports"), say("ex_workbook_written", path=result.path)
            )
            self.workbook_button.setFocus()

        def failed(exc: object) -> None:
            self.messages.error(self, say("cannot"), error_text(exc))
            self.file.setFocus()

        self.run(work, say("ex_writing_workbook"), done, failed=failed)

    def write_cdisc(self) -> None:
        if not self._not_busy():
            return
        text = self.folder.text().strip()
        if not text:
            self.messages.info(self, say("tab_exports"), say("ex_need_folder"))
            self.folder.setFocus()
            return
        out = _in_folder(text, self._export_folder())
        if str(out) != text:
            self.folder.setText(str(out))
        try:
            check_package_folder(out)
        except RegoError as exc:
            self.messages.error(self, say("cannot"), error_text(exc))
            self.folder.setFocus()
            return
        db = self.session.db
        self._remember_folder(out.parent)

        def work(_progress: Progress) -> PackageReport:
            return write_cdisc_package(db, out)

        def done(result: object) -> None:
            assert isinstance(result, PackageReport)
            self.cdisc_result.setText(
                say(
                    "ex_cdisc_done",
                    out=result.out,
                    files=len(result.files),
                    subjects=result.subjects,
                    tables=tables_text(result.tables),
                )
            )
            self.cdisc_result.setToolTip("\n".join(result.files))
            self.cdisc_result.show()
            self.messages.notify(self, say("tab_exports"), say("ex_cdisc_written", out=result.out))
            self._suggest_folder()
            self.cdisc_button.setFocus()

        def failed(exc: object) -> None:
            self.messages.error(self, say("cannot"), error_text(exc))
            self.folder.setFocus()

        self.run(work, say("ex_writing_cdisc"), done, failed=failed)
