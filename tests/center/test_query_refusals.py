"""Query files the site must refuse, each with one clear message and the database
byte-identical; and the center's side of queries (automatic, manual, close/re-open,
acknowledgement, idempotent merge of answers), in-process.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from rego_desktop.center import queries as cq
from rego_desktop.center.db import CenterDatabase, open_center_database
from rego_desktop.center.merge import MergeStatus, merge_file
from rego_desktop.center.queries import automatic
from rego_desktop.errors import NotFound, ValidationError
from rego_desktop.exchange import query_file
from rego_desktop.exchange.export import export_transfer
from rego_desktop.exchange.keys import SitePublicKey, generate_site_key
from rego_desktop.exchange.query_file import QueryFileError, QueryFileProblem
from rego_desktop.exchange.site_keys import site_public_key
from rego_desktop.services.center_queries import import_query_file
from rego_desktop.services.queries import QueryService
from rego_desktop.store.study import OpenStudy
from tests.center.conftest import CENTER, OTHER_CENTER
from tests.exchange.sitefill import new_site


@dataclass
class World:
    folder: Path
    study: OpenStudy
    public: SitePublicKey
    db: CenterDatabase
    files: list[Path]

    def export_queries(self, name: str) -> Path:
        path = self.folder / name
        cq.export_query_file(self.db, "BJ01", path, CENTER, self.public)
        self.files.append(path)
        return path

    def transfer(self, name: str) -> Path:
        path = self.folder / name
        export_transfer(self.study, CENTER.public, path)
        return path


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    study, _ = new_site(tmp_path, "BJ01", 3, seed=31)
    public = site_public_key(study)
    db = open_center_database(tmp_path / "center.db", create=True)
    w = World(tmp_path, study, public, db, [])
    try:
        merge_file(db, w.transfer("t1.rgt"), CENTER, {"BJ01": public})
        yield w
    finally:
        study.close()
        db.close()


def database_bytes(study: OpenStudy) -> dict[str, str]:
    """The database file and its write-ahead log (the -shm file is SQLite's shared-memory
    index of the log, rewritten by every reader: not data)."""
    folder = Path(study.path).parent
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.name.startswith(Path(study.path).name) and not p.name.endswith("-shm")
    }


def refuse(w: World, path: Path, reason: QueryFileProblem) -> QueryFileError:
    before = database_bytes(w.study)
    with pytest.raises(QueryFileError) as info:
        import_query_file(w.study, path, CENTER.public)
    assert info.value.reason is reason, info.value.message
    assert str(path) in info.value.message
    assert info.value.message_zh
    assert len(info.value.message.splitlines()) == 1
    assert database_bytes(w.study) == before
    return info.value


def test_refused_query_files_leave_the_database_byte_identical(world: World) -> None:
    w = world
    cq.raise_manual(w.db, site="BJ01", subject="BJ01-0001", form="demographics",
                    field="ecog", text="Please confirm ECOG.")  # fmt: skip
    q1 = w.export_queries("q1.rgq")
    cq.raise_manual(w.db, site="BJ01", subject="BJ01-0002", text="Chart complete?")
    q2 = w.export_queries("q2.rgq")
    data = q2.read_bytes()

    altered = w.folder / "altered.rgq"
    changed = bytearray(data)
    changed[len(data) // 2] ^= 0x40
    altered.write_bytes(bytes(changed))
    refuse(w, altered, QueryFileProblem.BAD_SIGNATURE)

    truncated = w.folder / "truncated.rgq"
    truncated.write_bytes(data[: len(data) // 2])
    refuse(w, truncated, QueryFileProblem.TRUNCATED)

    unsigned = w.folder / "unsigned.rgq"
    unsigned.write_bytes(data[:-65])
    refuse(w, unsigned, QueryFileProblem.UNSIGNED)

    other_site = w.folder / "other-site.rgq"
    other = generate_site_key("SH02").public_key()
    query_file.write_query_file_to(
        other_site, [], center=CENTER, site=other, study_id=w.study.definition.id,
        study_version=w.study.definition.version, sequence=9,
    )  # fmt: skip
    refuse(w, other_site, QueryFileProblem.WRONG_SITE)

    forged = w.folder / "forged.rgq"
    query_file.write_query_file_to(
        forged, [], center=OTHER_CENTER, site=w.public, study_id=w.study.definition.id,
        study_version=w.study.definition.version, sequence=9,
    )  # fmt: skip
    refuse(w, forged, QueryFileProblem.UNKNOWN_CENTER)

    other_study = w.folder / "other-study.rgq"
    query_file.write_query_file_to(
        other_study, [], center=CENTER, site=w.public, study_id="OTHER-STUDY",
        study_version="1.0", sequence=9,
    )  # fmt: skip
    refuse(w, other_study, QueryFileProblem.WRONG_STUDY)

    # The newest first; then the older one and a replay are refused.
    result = import_query_file(w.study, q2, CENTER.public)
    assert len(result.added) == 2
    refuse(w, q1, QueryFileProblem.OLDER_SEQUENCE)
    refuse(w, q2, QueryFileProblem.REPLAY)
    copy = w.folder / "copy-of-q2.rgq"
    copy.write_bytes(data)
    refuse(w, copy, QueryFileProblem.REPLAY)
    assert {r.center_id for r in QueryService(w.study).list() if r.from_center} == {
        "Q000001",
        "Q000002",
    }


def test_unknown_subject_is_refused_whole(world: World) -> None:
    w = world
    item = query_file.QueryItem(
        id="Q000777", revision=1, subject="BJ01-9999", form=None, entry=None, field=None,
        rule=None, severity=None, status="open", text="Who is this?", text_zh=None,
        center_value=None,
        history=(query_file.HistoryEvent(CENTER.public.created, "raised", "dm", None),),
    )  # fmt: skip
    path = w.folder / "ghost.rgq"
    query_file.write_query_file_to(
        path, [item], center=CENTER, site=w.public, study_id=w.study.definition.id,
        study_version=w.study.definition.version, sequence=1,
    )  # fmt: skip
    error = refuse(w, path, QueryFileProblem.MALFORMED_CONTENT)
    assert "BJ01-9999" in error.message


def test_center_side_rules_and_idempotent_answers(world: World) -> None:
    w = world
    auto = cq.raise_automatic(w.db)
    assert auto.patients == 3
    assert not {q for q in auto.raised if not q.startswith("Q")}
    rerun = cq.raise_automatic(w.db)
    assert rerun.raised == []
    assert rerun.already_raised == len(auto.raised)
    rows = cq.list_queries(w.db, site="BJ01")
    assert all(r.rule not in {"date.before_birth", "date.future"} for r in rows)
    assert all(r.form != "identification" for r in rows)

    with pytest.raises(NotFound):
        cq.raise_manual(w.db, site="SH02", subject="BJ01-0001", text="wrong site")
    with pytest.raises(ValidationError):
        cq.raise_manual(w.db, site="BJ01", subject="BJ01-0001", form="identification",
                        text="never sent")  # fmt: skip
    with pytest.raises(ValidationError):
        cq.raise_manual(w.db, site="BJ01", subject="BJ01-0001", text="   ")
    manual = cq.raise_manual(w.db, site="BJ01", subject="BJ01-0001", form="demographics",
                             field="ecog", text="ECOG?")  # fmt: skip
    assert manual.center_value == manual.current_value
    with pytest.raises(ValidationError):  # open, unanswered: a note is needed
        cq.close_query(w.db, manual.query_id)

    q = w.export_queries("q1.rgq")
    import_query_file(w.study, q, CENTER.public)
    service = QueryService(w.study)
    uid = next(r.uid for r in service.list() if r.center_id == manual.query_id)
    service.answer(uid, "ECOG is 1 in the chart.")
    transfer = w.transfer("t2.rgt")
    registry = {"BJ01": w.public}
    assert merge_file(w.db, transfer, CENTER, registry).status is MergeStatus.MERGED
    row = cq.get_query(w.db, manual.query_id)
    assert row.status == "answered"
    assert row.answer == "ECOG is 1 in the chart."
    assert row.acknowledged
    history = [e.event for e in row.history]
    assert history == ["raised", "answered"]
    # Merging the same file again, or raising again, changes nothing.
    assert merge_file(w.db, transfer, CENTER, registry).status is MergeStatus.ALREADY_MERGED
    assert [e.event for e in cq.get_query(w.db, manual.query_id).history] == history
    # Acknowledged: the next file carries only what changed since.
    assert manual.query_id not in {r.query_id for r in cq.pending_queries(w.db, "BJ01")}
    cq.reopen_query(w.db, manual.query_id, "Please look again.")
    assert manual.query_id in {r.query_id for r in cq.pending_queries(w.db, "BJ01")}
    # A transfer made before the site saw the re-opening does not answer it again.
    transfer3 = w.transfer("t3.rgt")
    merge_file(w.db, transfer3, CENTER, registry)
    assert cq.get_query(w.db, manual.query_id).status == "open"


def test_export_needs_a_version_2_site_key(world: World) -> None:
    w = world
    cq.raise_manual(w.db, site="BJ01", subject="BJ01-0001", text="Anything?")
    with pytest.raises(cq.CenterQueryError, match="version 1"):
        cq.export_query_file(w.db, "BJ01", w.folder / "x.rgq", CENTER, w.public.signing_only())
    assert not (w.folder / "x.rgq").exists()


def test_query_ids_are_unique_and_files_numbered(world: World) -> None:
    w = world
    a = cq.raise_manual(w.db, site="BJ01", subject="BJ01-0001", text="One")
    b = cq.raise_manual(w.db, site="BJ01", subject="BJ01-0002", text="Two")
    assert a.query_id != b.query_id
    first = cq.export_query_file(w.db, "BJ01", w.folder / "a.rgq", CENTER, w.public)
    second = cq.export_query_file(w.db, "BJ01", w.folder / "b.rgq", CENTER, w.public)
    assert (first.sequence, second.sequence) == (1, 2)
    assert uuid.UUID(first.file_id) != uuid.UUID(second.file_id)
    header = query_file.read_query_header(w.folder / "b.rgq")
    assert header.sequence == 2
    assert header.site_code == "BJ01"


def test_checks_shared_among_processes_find_the_same(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many patients to check: worker processes compute the findings (here forced for
    three patients); they are those computed in this process, and are used."""
    w = world
    monkeypatch.setattr(automatic, "PARALLEL_MIN", 1)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    computed = automatic._precompute(w.db, None, None)
    assert len(computed) == 3
    with w.db.reading() as session:
        expected = {
            row.id: automatic._patient_findings(patient, book, policy, dt.date(2100, 1, 1))
            for row, patient, book, policy in automatic._pooled(session, list(computed))
        }
    assert {pid: found for pid, (_c, _code, found) in computed.items()} == expected
    result = cq.raise_automatic(w.db)
    assert len(result.raised) == len(
        {
            (pid, f[0])
            for pid, found in expected.items()
            for f in found
            if f[4] != automatic._SITE_ONLY
        }
    )


def test_queries_of_a_patient_the_site_deleted_are_not_sent(world: World) -> None:
    from sqlalchemy import select

    from rego_desktop.models import Patient

    w = world
    gone = cq.raise_manual(w.db, site="BJ01", subject="BJ01-0003", text="About to go")
    kept = cq.raise_manual(w.db, site="BJ01", subject="BJ01-0001", text="Still here")
    with w.study.transaction() as session:
        session.delete(
            session.scalars(select(Patient).where(Patient.subject_code == "BJ01-0003")).one()
        )
    merge_file(w.db, w.transfer("t2.rgt"), CENTER, {"BJ01": w.public}, allow_removals=True)
    pending = {r.query_id for r in cq.pending_queries(w.db, "BJ01")}
    assert kept.query_id in pending
    assert gone.query_id not in pending
    exported = cq.export_query_file(w.db, "BJ01", w.folder / "q.rgq", CENTER, w.public)
    assert exported.queries == (kept.query_id,)
    import_query_file(w.study, w.folder / "q.rgq", CENTER.public)
