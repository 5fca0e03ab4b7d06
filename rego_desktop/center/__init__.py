"""The coordinating center: verifying and merging transfer files, the pooled dataset.

No Qt here. :mod:`~rego_desktop.center.merge` verifies and merges transfer files into
the center database (:mod:`~rego_desktop.center.db`, SQLite or PostgreSQL);
:mod:`~rego_desktop.center.pooled` rebuilds casebooks and writes the pooled workbook;
:mod:`~rego_desktop.center.cli` is the ``rego-center`` command.
"""
