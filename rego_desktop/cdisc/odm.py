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
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable

from rego_desktop.cdisc.source import Source, Subject
from rego_desktop.rules.dates import study_day
from rego_desktop.study.schema import Field, FieldType, Form, Label, StudyDefinition, Unit
from rego_desktop.study.values import Quantity, choices

NS = "http://www.cdisc.org/ns/odm/v1.3"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
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
    attributes = {
        "OID": item_oid(form, f),
        "Name": f"{form.id}.{f.id}"[:200],
        "DataType": "integer" if date_as_day else DATA_TYPES[f.type],
    }
    if f.type in (FieldType.TEXT, FieldType.CHOICE, FieldType.MULTI_CHOICE, FieldType.YES_NO):
        attributes["Length"] = str(f.max_length)
    if f.type is FieldType.DECIMAL:
        attributes["SignificantDigits"] = str(f.decimals)
    item = ET.SubElement(parent, "ItemDef", attributes)
    notes = []
    if date_as_day:
        notes.append("Study day: day 1 = first dose, no day 0")
    if f.type is FieldType.MULTI_CHOICE:
        notes.append(f"Comma-separated codes of code list {codelist_oid(f)}")
    if f.derived:
        notes.append(f"Derived ({f.derived}); not stored at the site")
    if f.identifying or f.free_text:
        notes.append("Stays at the site: never exported")
    if notes:
        _translated(item, "Description", Label("; ".join(notes), "; ".join(notes)))
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
    return mdv_oid


def _value(f: Field, value: object, subject: Subject, days: bool) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        if not days:
            return value.isoformat()
        first = subject.data.first_dose
        return None if first is None else str(study_day(value, first))
    if isinstance(value, Quantity):
        return f"{value.value:g}"
    if isinstance(value, tuple):
        return ",".join(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _subject_data(parent: ET.Element, source: Source, subject: Subject, units: _Units) -> None:
    definition = source.definition
    sd = ET.SubElement(parent, "SubjectData", {"SubjectKey": subject.usubjid})
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
                    ]
                    if not items:
                        continue
                    attributes = {"ItemGroupOID": _oid("IG", form.id, section.id)}
                    if form.repeating:
                        attributes["ItemGroupRepeatKey"] = str(key)
                    group = ET.SubElement(fd, "ItemGroupData", attributes)
                    for f, text in items:
                        item = ET.SubElement(
                            group, "ItemData", {"ItemOID": item_oid(form, f), "Value": text}
                        )
                        raw = entry.values.get(f.id)
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
