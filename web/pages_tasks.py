"""Task pages: the county terminal (县级终端) — tasks addressed to my unit, sign-for, feedback and
转派 to my own units and teams — the dispatcher's board, and per-unit figures (统计). Page scripts
load over the API and stay live over /ws."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from command.tasks.models import OPEN, PRIORITIES
from core.auth.principal import Principal
from core.units import service as units
from core.units.models import JURISDICTION_KINDS, Unit
from web.pages import _render, _runtime, signed_in_page
from web.pages_command import _context

# The figures a unit on the ground is asked for in a feedback (labels come from page.facts).
FEEDBACK_FACTS = ("evacuated", "trapped", "deaths", "injured", "missing")


def _inbox_units(me: str, visible: dict[str, Unit]) -> list[str]:
    """My unit, and the agencies, teams and departments that work through it: units without a
    terminal of their own whose nearest jurisdiction above is mine (the duty room records their
    sign-for and feedback). A county's teams belong to the county's inbox, not the city's."""
    codes = [me]
    for unit in visible.values():
        if unit.code == me or unit.kind in JURISDICTION_KINDS:
            continue
        parent = visible.get(unit.parent_code) if unit.parent_code else None
        while parent is not None and parent.kind not in JURISDICTION_KINDS:
            parent = visible.get(parent.parent_code) if parent.parent_code else None
        if parent is not None and parent.code == me:
            codes.append(unit.code)
    return codes


@signed_in_page
async def tasks(request: Request, principal: Principal) -> Response:
    runtime = _runtime(request)
    page = await _context(request, principal)
    async with runtime.db.read() as session:
        visible = {u.code: u for u in await units.list_visible(session, principal)}
        # The units above mine dispatch to me: their names too.
        above: list[Unit] = []
        code = visible[principal.unit_code].parent_code if principal.unit_code in visible else None
        while code:
            unit = await session.get(Unit, code)
            if unit is None:
                break
            above.append(unit)
            code = unit.parent_code
    # With where each sits in the tree: 转派 goes to units under the task's own unit.
    names = {u.code: {"name": u.name, "name_en": u.name_en, "kind": u.kind, "parent": u.parent_code, "path": u.path}
             for u in [*above, *visible.values()]}
    page["can"] = {**page["can"], "task.dispatch": principal.can("task.dispatch"),
                   "task.work": principal.can("task.work")}
    page.update(task_units=names, inbox_units=_inbox_units(principal.unit_code, visible), open_statuses=list(OPEN),
                priorities=list(PRIORITIES), feedback_facts=[k for k in FEEDBACK_FACTS if k in page["facts"]],
                focus_incident=request.query_params.get("incident") or None)
    return _render(request, "tasks.html", principal, exercise=page["exercise"], page=page, can=page["can"],
                   unit=page["unit"], priorities=list(PRIORITIES))


def routes() -> list[BaseRoute]:
    return [Route("/tasks", tasks)]

