"""Emergency categories after GB/T 35561's four classes, with the subtypes the seeds name.

Keys are ours ("accident.hazchem"); the four top classes follow the standard and the 突发事件应对法.
"""

from __future__ import annotations

from typing import Any

# key: (zh, en)
CATEGORIES: dict[str, tuple[str, str]] = {
    "natural": ("自然灾害", "Natural disaster"),
    "natural.flood": ("洪涝灾害", "Flood"),
    "natural.drought": ("干旱灾害", "Drought"),
    "natural.rainstorm": ("暴雨", "Rainstorm"),
    "natural.typhoon": ("台风", "Typhoon"),
    "natural.geological": ("地质灾害", "Geological hazard"),
    "natural.geological.landslide": ("滑坡", "Landslide"),
    "natural.geological.debris_flow": ("泥石流", "Debris flow"),
    "natural.geological.collapse": ("崩塌", "Rockfall / collapse"),
    "natural.earthquake": ("地震灾害", "Earthquake"),
    "natural.forest_fire": ("森林火灾", "Forest fire"),
    "natural.waterlogging": ("城市内涝", "Urban waterlogging"),
    "natural.freezing": ("低温雨雪冰冻", "Snow and freezing"),
    "natural.wind_hail": ("大风冰雹", "Gale and hail"),
    "accident": ("事故灾难", "Accident"),
    "accident.road_traffic": ("道路交通事故", "Road traffic accident"),
    "accident.hazchem": ("危险化学品事故", "Hazardous chemicals accident"),
    "accident.fireworks": ("烟花爆竹事故", "Fireworks accident"),
    "accident.non_coal_mine": ("非煤矿山事故", "Non-coal mine accident"),
    "accident.fire": ("火灾事故", "Fire"),
    "accident.construction": ("建筑施工事故", "Construction accident"),
    "accident.special_equipment": ("特种设备事故", "Special equipment accident"),
    "accident.tourism": ("旅游安全事故", "Tourism accident"),
    "accident.water_traffic": ("水上交通事故", "Water traffic accident"),
    "accident.gas": ("燃气事故", "Gas accident"),
    "accident.industrial": ("工矿商贸事故", "Industrial and trade accident"),
    "public_health": ("公共卫生事件", "Public health event"),
    "public_health.infectious": ("传染病疫情", "Infectious disease outbreak"),
    "public_health.food": ("食品安全事件", "Food safety incident"),
    "public_health.poisoning": ("群体性中毒", "Mass poisoning"),
    "public_health.animal": ("动物疫情", "Animal epidemic"),
    "social_security": ("社会安全事件", "Social security event"),
    "social_security.mass": ("群体性事件", "Mass incident"),
    "social_security.terror": ("恐怖袭击事件", "Terrorist attack"),
    "social_security.crowd": ("人员密集场所踩踏", "Crowd crush"),
}

GRADES: dict[str, tuple[str, str, str]] = {
    # key: (zh, en, roman)
    "particularly_major": ("特别重大", "Particularly major", "I"),
    "major": ("重大", "Major", "II"),
    "relatively_major": ("较大", "Relatively major", "III"),
    "general": ("一般", "General", "IV"),
}
GRADE_ORDER = ["particularly_major", "major", "relatively_major", "general"]  # most severe first

FACTS: dict[str, tuple[str, str, str]] = {
    # key: (zh, en, unit shown)
    "deaths": ("死亡", "Dead", "人"),
    "missing": ("失踪", "Missing", "人"),
    "injured": ("受伤", "Injured", "人"),
    "seriously_injured": ("重伤", "Seriously injured", "人"),
    "trapped": ("被困", "Trapped", "人"),
    "sick": ("发病（中毒）", "Cases (sick or poisoned)", "人"),
    "affected": ("受灾人口", "People affected", "人"),
    "evacuated": ("紧急转移", "Evacuated", "人"),
    "economic_loss": ("直接经济损失", "Direct economic loss", "万元"),
    "area": ("影响面积", "Area affected", "公顷"),
    "houses_collapsed": ("倒塌房屋", "Houses collapsed", "间"),
    "water_level_over": ("超警戒水位", "Above warning level", "米"),
}


def exists(key: str) -> bool:
    return key in CATEGORIES


def parent(key: str) -> str | None:
    return key.rsplit(".", 1)[0] if "." in key else None


def tree() -> list[dict[str, Any]]:
    return [{"key": k, "name": zh, "name_en": en, "parent": parent(k)} for k, (zh, en) in CATEGORIES.items()]


def in_prefix(key: str, prefix: str) -> bool:
    return prefix == "" or key == prefix or key.startswith(prefix + ".")
