"""The warning tables a reader checks against their sources: hazard types (with who issues them and
which colours each has), colours (level, CAP severity, names), the lifecycle table, and the
sign-for / precaution windows per colour (seeded into the duty rules, configurable per unit).

Source marks as in RULES.md: [L] read in the law, [Q] quoted by a government page (not read in the
original here), [P] a product default (本地默认)."""

from __future__ import annotations

from typing import Any

# Colour -> level (RULES.md: [L] 《突发事件应对法》(2024) art. 63), the CAP 1.2 severity it maps to
# (the usual mapping of national profiles: the highest level is Extreme) and the names people see.
COLOURS: dict[str, dict[str, Any]] = {
    "red": {"level": 1, "zh": "红色", "en": "Red", "level_zh": "一级", "level_name": ("特别严重", "Very serious"),
            "severity": "Extreme", "hex": "#d32f2f"},
    "orange": {"level": 2, "zh": "橙色", "en": "Orange", "level_zh": "二级", "level_name": ("严重", "Serious"),
               "severity": "Severe", "hex": "#f57c00"},
    "yellow": {"level": 3, "zh": "黄色", "en": "Yellow", "level_zh": "三级", "level_name": ("较重", "Heavy"),
               "severity": "Moderate", "hex": "#fbc02d"},
    "blue": {"level": 4, "zh": "蓝色", "en": "Blue", "level_zh": "四级", "level_name": ("一般", "General"),
             "severity": "Minor", "hex": "#1976d2"},
}
COLOUR_SOURCE = "[L] 《突发事件应对法》(2024) art. 63: 一级 红, 二级 橙, 三级 黄, 四级 蓝 (一级 highest)"
SEVERITY_TO_COLOUR = {spec["severity"]: colour for colour, spec in COLOURS.items()}

_MET = "[Q] 《气象灾害预警信号发布与传播办法》(中国气象局令第16号) 附件：预警信号的分类和级别"
_ALL = ("blue", "yellow", "orange", "red")
# code: zh, en, issuing service (CAP category), colours it is issued in, source, CAP event words.
HAZARDS: dict[str, dict[str, Any]] = {
    "typhoon": {"zh": "台风", "en": "Typhoon", "by": "气象", "category": "Met", "colours": _ALL, "source": _MET},
    "rainstorm": {"zh": "暴雨", "en": "Rainstorm", "by": "气象", "category": "Met", "colours": _ALL, "source": _MET},
    "snowstorm": {"zh": "暴雪", "en": "Snowstorm", "by": "气象", "category": "Met", "colours": _ALL, "source": _MET},
    "cold_wave": {"zh": "寒潮", "en": "Cold wave", "by": "气象", "category": "Met", "colours": _ALL, "source": _MET},
    "gale": {"zh": "大风", "en": "Gale", "by": "气象", "category": "Met", "colours": _ALL, "source": _MET},
    "sandstorm": {"zh": "沙尘暴", "en": "Sandstorm", "by": "气象", "category": "Met",
                  "colours": ("yellow", "orange", "red"), "source": _MET},
    "heat_wave": {"zh": "高温", "en": "Heat wave", "by": "气象", "category": "Met",
                  "colours": ("yellow", "orange", "red"), "source": _MET},
    "drought": {"zh": "干旱", "en": "Drought", "by": "气象", "category": "Met", "colours": ("orange", "red"),
                "source": _MET},
    "lightning": {"zh": "雷电", "en": "Lightning", "by": "气象", "category": "Met",
                  "colours": ("yellow", "orange", "red"), "source": _MET},
    "hail": {"zh": "冰雹", "en": "Hail", "by": "气象", "category": "Met", "colours": ("orange", "red"),
             "source": _MET},
    "frost": {"zh": "霜冻", "en": "Frost", "by": "气象", "category": "Met", "colours": ("blue", "yellow", "orange"),
              "source": _MET},
    "fog": {"zh": "大雾", "en": "Heavy fog", "by": "气象", "category": "Met", "colours": ("yellow", "orange", "red"),
            "source": _MET},
    "haze": {"zh": "霾", "en": "Haze", "by": "气象", "category": "Met", "colours": ("yellow", "orange"),
             "source": _MET},
    "road_icing": {"zh": "道路结冰", "en": "Road icing", "by": "气象", "category": "Met",
                   "colours": ("yellow", "orange", "red"), "source": _MET},
    "flood": {"zh": "洪水", "en": "Flood", "by": "水文", "category": "Met", "colours": _ALL,
              "source": "[Q] 水利部《水情预警发布管理办法》: 洪水预警 红橙黄蓝"},
    "flash_flood": {"zh": "山洪", "en": "Flash flood", "by": "水利", "category": "Met", "colours": _ALL,
                    "source": "[P] 山洪灾害预警 as county flash-flood systems issue it (本地默认)"},
    "geohazard": {"zh": "地质灾害", "en": "Geological hazard", "by": "自然资源", "category": "Geo",
                  "colours": ("yellow", "orange", "red"),
                  "source": "[Q] 地质灾害气象风险预警 (自然资源部门会同气象部门); "
                            "《地质灾害防治条例》(国务院令第394号)"},
    "forest_fire": {"zh": "森林火险", "en": "Forest fire danger", "by": "林业", "category": "Fire", "colours": _ALL,
                    "source": "[Q] 《森林防火条例》(国务院令第541号) 森林火险预警"},
    "other": {"zh": "其他", "en": "Other", "by": "", "category": "Other", "colours": _ALL,
              "source": "[P] any other hazard a CAP message names (its event text is kept)"},
}

# The lifecycle of a warning (of its current version). Every change is a new version linked to the
# one it replaces; expiry is the timer's, not a person's.
WARNING_TRANSITIONS: dict[tuple[str, str], str] = {
    ("issued", "update"): "updated",
    ("updated", "update"): "updated",
    ("issued", "cancel"): "cancelled",
    ("updated", "cancel"): "cancelled",
    ("issued", "expire"): "expired",
    ("updated", "expire"): "expired",
}
ACTIVE = ("issued", "updated")
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "issued": ("生效中", "In force"), "updated": ("已更新", "Updated"), "cancelled": ("已解除", "Cancelled"),
    "expired": ("已过期", "Expired"),
}

# An addressed unit's follow-up: addressed -> signed (签收) -> reported (防范落实).
ADDRESSEE_TRANSITIONS: dict[tuple[str, str], str] = {
    ("addressed", "sign"): "signed",
    ("signed", "report"): "reported",
    ("reported", "report"): "reported",            # a later report adds to the first
    ("signed", "readdress"): "addressed",          # raised to a higher colour: sign again
    ("reported", "readdress"): "addressed",
    ("addressed", "readdress"): "addressed",
    ("addressed", "withdraw"): "withdrawn",        # no longer in the area, or the warning ended
    ("signed", "withdraw"): "withdrawn",
    ("reported", "withdraw"): "withdrawn",
}
ADDRESSEE_LABELS: dict[str, tuple[str, str]] = {
    "addressed": ("待签收", "To sign for"), "signed": ("待反馈防范落实", "Precautions owed"),
    "reported": ("已反馈", "Precautions reported"), "withdrawn": ("已撤回", "Withdrawn"),
}

# Windows per colour, in minutes from addressing. No national rule fixes them: local defaults,
# tighter the higher the level (a red warning at 2 a.m. must be signed within minutes).
WINDOW_SOURCE = "[P] 本地默认 (local default): no national rule found; set per unit in the duty rules"
SIGNFOR_MIN_DEFAULT: dict[str, int] = {"red": 10, "orange": 15, "yellow": 30, "blue": 60}
REPORT_MIN_DEFAULT: dict[str, int] = {"red": 60, "orange": 120, "yellow": 240, "blue": 480}
REMIND_BEFORE_MIN_DEFAULT = 5
ESCALATE_AFTER_MIN_DEFAULT = 15


def level_name(colour: str, lang: str = "zh") -> str:
    spec = COLOURS[colour]
    return f"{spec['zh']}（{spec['level_zh']}）" if lang == "zh" else f"{spec['en']} (level {spec['level']})"
