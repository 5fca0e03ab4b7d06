"""Data queries of the coordinating center: raised on the pooled data, sent to the sites
by query file, answered in the sites' transfer files (issue 16).

Plain functions, for ``rego-center queries`` and the center window alike:

* :func:`raise_automatic` runs the study's edit-check catalogue (the site's rules,
  :mod:`rego_desktop.checks`) on the pooled de-identified data and raises a query for
  every finding that has none yet (site-only rules, removed forms and fields, and dates
  of patients sent without dates are skipped); an open automatic query whose finding
  has gone (the site corrected the data) is closed as resolved by the data change.
  Each patient's findings are kept with its content, so a run checks only patients
  merged or changed since the last; when thousands need checking, worker processes
  (one per CPU, at most 4, each reading the database itself) share the work;
* :func:`raise_manual` raises a query with a text on a patient, a form, an entry or a
  field;
* :func:`list_queries`, :func:`get_query`, :func:`close_query`, :func:`reopen_query`;
* :func:`export_query_file` writes one site's query file (``docs/query-file.md``) with
  every query the site has not acknowledged at its current revision;
* :func:`apply_responses` is called by the merge (:mod:`rego_desktop.center.merge`) in
  its transaction with the answers and corrections a version 2 transfer file carries.

Every change is recorded in the center's audit trail (:mod:`rego_desktop.center.audit`)
in the same transaction. A query's ``revision`` rises with every change the center makes
(raise, close, re-open); the site acknowledges the revision it imported in each transfer
file, so the next query file carries exactly what the site has not seen, and files
received out of order or twice never lose or duplicate anything.
"""

from __future__ import annotations

from rego_desktop.center.queries.acting import (
    ResponseResult,
    apply_responses,
    close_query,
    reopen_query,
    withdraw_rolled_back_answers,
)
from rego_desktop.center.queries.automatic import (
    MAX_WORKERS,
    PARALLEL_MIN,
    AutoRaiseResult,
    checks_code,
    raise_automatic,
)
from rego_desktop.center.queries.common import (
    BY_CHECKS,
    MAX_TEXT,
    RESOLVED_BY_DATA,
    STATUSES,
    WITHDRAWN_BY_ROLLBACK,
    CenterQueryError,
    CenterQueryRow,
    Status,
    display_value,
    get_query,
    list_queries,
    pending_queries,
)
from rego_desktop.center.queries.export import (
    QueryExport,
    export_query_file,
)
from rego_desktop.center.queries.raising import (
    QueryTargets,
    query_targets,
    raise_manual,
)

__all__ = [
    "BY_CHECKS",
    "MAX_TEXT",
    "MAX_WORKERS",
    "PARALLEL_MIN",
    "RESOLVED_BY_DATA",
    "STATUSES",
    "WITHDRAWN_BY_ROLLBACK",
    "AutoRaiseResult",
    "CenterQueryError",
    "CenterQueryRow",
    "QueryExport",
    "QueryTargets",
    "ResponseResult",
    "Status",
    "apply_responses",
    "checks_code",
    "close_query",
    "display_value",
    "export_query_file",
    "get_query",
    "list_queries",
    "pending_queries",
    "query_targets",
    "raise_automatic",
    "raise_manual",
    "reopen_query",
    "withdraw_rolled_back_answers",
]
