"""Issue 16 end to end, through both command lines: two sites, the center raises automatic
and manual queries, exports query files, the sites import them, answer one and correct
the data for another, export, the center merges, closes one, re-opens one, exports again,
the site imports; every state is checked at both ends and in both audit trails.

The center runs as real processes (``python -m rego_desktop.center``); the site commands
run in-process as ``rego-desktop`` would run them (the site databases stay open for the
checks).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from rego_desktop.audit import trail
from rego_desktop.cli import exchange_commands, query_commands
from rego_desktop.exchange.keys import load_site_public_key
from rego_desktop.exchange.query_file import QueryFileError, QueryFileProblem
from rego_desktop.services.patients import PatientService
from rego_desktop.services.queries import QueryService
from rego_desktop.store.study import OpenStudy
from tests.conftest import PASSWORD
from tests.exchange.sitefill import new_site

PASSPHRASE = "center passphrase 2024"


def center(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGO_")}
    env["REGO_DATA_DIR"] = os.environ["REGO_DATA_DIR"]
    env["REGO_CENTER_PASSPHRASE"] = PASSPHRASE
    return subprocess.run(
        [sys.executable, "-m", "rego_desktop.center", *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


def ok(*args: str) -> str:
    result = center(*args)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def center_json(*args: str) -> Any:
    return json.loads(ok(*args, "--json"))


def site(argv: Sequence[str], monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setenv("REGO_PASSWORD", PASSWORD)
    parser = argparse.ArgumentParser(prog="rego-desktop")
    sub = parser.add_subparsers()
    exchange_commands.register(sub)
    query_commands.register(sub)
    args = parser.parse_args(list(argv))
    code: int = args.run(args)
    return code


def by_center_id(study: OpenStudy) -> dict[str, Any]:
    return {str(r.center_id): r for r in QueryService(study).list() if r.from_center}


def test_queries_round_trip_through_both_command_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    keys, registry, db = tmp_path / "center-keys", tmp_path / "site-keys", tmp_path / "pool.db"
    ok("keygen", "--out", str(keys), "--name", "Test Center")
    center_key = str(keys / "center-public-key.json")
    one, _ = new_site(tmp_path, "BJ01", 5, seed=161)
    two, _ = new_site(tmp_path, "SH02", 4, seed=162)
    studies = {"BJ01": one, "SH02": two}
    try:
        # ---- registration (version 2 key files: with the encryption key)
        for code, study in studies.items():
            key_file = tmp_path / f"{code}-key.json"
            command = ["site-key", "--db", str(study.path), "--out", str(key_file)]
            assert site(command, monkeypatch) == 0
            fingerprint = load_site_public_key(key_file).fingerprint
            out = ok("register-site", "--site-keys", str(registry), "--fingerprint",
                     fingerprint, "--db", str(db), str(key_file))  # fmt: skip
            assert "Warning" not in out
        # ---- first transfer files (payload version 2, no answers yet)
        for code, study in studies.items():
            path = tmp_path / f"{code}-1.rgt"
            assert site(["export", "--db", str(study.path), "--center-key", center_key,
                         "--out", str(path)], monkeypatch) == 0  # fmt: skip
            ok("merge", "--db", str(db), "--key", str(keys), "--site-keys", str(registry),
               str(path))  # fmt: skip

        # ---- the center raises queries
        auto = center_json("queries", "raise", "--db", str(db), "--auto")
        assert auto["patients"] == 9
        subject_a, subject_b = "BJ01-0001", "BJ01-0002"
        manual_answer = center_json(
            "queries", "raise", "--db", str(db), "--site", "BJ01", "--subject", subject_a,
            "--form", "demographics", "--field", "ecog", "--text", "ECOG 确认? Please confirm.",
        )  # fmt: skip
        manual_fix = center_json(
            "queries", "raise", "--db", str(db), "--site", "BJ01", "--subject", subject_b,
            "--form", "demographics", "--field", "ecog", "--text", "ECOG looks mistyped.",
        )  # fmt: skip
        manual_two = center_json(
            "queries", "raise", "--db", str(db), "--site", "SH02", "--subject", "SH02-0001",
            "--text", "Is the chart of this patient complete?",
        )  # fmt: skip
        qa, qb, q2 = manual_answer["id"], manual_fix["id"], manual_two["id"]
        assert manual_answer["status"] == "open"
        # Automatic re-run raises nothing twice.
        again = center_json("queries", "raise", "--db", str(db), "--auto")
        assert again["raised"] == 0
        assert again["already_raised"] == auto["raised"]
        listed = center_json("queries", "list", "--db", str(db))
        assert len(listed) == auto["raised"] + 3
        assert {q["status"] for q in listed} == {"open"}

        # ---- query files, one per site
        for code in studies:
            out = ok("queries", "export", "--db", str(db), "--site", code, "--out",
                     str(tmp_path / f"{code}-q1.rgq"), "--key", str(keys),
                     "--site-keys", str(registry))  # fmt: skip
            assert "number 1" in out
        # A site cannot read the other's file.
        with pytest.raises(QueryFileError) as refused:
            site(["queries", "import", "--db", str(one.path), "--center-key", center_key,
                  str(tmp_path / "SH02-q1.rgq")], monkeypatch)  # fmt: skip
        assert refused.value.reason is QueryFileProblem.WRONG_SITE
        for code, study in studies.items():
            capsys.readouterr()
            command = ["queries", "import", "--db", str(study.path), "--center-key",
                       center_key, str(tmp_path / f"{code}-q1.rgq")]  # fmt: skip
            assert site(command, monkeypatch) == 0
            assert "Imported query file number 1" in capsys.readouterr().out
        at_one, at_two = by_center_id(one), by_center_id(two)
        assert {qa, qb} <= set(at_one)
        assert set(at_two) >= {q2}
        assert at_one[qa].status == "open"
        assert at_one[qa].message == "ECOG 确认? Please confirm."
        assert at_one[qa].subject == subject_a
        assert (at_one[qa].form, at_one[qa].field) == ("demographics", "ecog")
        assert at_two[q2].form == ""
        # Shown with the site's own queries on the patient.
        on_patient = QueryService(one).list(subject_a)
        assert any(r.center_id == qa for r in on_patient)

        # ---- the site answers one and corrects the data for another
        assert site(["queries", "answer", "--db", str(one.path), "--id", qa, "--text",
                     "Checked with the chart: ECOG is right."], monkeypatch) == 0  # fmt: skip
        before = PatientService(one).casebook(subject_b).value("demographics", "ecog")
        new_ecog = 1 if before != 1 else 2
        assert site(["queries", "correct", "--db", str(one.path), "--id", qb, "--value",
                     str(new_ecog), "--reason", "typing error"], monkeypatch) == 0  # fmt: skip
        assert PatientService(one).casebook(subject_b).value("demographics", "ecog") == new_ecog
        at_one = by_center_id(one)
        assert at_one[qa].status == "answered"
        assert at_one[qb].status == "answered"
        assert at_one[qb].corrections[0]["reason"] == "typing error"
        # The site cannot close a center query.
        with pytest.raises(Exception, match="only the center"):
            QueryService(one).close(at_one[qa].uid, "done")

        # ---- back to the center in the next transfer file
        second = tmp_path / "BJ01-2.rgt"
        assert site(["export", "--db", str(one.path), "--center-key", center_key, "--out",
                     str(second)], monkeypatch) == 0  # fmt: skip
        ok("merge", "--db", str(db), "--key", str(keys), "--site-keys", str(registry), str(second))
        merged_again = ok("merge", "--db", str(db), "--key", str(keys), "--site-keys",
                          str(registry), str(second))  # fmt: skip
        assert "already" in merged_again.lower()
        shown_a = center_json("queries", "show", "--db", str(db), "--id", qa)
        shown_b = center_json("queries", "show", "--db", str(db), "--id", qb)
        assert shown_a["status"] == "answered"
        assert shown_a["answer"] == "Checked with the chart: ECOG is right."
        assert shown_a["acknowledged_revision"] == 1
        assert shown_b["status"] == "answered"
        assert shown_b["current_value"] == str(new_ecog)
        assert shown_b["corrections"][0]["reason"] == "typing error"
        assert [e["event"] for e in shown_b["history"]] == ["raised", "corrected", "answered"]
        # Acknowledged queries are not sent again.
        status_open = center_json("queries", "list", "--db", str(db), "--status", "answered")
        assert {q["id"] for q in status_open} == {qa, qb}

        # ---- the center closes one, re-opens the other, exports again
        ok("queries", "close", "--db", str(db), "--id", qa, "--text", "Accepted.")
        ok("queries", "reopen", "--db", str(db), "--id", qb, "--text", "Please also check cycle 1.")
        out = ok("queries", "export", "--db", str(db), "--site", "BJ01", "--out",
                 str(tmp_path / "BJ01-q2.rgq"), "--key", str(keys), "--site-keys",
                 str(registry), "--json")  # fmt: skip
        second_file = json.loads(out)
        assert second_file["sequence"] == 2
        assert set(second_file["queries"]) == {qa, qb}
        assert site(["queries", "import", "--db", str(one.path), "--center-key", center_key,
                     str(tmp_path / "BJ01-q2.rgq")], monkeypatch) == 0  # fmt: skip
        at_one = by_center_id(one)
        assert at_one[qa].status == "closed"
        assert at_one[qb].status == "open"
        assert at_one[qb].note == "Please also check cycle 1."
        assert [e["event"] for e in at_one[qb].center_history][-1] == "reopened"

        capsys.readouterr()
        command = ["queries", "list", "--db", str(one.path), "--center", "--json"]
        assert site(command, monkeypatch) == 0
        listed_at_site = {q["center_query"]: q for q in json.loads(capsys.readouterr().out)}
        assert listed_at_site[qa]["status"] == "closed"
        assert listed_at_site[qb]["origin"] == "center"
        assert listed_at_site[qb]["corrections"][0]["field"] == "ecog"

        # ---- idempotent and order-safe at the site
        for name, reason in (("BJ01-q2.rgq", QueryFileProblem.REPLAY),
                             ("BJ01-q1.rgq", QueryFileProblem.REPLAY)):  # fmt: skip
            with pytest.raises(QueryFileError) as info:
                site(["queries", "import", "--db", str(one.path), "--center-key", center_key,
                      str(tmp_path / name)], monkeypatch)  # fmt: skip
            assert info.value.reason is reason
        assert by_center_id(one)[qa].status == "closed"

        # ---- both audit trails hold the whole history
        with one.reading() as session:
            records = trail.read(session, one.keyring, one.info.db_uid)
        actions = [r.action for r in records]
        assert actions.count("query.import") == 2
        for action in ("query.open", "query.answer", "query.close", "query.reopen"):
            assert action in actions
        center_audit = center_json("audit", "--db", str(db))
        done = [e["action"] for e in center_audit["entries"]]
        for action in ("query_auto", "query_raise", "query_export", "query_response",
                       "query_close", "query_reopen"):  # fmt: skip
            assert action in done, action
        assert "intact" in ok("audit", "--db", str(db), "--verify")
    finally:
        for study in studies.values():
            study.close()
