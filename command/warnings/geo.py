"""Which points lie in a warning's polygons and circles (WGS-84; CAP order: lat, lon)."""

from __future__ import annotations

import math
from typing import Any


def in_polygon(lat: float, lon: float, ring: list[list[float]]) -> bool:
    """Even-odd ray casting; good enough at county scale, where the earth is flat."""
    inside = False
    n = len(ring)
    for i in range(n):
        (y1, x1), (y2, x2) = ring[i][:2], ring[(i + 1) % n][:2]
        if (y1 > lat) != (y2 > lat) and lon < (x2 - x1) * (lat - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def km_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0088 * 2 * math.asin(math.sqrt(a))


def covers(areas: dict[str, Any], lat: float, lon: float) -> bool:
    if any(in_polygon(lat, lon, ring) for ring in areas.get("polygons") or [] if len(ring) >= 3):
        return True
    return any(km_between(lat, lon, c["lat"], c["lon"]) <= c["radius_km"] for c in areas.get("circles") or [])
