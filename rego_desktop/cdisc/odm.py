"""CDISC ODM 1.3.2: the study definition as a ``MetaDataVersion`` and the casebooks as
``ClinicalData``.

Metadata, all from the study definition: one ``StudyEventDef`` per phase, one
``FormDef`` per form, one ``ItemGroupDef`` per section (repeating for repeating forms),
one ``ItemDef`` per field of each form (OID ``IT.<form>.<field>``) with its data type,
length, question in English and Chinese, ``MeasurementUnitRef``, hard ``RangeCheck``s
and ``CodeListRef``; one ``CodeList`` per code list with English and Chinese
``TranslatedText``; every unit as a ``MeasurementUnit``.

Clinical data: one ``SubjectData`` per patient, ``ItemGroupData`` with
``ItemGroupRepeatKey`` = the entry's order (1, 2, ...) for repeating forms. Values are
as stored; a number entered in another than the canonical unit carries its
``MeasurementUnitRef``. De-identified, date items hold study days (integers), as the
transfer file does, and their ``ItemDef`` says so.

A date charts often give without day or month (``field.partial_date``) is a
``partialDate`` item (``2019``, ``2019-05``). A value recorded as missing with a reason
is ``IsNull="Yes"`` with a ``Flag`` whose ``FlagValue`` is ND, UNK or NA (code list
``CL.MISSING_REASON``). Each ``ItemGroupData`` has an ``AuditRecord`` of the record's
last change, each signed casebook a ``Signature`` on its ``SubjectData``; the users,
sites and signature meanings they refer to are in ``AdminData``
(:mod:`rego_desktop.cdisc.provenance` says where they come from).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable

from rego_desktop.cdisc.provenance import Change, Signed
from rego_desktop.cdisc.source import Source, Subject
from rego_desktop.cdisc.table import plain_number
from rego_desktop.rules.dates import study_day
from rego_desktop.study.dates import PartialDate
from rego_desktop.study.schema import (
    MISSING_LABELS,
    Field,
    FieldType,
    Form,
    Label,
    MissingReason,
    StudyDefinition,
    Unit,
)
from rego_desktop.study.values import Missing, Quantity, choices

NS = "http://www.cdisc.org/ns/odm/v1.3"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
MISSING_OID = "CL.MISSING_REASON"
LANGUAGES = (("en", "en"), ("zh", "zh"))

DATA_TYPES = {
    FieldType.TEXT: "text",
    FieldType.INTEGER: "integer",
    FieldType.DECIMAL: "float",
    FieldType.DATE: "date",
    FieldType.CHOICE: "text",
    FieldType.MULTI_CHOICE: "text",
    FieldType.YES_NO: "text",
}


def _oid(prefix: str, *parts: str) -> str:
    return ".".join((prefix, *(re.sub(r"[^A-Za-z0-9_]", "_", p) for p in parts)))


def item_oid(form: Form, f: Field) -> str:
    return _oid("IT", form.id, f.id)


def codelist_oid(f: Field) -> str:
    return _oid("CL", f.codelist or "yes_no")


def _translated(parent: ET.Element, tag: str, label: Label) -> ET.Element:
    element = ET.SubElement(parent, tag)
    for lang, attribute in LANGUAGES:
        text = ET.SubElement(element, "TranslatedText", {XML_LANG: lang})
        text.text = getattr(label, attribute)
    return element


class _Units:
    """Every unit of the definition, each given one OID."""

    def __init__(self, definition: StudyDefinition) -> None:
        self.units: dict[str, Unit] = {}
        for _form, f in definition.all_fields():
            for unit in f.units:
                self.units.setdefault(unit.id, unit)
        self.oids: dict[str, str] = {}
        for unit_id in self.units:
            oid = base = _oid("MU", unit_id)
            n = 1
            while oid in self.oids.values():
                n += 1
                oid = f"{base}_{n}"
            self.oids[unit_id] = oid


def _item_def(parent: ET.Element, form: Form, f: Field, units: _Units, days: bool) -> None:
    date_as_day = days and f.type is FieldType.DATE
    data_type = DATA_TYPES[f.type]
    if date_as_day:
        data_type = "integer"
    elif f.partial_date:
        data_type = "partialDate"
    attributes = {
        "OID": item_oid(form, f),
        "Name": f"{form.id}.{f.id}"[:200],
        "DataType": data_type,
    }
    if f.type in (FieldType.TEXT, FieldType.CHOICE, FieldType.MULTI_CHOICE, FieldType.YES_NO):
        attributes["Length"] = str(f.max_length)
    if f.type is FieldType.DECIMAL:
        attributes["SignificantDigits"] = str(f.decimals)
    item = ET.SubElement(parent, "ItemDef", attributes)
    notes: list[Label] = []
    if date_as_day:
        notes.append(
            Label("Study day: day 1 = first dose, no day 0", "研究日：首次给药日为第1天，无第0天")
        )
    if f.type is FieldType.MULTI_CHOICE:
        oid = codelist_oid(f)
        notes.append(
            Label(f"Comma-separated codes of code list {oid}", f"代码表{oid}的代码，以逗号分隔")
        )
    if f.derived:
        notes.append(
            Label(
                f"Derived ({f.derived}); not stored at the site",
                f"派生值（{f.derived}），中心不存储",
            )
        )
    if f.identifying or f.free_text:
        notes.append(Label("Stays at the site: never exported", "仅保存在本中心，从不导出"))
    if f.missing_reasons:
        reasons = "/".join(r.value for r in f.missing_reasons)
        notes.append(
            Label(
                f"May be missing with a reason ({reasons}): IsNull and a Flag of {MISSING_OID}",
                f"可记录缺失原因（{reasons}）：IsNull，并以{MISSING_OID}的Flag标记",
            )
        )
    if f.partial_date and date_as_day:
        notes.append(
            Label(
                "A date known only to the month or year has no study day: left out",
                "仅知年份或年月的日期没有研究日：不导出",
            )
        )
    if notes:
        text = Label("; ".join(n.en for n in notes), "；".join(n.zh for n in notes))
        _translated(item, "Description", text)
    _translated(item, "Question", f.label)
    if f.units:
        ET.SubElement(item, "MeasurementUnitRef", {"MeasurementUnitOID": units.oids[f.units[0].id]})
    for comparator, bound in (("GE", f.limits.minimum), ("LE", f.limits.maximum)):
        if bound is None:
            continue
        check = ET.SubElement(item, "RangeCheck", {"Comparator": comparator, "SoftHard": "Hard"})
        value = ET.SubElement(check, "CheckValue")
        value.text = f"{bound:g}"
        if f.units:
            ET.SubElement(
                check, "MeasurementUnitRef", {"MeasurementUnitOID": units.oids[f.units[0].id]}
            )
    if f.type in (FieldType.CHOICE, FieldType.YES_NO):
        ET.SubElement(item, "CodeListRef", {"CodeListOID": codelist_oid(f)})


def metadata(study: ET.Element, definition: StudyDefinition, *, days: bool) -> str:
    """Add GlobalVariables, BasicDefinitions and the MetaDataVersion; its OID."""
    glob = ET.SubElement(study, "GlobalVariables")
    for tag, text in (
        ("StudyName", definition.id),
        ("StudyDescription", definition.title.en),
        ("ProtocolName", definition.id),
    ):
        ET.SubElement(glob, tag).text = text
    units = _Units(definition)
    basic = ET.SubElement(study, "BasicDefinitions")
    for unit_id, unit in units.units.items():
        mu = ET.SubElement(basic, "MeasurementUnit", {"OID": units.oids[unit_id], "Name": unit_id})
        _translated(mu, "Symbol", Label(unit.text("en"), unit.text("zh")))
    mdv_oid = _oid("MDV", definition.id, definition.version)
    mdv = ET.SubElement(
        study, "MetaDataVersion", {"OID": mdv_oid, "Name": f"{definition.id} {definition.version}"}
    )
    protocol = ET.SubElement(mdv, "Protocol")
    phases = list(dict.fromkeys(form.phase for form in definition.forms))
    for order, phase in enumerate(phases, start=1):
        ET.SubElement(
            protocol,
            "StudyEventRef",
            {
                "StudyEventOID": _oid("SE", phase.value),
                "OrderNumber": str(order),
                "Mandatory": "No",
            },
        )
    for phase in phases:
        event = ET.SubElement(
            mdv,
            "StudyEventDef",
            {
                "OID": _oid("SE", phase.value),
                "Name": phase.value,
                "Repeating": "No",
                "Type": "Scheduled",
            },
        )
        for order, form in enumerate(definition.forms_in(phase), start=1):
            ET.SubElement(
                event,
                "FormRef",
                {"FormOID": _oid("F", form.id), "OrderNumber": str(order), "Mandatory": "No"},
            )
    for form in definition.forms:
        fd = ET.SubElement(
            mdv, "FormDef", {"OID": _oid("F", form.id), "Name": form.label.en, "Repeating": "No"}
        )
        _translated(fd, "Description", form.label)
        for order, section in enumerate(form.sections, start=1):
            ET.SubElement(
                fd,
                "ItemGroupRef",
                {
                    "ItemGroupOID": _oid("IG", form.id, section.id),
                    "OrderNumber": str(order),
                    "Mandatory": "No",
                },
            )
    for form in definition.forms:
        for section in form.sections:
            group = ET.SubElement(
                mdv,
                "ItemGroupDef",
                {
                    "OID": _oid("IG", form.id, section.id),
                    "Name": f"{form.id}.{section.id}",
                    "Repeating": "Yes" if form.repeating else "No",
                },
            )
            _translated(group, "Description", section.label)
            for order, f in enumerate(section.fields, start=1):
                ET.SubElement(
                    group,
                    "ItemRef",
                    {
                        "ItemOID": item_oid(form, f),
                        "OrderNumber": str(order),
                        "Mandatory": "Yes" if f.required and f.is_input else "No",
                    },
                )
    lists: dict[str, Field] = {}
    for form in definition.forms:
        for f in form.fields:
            _item_def(mdv, form, f, units, days)
            if f.type in (FieldType.CHOICE, FieldType.MULTI_CHOICE, FieldType.YES_NO):
                lists.setdefault(codelist_oid(f), f)
    for oid, f in lists.items():
        cl = ET.SubElement(
            mdv, "CodeList", {"OID": oid, "Name": f.codelist or "yes_no", "DataType": "text"}
        )
        for value, label in choices(definition, f):
            item = ET.SubElement(cl, "CodeListItem", {"CodedValue": value})
            _translated(item, "Decode", label)
    cl = ET.SubElement(
        mdv, "CodeList", {"OID": MISSING_OID, "Name": "Missing-data reason", "DataType": "text"}
    )
    for reason in MissingReason:
        item = ET.SubElement(cl, "CodeListItem", {"CodedValue": reason.value})
        _translated(item, "Decode", MISSING_LABELS[reason])
    return mdv_oid


def _value(f: Field, value: object, subject: Subject, days: bool) -> str | None:
    if value is None or isinstance(value, Missing):
        return None
    if isinstance(value, PartialDate):
        if not days:
            return value.isoformat()
        if not value.complete:
            return None
        value = value.first
    if isinstance(value, dt.date):
        if not days:
            return value.isoformat()
        first = subject.data.first_dose
        return None if first is None else str(study_day(value, first))
    if isinstance(value, Quantity):
        return plain_number(value.value)
    if isinstance(value, tuple):
        return ",".join(value)
    if isinstance(value, float):
        return plain_number(value)
    return str(value)


def _user_oid(site: str, user: str) -> str:
    """``USR.<site>.<user>``; a user name with other than ASCII letters and digits gets
    a hash suffix, so two Chinese names cannot share an OID."""
    oid = _oid("USR", site, user)
    if not re.fullmatch(r"[A-Za-z0-9_]+", user):
        oid += "_" + hashlib.sha256(user.encode()).hexdigest()[:8]
    return oid


def _location_oid(site: str) -> str:
    return _oid("LOC", site)


def _audit(parent: ET.Element, site: str, change: Change | None) -> None:
    if change is None:
        return
    record = ET.SubElement(parent, "AuditRecord")
    ET.SubElement(record, "UserRef", {"UserOID": _user_oid(site, change.user)})
    ET.SubElement(record, "LocationRef", {"LocationOID": _location_oid(site)})
    ET.SubElement(record, "DateTimeStamp").text = _stamp(change.at)
    if change.reason:
        ET.SubElement(record, "ReasonForChange").text = change.reason


def _stamp(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="seconds")


def _signature(parent: ET.Element, site: str, signed: Signed | None) -> None:
    if signed is None:
        return
    signature = ET.SubElement(parent, "Signature")
    ET.SubElement(signature, "UserRef", {"UserOID": _user_oid(site, signed.user)})
    ET.SubElement(signature, "LocationRef", {"LocationOID": _location_oid(site)})
    ET.SubElement(signature, "SignatureRef", {"SignatureOID": _signature_oid(site, signed)})
    ET.SubElement(signature, "DateTimeStamp").text = _stamp(signed.at)


def _signature_oid(site: str, signed: Signed) -> str:
    return _oid("SIG", site, hashlib.sha256(signed.meaning.encode()).hexdigest()[:12])


def _flag(parent: ET.Element, missing: Missing) -> None:
    annotation = ET.SubElement(parent, "Annotation", {"SeqNum": "1"})
    flag = ET.SubElement(annotation, "Flag")
    ET.SubElement(flag, "FlagValue", {"CodeListOID": MISSING_OID}).text = missing.code


def admin_data(root: ET.Element, source: Source, study_oid: str, mdv_oid: str) -> None:
    """Users, locations (one per site) and signature meanings the data refer to."""
    if not source.provenance:
        return
    admin = ET.SubElement(root, "AdminData", {"StudyOID": study_oid})
    for site, provenance in sorted(source.provenance.items()):
        for user, (name, kind) in provenance.users.items():
            element = ET.SubElement(admin, "User", {"OID": _user_oid(site, user), "UserType": kind})
            ET.SubElement(element, "LoginName").text = user
            ET.SubElement(element, "FullName").text = name
    effective = source_effective_date(source)
    for site in sorted(source.provenance):
        location = ET.SubElement(
            admin,
            "Location",
            {"OID": _location_oid(site), "Name": f"Site {site}", "LocationType": "Site"},
        )
        ET.SubElement(
            location,
            "MetaDataVersionRef",
            {"StudyOID": study_oid, "MetaDataVersionOID": mdv_oid, "EffectiveDate": effective},
        )
    seen: set[str] = set()
    for site, provenance in sorted(source.provenance.items()):
        for signed in provenance.signatures.values():
            oid = _signature_oid(site, signed)
            if oid in seen:
                continue
            seen.add(oid)
            sig = ET.SubElement(admin, "SignatureDef", {"OID": oid, "Methodology": "Electronic"})
            ET.SubElement(sig, "Meaning").text = signed.meaning
            ET.SubElement(
                sig, "LegalReason"
            ).text = "Investigator's electronic signature of the casebook (21 CFR Part 11)"


def source_effective_date(source: Source) -> str:
    """The date the definition is in effect from: the earliest change recorded."""
    stamps = [c.at for p in source.provenance.values() for c in p.changes.values()]
    return min(stamps).astimezone(dt.UTC).date().isoformat() if stamps else "2000-01-01"


def _subject_data(parent: ET.Element, source: Source, subject: Subject, units: _Units) -> None:
    definition = source.definition
    sd = ET.SubElement(parent, "SubjectData", {"SubjectKey": subject.usubjid})
    site = subject.book.subject_code.split("-", 1)[0]
    provenance = source.provenance.get(site)
    code = subject.book.subject_code
    if provenance is not None:
        _signature(sd, site, provenance.signatures.get(code))
    for phase in dict.fromkeys(form.phase for form in definition.forms):
        forms = [f for f in definition.forms_in(phase) if subject.book.entries.get(f.id)]
        if not forms:
            continue
        event = ET.SubElement(sd, "StudyEventData", {"StudyEventOID": _oid("SE", phase.value)})
        for form in forms:
            fd = ET.SubElement(event, "FormData", {"FormOID": _oid("F", form.id)})
            entries = subject.book.items(form.id)
            for key, entry in enumerate(entries, start=1):
                for section in form.sections:
                    items = [
                        (f, v)
                        for f in section.fields
                        if (v := _value(f, entry.values.get(f.id), subject, source.deidentified))
                        is not None
                        or isinstance(entry.values.get(f.id), Missing)
                    ]
                    if not items:
                        continue
                    attributes = {"ItemGroupOID": _oid("IG", form.id, section.id)}
                    if form.repeating:
                        attributes["ItemGroupRepeatKey"] = str(key)
                    group = ET.SubElement(fd, "ItemGroupData", attributes)
                    if provenance is not None:
                        change = provenance.changes.get((code, form.id, entry.item_uid))
                        _audit(group, site, change)
                    for f, text in items:
                        raw = entry.values.get(f.id)
                        if isinstance(raw, Missing):
                            item = ET.SubElement(
                                group, "ItemData", {"ItemOID": item_oid(form, f), "IsNull": "Yes"}
                            )
                            _flag(item, raw)
                            continue
                        assert text is not None
                        item = ET.SubElement(
                            group, "ItemData", {"ItemOID": item_oid(form, f), "Value": text}
                        )
                        if isinstance(raw, Quantity) and raw.unit in units.oids:
                            ET.SubElement(
                                item,
                                "MeasurementUnitRef",
                                {"MeasurementUnitOID": units.oids[raw.unit]},
                            )


def odm_document(source: Source, created: dt.datetime) -> ET.ElementTree[ET.Element]:
    ET.register_namespace("", NS)
    definition = source.definition
    root = ET.Element(
        "ODM",
        {
            "FileType": "Snapshot",
            "Granularity": "All",
            "FileOID": _oid("ODM", definition.id, created.strftime("%Y%m%dT%H%M%S")),
            "CreationDateTime": created.isoformat(timespec="seconds"),
            "ODMVersion": "1.3.2",
            "Originator": "rego-desktop",
        },
    )
    study_oid = _oid("S", definition.id)
    study = ET.SubElement(root, "Study", {"OID": study_oid})
    mdv_oid = metadata(study, definition, days=source.deidentified)
    admin_data(root, source, study_oid, mdv_oid)
    clinical = ET.SubElement(
        root, "ClinicalData", {"StudyOID": study_oid, "MetaDataVersionOID": mdv_oid}
    )
    units = _Units(definition)
    for subject in source.subjects:
        _subject_data(clinical, source, subject, units)
    _qualify(root)
    ET.indent(root)
    return ET.ElementTree(root)


def _qualify(element: ET.Element) -> None:
    """Put every element in the ODM namespace."""
    for node in element.iter():
        if not node.tag.startswith("{"):
            node.tag = f"{{{NS}}}{node.tag}"


def item_oids(definition: StudyDefinition) -> Iterable[str]:
    """The OID of every ItemDef the metadata holds (one per field of each form)."""
    return (item_oid(form, f) for form, f in definition.all_fields())
