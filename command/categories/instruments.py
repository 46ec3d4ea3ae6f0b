"""Which instrument (law, regulation, national plan) governs which category (RULES.md, "Which rules govern
which category").

A reporting deadline or grading rule may cite only an instrument that covers the incident's category, or
say plainly that it is a local default ([P]). The seeded rules cite instruments by the exact titles below,
so `cited_in` finds them in a rule's source and `covers` tells whether that source may govern a category;
the rules page shows `CATEGORY_INSTRUMENTS` as its category → instrument table.
"""

from __future__ import annotations

from typing import NamedTuple

from command.categories.tree import CATEGORIES, in_prefix


class Instrument(NamedTuple):
    title: str                  # the official title and number, as cited in a rule's source
    title_en: str
    mark: str                   # L read in the text; Q quoted by a government page; P local / product default
    covers: tuple[str, ...]     # category prefixes it governs ("" = every emergency)


INSTRUMENTS: dict[str, Instrument] = {
    "decree_493": Instrument("《生产安全事故报告和调查处理条例》(国务院令第493号)",
                             "Regulations on Reporting, Investigating and Handling Production Safety Accidents "
                             "(State Council Decree No. 493)", "L", ("accident",)),
    "order_21": Instrument("《生产安全事故信息报告和处置办法》(原国家安全监管总局令第21号)",
                           "Measures for Reporting and Handling Production Safety Accident Information "
                           "(former SAWS Order No. 21)", "Q", ("accident",)),
    "nd_statistics": Instrument("《自然灾害情况统计调查制度》", "Natural Disaster Statistics Survey System", "Q",
                                ("natural",)),
    "nd_relief_plan": Instrument("《国家自然灾害救助应急预案》", "National Natural Disaster Relief Contingency Plan",
                                 "Q", ("natural",)),
    "decree_376": Instrument("《突发公共卫生事件应急条例》(国务院令第376号)",
                             "Regulations on Public Health Emergencies (State Council Decree No. 376)", "Q",
                             ("public_health",)),
    "ph_plan": Instrument("《国家突发公共卫生事件应急预案》", "National Contingency Plan for Public Health Emergencies",
                          "Q", ("public_health",)),
    "office_2015": Instrument("国务院应急办 2015 年通知",
                              "State Council Emergency Management Office notice of 2015", "Q", ("",)),
    "jiangxi": Instrument("《江西省突发事件应对条例》", "Jiangxi Province Regulations on Responding to Emergencies",
                          "Q", ("",)),
}

# Top category → the instruments its reporting and grading rules follow (empty: local rules only).
CATEGORY_INSTRUMENTS: dict[str, tuple[str, ...]] = {
    "natural": ("nd_statistics", "nd_relief_plan", "office_2015", "jiangxi"),
    "accident": ("decree_493", "order_21", "office_2015", "jiangxi"),
    "public_health": ("decree_376", "ph_plan", "office_2015", "jiangxi"),
    "social_security": ("office_2015", "jiangxi"),
}

MARK_WORDS: dict[str, tuple[str, str]] = {
    # the words pages show instead of the raw marks (RULES.md): zh, en
    "L": ("法律法规", "Law or regulation"),
    "Q": ("转引", "Quoted"),
    "P": ("本地默认", "Local default"),
}


def top(category: str) -> str:
    return category.split(".", 1)[0]


def cited_in(source: str) -> list[str]:
    """The instruments a rule's source cites, by title."""
    return [key for key, ins in INSTRUMENTS.items() if ins.title in source]


def mark_of(source: str) -> str | None:
    """The source-kind mark a source starts with ("[L] …" → "L"), or None."""
    s = source.lstrip()
    if len(s) >= 3 and s[0] == "[" and s[2] == "]" and s[1] in MARK_WORDS:
        return s[1]
    return None


def covers(source: str, category: str) -> bool:
    """May a rule with this source govern this category? A local default ([P]) says so plainly and may;
    otherwise it must cite at least one instrument and every one it cites must cover the category."""
    if mark_of(source) == "P":
        return True
    cited = cited_in(source)
    return bool(cited) and all(any(in_prefix(category, p) for p in INSTRUMENTS[k].covers) for k in cited)


def mapping() -> list[dict[str, object]]:
    """The category → instrument table for the rules page and the API."""
    return [{"category": cat, "name": CATEGORIES[cat][0], "name_en": CATEGORIES[cat][1],
             "instruments": [{"key": k, "title": INSTRUMENTS[k].title, "title_en": INSTRUMENTS[k].title_en,
                              "mark": INSTRUMENTS[k].mark} for k in keys]}
            for cat, keys in CATEGORY_INSTRUMENTS.items()]
