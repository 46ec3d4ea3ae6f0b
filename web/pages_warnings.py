"""Warning pages: the list of warnings in force (colour, time left, coverage), what my unit owes
(签收 in one key, the precaution form thumb-first on a 360 px terminal), the issue form (hazard,
colour with its name, areas by the unit tree, the hazard's 防御指南 template), and one warning's
page with live coverage, late units first. Page scripts load over the API and stay live over /ws."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from command.warnings import service as warnings
from command.warnings.guides import GUIDES
from command.warnings.rules import COLOURS, HAZARDS
from core.auth.principal import Principal
from web.pages import _render, _runtime, signed_in_page
from web.pages_command import _context


async def _page(request: Request, principal: Principal, template: str, exercise: bool | None = None,
                **extra: object) -> Response:
    page = await _context(request, principal)
    if exercise is not None:  # a drill warning's page is a drill page, whatever the link said
        page["exercise"] = exercise
    page["can"] = {**page["can"], **{p: principal.can(p) for p in ("warning.issue", "warning.sign",
                                                                    "warning.forward")}}
    page.update(colours={k: {"hex": v["hex"], "level": v["level"], "severity": v["severity"]}
                         for k, v in COLOURS.items()},
                hazards={k: {"colours": list(v["colours"]), "by": v["by"]} for k, v in HAZARDS.items()},
                guides=GUIDES, **extra)
    return _render(request, template, principal, exercise=page["exercise"], page=page, can=page["can"],
                   unit=page["unit"], colours=list(COLOURS), hazards=list(HAZARDS))


@signed_in_page
async def warnings_page(request: Request, principal: Principal) -> Response:
    return await _page(request, principal, "warnings.html")


@signed_in_page
async def warning_page(request: Request, principal: Principal) -> Response:
    async with _runtime(request).db.read() as session:
        w = await warnings.get_current(session, principal, request.path_params["id"])  # 404 if not mine to see
    return await _page(request, principal, "warning.html", exercise=w.exercise, warning_id=w.series_id)


def routes() -> list[BaseRoute]:
    return [Route("/warnings", warnings_page), Route("/warnings/{id}", warning_page)]
