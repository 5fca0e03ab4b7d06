"""Timings of the transfer-file exchange at study scale.

* export of one site with 1,000 patients (preview, then the signed, encrypted file);
* merge of 20 site files of 500 patients each into a new center database, then the same
  20 files again (all "already merged"), the pooled casebooks and the pooled workbook.

The site is filled by the demo generator when this build has it (else by the test
filler). The 20 site files are made from the first 500 patients of that export, renamed
to each site's subject codes and signed with 20 site keys.

Run with ``python bench/bench_exchange.py [--postgres URL]`` from the repository root;
not part of the test suite. With ``--postgres`` the merge also runs against that
PostgreSQL database (tables are created in its default schema).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rego_desktop.center.db import open_center_database
from rego_desktop.center.merge import merge_file
from rego_desktop.center.pooled import pooled_casebooks
from rego_desktop.center.pooled_workbook import write_pooled_workbook
from rego_desktop.crypto.keyslots import ScryptParams
from rego_desktop.exchange.container import unseal_transfer, write_transfer_file
from rego_desktop.exchange.deidentify import (
    AGE_GROUP_TOP,
    DeidentifiedPatient,
)
from rego_desktop.exchange.export import export_transfer, preview_export
from rego_desktop.exchange.keys import (
    SitePublicKey,
    generate_center_keys,
    generate_site_key,
)
from rego_desktop.exchange.payload import Manifest, PayloadReader, payload_lines
from rego_desktop.exchange.site_keys import site_public_key
from rego_desktop.store.opening import create_study
from rego_desktop.store.study import OpenStudy

T = TypeVar("T")
EXPORT_PATIENTS = 1000
SITES = 20
SITE_PATIENTS = 500


def timed(label: str, action: Callable[[], T]) -> T:
    """Run ``action``; print its wall-clock time and, in brackets, the CPU time it used
    (on a busy machine the wall-clock time includes waiting for a processor)."""
    start, cpu = time.perf_counter(), time.process_time()
    result = action()
    wall, used = time.perf_counter() - start, time.process_time() - cpu
    print(f"{label:<58} {wall:8.2f} s (CPU {used:.2f} s)", flush=True)
    return result


def fill(study: OpenStudy, n: int) -> None:
    try:
        from rego_desktop.demo.generator import generate
    except ModuleNotFoundError:
        from tests.exchange.sitefill import fill_site

        fill_site(study, n, seed=1)
    else:
        generate(study, n, seed=1)


def renamed(patient: DeidentifiedPatient, site: str) -> DeidentifiedPatient:
    number = patient.subject_code.split("-", 1)[1]
    return dataclasses.replace(patient, subject_code=f"{site}-{number}")


def site_file(
    folder: Path,
    site: str,
    patients: list[DeidentifiedPatient],
    template: Manifest,
    center: Any,
) -> tuple[Path, SitePublicKey]:
    key = generate_site_key(site)
    mine = [renamed(p, site) for p in patients]
    entries = dict.fromkeys(template.entries, 0)
    for patient in mine:
        for form_id, items in patient.forms.items():
            entries[form_id] += len(items)
    package_id = uuid.uuid4()
    manifest = dataclasses.replace(
        template,
        site_code=site,
        package_id=package_id,
        sequence=1,
        patients=len(mine),
        entries=entries,
        patients_without_first_dose=tuple(
            sorted(p.subject_code for p in mine if not p.first_dose_known)
        ),
        ages_grouped=sum(1 for p in mine if p.age_at_first_dose == AGE_GROUP_TOP),
        ages_unknown=sum(1 for p in mine if p.age_at_first_dose is None),
    )
    path = folder / f"{site}.rgt"
    write_transfer_file(
        path,
        payload_lines(manifest, mine),
        site_key=key,
        recipient=center.public,
        study_id=template.study_id,
        study_version=template.study_version,
        sequence=1,
        package_id=package_id,
    )
    return path, key.public_key()


def bench_merge(
    target: str | Path, files: list[Path], center: Any, registry: dict[str, SitePublicKey]
) -> None:
    with open_center_database(target, create=True) as db:
        results = timed(
            f"merge {len(files)} files x {SITE_PATIENTS} patients",
            lambda: [merge_file(db, f, center, registry) for f in files],
        )
        entries = sum(r.entries for r in results)
        print(f"{'  (entries merged)':<58} {entries:>8}")
        timed(
            f"merge the same {len(files)} files again (already merged)",
            lambda: [merge_file(db, f, center, registry) for f in files],
        )
        books = timed("pooled_casebooks (all patients)", lambda: pooled_casebooks(db))
        print(f"{'  (casebooks)':<58} {len(books):>8}")
        with tempfile.TemporaryDirectory(prefix="rego-bench-xlsx-") as scratch:
            out = Path(scratch) / "pooled.xlsx"
            timed("pooled workbook (xlsx)", lambda: write_pooled_workbook(db, out))
            print(f"{'  (workbook bytes)':<58} {out.stat().st_size:>8}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--postgres", metavar="URL", help="also merge into this PostgreSQL database"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="rego-bench-") as scratch:
        run(Path(scratch), args.postgres)


def run(folder: Path, postgres: str | None) -> None:
    os.environ.setdefault("REGO_DATA_DIR", str(folder / "data"))
    center = generate_center_keys("Bench Center", created=dt.datetime.now(dt.UTC))
    study = create_study(
        folder / "site.rego", "BJ01", "admin", "Bench-password-1", kdf=ScryptParams(2**12, 8, 1)
    ).study
    try:
        timed(
            f"fill site with {EXPORT_PATIENTS} patients (not exchange)",
            lambda: fill(study, EXPORT_PATIENTS),
        )
        preview = timed(f"preview_export {EXPORT_PATIENTS} patients", lambda: preview_export(study))
        print(f"{'  (entries)':<58} {preview.entries:>8}")
        path = folder / "site.rgt"
        result = timed(
            f"export_transfer {EXPORT_PATIENTS} patients",
            lambda: export_transfer(study, center.public, path),
        )
        print(f"{'  (transfer file bytes)':<58} {result.size:>8}")
        registry_site = {"BJ01": site_public_key(study)}
    finally:
        study.close()

    header, payload = unseal_transfer(path.read_bytes(), center, registry_site)
    reader = PayloadReader([payload], header)
    patients = reader.read_all()[:SITE_PATIENTS]
    files: list[Path] = []
    registry: dict[str, SitePublicKey] = {}

    def make_files() -> Iterator[None]:
        for i in range(1, SITES + 1):
            code = f"S{i:02d}"
            file, public = site_file(folder, code, patients, reader.manifest, center)
            files.append(file)
            registry[code] = public
            yield None

    timed(
        f"make {SITES} site files of {SITE_PATIENTS} patients (setup)", lambda: list(make_files())
    )
    print("SQLite center database:")
    bench_merge(folder / "center.db", files, center, registry)
    if postgres:
        print("PostgreSQL center database:")
        bench_merge(postgres, files, center, registry)


if __name__ == "__main__":
    main()
