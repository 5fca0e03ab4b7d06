"""Data queries (issue 16): raising them on the pooled data, exporting and importing files.

Usage (from the repository root; not part of the test suite)::

    python bench/bench_queries.py                       # 10,000 patients, 20 sites
    python bench/bench_queries.py --patients 2000 --sites 20 --queries 1000

Setup (timed, not benchmarked): the cached demo study (``benchkit.demo_study``) is
exported once; its de-identified patients are split into ``--sites`` site files
(subject codes renamed, each signed by its own site key, as
``bench_center_summary.py`` does) and merged into a new SQLite center database.

Reported (``BENCH`` lines):

- ``raise automatic queries``: :func:`rego_desktop.center.queries.raise_automatic` on
  every pooled patient (the edit-check catalogue, new queries inserted), plus writing one
  query file per site (:func:`export_query_file`): target under 10 s together;
- ``export N query files`` on its own;
- ``raise automatic queries again``: a second run, which checks only patients whose
  content changed since (none here): the findings are kept per patient content;
- ``import 1,000 queries``: :func:`rego_desktop.services.center_queries.import_query_file`
  of a query file with ``--queries`` queries into a copy of the demo study (its
  ``--patients`` patients): target under 2 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_exchange import site_file  # noqa: E402
from benchkit import PASSWORD, USER, demo_study, emit, working_copy  # noqa: E402
from sqlalchemy import select  # noqa: E402

from rego_desktop.center import queries as cq  # noqa: E402
from rego_desktop.center.db import open_center_database  # noqa: E402
from rego_desktop.center.merge import merge_file  # noqa: E402
from rego_desktop.center.registry import (  # noqa: E402
    PRIVATE_KEY_FILE,
    load_center_key,
    load_site_registry,
)
from rego_desktop.exchange.container import unseal_transfer  # noqa: E402
from rego_desktop.exchange.export import export_transfer  # noqa: E402
from rego_desktop.exchange.keys import (  # noqa: E402
    CenterPrivateKey,
    SitePublicKey,
    generate_center_keys,
    write_center_private_key,
    write_site_public_key,
)
from rego_desktop.exchange.payload import PayloadReader  # noqa: E402
from rego_desktop.exchange.query_file import (  # noqa: E402
    HistoryEvent,
    QueryItem,
    write_query_file_to,
)
from rego_desktop.exchange.site_keys import site_public_key  # noqa: E402
from rego_desktop.models import Patient  # noqa: E402
from rego_desktop.services.center_queries import import_query_file  # noqa: E402
from rego_desktop.store.opening import open_study  # noqa: E402

RAISE_AND_EXPORT_TARGET = 10.0
IMPORT_TARGET = 2.0


def _center(
    folder: Path, site_db: Path, sites: int, center: CenterPrivateKey
) -> tuple[Path, dict[str, SitePublicKey]]:
    study = open_study(site_db, USER, PASSWORD)
    try:
        export = folder / "site.rgt"
        export_transfer(study, center.public, export)
        registry_site = {study.info.site_code: site_public_key(study)}
    finally:
        study.close()
    header, payload = unseal_transfer(export.read_bytes(), center, registry_site)
    reader = PayloadReader([payload], header)
    everyone = reader.read_all()
    per = -(-len(everyone) // sites)
    registry: dict[str, SitePublicKey] = {}
    files: list[Path] = []
    for i in range(sites):
        code = f"S{i + 1:02d}"
        part = everyone[i * per : (i + 1) * per]
        if part:
            path, public = site_file(folder, code, part, reader.manifest, center)
            files.append(path)
            registry[code] = public
    center_db = folder / "center.db"
    start = time.perf_counter()
    with open_center_database(center_db, create=True) as db:
        for path in files:
            merge_file(db, path, center, registry)
    print(f"setup: merged {len(files)} site files in {time.perf_counter() - start:.1f} s")
    return center_db, registry


def main(args_list: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument(
        "--workdir", type=Path, help="keep the center database here and reuse it next time"
    )
    args = parser.parse_args(args_list)
    source = demo_study(args.patients)
    center = generate_center_keys("Bench Center", created=dt.datetime.now(dt.UTC))
    with tempfile.TemporaryDirectory(prefix="rego-bench-queries-") as scratch:
        folder = args.workdir or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("REGO_DATA_DIR", str(folder / "data"))
        site_db = working_copy(source, "queries-site.rego")
        pristine = folder / "center-merged.db"
        if pristine.exists():
            center = load_center_key(folder / "center-keys", PASSWORD)
            registry = load_site_registry(folder / "site-keys")
        else:
            center_db, registry = _center(folder, site_db, args.sites, center)
            center_db.rename(pristine)
            (folder / "center-keys").mkdir(exist_ok=True)
            write_center_private_key(
                folder / "center-keys" / PRIVATE_KEY_FILE, center, PASSWORD, scrypt_n=2**10
            )
            for code, public in registry.items():
                register_folder = folder / "site-keys"
                register_folder.mkdir(exist_ok=True)
                write_site_public_key(register_folder / f"{code}.json", public, overwrite=True)
            site_db = working_copy(source, "queries-site.rego")
        center_db = folder / "center.db"
        shutil.copyfile(pristine, center_db)
        n = f"{args.patients:,} patients"

        with open_center_database(center_db) as db:
            start = time.perf_counter()
            result = cq.raise_automatic(db)
            raised_s = time.perf_counter() - start
            start = time.perf_counter()
            for code, public in sorted(registry.items()):
                cq.export_query_file(
                    db, code, folder / f"{code}.rgq", center, public, overwrite=True
                )
            export_s = time.perf_counter() - start
        emit(
            f"raise automatic queries ({n}) + export {len(registry)} query files",
            raised_s + export_s,
            target_s=RAISE_AND_EXPORT_TARGET,
            note=f"{len(result.raised)} queries raised in {raised_s:.2f} s, "
            f"files written in {export_s:.2f} s",
        )
        emit(f"export {len(registry)} query files", export_s)
        with open_center_database(center_db) as db:
            start = time.perf_counter()
            again = cq.raise_automatic(db)
            rerun_s = time.perf_counter() - start
        emit(
            f"raise automatic queries again ({n}, findings kept per patient content)",
            rerun_s,
            target_s=RAISE_AND_EXPORT_TARGET,
            note=f"{len(again.raised)} new, {again.already_raised} already raised",
        )

        study = open_study(site_db, USER, PASSWORD)
        try:
            with study.reading() as session:
                subjects = list(session.scalars(select(Patient.subject_code).order_by(Patient.id)))
            public = site_public_key(study)
            at = dt.datetime.now(dt.UTC).replace(microsecond=0)
            items = [
                QueryItem(
                    id=f"Q{i + 1:06d}",
                    revision=1,
                    subject=subjects[(i * 7) % len(subjects)],
                    form="demographics",
                    entry=None,
                    field="ecog",
                    rule=None,
                    severity=None,
                    status="open",
                    text=f"Please confirm the ECOG status (bench query {i + 1}).",
                    text_zh=None,
                    center_value="1",
                    history=(HistoryEvent(at, "raised", "bench", None),),
                )
                for i in range(args.queries)
            ]
            path = folder / "site-import.rgq"
            write_query_file_to(
                path,
                items,
                center=center,
                site=public,
                study_id=study.definition.id,
                study_version=study.definition.version,
                sequence=1,
                overwrite=True,
            )
            start = time.perf_counter()
            imported = import_query_file(study, path, center.public)
            import_s = time.perf_counter() - start
        finally:
            study.close()
        emit(
            f"import {args.queries:,} queries at a site with {n}",
            import_s,
            target_s=IMPORT_TARGET,
            note=f"{len(imported.added)} added",
        )


if __name__ == "__main__":
    main()
