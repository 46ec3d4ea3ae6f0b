"""Plan pages: the library, one plan (the document rendered for reading and printing, its versions
with diffs, drills, history), and the editor that validates as the officer types."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from command.categories.tree import CATEGORIES
from core.auth.principal import Principal
from core.orm import utcnow
from core.units import service as units
from core.units.models import Unit
from core.units.paths import ancestors_from_path, path_of
from plans_registry import document as doc
from plans_registry import service as registry
from plans_registry.rules import DRILL_KINDS, LEVELS, PLAN_KINDS, PLAN_STATUSES
from plans_registry.schemas import TARGET_ROLES
from web.i18n import unit_name
from web.pages import _lang, _render, _runtime, signed_in_page
from web.pages_command import _page


def _labels(lang: str) -> dict[str, Any]:
    i = 0 if lang == "zh" else 1
    return {"kinds": {k: v[i] for k, v in PLAN_KINDS.items()},
            "statuses": {k: v[i] for k, v in PLAN_STATUSES.items()},
            "drill_kinds": {k: v[i] for k, v in DRILL_KINDS.items()},
            "levels": {str(k): v[i] for k, v in LEVELS.items()},
            "roles": {k: v[i] for k, v in TARGET_ROLES.items()}}


async def _unit_names(request: Request, lang: str) -> dict[str, str]:
    async with _runtime(request).db.read() as session:
        return {u.code: unit_name(u, lang) for u in (await session.execute(select(Unit))).scalars()}


@signed_in_page
async def library(request: Request, principal: Principal) -> Response:
    lang = _lang(request, principal)
    return await _page(request, principal, "plans.html", plan_labels=_labels(lang),
                       can_manage=principal.can("plan.manage"))


async def _plan_context(request: Request, principal: Principal) -> dict[str, Any]:
    lang = _lang(request, principal)
    async with _runtime(request).db.read() as session:
        full = await registry.full(session, principal, request.path_params["id"])
        tz = await units.timezone_of(session, principal.unit_code, "Asia/Shanghai")
        superiors = ancestors_from_path(await path_of(session, full["plan"]["owner_unit"]))[:-1]
    versions = full["versions"]
    wanted = request.query_params.get("v")
    shown = next((v for v in versions if str(v["number"]) == wanted), None) \
        or next((v for v in versions if v["id"] == full["plan"]["current_version_id"]), None) \
        or (versions[-1] if versions else None)
    return {"full": full, "shown": shown, "labels": _labels(lang), "names": await _unit_names(request, lang),
            "categories": {k: v[0 if lang == "zh" else 1] for k, v in CATEGORIES.items()}, "tz": tz,
            "superiors": superiors}


@signed_in_page
async def plan(request: Request, principal: Principal) -> Response:
    return _render_plan(request, principal, await _plan_context(request, principal), "plan.html")


def _render_plan(request: Request, principal: Principal, ctx: dict[str, Any], template: str) -> Response:
    lang = _lang(request, principal)
    full = ctx["full"]
    page = {"plan_id": full["plan"]["id"], "plan_labels": ctx["labels"], "can_manage": full["manage"],
            "shown_version": ctx["shown"]["number"] if ctx["shown"] else None, "tz": ctx["tz"],
            "units": [{"code": c, "name": n} for c, n in ctx["names"].items()], "lang": lang,
            "superiors": ctx["superiors"], "drill_kinds": ctx["labels"]["drill_kinds"]}
    return _render(request, template, principal, page=page, plan=full["plan"], version=ctx["shown"],
                   document=ctx["shown"]["document"] if ctx["shown"] else None, full=full, names=ctx["names"],
                   labels=ctx["labels"], categories=ctx["categories"], printed=utcnow().isoformat())


@signed_in_page
async def plan_print(request: Request, principal: Principal) -> Response:
    return _render_plan(request, principal, await _plan_context(request, principal), "plan_print.html")


@signed_in_page
async def editor(request: Request, principal: Principal) -> Response:
    """New plan (a starting template) or a new version of an existing one (its latest document)."""
    lang = _lang(request, principal)
    text, plan_id = "", request.path_params.get("id")
    if plan_id:
        async with _runtime(request).db.read() as session:
            plan_row = await registry.get_visible(session, principal, plan_id)
            latest = await registry.latest_version(session, plan_row.id)
        text = doc.to_yaml(latest.document) if latest else ""
    else:
        text = doc.to_yaml(_starter(principal.unit_code))
    return await _page(request, principal, "plan_edit.html", plan_labels=_labels(lang), editor_text=text,
                       editing_plan=plan_id)


def _starter(unit: str) -> dict[str, Any]:
    return {"code": "NEW-PLAN", "name": "（预案名称）", "kind": "special", "owner_unit": unit,
            "version_label": f"{utcnow().year}年版", "categories": ["natural.flood"],
            "issued_on": utcnow().date().isoformat(), "purpose": "", "scope": "",
            "command": {"name": "（指挥部名称）", "commander": "（总指挥）", "deputies": [],
                        "office": {"unit": unit, "name": "（办公室）"}, "members": [],
                        "groups": [{"key": "coordination", "name": "综合协调组", "lead_unit": unit,
                                    "duties": "（职责）"}]},
            "levels": [{"level": lv, "trigger_text": "（启动条件）",
                        "trigger": {"anyOf": [{"properties": {"affected": {"minimum": m}}, "required": ["affected"]}]},
                        "decided_by": "（决定启动的领导）", "report_every_minutes": r,
                        "actions": [{"key": "coordinate", "title": "（任务）", "target": {"group": "coordination"},
                                     "due_minutes": d, "ack_minutes": 30}]}
                       for lv, m, r, d in ((4, 1000, 480, 240), (3, 10000, 240, 120), (2, 50000, 120, 60),
                                           (1, 100000, 60, 30))]}


def routes() -> list[BaseRoute]:
    return [Route("/plans", library), Route("/plans/new", editor), Route("/plans/{id}", plan),
            Route("/plans/{id}/print", plan_print), Route("/plans/{id}/edit", editor)]
