"""The incident document as the API and the pages serve it: the incident with the units involved,
the report owed next and the intakes it was verified from. It draws on the domains built on top of
incidents (intake, reports), so it sits beside the service rather than in it (which they import)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.incidents import service
from command.incidents.models import Incident
from command.intake.models import Intake
from command.reports import service as reports
from core.orm import iso


async def incident_view(session: AsyncSession, incident: Incident) -> dict[str, Any]:
    owed = await reports.next_due(session, incident)
    intakes = (await session.execute(select(Intake).where(Intake.incident_id == incident.id)
                                     .order_by(Intake.received_at))).scalars()
    return {**incident.as_doc(),
            "units": [{"unit": u.unit_code, "role": u.role}
                      for u in await service.involved_units(session, incident.id)],
            "next_report": {**owed, "deadline": iso(owed["deadline"])} if owed else None,
            "intakes": [i.as_doc() for i in intakes]}
