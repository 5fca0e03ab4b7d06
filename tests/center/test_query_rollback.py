"""Rollback and query answers (issue 16): a rollback that undoes the package carrying an
answer re-opens the query as "answer withdrawn by rollback", audited; answers from
packages kept, and closed queries, are left alone."""

from __future__ import annotations

import datetime as dt
import json

from rego_desktop.center import audit
from rego_desktop.center.db import CenterDatabase
from rego_desktop.center.merge import merge_file
from rego_desktop.center.queries import (
    WITHDRAWN_BY_ROLLBACK,
    apply_responses,
    close_query,
    get_query,
    raise_manual,
)
from rego_desktop.center.rollback import rollback
from rego_desktop.exchange.query_responses import QueryResponse
from tests.center.conftest import CENTER, Network

AT = dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.UTC)


def _answer(db: CenterDatabase, query: str, subject: str, sequence: int, text: str) -> None:
    """What the merge of package ``sequence`` does with a transfer file's answer."""
    revision = get_query(db, query).revision
    with db.transaction() as session:
        apply_responses(
            session,
            "BJ01",
            [
                QueryResponse(
                    query=query,
                    subject=subject,
                    revision=revision,
                    status="answered",
                    events=sequence,
                    answer=text,
                    answered_by="Dr Site",
                    answered_at=AT + dt.timedelta(days=sequence),
                    corrections=(),
                )
            ],
            package_sequence=sequence,
        )


def test_rollback_withdraws_the_answers_of_undone_packages(
    network: Network, center_db: CenterDatabase
) -> None:
    db = center_db
    site = network.sites["BJ01"]
    merge_file(db, site.files[0], CENTER, network.registry)
    kept_subject = site.expected[0][0].subject_code
    subjects = [
        p.subject_code
        for p in site.expected[0]
        if p.subject_code in {q.subject_code for q in site.expected[1]}
    ]
    subject = subjects[0]
    kept = raise_manual(db, site="BJ01", subject=kept_subject, text="Please confirm the age.")
    _answer(db, kept.query_id, kept_subject, 1, "Age confirmed from the chart.")
    merge_file(db, site.files[1], CENTER, network.registry, allow_removals=True)
    withdrawn = raise_manual(db, site="BJ01", subject=subject, text="Please check the dates.")
    closed = raise_manual(db, site="BJ01", subject=subject, text="Please check the dose.")
    _answer(db, withdrawn.query_id, subject, 2, "Corrected the visit date.")
    _answer(db, closed.query_id, subject, 2, "Dose is as recorded.")
    close_query(db, closed.query_id, "Answer accepted.")
    assert get_query(db, withdrawn.query_id).status == "answered"
    revision = get_query(db, withdrawn.query_id).revision

    result = rollback(db, "BJ01", 1)

    assert result.reopened_queries == (withdrawn.query_id,)
    assert "re-opened (answer withdrawn by rollback)" in result.describe()
    row = get_query(db, withdrawn.query_id)
    assert row.status == "open"
    assert row.answer is None
    assert row.answered_by is None
    assert row.answered_at is None
    assert row.revision == revision + 1  # the next query file sends it again
    last = row.history[-1]
    assert last.event == "reopened"
    assert last.text is not None
    assert last.text.startswith(WITHDRAWN_BY_ROLLBACK)
    assert any(e.event == "answered" and e.text == "Corrected the visit date." for e in row.history)
    assert get_query(db, kept.query_id).status == "answered"
    assert get_query(db, kept.query_id).answer == "Age confirmed from the chart."
    assert get_query(db, closed.query_id).status == "closed"

    entries, _head = audit.read(db)
    reopen = [e for e in entries if e.action == "query_reopen"]
    assert len(reopen) == 1
    details = json.loads(reopen[0].details)
    assert details["query"] == withdrawn.query_id
    assert details["rollback_to"] == 1
    assert details["undone"] == [2]
    assert json.loads(entries[-1].details)["reopened_queries"] == [withdrawn.query_id]
    assert audit.verify(db)[1] == []

    # the site answers again in a later package: the query is answered again
    _answer(db, withdrawn.query_id, subject, 3, "Visit date re-checked after rollback.")
    assert get_query(db, withdrawn.query_id).status == "answered"
