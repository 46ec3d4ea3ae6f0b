"""The resources page: rescue teams, warehouse stock, shelters, experts, and requests between a unit
and its superior. The page script loads over the API and stays live over /ws."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from command.resources.models import (
    REQUEST_STATUSES,
    RESERVE_TYPES,
    TEAM_STATUSES,
    TEAM_TRANSITIONS,
    TEAM_TYPES,
    URGENCIES,
)
from core.auth.principal import Principal
from web.pages import _lang, _render, signed_in_page
from web.pages_command import _context

PERMISSIONS = ("resource.manage", "resource.request", "resource.decide")


@signed_in_page
async def resources(request: Request, principal: Principal) -> Response:
    i = 0 if _lang(request, principal) == "zh" else 1
    transitions: dict[str, list[str]] = {}
    for (status, action) in TEAM_TRANSITIONS:
        transitions.setdefault(status, []).append(action)
    page = await _context(request, principal)
    page["can"] = {**page["can"], **{p: principal.can(p) for p in PERMISSIONS}}
    page.update(team_types={k: v[i] for k, v in TEAM_TYPES.items()},
                team_statuses={k: v[i] for k, v in TEAM_STATUSES.items()},
                team_transitions=transitions,
                reserve_types={k: v[i] for k, v in RESERVE_TYPES.items()},
                request_statuses={k: v[i] for k, v in REQUEST_STATUSES.items()},
                urgencies={k: v[i] for k, v in URGENCIES.items()})
    return _render(request, "resources.html", principal, exercise=page["exercise"], page=page, can=page["can"],
                   unit=page["unit"])


def routes() -> list[BaseRoute]:
    return [Route("/resources", resources)]
