"""Between a CAP alert and a warning (command.warnings): which hazard, which colour, which areas in;
the CAP message of a warning version out."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from command.warnings.models import EarlyWarning
from command.warnings.rules import COLOURS, HAZARDS, SEVERITY_TO_COLOUR, level_name
from integrations.cap.geocodes import area_units, is_gb2260
from integrations.cap.model import Alert, Area, Circle, Info, Pair, Reference, from_doc

# Hazard words, most specific first (山洪 before 洪水, 道路结冰 before 冰, 沙尘暴 before 大风).
_HAZARD_WORDS: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    ("typhoon", ("台风", "热带气旋", "熱帶氣旋", "颱風"), ("typhoon", "hurricane", "tropical cyclone", "tropical storm",
                                                   "cyclone")),
    ("flash_flood", ("山洪",), ("flash flood",)),
    ("road_icing", ("道路结冰", "道路結冰", "电线积冰"), ("road ic", "black ice", "icy road", "freezing rain")),
    ("sandstorm", ("沙尘暴", "沙尘", "沙塵"), ("sandstorm", "sand storm", "dust storm", "dust")),
    ("snowstorm", ("暴雪", "大雪"), ("snow", "blizzard")),
    ("rainstorm", ("暴雨", "大暴雨", "豪雨", "强降雨", "大雨", "降雨"), ("rainstorm", "heavy rain", "rain")),
    ("cold_wave", ("寒潮", "低温"), ("cold wave", "extreme cold", "cold")),
    ("heat_wave", ("高温",), ("heat",)),
    ("drought", ("干旱", "乾旱"), ("drought",)),
    ("lightning", ("雷电", "雷暴", "雷雨"), ("thunder", "lightning")),
    ("hail", ("冰雹",), ("hail",)),
    ("frost", ("霜冻",), ("frost",)),
    ("haze", ("霾",), ("haze", "smog")),
    ("fog", ("大雾", "浓雾", "雾"), ("fog",)),
    ("gale", ("大风", "强风", "陣風"), ("gale", "wind")),
    ("geohazard", ("地质灾害", "滑坡", "泥石流", "崩塌", "土石流"),
     ("landslide", "mudslide", "debris flow", "avalanche")),
    ("flood", ("洪水", "洪涝", "内涝", "水位", "水库", "水庫"), ("flood",)),
    ("forest_fire", ("森林火险", "森林火灾", "火险", "林火"),
     ("forest fire", "bushfire", "bush fire", "wildfire", "fire")),
]
_COLOUR_WORDS = {"red": ("红色", "紅色"), "orange": ("橙色",), "yellow": ("黄色", "黃色"), "blue": ("蓝色", "藍色")}
_EN_COLOUR = re.compile(r"\b(red|orange|yellow|blue)\b", re.I)
HAZARD_CODE = "yingji:hazard"  # our eventCode: the hazard type, so our own export re-imports exactly
COLOUR_PARAM = "yingji:colour"


def primary_info(alert: Alert) -> Info | None:
    """The info block a Chinese duty room reads: the first in Chinese, else the first."""
    for info in alert.infos:
        if info.language.lower().startswith("zh"):
            return info
    return alert.infos[0] if alert.infos else None


def hazard_of(info: Info | None) -> str:
    if info is None:
        return "other"
    for pair in info.event_codes:
        if pair.value_name == HAZARD_CODE and pair.value in HAZARDS:
            return pair.value
    for text in (info.event, info.headline or ""):
        lower = text.lower()
        for code, zh, en in _HAZARD_WORDS:
            if any(w in text for w in zh) or any(re.search(rf"\b{re.escape(w)}", lower) for w in en):
                return code
    return "other"


def colour_of(info: Info | None) -> str:
    """The colour the issuer named (our parameter; 红色… in the headline or event; a MeteoAlarm-style
    awareness parameter), else the one CAP severity maps to; Unknown severity is 蓝 (the lowest)."""
    if info is None:
        return "blue"
    for pair in info.parameters:
        if pair.value_name == COLOUR_PARAM and pair.value in COLOURS:
            return pair.value
    for text in (info.headline or "", info.event):
        for colour, words in _COLOUR_WORDS.items():
            if any(w in text for w in words):
                return colour
    for pair in info.parameters:
        if "awareness" in pair.value_name.lower() or "colour" in pair.value_name.lower() \
                or "color" in pair.value_name.lower():
            found = _EN_COLOUR.search(pair.value)
            if found:
                return found.group(1).lower()
    return SEVERITY_TO_COLOUR.get(info.severity, "blue")


def areas_of(alert: Alert) -> dict[str, Any]:
    """Every area of every info block (blocks in other languages usually repeat the same areas; some
    issuers split counties across blocks of one language), deduplicated."""
    units: list[str] = []
    polygons: list[list[list[float]]] = []
    circles: list[dict[str, float]] = []
    geocodes: list[dict[str, str]] = []
    descriptions: list[str] = []
    for info in alert.infos:
        for area in info.areas:
            units += [c for c in area_units(area) if c not in units]
            for poly in area.polygons:
                ring = [[lat, lon] for lat, lon in poly]
                if ring not in polygons:
                    polygons.append(ring)
            for c in area.circles:
                circle = {"lat": c.lat, "lon": c.lon, "radius_km": c.radius_km}
                if circle not in circles:
                    circles.append(circle)
            for pair in area.geocodes:
                doc = {"name": pair.value_name, "value": pair.value}
                if not is_gb2260(pair.value_name) and doc not in geocodes:
                    geocodes.append(doc)
            if area.area_desc and area.area_desc not in descriptions:
                descriptions.append(area.area_desc)
    return {"units": units, "polygons": polygons, "circles": circles, "geocodes": geocodes,
            "descriptions": descriptions}


def warning_fields(alert: Alert) -> dict[str, Any]:
    """The keyword arguments of warnings.issue/update for this alert (without by/status/identity)."""
    info = primary_info(alert)
    fields: dict[str, Any] = {
        "hazard": hazard_of(info), "colour": colour_of(info), "areas": areas_of(alert),
        "headline": (info.headline if info else None) or "",
        "description": (info.description if info else None) or "",
        "instructions": (info.instruction if info else None) or "",
        "issuer_name": (info.sender_name if info else None) or alert.sender,
        "event": (info.event if info else "") or "",
        "effective_at": (info.effective if info else None) or alert.sent,
        "onset_at": info.onset if info else None,
        "expires_at": info.expires if info else None,
        "sent_at": alert.sent,
    }
    if not any(info.areas for info in alert.infos):
        # CAP allows an info without an area: an Update saying nothing of the area leaves it as it was
        # (never "withdraw every unit"); a new Alert without one reaches the importer's unit.
        fields["areas"] = None
    if fields["expires_at"] is not None and fields["expires_at"] <= fields["effective_at"]:
        # Seen in the wild (MeteoAlarm's closing updates: expires == effective): a message that ends
        # as it starts. Kept, already expired; its own times stay in extra.cap.
        fields["effective_at"] = None
        if fields["onset_at"] is not None and fields["onset_at"] >= fields["expires_at"]:
            fields["onset_at"] = None
    return fields


# --------------------------------------------------------------------------------------- out

def _local(value: datetime | None, tz: ZoneInfo) -> datetime | None:
    return None if value is None else value.astimezone(tz)


def _area(w: EarlyWarning, unit_names: dict[str, str]) -> Area:
    areas = w.areas or {}
    units = areas.get("units") or []
    desc = "、".join(areas.get("descriptions") or []) or "、".join(unit_names.get(u, u) for u in units) or w.issuer_name
    return Area(area_desc=desc,
                polygons=[[(float(p[0]), float(p[1])) for p in poly] for poly in areas.get("polygons") or []],
                circles=[Circle(lat=float(c["lat"]), lon=float(c["lon"]), radius_km=float(c["radius_km"]))
                         for c in areas.get("circles") or []],
                geocodes=[Pair("GB/T 2260", u) for u in units]
                + [Pair(g["name"], g["value"]) for g in areas.get("geocodes") or []])


def info_blocks(w: EarlyWarning, unit_names: dict[str, str], tz: ZoneInfo) -> list[Info]:
    """zh-CN (the warning as written) then en-US (names from the catalogues; the text stays Chinese)."""
    hazard, colour = HAZARDS[w.hazard], COLOURS[w.colour]
    common: dict[str, Any] = {
        "categories": [hazard["category"]],
        "response_types": ["Prepare"] if w.msg_type != "Cancel" else ["AllClear"],
        "urgency": "Immediate" if w.colour == "red" else "Expected",
        "severity": colour["severity"], "certainty": "Likely",
        "event_codes": [Pair(HAZARD_CODE, w.hazard)],
        "effective": _local(w.effective_at or w.sent_at, tz), "onset": _local(w.onset_at, tz),
        "expires": _local(w.expires_at, tz),
        "parameters": [Pair(COLOUR_PARAM, w.colour), Pair("预警级别", level_name(w.colour))],
        "areas": [_area(w, unit_names)],
    }
    zh = Info(language="zh-CN", event=w.event or hazard["zh"], sender_name=w.issuer_name or None,
              headline=w.headline or None, description=w.description or None,
              instruction=w.instructions or None, **common)
    en = Info(language="en-US", event=hazard["en"], sender_name=w.issuer_name or None,
              headline=f"{colour['en']} {hazard['en'].lower()} warning ({level_name(w.colour, 'en')})",
              description=w.description or None, instruction=w.instructions or None, **common)
    return [zh, en]


def alert_of_version(w: EarlyWarning, *, identity: tuple[str, str], references: list[Reference],
                     unit_names: dict[str, str], tz: ZoneInfo) -> Alert:
    """The CAP message of one warning version. An imported version is the message it came as
    (every language kept, its own identity); one made here is written from its fields."""
    cap = w.extra.get("cap") or {}
    # `extra` is carried to later versions; it is this version's message only if the identity matches.
    if cap and cap.get("identifier") == w.identifier and cap.get("sender") == w.sender:
        alert = from_doc(cap)
        alert.signed, alert.signature, alert.notes = False, "absent", []  # ours now: no signature carried
        return alert
    sender, identifier = identity
    return Alert(identifier=identifier, sender=sender, sent=w.sent_at.astimezone(tz),
                 status="Exercise" if w.exercise else "Actual", msg_type=w.msg_type, scope="Public",
                 note=w.reason or None, references=references, infos=info_blocks(w, unit_names, tz))
