"""Child process for the crash tests: does one kind of work in a loop until killed.

    python tests/crash/child.py save DB START        saves patients, updates some
    python tests/crash/child.py backup DB FOLDER     writes backups
    python tests/crash/child.py restore DB BACKUP... restores the backups in turn

Each line on stdout (flushed) reports work whose call had *returned* ("saved",
"updated", "backup", "restored"); ``save`` also announces each call before making it
("begin ..."), so the parent knows which one was under way. The parent kills this
process with SIGKILL at a random moment and then checks that everything reported is
there, and that the call under way is there completely or not at all. Password and
user come from the environment (REGO_PASSWORD, REGO_USER). ``save`` reports a
friendly error (disk full, read-only folder) as "error ..." and stops.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from itertools import count
from pathlib import Path

from rego_desktop.errors import RegoError
from rego_desktop.services.patients import PatientService
from rego_desktop.store.opening import open_study


def name(i: int) -> str:
    return f"Crash Patient {i:05d} 测试"


def updated_name(i: int) -> str:
    return f"Crash Patient {i:05d} renamed"


def identification(full_name: str, i: int) -> dict[str, object]:
    return {
        "full_name": full_name,
        "hospital_record_number": f"CR-{i:06d}",
        "date_of_birth": dt.date(1940 + i % 50, 1 + i % 12, 1 + i % 28),
    }


def save(db: Path, start: int) -> None:
    study = open_study(db, os.environ["REGO_USER"], os.environ["REGO_PASSWORD"])
    service = PatientService(study)
    print("ready", flush=True)
    last: tuple[str, int] | None = None
    for i in count(start):
        try:
            print(f"begin save - {i}", flush=True)
            with service.editing() as editor:
                code = editor.create_patient()
                editor.save(code, "identification", identification(name(i), i))
            print(f"saved {code} {i}", flush=True)
            if last is not None and i % 4 == 0:
                old_code, old_i = last
                print(f"begin update {old_code} {old_i}", flush=True)
                service.save(
                    old_code,
                    "identification",
                    identification(updated_name(old_i), old_i),
                    reason="crash test correction",
                )
                print(f"updated {old_code} {old_i}", flush=True)
            last = (code, i)
        except RegoError as exc:
            print(f"error {type(exc).__name__}: {exc}", flush=True)
            return


def backup(db: Path, folder: Path) -> None:
    from rego_desktop.backup.writer import write_backup

    print("ready", flush=True)
    while True:
        result = write_backup(db, folder, keep=None)
        print(f"backup {result.path}", flush=True)


def restore(db: Path, backups: list[Path]) -> None:
    from rego_desktop.backup.restore import restore_backup

    print("ready", flush=True)
    for i in count():
        source = backups[i % len(backups)]
        restore_backup(source, db, os.environ["REGO_USER"], os.environ["REGO_PASSWORD"])
        print(f"restored {source}", flush=True)


def main(argv: list[str]) -> None:
    mode, db = argv[0], Path(argv[1])
    if mode == "save":
        save(db, int(argv[2]))
    elif mode == "backup":
        backup(db, Path(argv[2]))
    elif mode == "restore":
        restore(db, [Path(a) for a in argv[2:]])
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main(sys.argv[1:])
