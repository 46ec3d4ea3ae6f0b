"""Demo population at risk for every county-level unit of 赣州市 and the city itself (round
figures of the order of each unit's resident population; written for the demo, not an official
statistic: a deployment loads its own)."""

from __future__ import annotations

from sqlalchemy import select

from command.warnings.models import UnitPopulation
from core.db import Database
from core.units.models import Unit

SOURCE = "演示数据（约数，非官方统计）"
POPULATION = {
    "360702": 640000, "360703": 790000, "360704": 550000, "360722": 640000, "360723": 290000,
    "360724": 270000, "360725": 180000, "360726": 340000, "360728": 190000, "360729": 170000,
    "360730": 670000, "360731": 880000, "360732": 630000, "360733": 420000, "360734": 280000,
    "360735": 270000, "360781": 550000, "360783": 290000, "360771": 250000,
}


async def load_demo(db: Database) -> dict[str, int]:
    """Idempotent: units that have a figure keep it."""
    async with db.write() as uow:
        have = set((await uow.session.execute(select(UnitPopulation.unit_code))).scalars())
        units = set((await uow.session.execute(select(Unit.code).where(Unit.code.in_(POPULATION)))).scalars())
        n = 0
        for code, population in POPULATION.items():
            if code in units and code not in have:
                uow.session.add(UnitPopulation(unit_code=code, population=population, source=SOURCE))
                n += 1
        if await uow.session.get(Unit, "360700") is not None and "360700" not in have:
            uow.session.add(UnitPopulation(unit_code="360700", population=sum(POPULATION.values()), source=SOURCE))
    return {"population figures": n}
