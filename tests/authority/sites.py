"""A small site study with every kind of authority row, built once and copied per test.

Users: ``admin`` (administrator), ``entry`` (data entry), ``mon`` (monitor), ``inv``
(investigator) and ``gone`` (data entry, deactivated). Six demo patients, one complete
casebook signed by ``inv`` (:data:`SIGNED` in the template's ``signed.txt``), and one
study setting (the site's usual bilirubin unit).
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from rego_desktop.auth.roles import Role
from rego_desktop.demo.generator import generate
from rego_desktop.services.patients import PatientService
from rego_desktop.services.signatures import SignatureService
from rego_desktop.services.site_units import SiteUnits, multi_unit_fields
from rego_desktop.services.users import UserService
from rego_desktop.store.opening import create_study, open_study
from rego_desktop.store.study import OpenStudy
from rego_desktop.study import CURRENT
from tests.conftest import ADMIN, FAST_KDF, PASSWORD

OTHER_PASSWORD = "Ward-round-2024x"
USERS = {
    "entry": Role.DATA_ENTRY,
    "mon": Role.MONITOR,
    "inv": Role.INVESTIGATOR,
    "gone": Role.DATA_ENTRY,
}


def build_template(folder: Path) -> tuple[Path, str]:
    """The template study file and the subject code of its signed casebook."""
    path = folder / "template.rego"
    created = create_study(path, "BJ01", ADMIN, PASSWORD, full_name="Site Admin", kdf=FAST_KDF)
    study = created.study
    try:
        users = UserService(study, kdf=FAST_KDF)
        for name, role in USERS.items():
            users.add_user(name, f"User {name}", role, OTHER_PASSWORD)
        users.set_active("gone", False)
        generate(study, 6, seed=11)
        bilirubin = multi_unit_fields(CURRENT)["bilirubin"]
        SiteUnits(study).set("bilirubin", bilirubin.units[-1].id)
    finally:
        study.close()
    inv = open_study(path, "inv", OTHER_PASSWORD)
    try:
        service = SignatureService(inv)
        code = next(
            c for c in PatientService(inv).subject_codes() if not service.incomplete_forms(c)
        )
        service.sign(code, OTHER_PASSWORD)
    finally:
        inv.close()
    return path, code


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("authority-template")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REGO_DATA_DIR", str(folder / "data"))
        return build_template(folder)


@pytest.fixture
def site(template: tuple[Path, str], tmp_path: Path) -> tuple[Path, str]:
    """A fresh copy of the template: (study file, subject code of the signed casebook)."""
    path = tmp_path / "site.rego"
    shutil.copyfile(template[0], path)
    return path, template[1]


@contextmanager
def raw(path: Path) -> Iterator[sqlite3.Connection]:
    """The study file as anyone with ``sqlite3`` sees it (foreign keys not enforced)."""
    conn = sqlite3.connect(path)
    try:
        with conn:
            yield conn
    finally:
        conn.close()


def open_admin(path: Path) -> OpenStudy:
    return open_study(path, ADMIN, PASSWORD)
