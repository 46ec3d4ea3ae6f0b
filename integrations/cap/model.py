"""The normalised in-memory CAP 1.2 alert: what parsing produces and exporting consumes.

Field names follow the CAP 1.2 element names (snake_case). Times are timezone-aware datetimes
keeping the offset the message gave; `to_doc` / `from_doc` turn an alert into plain JSON (times
as RFC 3339) for storage and the API and back, losslessly.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

NS = "urn:oasis:names:tc:emergency:cap:1.2"
DEFAULT_LANGUAGE = "en-US"  # CAP 1.2 §3.2.2: an info block without <language> is en-US

STATUSES = ("Actual", "Exercise", "System", "Test", "Draft")
MSG_TYPES = ("Alert", "Update", "Cancel", "Ack", "Error")
# Only Actual messages may touch live data; the rest are drill data or never imported as warnings.
LIVE_STATUS = "Actual"


@dataclass
class Pair:
    """A CAP valueName/value pair (eventCode, parameter, geocode)."""

    value_name: str
    value: str


@dataclass
class Circle:
    lat: float
    lon: float
    radius_km: float


@dataclass
class Area:
    area_desc: str
    # Each polygon is its list of (lat, lon) points as the message gave them (WGS-84).
    polygons: list[list[tuple[float, float]]] = field(default_factory=list)
    circles: list[Circle] = field(default_factory=list)
    geocodes: list[Pair] = field(default_factory=list)
    altitude: float | None = None
    ceiling: float | None = None
    # A polygon or circle whose text is not WGS-84 coordinates (XSD-valid: it only says "string"):
    # kept as written (value_name "polygon" | "circle"), never used to address anyone.
    unread_geometry: list[Pair] = field(default_factory=list)


@dataclass
class Resource:
    """A link (never fetched). `deref_uri` is kept as received: it is data, not something we open."""

    resource_desc: str
    mime_type: str
    size: int | None = None
    uri: str | None = None
    deref_uri: str | None = None
    digest: str | None = None


@dataclass
class Info:
    language: str = DEFAULT_LANGUAGE
    categories: list[str] = field(default_factory=list)
    event: str = ""
    response_types: list[str] = field(default_factory=list)
    urgency: str = "Unknown"
    severity: str = "Unknown"
    certainty: str = "Unknown"
    audience: str | None = None
    event_codes: list[Pair] = field(default_factory=list)
    effective: datetime | None = None
    onset: datetime | None = None
    expires: datetime | None = None
    sender_name: str | None = None
    headline: str | None = None
    description: str | None = None
    instruction: str | None = None
    web: str | None = None
    contact: str | None = None
    parameters: list[Pair] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)
    areas: list[Area] = field(default_factory=list)


@dataclass
class Reference:
    sender: str
    identifier: str
    sent: datetime | None  # None only when a sender wrote a malformed triple we still kept (never exported so)


@dataclass
class Alert:
    identifier: str
    sender: str
    sent: datetime
    status: str
    msg_type: str
    scope: str
    source: str | None = None
    restriction: str | None = None
    addresses: str | None = None
    codes: list[str] = field(default_factory=list)
    note: str | None = None
    references: list[Reference] = field(default_factory=list)
    incidents: str | None = None
    infos: list[Info] = field(default_factory=list)
    # Not CAP fields: what we noticed while reading (kept for the record, never exported).
    signed: bool = False
    signature: str = "absent"  # integrations.cap.signature: absent | digest_valid | digest_mismatch | unchecked
    notes: list[dict[str, str]] = field(default_factory=list)  # what was kept but not understood {pointer, message}

    @property
    def is_live(self) -> bool:
        return self.status == LIVE_STATUS

    @property
    def key(self) -> tuple[str, str, str]:
        """The CAP message key (sender, identifier, sent) that `references` name."""
        return (self.sender, self.identifier, format_time(self.sent))

    def infos_in(self, preferred: str) -> list[Info]:
        """The info blocks in the reader's language first (by primary subtag), the rest after, stable."""
        primary = preferred.split("-")[0].lower()
        return sorted(self.infos, key=lambda i: i.language.split("-")[0].lower() != primary)


def format_time(value: datetime) -> str:
    """CAP's dateTime form: seconds, an explicit offset, never `Z` nor fractions (the XSD's pattern)."""
    text = value.replace(microsecond=0).isoformat()
    return text[:-6] + "+00:00" if text.endswith("Z") else text


def _time_doc(value: datetime | None) -> str | None:
    return None if value is None else format_time(value)


def to_doc(alert: Alert) -> dict[str, Any]:
    doc = asdict(alert)
    doc["sent"] = format_time(alert.sent)
    for ref, ref_doc in zip(alert.references, doc["references"], strict=True):
        ref_doc["sent"] = _time_doc(ref.sent)
    for info, info_doc in zip(alert.infos, doc["infos"], strict=True):
        for name in ("effective", "onset", "expires"):
            info_doc[name] = _time_doc(getattr(info, name))
        for area_doc in info_doc["areas"]:
            area_doc["polygons"] = [[list(p) for p in poly] for poly in area_doc["polygons"]]
    return doc


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _pairs(items: list[dict[str, Any]]) -> list[Pair]:
    return [Pair(**p) for p in items]


def from_doc(doc: dict[str, Any]) -> Alert:
    infos = []
    for i in doc.get("infos", []):
        areas = [Area(area_desc=a["area_desc"],
                      polygons=[[(float(p[0]), float(p[1])) for p in poly] for poly in a.get("polygons", [])],
                      circles=[Circle(**c) for c in a.get("circles", [])],
                      geocodes=_pairs(a.get("geocodes", [])),
                      unread_geometry=_pairs(a.get("unread_geometry", [])),
                      altitude=a.get("altitude"), ceiling=a.get("ceiling"))
                 for a in i.get("areas", [])]
        fields = {k: v for k, v in i.items() if k not in ("event_codes", "parameters", "resources", "areas",
                                                           "effective", "onset", "expires")}
        infos.append(Info(**fields, event_codes=_pairs(i.get("event_codes", [])),
                          parameters=_pairs(i.get("parameters", [])),
                          resources=[Resource(**r) for r in i.get("resources", [])], areas=areas,
                          effective=_time(i.get("effective")), onset=_time(i.get("onset")),
                          expires=_time(i.get("expires"))))
    head = {k: v for k, v in doc.items() if k not in ("sent", "references", "infos")}
    return Alert(**head, sent=datetime.fromisoformat(doc["sent"]),
                 references=[Reference(sender=r["sender"], identifier=r["identifier"], sent=_time(r["sent"]))
                             for r in doc.get("references", [])],
                 infos=infos)
