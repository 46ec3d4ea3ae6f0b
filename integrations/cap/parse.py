"""CAP 1.2 in: bytes → safe tree → XSD → the normalised `Alert`.

`read_alert` either returns an alert or raises `CapError` naming the element and the rule; it
never returns something half-read. What it accepts beyond the letter of one profile, and what it
refuses, is listed in docs/cap.md.
"""

from __future__ import annotations

import re
from datetime import datetime

from lxml import etree

from integrations.cap import schema, signature
from integrations.cap.model import (
    DEFAULT_LANGUAGE,
    NS,
    Alert,
    Area,
    Circle,
    Info,
    Pair,
    Reference,
    Resource,
)
from integrations.cap.safexml import DEFAULT_LIMITS, CapError, Limits, parse, refuse

DSIG = "http://www.w3.org/2000/09/xmldsig#"
_KNOWN_VERSIONS = {
    "urn:oasis:names:tc:emergency:cap:1.1": "CAP 1.1",
    "urn:oasis:names:tc:emergency:cap:1.0": "CAP 1.0",
    "http://www.incident.com/cap/1.0": "CAP 1.0",
}
_COMMA = re.compile(r"\s*,\s*")


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _text(parent: etree._Element, name: str) -> str | None:
    child = parent.find(_q(name))
    if child is None or child.text is None:
        return None
    text = child.text.strip()
    return text or None  # an empty <note></note> is the same as none


def _texts(parent: etree._Element, name: str) -> list[str]:
    return [c.text.strip() for c in parent.findall(_q(name)) if c.text and c.text.strip()]


def _pairs(parent: etree._Element, name: str) -> list[Pair]:
    return [Pair(value_name=(_text(c, "valueName") or ""), value=(_text(c, "value") or ""))
            for c in parent.findall(_q(name))]


def _time(parent: etree._Element, name: str) -> datetime | None:
    raw = _text(parent, name)
    return None if raw is None else datetime.fromisoformat(raw)  # the XSD pattern already held


def _number(raw: str | None) -> float | None:
    return None if raw is None else float(raw)


def _point(token: str, where: str, root: etree._Element, element: etree._Element) -> tuple[float, float]:
    parts = token.split(",")
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except (ValueError, IndexError):
        raise _geo_error(root, element, f"坐标 “{token}” 不是 纬度,经度 (“{token}” is not lat,lon)") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise _geo_error(root, element, f"坐标 “{token}” 超出 WGS-84 范围 (“{token}” is outside WGS-84)")
    return (lat, lon)


def _geo_error(root: etree._Element, element: etree._Element, message: str) -> CapError:
    name = etree.QName(element).localname
    return refuse("profile", message, pointer=schema.readable_path(root, element), element=name,
                  rule=f"cap:{name}")


def _polygon(root: etree._Element, element: etree._Element) -> list[tuple[float, float]]:
    # Whitespace of any kind and amount between pairs, and around the commas, is common in the wild.
    text = _COMMA.sub(",", (element.text or "").strip())
    return [_point(token, "polygon", root, element) for token in text.split()]


def _circle(root: etree._Element, element: etree._Element) -> Circle:
    tokens = _COMMA.sub(",", (element.text or "").strip()).split()
    if len(tokens) != 2:
        raise _geo_error(root, element, "圆应为 “纬度,经度 半径” (a circle is “lat,lon radius”)")
    lat, lon = _point(tokens[0], "circle", root, element)
    try:
        radius = float(tokens[1])
    except ValueError:
        raise _geo_error(root, element, f"半径 “{tokens[1]}” 不是数字 (radius is not a number)") from None
    if radius < 0:
        raise _geo_error(root, element, "半径不能为负 (the radius cannot be negative)")
    return Circle(lat=lat, lon=lon, radius_km=radius)


def _references(raw: str | None) -> list[Reference]:
    out = []
    for token in (raw or "").split():
        parts = token.split(",")
        if len(parts) < 2:
            continue  # not a sender,identifier[,sent] triple: nothing we could ever match
        sent = None
        if len(parts) >= 3:
            try:
                sent = datetime.fromisoformat(",".join(parts[2:]))
            except ValueError:
                sent = None
        out.append(Reference(sender=parts[0], identifier=parts[1], sent=sent))
    return out


def _area(root: etree._Element, element: etree._Element, notes: list[dict[str, str]]) -> Area:
    area = Area(area_desc=_text(element, "areaDesc") or "", geocodes=_pairs(element, "geocode"),
                altitude=_number(_text(element, "altitude")), ceiling=_number(_text(element, "ceiling")))
    # Geometry that is not coordinates is an issuer's slip the XSD lets through: the warning still
    # arrives (addressed by its geocodes, or to the importer), the text is kept, and the importer told.
    for child in element.findall(_q("polygon")):
        try:
            area.polygons.append(_polygon(root, child))
        except CapError as error:
            area.unread_geometry.append(Pair("polygon", (child.text or "").strip()))
            notes.append({"pointer": error.errors[0]["pointer"], "message": error.errors[0]["message"]
                          + "；已原样保留，不用于确定范围 (kept as written, not used for addressing)"})
    for child in element.findall(_q("circle")):
        try:
            area.circles.append(_circle(root, child))
        except CapError as error:
            area.unread_geometry.append(Pair("circle", (child.text or "").strip()))
            notes.append({"pointer": error.errors[0]["pointer"], "message": error.errors[0]["message"]
                          + "；已原样保留，不用于确定范围 (kept as written, not used for addressing)"})
    return area


def _resource(element: etree._Element) -> Resource:
    size = _text(element, "size")
    return Resource(resource_desc=_text(element, "resourceDesc") or "", mime_type=_text(element, "mimeType") or "",
                    size=int(size) if size is not None else None, uri=_text(element, "uri"),
                    deref_uri=_text(element, "derefUri"), digest=_text(element, "digest"))


def _info(root: etree._Element, element: etree._Element, notes: list[dict[str, str]]) -> Info:
    return Info(
        language=_text(element, "language") or DEFAULT_LANGUAGE,
        categories=_texts(element, "category"),
        event=_text(element, "event") or "",
        response_types=_texts(element, "responseType"),
        urgency=_text(element, "urgency") or "Unknown",
        severity=_text(element, "severity") or "Unknown",
        certainty=_text(element, "certainty") or "Unknown",
        audience=_text(element, "audience"),
        event_codes=_pairs(element, "eventCode"),
        effective=_time(element, "effective"),
        onset=_time(element, "onset"),
        expires=_time(element, "expires"),
        sender_name=_text(element, "senderName"),
        headline=_text(element, "headline"),
        description=_text(element, "description"),
        instruction=_text(element, "instruction"),
        web=_text(element, "web"),
        contact=_text(element, "contact"),
        parameters=_pairs(element, "parameter"),
        resources=[_resource(r) for r in element.findall(_q("resource"))],
        areas=[_area(root, a, notes) for a in element.findall(_q("area"))],
    )


def alert_of(root: etree._Element) -> Alert:
    """The model of a tree already known to be a valid CAP 1.2 alert."""
    notes: list[dict[str, str]] = []
    return Alert(
        identifier=_text(root, "identifier") or "",
        sender=_text(root, "sender") or "",
        sent=_time(root, "sent"),  # type: ignore[arg-type]  # required by the XSD
        status=_text(root, "status") or "",
        msg_type=_text(root, "msgType") or "",
        scope=_text(root, "scope") or "",
        source=_text(root, "source"),
        restriction=_text(root, "restriction"),
        addresses=_text(root, "addresses"),
        codes=_texts(root, "code"),
        note=_text(root, "note"),
        references=_references(_text(root, "references")),
        incidents=_text(root, "incidents"),
        infos=[_info(root, i, notes) for i in root.findall(_q("info"))],
        signed=root.find(f"{{{DSIG}}}Signature") is not None,
        signature=signature.check(root),
        notes=notes,
    )


def check_tree(root: etree._Element) -> None:
    """Refuses anything that is not a CAP 1.2 alert valid against the XSD."""
    if not isinstance(root.tag, str) or etree.QName(root).localname != "alert":
        name = etree.QName(root).localname if isinstance(root.tag, str) else "?"
        raise refuse("not_cap", f"根元素是 <{name}>，不是 CAP 的 <alert> (the root element is <{name}>, not a CAP "
                     "<alert>; EDXL envelopes are not unwrapped here)", pointer=f"/{name}", element=name,
                     rule="xsd:root")
    namespace = etree.QName(root).namespace
    if namespace != NS:
        version = _KNOWN_VERSIONS.get(namespace or "")
        detail = (f"这是 {version} 消息，只接受 CAP 1.2 (this is a {version} message; only CAP 1.2 is accepted)"
                  if version else
                  f"<alert> 的命名空间应为 {NS} (the alert's namespace is {namespace or 'none'}, not {NS})")
        raise refuse("namespace", detail, pointer="/alert", element="alert", rule="xsd:root")
    errors = schema.errors_of(root)
    if errors:
        raise CapError("schema", errors)


def read_alert(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> Alert:
    root = parse(data, limits=limits)
    check_tree(root)
    return alert_of(root)
