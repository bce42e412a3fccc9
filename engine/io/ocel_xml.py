"""OCEL 2.0 XML into OcelData, parsed as XES is: streaming, no entities, no DTD, no
network, and a file that declares a DOCTYPE or an ENTITY is refused. OCEL 1.0 XML is
refused with the way to convert it."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from ..errors import InputError
from .ocel_data import OcelData, set_object_type
from .safexml import check_prolog, doctype_error, syntax_error

_PROLOG_PEEK = 1 << 16


def read_xml(path: Path) -> OcelData:
    """Streamed: each object and event is handled at its end tag, then freed."""
    _refuse_doctype(path)
    data = OcelData()
    types: dict[str, dict[str, str]] = {}
    try:
        with open(path, "rb") as stream:
            context = etree.iterparse(
                stream,
                events=("end",),
                tag=("{*}object-type", "{*}event-type", "{*}object", "{*}event", "{*}global"),
                resolve_entities=False,
                load_dtd=False,
                no_network=True,
                huge_tree=False,
                remove_comments=True,
                remove_pis=True,
            )
            checked = False
            for _, elem in context:
                if not checked:
                    if elem.getroottree().docinfo.doctype:
                        raise doctype_error(path, "OCEL")
                    checked = True
                tag = _local(elem.tag)
                if tag == "global":
                    raise InputError(
                        f"'{path}' is OCEL 1.0 XML, which parcours does not read; convert "
                        "it to OCEL 2.0 or JSON (e.g. pm4py.read_ocel then write_ocel2_json)"
                    )
                if tag == "object-type":
                    data.declared.append(elem.get("name"))
                elif tag == "event-type":
                    types[elem.get("name")] = {
                        a.get("name"): a.get("type") for a in elem.iter("{*}attribute")
                    }
                elif tag == "object":
                    object_id = elem.get("id")
                    if object_id is None:
                        raise InputError(
                            f"'{path}': an <object> has no id (line {elem.sourceline})"
                        )
                    set_object_type(data, object_id, dict(elem.attrib), "type", path)
                else:
                    _xml_event(data, elem, types, path)
                _free(elem)
    except InputError:
        raise
    except etree.XMLSyntaxError as exc:
        raise syntax_error(exc, path, "OCEL") from None
    return data


def _xml_event(data: OcelData, elem: etree._Element, types: dict, path: Path) -> None:
    activity = elem.get("type")
    if elem.get("id") is None or activity is None:
        raise InputError(
            f"'{path}': the <event> at line {elem.sourceline} has no id or no type; "
            "it is not valid OCEL 2.0 XML"
        )
    attributes = {}
    relations = []
    for child in elem:
        tag = _local(child.tag)
        if tag == "attributes":
            for attribute in child:
                name = attribute.get("name")
                if name is not None:
                    attributes[name] = attribute.text
                    declared = types.get(activity, {}).get(name)
                    if declared is not None:
                        data.attribute_types.setdefault(name, declared)
        elif tag == "objects":
            relations += [r.get("object-id") for r in child if r.get("object-id") is not None]
    index = data.add_event(elem.get("id"), activity, elem.get("time"), attributes)
    for object_id in relations:
        data.relate(index, object_id)


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _refuse_doctype(path: Path) -> None:
    with open(path, "rb") as stream:
        head = stream.read(_PROLOG_PEEK)
    check_prolog(head, path, "OCEL")


def _free(elem: etree._Element) -> None:
    elem.clear()
    parent = elem.getparent()
    if parent is not None:
        while elem.getprevious() is not None:
            del parent[0]
