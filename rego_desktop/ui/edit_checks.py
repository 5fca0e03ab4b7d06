"""Connects the CRF wizard to the domain's edit checks and derivations.

The wizard asks three questions of the domain while someone types: which findings
does this draft entry raise, what are its derived values, and (after saving) record
the reasons given for deviations. The answers come from ``rego_desktop.checks``,
``rego_desktop.derive`` and the query service; nothing here decides a rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import QCoreApplication

from rego_desktop.casebook import Casebook
from rego_desktop.checks import check_draft
from rego_desktop.derive import Computed, draft_derived
from rego_desktop.services.queries import QueryService
from rego_desktop.store.study import OpenStudy
from rego_desktop.study.schema import FieldType
from rego_desktop.study.values import Value, display
from rego_desktop.ui.form_wizard import Answerer, Checker, Deriver, FindingLike
from rego_desktop.ui.widgets import language


def checker(study: OpenStudy) -> Checker:
    def check(
        book: Casebook, form_id: str, item_uid: str | None, values: Mapping[str, Value]
    ) -> Sequence[FindingLike]:
        return check_draft(book, form_id, item_uid, values)

    return check


def deriver(study: OpenStudy) -> Deriver:
    definition = study.definition

    def derive(
        book: Casebook, form_id: str, item_uid: str | None, values: Mapping[str, Value]
    ) -> dict[str, str]:
        form = definition.form(form_id)
        out: dict[str, str] = {}
        for field_id, result in draft_derived(book, form_id, item_uid, values).items():
            field = form.field(field_id)
            if isinstance(result, Computed):
                value = result.value
                if isinstance(value, bool):
                    value = "yes" if value else "no"
                elif field.type in (FieldType.CHOICE, FieldType.YES_NO):
                    value = str(value)
                out[field_id] = display(definition, field, value, language())
            else:
                out[field_id] = QCoreApplication.translate(
                    "EditChecks", "not computable (missing: {missing})"
                ).format(missing=", ".join(result.missing))
        return out

    return derive


def answerer(study: OpenStudy) -> Answerer:
    def answer(
        subject: str, form_id: str, item_uid: str, reasons: dict[tuple[str, str | None], str]
    ) -> None:
        service = QueryService(study)
        for query in service.list(subject, "open"):
            reason = reasons.get((query.rule, query.field))
            if reason and query.form == form_id and query.item_uid in (item_uid, ""):
                service.answer(query.uid, reason)

    return answer
