"""Which CAP geocodes are GB/T 2260 administrative-division codes (and so name our units).

Only a geocode whose valueName names the GB/T 2260 scheme is read as a unit code: a bare six-digit
value is not enough (US SAME/FIPS codes are six digits too). Other geocodes are kept as they came.
"""

from __future__ import annotations

import re

from integrations.cap.model import Alert, Area

_SCHEME = re.compile(r"[^0-9a-z\u4e00-\u9fff]+")
# valueNames seen for the national division code, compared with punctuation, spaces and case removed.
GB2260_NAMES = frozenset({"gbt2260", "gb2260", "gbt22602007", "gbt22602002", "adcode", "areacode",
                          "行政区划代码", "行政区划", "区划代码", "profilecncapgb2260", "cngb2260"})
_CODE = re.compile(r"^\d{6}(\d{3}|\d{6})?$")


def is_gb2260(value_name: str) -> bool:
    return _SCHEME.sub("", value_name.lower()) in GB2260_NAMES


def unit_code(value: str) -> str | None:
    """The six-digit code of a GB/T 2260 value; 9- and 12-digit township/statistical codes end in
    their county's code only when the extra digits are zero (else the unit is below our tree)."""
    value = value.strip()
    if not _CODE.match(value):
        return None
    head, tail = value[:6], value[6:]
    return head if not tail.strip("0") else None


def area_units(area: Area) -> list[str]:
    out: list[str] = []
    for pair in area.geocodes:
        if is_gb2260(pair.value_name):
            code = unit_code(pair.value)
            if code and code not in out:
                out.append(code)
    return out


def alert_units(alert: Alert) -> list[str]:
    """Every GB/T 2260 unit code any area of any info block names, in order of first mention."""
    out: list[str] = []
    for info in alert.infos:
        for area in info.areas:
            for code in area_units(area):
                if code not in out:
                    out.append(code)
    return out
