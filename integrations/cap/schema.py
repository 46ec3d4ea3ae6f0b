"""Validation against the official OASIS CAP 1.2 XSD (shipped in this package as CAP-v1.2.xsd)."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Any

from lxml import etree

from integrations.cap.model import NS

_CLARK = re.compile(r"\{[^}]*\}")
# libxml2's error kinds, as the rule a person can look up in the XSD.
_RULES = {
    "SCHEMAV_ELEMENT_CONTENT": "sequence",
    "SCHEMAV_CVC_COMPLEX_TYPE_2_4": "sequence",
    "SCHEMAV_CVC_ENUMERATION_VALID": "enumeration",
    "SCHEMAV_CVC_PATTERN_VALID": "pattern",
    "SCHEMAV_CVC_DATATYPE_VALID_1_2_1": "datatype",
    "SCHEMAV_CVC_TYPE_3_1_2": "datatype",
    "SCHEMAV_CVC_ELT_1": "root",
    "SCHEMAV_CVC_COMPLEX_TYPE_2_3": "no_text",
    "SCHEMAV_CVC_COMPLEX_TYPE_3_2_2": "attribute",
}


@lru_cache(maxsize=1)
def schema() -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    data = resources.files("integrations.cap").joinpath("CAP-v1.2.xsd").read_bytes()
    return etree.XMLSchema(etree.fromstring(data, parser))


def readable_path(root: etree._Element, element: Any) -> str:
    """`/alert/info[1]/area[2]/polygon[1]` — local names with 1-based positions among same-named siblings."""
    steps: list[str] = []
    node = element
    while node is not None and isinstance(node.tag, str):
        parent = node.getparent()
        name = etree.QName(node).localname
        if parent is None:
            steps.append(name)
        else:
            same = [c for c in parent if isinstance(c.tag, str) and c.tag == node.tag]
            steps.append(f"{name}[{same.index(node) + 1}]" if len(same) > 1 or name in ("info", "area") else name)
        node = parent
    return "/" + "/".join(reversed(steps))


def errors_of(root: etree._Element) -> list[dict[str, Any]]:
    """[] when the alert is valid, else one entry per XSD complaint, naming the element and the rule."""
    xsd = schema()
    if xsd.validate(root):
        return []
    tree = root.getroottree()
    out: list[dict[str, Any]] = []
    for entry in xsd.error_log:
        element = None
        pointer = entry.path or "/"
        try:
            found = tree.xpath(entry.path) if entry.path else []
            if found:
                element = found[0]
                pointer = readable_path(root, element)
        except etree.XPathError:
            pass
        message = _CLARK.sub("", entry.message)
        out.append({
            "pointer": pointer,
            "message": f"XSD: {message} (line {entry.line})",
            "element": etree.QName(element).localname if element is not None else None,
            "rule": "xsd:" + _RULES.get(entry.type_name, entry.type_name.lower()),
        })
    return out


def is_cap12(root: etree._Element) -> bool:
    return isinstance(root.tag, str) and etree.QName(root).namespace == NS
