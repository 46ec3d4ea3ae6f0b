"""Warning reactions: the expiry timer and the sign-for / precaution ladder; the duty handover
lists what a unit still owes on warnings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.warnings import service
from command.warnings.models import EarlyWarning, WarningAddressee
from command.warnings.rules import ACTIVE, ADDRESSEE_LABELS, HAZARDS, level_name
from core.db import UnitOfWork
from core.timers.runner import DueTimer, handles
from duty.handover import providers


def _handler(kind: str) -> None:
    @handles(kind)
    async def fire(uow: UnitOfWork, timer: DueTimer) -> None:
        await service.on_timer(uow, ref=timer.ref, kind=kind, payload=timer.payload)


for _kind in (service.EXPIRE_TIMER, *service.ADDRESSEE_TIMERS):
    _handler(_kind)


@providers.provider("command.warnings")
async def warnings_owed(session: AsyncSession, unit: str, at: datetime) -> list[providers.OpenItem]:
    stmt = (select(WarningAddressee, EarlyWarning)
            .join(EarlyWarning, (EarlyWarning.series_id == WarningAddressee.series_id)
                  & EarlyWarning.current.is_(True))
            .where(WarningAddressee.unit_code == unit, WarningAddressee.state.in_(("addressed", "signed")),
                   EarlyWarning.state.in_(ACTIVE), WarningAddressee.exercise.is_(False)))
    items = []
    for r, w in (await session.execute(stmt)).all():
        due = r.sign_due_at if r.state == "addressed" else r.report_due_at
        items.append(providers.OpenItem("command.warnings", w.series_id,
                                        f"预警：{HAZARDS[w.hazard]['zh']}{level_name(w.colour)} {w.headline}",
                                        ADDRESSEE_LABELS[r.state][0], due))
    return items
