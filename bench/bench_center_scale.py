"""The coordinating center at scale: the pooled workbook, the merge on SQLite and on
PostgreSQL, and the summary at 50,000 pooled patients (issue 15).

Usage (from the repository root; not part of the test suite)::

    python bench/bench_center_scale.py --workdir /tmp/rego-bench-scale
    python bench/bench_center_scale.py --only xlsx,merge --postgres postgresql+psycopg://...

Setup (timed, not benchmarked): a site study of ``--patients`` demo patients (fast key
derivation; reused from ``--workdir`` when there), exported once; its de-identified
patients are split into site files of ``--per-site`` patients (subject codes renamed,
each file signed by its own site key, see ``bench_exchange.site_file``). For 50,000
pooled patients the same patients are sent again under further site codes (S21 ...),
so every pooled patient is a distinct subject with realistic data.

Reported (``BENCH`` lines, see ``benchkit``):

- ``xlsx``: ``rego-center xlsx`` at 10,000 pooled patients (whole process, wall-clock,
  peak memory) with every sheet (listings, scores, ADaM), and ``--site S01``;
  target < 10 s;
- ``merge``: 20 site files of 500 merged into a new SQLite database and into a new
  PostgreSQL schema (``--postgres URL``, or a private server started with
  initdb/pg_ctl as ``tests/center/conftest.py`` does); target PostgreSQL <= 1.3 x SQLite;
- ``summary``: ``rego-center summary --json`` and ``--by-site`` at 50,000 pooled
  patients (SQLite, stored analysis rows); targets < 5 s, peak < 300 MiB, ``--by-site``
  <= 1.2 x pooled.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_center_summary import PASSWORD, USER, _best  # noqa: E402
from bench_exchange import site_file  # noqa: E402
from benchkit import emit  # noqa: E402

from rego_desktop.center.db import open_center_database  # noqa: E402
from rego_desktop.center.merge import merge_file  # noqa: E402
from rego_desktop.crypto.keyslots import ScryptParams  # noqa: E402
from rego_desktop.exchange.container import unseal_transfer  # noqa: E402
from rego_desktop.exchange.deidentify import DeidentifiedPatient  # noqa: E402
from rego_desktop.exchange.export import export_transfer  # noqa: E402
from rego_desktop.exchange.keys import (  # noqa: E402
    CenterPrivateKey,
    SitePublicKey,
    generate_center_keys,
)
from rego_desktop.exchange.payload import Manifest, PayloadReader  # noqa: E402
from rego_desktop.exchange.site_keys import site_public_key  # noqa: E402
from rego_desktop.store.opening import create_study, open_study  # noqa: E402

XLSX_TARGET_S = 10.0
PG_RATIO = 1.3
SUMMARY_TARGET_S = 5.0
MEMORY_TARGET_MIB = 300.0
BY_SITE_RATIO = 1.2


def _site_patients(
    folder: Path, patients: int, center: CenterPrivateKey
) -> tuple[list[DeidentifiedPatient], Manifest]:
    """The de-identified patients of the bench site study (created once in ``folder``)."""
    site_db = folder / "site.rego"
    if site_db.exists():
        study = open_study(site_db, USER, PASSWORD)
    else:
        from rego_desktop.demo.generator import generate

        study = create_study(site_db, "BJ01", USER, PASSWORD, kdf=ScryptParams(2**12, 8, 1)).study
        start = time.perf_counter()
        generate(study, patients, seed=1)
        print(f"setup: {patients} demo patients in {time.perf_counter() - start:.0f} s")
    try:
        export = folder / f"site-{uuid.uuid4().hex[:8]}.rgt"
        export_transfer(study, center.public, export)
        registry = {"BJ01": site_public_key(study)}
    finally:
        study.close()
    header, payload = unseal_transfer(export.read_bytes(), center, registry)
    export.unlink()
    reader = PayloadReader([payload], header)
    return reader.read_all(), reader.manifest


def _site_files(
    folder: Path,
    everyone: list[DeidentifiedPatient],
    manifest: Manifest,
    center: CenterPrivateKey,
    total: int,
    per_site: int,
) -> tuple[list[Path], dict[str, SitePublicKey]]:
    """Site files of ``per_site`` patients until ``total`` patients are sent."""
    files: list[Path] = []
    registry: dict[str, SitePublicKey] = {}
    sent, i = 0, 0
    while sent < total:
        start = (i * per_site) % len(everyone)
        part = everyone[start : start + per_site][: total - sent]
        code = f"S{i + 1:02d}"
        path, public = site_file(folder, code, part, manifest, center)
        files.append(path)
        registry[code] = public
        sent += len(part)
        i += 1
    return files, registry


def _merge_all(
    url: str, files: list[Path], center: CenterPrivateKey, registry: dict[str, SitePublicKey]
) -> float:
    start = time.perf_counter()
    with open_center_database(url, create=True) as db:
        for path in files:
            merge_file(db, path, center, registry)
    return time.perf_counter() - start


@contextlib.contextmanager
def _postgres(given: str | None) -> Iterator[str | None]:
    """A PostgreSQL URL: ``given``, or a private server for this run (None when the
    server programs are not installed)."""
    if given:
        yield given
        return
    import pytest

    from tests.center import conftest

    fixture = conftest.postgres_server.__wrapped__  # type: ignore[attr-defined]
    server = fixture()
    try:
        url = next(server)
    except (StopIteration, pytest.skip.Exception, pytest.fail.Exception) as exc:
        print(f"PostgreSQL not benchmarked: {exc}")
        yield None
        return
    try:
        yield url
    finally:
        with contextlib.suppress(StopIteration):
            next(server)


def _schema_url(server: str) -> tuple[str, str]:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    schema = f"rego_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    admin.dispose()
    url = make_url(server).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), schema


def _drop_schema(server: str, schema: str) -> None:
    from sqlalchemy import create_engine

    admin = create_engine(server)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    admin.dispose()


def main(args_list: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000, help="site study size")
    parser.add_argument("--per-site", type=int, default=500)
    parser.add_argument("--pooled", type=int, default=50_000, help="patients for the summary")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", help="PostgreSQL server URL (default: a private one)")
    parser.add_argument("--only", default="xlsx,merge,summary", help="comma-separated parts")
    parser.add_argument("--workdir", type=Path, help="keep the site study and databases here")
    args = parser.parse_args(args_list)
    parts = set(args.only.split(","))
    with tempfile.TemporaryDirectory(prefix="rego-bench-scale-") as scratch:
        folder = args.workdir or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env.update(REGO_DATA_DIR=str(folder / "data"), REGO_PASSWORD=PASSWORD, REGO_USER=USER)
        os.environ["REGO_DATA_DIR"] = env["REGO_DATA_DIR"]
        center = generate_center_keys("Bench Center", created=dt.datetime.now(dt.UTC))
        everyone, manifest = _site_patients(folder, args.patients, center)
        files_dir = Path(scratch) / "files"
        files_dir.mkdir()
        n = len(everyone)
        files, registry = _site_files(files_dir, everyone, manifest, center, n, args.per_site)
        sites = len(files)
        # The merged SQLite center is kept in --workdir, so ``--only xlsx`` can time the
        # workbook again without merging (the merge is timed whenever it runs).
        sqlite_db = folder / f"center-{n}.db"
        if "merge" in parts or ("xlsx" in parts and not sqlite_db.exists()):
            partial = sqlite_db.with_suffix(".partial")
            partial.unlink(missing_ok=True)
            sqlite_s = _merge_all(str(partial), files, center, registry)
            shutil.move(partial, sqlite_db)
            emit(f"center merge {sites} x {args.per_site} into SQLite", sqlite_s)
        if "merge" in parts:
            with _postgres(args.postgres) as server:
                if server is not None:
                    url, schema = _schema_url(server)
                    try:
                        pg_s = _merge_all(url, files, center, registry)
                    finally:
                        _drop_schema(server, schema)
                    emit(
                        f"center merge {sites} x {args.per_site} into PostgreSQL",
                        pg_s,
                        target_s=PG_RATIO * sqlite_s,
                        note=f"{pg_s / sqlite_s:.2f} x SQLite (target <= {PG_RATIO})",
                    )
        if "xlsx" in parts:
            out = Path(scratch) / "center.xlsx"
            for label, extra in (("every site", []), ("--site S01", ["--site", "S01"])):
                wall, mib = _best(
                    ["rego_desktop.center", "xlsx", "--db", str(sqlite_db), "--out", str(out),
                     "--force", *extra],
                    env,
                    args.repeat,
                    Path(scratch),
                )  # fmt: skip
                emit(
                    f"rego-center xlsx, {label} ({n:,} pooled patients, listings + scores + ADaM)",
                    wall,
                    target_s=XLSX_TARGET_S if not extra else None,
                    note=f"peak {mib:.0f} MiB; {out.stat().st_size / 2**20:.0f} MiB file",
                )
        if "summary" in parts:
            big = folder / f"center-{args.pooled}.db"
            if not big.exists():
                big_dir = Path(scratch) / "files-pooled"
                big_dir.mkdir()
                more, more_registry = _site_files(
                    big_dir, everyone, manifest, center, args.pooled, args.per_site
                )
                partial = big.with_suffix(".partial")
                partial.unlink(missing_ok=True)
                took = _merge_all(str(partial), more, center, more_registry)
                print(f"setup: merged {len(more)} site files in {took:.0f} s")
                shutil.move(partial, big)
            label = f"{args.pooled:,} pooled patients"
            pooled_s, pooled_mib = _best(
                ["rego_desktop.center", "summary", "--db", str(big), "--json"],
                env,
                args.repeat,
                Path(scratch),
            )
            emit(
                f"rego-center summary --json ({label})",
                pooled_s,
                target_s=SUMMARY_TARGET_S,
                note=f"peak {pooled_mib:.0f} MiB (target < {MEMORY_TARGET_MIB:.0f})",
            )
            by_s, by_mib = _best(
                ["rego_desktop.center", "summary", "--db", str(big), "--json", "--by-site"],
                env,
                args.repeat,
                Path(scratch),
            )
            emit(
                f"rego-center summary --json --by-site ({label})",
                by_s,
                target_s=BY_SITE_RATIO * pooled_s,
                note=f"peak {by_mib:.0f} MiB; {by_s / pooled_s:.2f} x pooled "
                f"(target <= {BY_SITE_RATIO})",
            )


if __name__ == "__main__":
    main()
