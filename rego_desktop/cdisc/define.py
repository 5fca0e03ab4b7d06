"""Define-XML 2.1 of the package's datasets, and an HTML page that shows the same.

Built from the same :class:`~rego_desktop.cdisc.table.Table` objects as the transport
files: every dataset, every variable with its type, length, origin (collected with its
CRF item, derived with a ``MethodDef`` holding the derivation, assigned, predecessor)
and code list (with NCI codes as ``Alias``).
"""

from __future__ import annotations

import datetime as dt
import html
import io
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from rego_desktop.cdisc.table import Column, Table
from rego_desktop.cdisc.terminology import CODELISTS
from rego_desktop.study.schema import StudyDefinition

ODM_NS = "http://www.cdisc.org/ns/odm/v1.3"
DEF_NS = "http://www.cdisc.org/ns/def/v2.1"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _d(tag: str) -> str:
    return f"{{{DEF_NS}}}{tag}"


def _text(parent: ET.Element, tag: str, text: str) -> None:
    element = ET.SubElement(parent, tag)
    ET.SubElement(element, "TranslatedText", {XML_LANG: "en"}).text = text


def _origin(column: Column) -> tuple[str, str | None]:
    """(def:Origin Type, Source) in Define-XML 2.1 terms."""
    if column.origin == "Collected":
        return "Collected", "Investigator"
    if column.origin == "Predecessor":
        return "Predecessor", None
    return column.origin, "Sponsor" if column.origin == "Assigned" else None


def _data_type(table: Table, column: Column) -> str:
    """Define-XML data type: SAS dates are integers, ISO 8601 text dates ``date`` or,
    when a value gives only the year or month, ``partialDate``."""
    if column.kind == "num":
        return "integer" if column.date else "float"
    if column.iso8601:
        index = table.columns.index(column)
        values = [str(row[index]) for row in table.rows if row[index]]
        return "partialDate" if any(len(v) < len("YYYY-MM-DD") for v in values) else "date"
    return "text"


def define_document(
    definition: StudyDefinition, tables: Sequence[Table], created: dt.datetime
) -> ET.Element:
    root = ET.Element(
        "ODM",
        {
            "FileType": "Snapshot",
            "FileOID": f"DEF.{definition.id}",
            "CreationDateTime": created.isoformat(timespec="seconds"),
            "ODMVersion": "1.3.2",
            "Originator": "rego-desktop",
            _d("Context"): "Other",
        },
    )
    study = ET.SubElement(root, "Study", {"OID": f"S.{definition.id}"})
    glob = ET.SubElement(study, "GlobalVariables")
    ET.SubElement(glob, "StudyName").text = definition.id
    ET.SubElement(glob, "StudyDescription").text = definition.title.en
    ET.SubElement(glob, "ProtocolName").text = definition.id
    mdv = ET.SubElement(
        study,
        "MetaDataVersion",
        {
            "OID": f"MDV.{definition.id}.{definition.version}",
            "Name": "CDISC package",
            _d("DefineVersion"): "2.1.0",
        },
    )
    for name, version in (("SDTMIG", "3.4"), ("ADaMIG", "1.3"), ("CDISC/NCI", "2024-03-29")):
        standards = mdv.find(_d("Standards"))
        if standards is None:
            standards = ET.SubElement(mdv, _d("Standards"))
        ET.SubElement(
            standards,
            _d("Standard"),
            {
                "OID": f"STD.{name.replace('/', '_')}",
                "Name": name,
                "Type": "CT" if name == "CDISC/NCI" else "IG",
                "Version": version,
                "Status": "Final",
            }
            | ({"PublishingSet": "SDTM"} if name == "CDISC/NCI" else {}),
        )
    methods: dict[str, str] = {}
    items: list[tuple[str, Column]] = []
    for t in tables:
        group = ET.SubElement(
            mdv,
            "ItemGroupDef",
            {
                "OID": f"IG.{t.name}",
                "Name": t.name,
                "SASDatasetName": t.name,
                "Repeating": "No" if t.name in ("DM", "ADSL") else "Yes",
                "IsReferenceData": "No",
                "Purpose": "Tabulation" if t.standard == "SDTM" else "Analysis",
                _d("Structure"): t.structure,
                _d("StandardOID"): "STD.SDTMIG" if t.standard == "SDTM" else "STD.ADaMIG",
                _d("ArchiveLocationID"): f"LF.{t.name}",
            },
        )
        _text(group, "Description", t.label)
        for order, c in enumerate(t.columns, start=1):
            oid = f"IT.{t.name}.{c.name}"
            attributes = {
                "ItemOID": oid,
                "OrderNumber": str(order),
                "Mandatory": "Yes" if c.name in t.keys else "No",
            }
            if c.name in t.keys:
                attributes["KeySequence"] = str(t.keys.index(c.name) + 1)
            if c.origin == "Derived" and c.derivation:
                method = f"MT.{t.name}.{c.name}"
                methods[method] = c.derivation
                attributes["MethodOID"] = method
            ET.SubElement(group, "ItemRef", attributes)
            items.append((t.name, c))
        ET.SubElement(group, _d("Class"), {"Name": t.klass})
        leaf = ET.SubElement(
            group,
            _d("leaf"),
            {"ID": f"LF.{t.name}", f"{{{XLINK_NS}}}href": f"{t.name.lower()}.xpt"},
        )
        ET.SubElement(leaf, _d("title")).text = f"{t.name.lower()}.xpt"
    lengths = {t.name: {c.name: t.length(c) for c in t.columns} for t in tables}
    by_name = {t.name: t for t in tables}
    for dataset, c in items:
        data_type = _data_type(by_name[dataset], c)
        attributes = {
            "OID": f"IT.{dataset}.{c.name}",
            "Name": c.name,
            "SASFieldName": c.name,
            "DataType": data_type,
        }
        if data_type in ("text", "integer", "float"):
            attributes["Length"] = str(lengths[dataset][c.name])
        item = ET.SubElement(mdv, "ItemDef", attributes)
        if c.date:
            item.set(_d("DisplayFormat"), "DATE9.")
        _text(item, "Description", c.label)
        if c.codelist:
            ET.SubElement(item, "CodeListRef", {"CodeListOID": f"CL.{c.codelist}"})
        kind, source = _origin(c)
        origin = ET.SubElement(
            item, _d("Origin"), {"Type": kind} | ({"Source": source} if source else {})
        )
        if c.source:
            _text(origin, "Description", c.source)
    used = dict.fromkeys(c.codelist for _d_, c in items if c.codelist)
    for list_id in used:
        assert list_id is not None
        ct = CODELISTS[list_id]
        cl = ET.SubElement(
            mdv,
            "CodeList",
            {"OID": f"CL.{ct.id}", "Name": ct.name, "DataType": "text"}
            | ({_d("StandardOID"): "STD.CDISC_NCI"} if ct.code else {}),
        )
        # A list is all CodeListItems (with decodes) or all EnumeratedItems.
        decoded = any(term.decode for term in ct.terms)
        for term in ct.terms:
            attributes = {"CodedValue": term.value}
            if ct.code and not term.code:
                attributes[_d("ExtendedValue")] = "Yes"  # sponsor term in a CDISC list
            entry = ET.SubElement(cl, "CodeListItem" if decoded else "EnumeratedItem", attributes)
            if decoded:
                _text(entry, "Decode", term.decode or term.value)
            if term.code:
                ET.SubElement(entry, "Alias", {"Context": "nci:ExtCodeID", "Name": term.code})
        if ct.code:
            ET.SubElement(cl, "Alias", {"Context": "nci:ExtCodeID", "Name": ct.code})
    for oid, text in methods.items():
        method_def = ET.SubElement(
            mdv, "MethodDef", {"OID": oid, "Name": oid, "Type": "Computation"}
        )
        _text(method_def, "Description", text)
    for node in root.iter():
        if not node.tag.startswith("{"):
            node.tag = f"{{{ODM_NS}}}{node.tag}"
    return root


def render(
    definition: StudyDefinition, tables: Sequence[Table], created: dt.datetime
) -> tuple[bytes, bytes]:
    """(define.xml, define.html) as bytes."""
    ET.register_namespace("", ODM_NS)
    ET.register_namespace("def", DEF_NS)
    ET.register_namespace("xlink", XLINK_NS)
    root = define_document(definition, tables, created)
    ET.indent(root)
    buffer = io.BytesIO()
    ET.ElementTree(root).write(buffer, encoding="utf-8", xml_declaration=True)
    return buffer.getvalue(), _html(definition, tables).encode("utf-8")


def _html(definition: StudyDefinition, tables: Sequence[Table]) -> str:
    e = html.escape
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Define-XML {e(definition.id)}</title>",
        "<style>td,th{border:1px solid #999;padding:2px 6px;vertical-align:top}"
        "table{border-collapse:collapse}</style></head><body>",
        f"<h1>{e(definition.id)} {e(definition.version)}: datasets</h1><ul>",
    ]
    parts += [
        f"<li><a href='#{t.name}'>{t.name}</a> {e(t.label)} ({t.standard})</li>" for t in tables
    ]
    parts.append("<li><a href='#codelists'>Code lists</a></li></ul>")
    for t in tables:
        parts.append(f"<h2 id='{t.name}'>{t.name}: {e(t.label)}</h2>")
        parts.append(
            f"<p>{e(t.klass)}; {e(t.structure)}; keys {e(', '.join(t.keys))}; "
            f"file <a href='{t.name.lower()}.xpt'>{t.name.lower()}.xpt</a></p>"
        )
        parts.append(
            "<table><tr><th>Variable</th><th>Label</th><th>Type</th><th>Length</th>"
            "<th>Code list</th><th>Origin</th><th>Source / derivation</th></tr>"
        )
        for c in t.columns:
            how = "; ".join(x for x in (c.source, c.derivation) if x)
            listed = f"<a href='#CL.{c.codelist}'>{e(c.codelist)}</a>" if c.codelist else ""
            key = f" (key {t.keys.index(c.name) + 1})" if c.name in t.keys else ""
            parts.append(
                f"<tr><td>{c.name}{key}</td><td>{e(c.label)}</td><td>{c.kind}</td>"
                f"<td>{t.length(c)}</td><td>{listed}</td><td>{c.origin}</td>"
                f"<td>{e(how)}</td></tr>"
            )
        parts.append("</table>")
    used = dict.fromkeys(c.codelist for t in tables for c in t.columns if c.codelist)
    parts.append("<h2 id='codelists'>Code lists</h2>")
    for list_id in used:
        assert list_id is not None
        ct = CODELISTS[list_id]
        origin = f"CDISC CT, NCI code {ct.code}" if ct.code else "sponsor-defined"
        parts.append(f"<h3 id='CL.{ct.id}'>{e(ct.id)}: {e(ct.name)} ({e(origin)})</h3>")
        parts.append("<table><tr><th>Value</th><th>Decode</th><th>NCI code</th></tr>")
        for term in ct.terms:
            code = term.code or ("sponsor term (extended)" if ct.code else "")
            parts.append(
                f"<tr><td>{e(term.value)}</td><td>{e(term.decode)}</td><td>{e(code)}</td></tr>"
            )
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)
