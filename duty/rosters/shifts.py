"""Shift instances: a shift pattern (in the unit's zone) laid on calendar dates, in UTC."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class ShiftInstance:
    shift_date: date
    shift_key: str
    starts_at: datetime
    ends_at: datetime


def pattern_problem(shifts: list[dict[str, Any]]) -> str | None:
    """Why a pattern cannot tile the day (each shift starting where the last ended), or None."""
    if sum(int(s["hours"]) for s in shifts) != 24:
        return "the shifts must add up to 24 hours"
    minutes = [int(s["start"][:2]) * 60 + int(s["start"][3:]) for s in shifts]
    for i, s in enumerate(shifts[:-1]):
        if minutes[i] + int(s["hours"]) * 60 != minutes[i + 1]:
            return "each shift must start when the previous one ends"
    if len({s["key"] for s in shifts}) != len(shifts):
        return "shift keys must differ"
    return None


def instance(shift: dict[str, Any], day: date, tz: ZoneInfo) -> ShiftInstance:
    hh, mm = int(shift["start"][:2]), int(shift["start"][3:])
    start_local = datetime.combine(day, time(hh, mm), tzinfo=tz)
    start = start_local.astimezone(UTC)
    # Hours count in wall-clock terms of the zone (a 24 h shift ends at the same local time).
    end_local = (start_local.replace(tzinfo=None) + timedelta(hours=int(shift["hours"]))).replace(tzinfo=tz)
    return ShiftInstance(day, shift["key"], start, end_local.astimezone(UTC))


def month_days(month: str) -> list[date]:
    year, mon = int(month[:4]), int(month[5:7])
    return [date(year, mon, d) for d in range(1, calendar.monthrange(year, mon)[1] + 1)]


def month_instances(shifts: list[dict[str, Any]], month: str, tz_name: str) -> list[ShiftInstance]:
    tz = ZoneInfo(tz_name)
    return [instance(s, d, tz) for d in month_days(month) for s in shifts]


def local_month(at: datetime, tz_name: str) -> str:
    return at.astimezone(ZoneInfo(tz_name)).strftime("%Y-%m")


def duty_date(shifts: list[dict[str, Any]], at: datetime, tz_name: str) -> date:
    """The date of the shift day that `at` falls in (a 24 h shift from 08:30 owns the next 08:29)."""
    tz = ZoneInfo(tz_name)
    local_day = at.astimezone(tz).date()
    first = shifts[0]
    start_today = instance(first, local_day, tz).starts_at
    return local_day if at >= start_today else local_day - timedelta(days=1)


def local_deadline(day: date, hhmm: str, tz_name: str) -> datetime:
    """HH:MM on `day` in the zone, as UTC."""
    tz = ZoneInfo(tz_name)
    return datetime.combine(day, time(int(hhmm[:2]), int(hhmm[3:])), tzinfo=tz).astimezone(UTC)
