"""The Atom feed of active warnings, as CAP aggregators read it: one entry per warning (its current
version), a link to the CAP message, and the message itself inline as `application/cap+xml`."""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from integrations.cap import export
from integrations.cap.model import Alert, format_time

ATOM = "http://www.w3.org/2005/Atom"


def _el(parent: etree._Element, name: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ATOM}}}{name}", **attrs)
    if text is not None:
        element.text = text
    return element


def atom(entries: list[tuple[str, Alert]], *, feed_id: str, self_url: str, base_url: str, title: str,
         updated: datetime) -> bytes:
    """`entries`: (warning id, its CAP alert) pairs, most urgent first."""
    root = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})
    _el(root, "id", feed_id)
    _el(root, "title", title)
    _el(root, "updated", format_time(updated))
    _el(root, "link", rel="self", href=self_url, type="application/atom+xml")
    _el(_el(root, "author"), "name", "应急 Yingji")
    for warning_id, alert in entries:
        entry = _el(root, "entry")
        _el(entry, "id", f"urn:yingji:warning:{warning_id}:{alert.identifier}")
        info = export.chinese_first(alert.infos)[0] if alert.infos else None
        _el(entry, "title", (info.headline or info.event) if info else alert.identifier)
        _el(entry, "updated", format_time(alert.sent))
        _el(entry, "published", format_time(alert.sent))
        _el(_el(entry, "author"), "name", (info.sender_name if info else None) or alert.sender)
        _el(entry, "link", rel="alternate", type="application/cap+xml",
            href=f"{base_url}/api/v1/warnings/{warning_id}/cap")
        if info is not None and info.description:
            _el(entry, "summary", info.description[:500])
        content = _el(entry, "content", type="application/cap+xml")
        content.append(export.to_tree(alert))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
