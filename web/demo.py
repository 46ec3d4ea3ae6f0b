"""The whole demo: the kernel's jurisdiction and users, then each domain's demo data."""

from __future__ import annotations

from command.categories import grading
from command.reports import service as reports
from command.resources import demo as resources_demo
from command.warnings import demo as warnings_demo
from core import demo as core_demo
from core.db import Database
from duty import demo as duty_demo
from plans_registry import demo as plans_demo


async def load_demo(db: Database) -> dict[str, int]:
    created = await core_demo.load_demo(db)
    created.update(await duty_demo.load_demo(db))
    async with db.write() as uow:
        created["grading rules"] = await grading.seed_rules(uow, unit=core_demo.CITY[0])
        created["report rules"] = await reports.seed_rules(uow, unit=core_demo.CITY[0])
    created.update(await resources_demo.load_demo(db))
    created.update(await plans_demo.load_demo(db))
    created.update(await warnings_demo.load_demo(db))
    return created
