"""What the issuer watches (coverage) and what a unit owes ("needs me now"), and the population at
risk that coverage is measured against. Reads, apart from set_population."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.warnings.models import EarlyWarning, UnitPopulation, WarningAddressee
from command.warnings.rules import ACTIVE
from command.warnings.service import addressees_of, get_current
from core.auth.principal import Principal
from core.db import UnitOfWork
from core.orm import utcnow
from core.units.models import Unit


async def set_population(uow: UnitOfWork, *, unit: str, population: int, source: str) -> None:
    row = await uow.session.get(UnitPopulation, unit)
    if row is None:
        uow.session.add(UnitPopulation(unit_code=unit, population=population, source=source))
    else:
        row.population, row.source, row.updated_at = population, source, utcnow()
    uow.emit("unit.population_set", subject=("unit", unit), scope=[unit],
             data={"unit": unit, "population": population, "source": source})


async def coverage(session: AsyncSession, by: Principal, warning_id: str, *, now: datetime | None = None
                   ) -> dict[str, Any]:
    """Units addressed / signed / reported, people reached against the population at risk, and
    each unit's line, late units first."""
    w = await get_current(session, by, warning_id)
    now = now or utcnow()
    rows = [r for r in await addressees_of(session, w.series_id) if r.state != "withdrawn"]
    codes = [r.unit_code for r in rows]
    names = dict((await session.execute(select(Unit.code, Unit.name).where(Unit.code.in_(codes)))).all())
    pops = dict((await session.execute(select(UnitPopulation.unit_code, UnitPopulation.population)
                                       .where(UnitPopulation.unit_code.in_(codes)))).all())
    active = w.state in ACTIVE
    lines = []
    for r in rows:
        late = r.late(now) if active else None
        due = r.sign_due_at if r.state == "addressed" else r.report_due_at if r.state == "signed" else None
        lines.append({**r.as_doc(), "name": names.get(r.unit_code, r.unit_code), "population": pops.get(r.unit_code),
                      "late": late, "due_at": due.isoformat() if due and active else None})
    order = {"addressed": 1, "signed": 2, "reported": 3}
    lines.sort(key=lambda x: (x["late"] is None, order.get(x["state"], 9), x["due_at"] or "", x["unit"]))
    population = sum(p for p in pops.values() if p)
    warned = sum(r.people_warned for r in rows)
    return {"warning": w.as_doc(), "addressed": len(rows),
            "signed": sum(1 for r in rows if r.state in ("signed", "reported")),
            "reported": sum(1 for r in rows if r.state == "reported"),
            "late": sum(1 for x in lines if x["late"]), "population_at_risk": population, "people_warned": warned,
            "people_moved": sum(r.people_moved for r in rows),
            "reached_pct": round(100 * warned / population, 1) if population else None, "units": lines,
            "at": now.isoformat()}


async def owed_by(session: AsyncSession, by: Principal, *, exercise: bool = False) -> list[dict[str, Any]]:
    """What my unit owes on warnings now: to sign for, and precautions to report ("needs me now")."""
    stmt = (select(WarningAddressee, EarlyWarning)
            .join(EarlyWarning, (EarlyWarning.series_id == WarningAddressee.series_id)
                  & EarlyWarning.current.is_(True))
            .where(WarningAddressee.unit_code == by.unit_code, WarningAddressee.state.in_(("addressed", "signed")),
                   EarlyWarning.state.in_(ACTIVE), WarningAddressee.exercise.is_(exercise)))
    out = []
    for r, w in (await session.execute(stmt)).all():
        owe = "sign" if r.state == "addressed" else "report"
        out.append({"kind": owe, "due_at": (r.sign_due_at if owe == "sign" else r.report_due_at).isoformat(),
                    "addressee": r.as_doc(), "warning": w.as_doc()})
    return sorted(out, key=lambda x: x["due_at"])
