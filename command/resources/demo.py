"""Demo resources: a registry entry for every demo team, stock in every warehouse, the city's and
章贡区's experts. Written for the demo; the figures are plausible, not real."""

from __future__ import annotations

from sqlalchemy import select

from command.resources.models import Expert, RescueTeam, StockItem
from core.db import Database
from core.demo import person_name
from core.orm import new_id
from core.units.models import Facility, Unit

# (item, measure, city quantity, county quantity)
STOCK = [("帐篷", "顶", 800, 120), ("折叠床", "张", 1500, 200), ("棉被", "床", 3000, 400),
         ("救生衣", "件", 1200, 150), ("冲锋舟", "艘", 30, 4), ("移动发电机", "台", 40, 6),
         ("应急照明灯", "盏", 600, 80), ("编织袋", "条", 50000, 8000), ("瓶装饮用水", "箱", 2000, 300)]
EXPERTS = [("360700", "刘德明", "水文气象", "赣州市水文局"), ("360700", "钟文斌", "地质灾害防治", "赣州市自然资源局"),
           ("360700", "黄晓燕", "危险化学品安全", "赣州市应急管理局"), ("360700", "谢国庆", "森林防火", "赣州市林业局"),
           ("360700", "赖永红", "医疗救援", "赣州市人民医院"), ("360700", "曾立新", "建筑结构安全", "赣州市住建局"),
           ("360702", "郭思远", "防汛抢险", "章贡区水利局"), ("360702", "温秀英", "应急通信", "章贡区工信局")]


def _team_kind(code: str, name: str) -> tuple[str, int, list[str]]:
    if "森林" in name:
        return "forest_fire", 45, ["风力灭火机", "高压细水雾灭火机", "水泵", "卫星电话"]
    if code.startswith("360700"):
        return "comprehensive", 120, ["冲锋舟", "破拆工具组", "生命探测仪", "应急通信车", "无人机"]
    return "comprehensive", 40, ["冲锋舟", "抽水泵", "发电机", "救生衣", "无人机"]


async def load_demo(db: Database) -> dict[str, int]:
    created = {"teams": 0, "stock lines": 0, "experts": 0}
    async with db.write() as uow:
        s = uow.session
        have = set((await s.execute(select(RescueTeam.unit_code))).scalars())
        team_units = (await s.execute(select(Unit).where(Unit.kind == "team").order_by(Unit.code))).scalars()
        for i, unit in enumerate(team_units):
            if unit.code in have:
                continue
            kind, headcount, equipment = _team_kind(unit.code, unit.name)
            s.add(RescueTeam(unit_code=unit.code, unit_path=unit.path, type=kind, headcount=headcount,
                             leader=person_name(200 + i), phone=f"1397970{i:04d}", equipment=equipment,
                             base_address=unit.name, lat=unit.lat, lon=unit.lon, status="available"))
            created["teams"] += 1
        stocked = set((await s.execute(select(StockItem.facility_id))).scalars())
        rows = (await s.execute(select(Facility, Unit.path).join(Unit, Unit.code == Facility.unit_code)
                                .where(Facility.kind == "warehouse"))).all()
        for facility, path in rows:
            if facility.id in stocked:
                continue
            city = facility.unit_code == "360700"
            for item, measure, big, small in STOCK:
                s.add(StockItem(id=new_id(), facility_id=facility.id, unit_code=facility.unit_code, unit_path=path,
                                item=item, measure=measure, quantity=big if city else small, reserved=0,
                                reserve_type="physical"))
                created["stock lines"] += 1
        if not (await s.execute(select(Expert.id).limit(1))).first():
            paths = {u.code: u.path for u in (await s.execute(select(Unit).where(
                Unit.code.in_({e[0] for e in EXPERTS})))).scalars()}
            for j, (unit_code, name, field, org) in enumerate(EXPERTS):
                s.add(Expert(id=new_id(), unit_code=unit_code, unit_path=paths[unit_code], name=name, field=field,
                             organisation=org, phone=f"1390797{j:04d}"))
                created["experts"] += 1
    return created
