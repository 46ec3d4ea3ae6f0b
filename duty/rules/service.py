"""Reading a unit's effective duty rules (own → ancestors → defaults) and changing its own."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.principal import Principal
from core.db import UnitOfWork
from core.orm import utcnow
from core.units import service as units
from core.units.paths import ancestors_from_path, path_of
from duty.rules.defaults import DUTY_RULE_DEFAULTS
from duty.rules.models import DutyRules


async def effective(session: AsyncSession, unit_code: str) -> dict[str, tuple[Any, str]]:
    """{key: (value, where it comes from)}: the unit's own, else the nearest ancestor's, else default."""
    chain = ancestors_from_path(await path_of(session, unit_code))
    rows = {r.unit_code: r.values for r in
            (await session.execute(select(DutyRules).where(DutyRules.unit_code.in_(chain)))).scalars()}
    out: dict[str, tuple[Any, str]] = {}
    for key, spec in DUTY_RULE_DEFAULTS.items():
        out[key] = (spec["value"], "default")
        for code in chain:  # root first: a nearer unit overrides
            if key in rows.get(code, {}):
                out[key] = (rows[code][key], code)
    return out


async def value(session: AsyncSession, unit_code: str, key: str) -> Any:
    return (await effective(session, unit_code))[key][0]


async def view(session: AsyncSession, unit_code: str) -> dict[str, Any]:
    eff = await effective(session, unit_code)
    return {"unit": unit_code, "rules": [
        {"key": k, "value": v, "from": src, "source": DUTY_RULE_DEFAULTS[k]["source"],
         "label": DUTY_RULE_DEFAULTS[k]["label"][0], "label_en": DUTY_RULE_DEFAULTS[k]["label"][1]}
        for k, (v, src) in eff.items()]}


async def update(uow: UnitOfWork, *, by: Principal, unit_code: str, changes: dict[str, Any]) -> dict[str, Any]:
    session = uow.session
    await units.get_visible(session, by, unit_code)
    row = await session.get(DutyRules, unit_code)
    if row is None:
        row = DutyRules(unit_code=unit_code, values={})
        session.add(row)
    values = dict(row.values)
    for key, val in changes.items():
        if val is None:
            values.pop(key, None)
        else:
            values[key] = val
    row.values = values
    row.updated_at = utcnow()
    await session.flush()
    uow.emit("duty.rules.updated", subject=("unit", unit_code), scope=[unit_code],
             data={"unit": unit_code, "changes": changes})
    return await view(session, unit_code)
