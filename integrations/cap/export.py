"""CAP 1.2 out: the `Alert` model → XML in the XSD's element order, and the GB/T 35965.1 identifier.

Whatever `to_xml` writes validates against the same XSD import uses (`export_checked` proves it
before anything leaves). Chinese info blocks come first.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from lxml import etree

from integrations.cap import schema
from integrations.cap.model import NS, Alert, Area, Info, Pair, Resource, format_time

BEIJING = ZoneInfo("Asia/Shanghai")


def _num(value: float) -> str:
    return repr(float(value)) if value != int(value) else f"{value:.1f}"


def _add(parent: etree._Element, name: str, value: str | None) -> None:
    if value is not None and value != "":
        etree.SubElement(parent, f"{{{NS}}}{name}").text = value


def _pairs(parent: etree._Element, name: str, pairs: list[Pair]) -> None:
    for pair in pairs:
        element = etree.SubElement(parent, f"{{{NS}}}{name}")
        _add(element, "valueName", pair.value_name)
        etree.SubElement(element, f"{{{NS}}}value").text = pair.value


def _resource(parent: etree._Element, resource: Resource) -> None:
    element = etree.SubElement(parent, f"{{{NS}}}resource")
    etree.SubElement(element, f"{{{NS}}}resourceDesc").text = resource.resource_desc
    etree.SubElement(element, f"{{{NS}}}mimeType").text = resource.mime_type
    _add(element, "size", None if resource.size is None else str(resource.size))
    _add(element, "uri", resource.uri)
    _add(element, "derefUri", resource.deref_uri)
    _add(element, "digest", resource.digest)


def _area(parent: etree._Element, area: Area) -> None:
    element = etree.SubElement(parent, f"{{{NS}}}area")
    etree.SubElement(element, f"{{{NS}}}areaDesc").text = area.area_desc
    for polygon in area.polygons:
        _add(element, "polygon", " ".join(f"{lat!r},{lon!r}" for lat, lon in polygon))
    for raw in area.unread_geometry:
        if raw.value_name == "polygon":
            etree.SubElement(element, f"{{{NS}}}polygon").text = raw.value
    for circle in area.circles:
        _add(element, "circle", f"{circle.lat!r},{circle.lon!r} {_num(circle.radius_km)}")
    for raw in area.unread_geometry:
        if raw.value_name == "circle":
            etree.SubElement(element, f"{{{NS}}}circle").text = raw.value
    _pairs(element, "geocode", area.geocodes)
    _add(element, "altitude", None if area.altitude is None else _num(area.altitude))
    _add(element, "ceiling", None if area.ceiling is None else _num(area.ceiling))


def _time(value: datetime | None) -> str | None:
    return None if value is None else format_time(value)


def _info(parent: etree._Element, info: Info) -> None:
    element = etree.SubElement(parent, f"{{{NS}}}info")
    _add(element, "language", info.language)
    for category in info.categories:
        _add(element, "category", category)
    _add(element, "event", info.event)
    for response in info.response_types:
        _add(element, "responseType", response)
    _add(element, "urgency", info.urgency)
    _add(element, "severity", info.severity)
    _add(element, "certainty", info.certainty)
    _add(element, "audience", info.audience)
    _pairs(element, "eventCode", info.event_codes)
    for name in ("effective", "onset", "expires"):
        _add(element, name, _time(getattr(info, name)))
    _add(element, "senderName", info.sender_name)
    _add(element, "headline", info.headline)
    _add(element, "description", info.description)
    _add(element, "instruction", info.instruction)
    _add(element, "web", info.web)
    _add(element, "contact", info.contact)
    _pairs(element, "parameter", info.parameters)
    for resource in info.resources:
        _resource(element, resource)
    for area in info.areas:
        _area(element, area)


def chinese_first(infos: list[Info]) -> list[Info]:
    return sorted(infos, key=lambda i: not i.language.lower().startswith("zh"))


def to_tree(alert: Alert) -> etree._Element:
    root = etree.Element(f"{{{NS}}}alert", nsmap={None: NS})
    for name, value in (("identifier", alert.identifier), ("sender", alert.sender), ("sent", format_time(alert.sent)),
                        ("status", alert.status), ("msgType", alert.msg_type), ("source", alert.source),
                        ("scope", alert.scope), ("restriction", alert.restriction),
                        ("addresses", alert.addresses)):
        _add(root, name, value)
    for code in alert.codes:
        _add(root, "code", code)
    _add(root, "note", alert.note)
    refs = [f"{r.sender},{r.identifier},{format_time(r.sent)}" for r in alert.references if r.sent is not None]
    _add(root, "references", " ".join(refs) or None)
    _add(root, "incidents", alert.incidents)
    for info in chinese_first(alert.infos):
        _info(root, info)
    return root


def to_xml(alert: Alert) -> bytes:
    return etree.tostring(to_tree(alert), xml_declaration=True, encoding="UTF-8", pretty_print=True)


class ExportInvalid(RuntimeError):
    """Our own export failed the XSD: a bug, never the caller's fault (a 500, logged)."""


def export_checked(alert: Alert) -> bytes:
    root = to_tree(alert)
    errors = schema.errors_of(root)
    if errors:
        raise ExportInvalid("; ".join(e["message"] for e in errors))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def sender_code(area_code: str, sector_code: str = "000", internal: str = "000", extension: str = "00") -> str:
    """发布单位代码 ZZZZZZDDDUUUXX (GB/T 35965.1-2018 A.1.2): GB/T 2260 area, GB/T 4657 sector, internal, extension."""
    parts = ((area_code, 6), (sector_code, 3), (internal, 3), (extension, 2))
    for value, width in parts:
        if len(value) != width or not value.isdigit():
            raise ValueError(f"{value!r} is not {width} digits")
    return "".join(v for v, _ in parts)


def identifier(code: str, entered: datetime, serial: int) -> str:
    """预警信息唯一标识 ZZZZZZDDDUUUXX_YYYYMMDDhhmmss_N (31 characters, A.1.1): Beijing time, serial 0-9."""
    if len(code) != 14 or not code.isdigit():
        raise ValueError("the issuer code is 14 digits (ZZZZZZDDDUUUXX)")
    if not 0 <= serial <= 9:
        raise ValueError("the serial is one digit, 0-9")
    return f"{code}_{entered.astimezone(BEIJING):%Y%m%d%H%M%S}_{serial}"
