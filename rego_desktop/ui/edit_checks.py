"""Connects the CRF wizard to the domain's edit checks and derivations.

The wizard asks three questions of the domain while someone types: which findings
does this draft entry raise, what are its derived values, and (after saving) record
the reasons given for deviations. The answers come from ``rego_desktop.checks``,
``rego_desktop.derive`` and the query service; nothing here decides a rule.
"""

from __future__ import annotations

from rego_desktop.store.study import OpenStudy
from rego_desktop.ui.form_wizard import Answerer, Checker, Deriver


def checker(study: OpenStudy) -> Checker | None:
    return None


def deriver(study: OpenStudy) -> Deriver | None:
    return None


def answerer(study: OpenStudy) -> Answerer | None:
    return None
