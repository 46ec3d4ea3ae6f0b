"""HTTP: the plan registry (CONTRACT.md: POST/GET /plans), trigger suggestions and activations
(GET /incidents/{id}/plan-suggestions, POST /incidents/{id}/activations,
POST /activations/{id}/level · /terminate)."""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.responses import Response

from command.incidents import service as incidents
from command.warnings import service as warnings
from command.warnings.rules import ACTIVE as ACTIVE_WARNINGS
from core.api import Api, Ctx, Reply
from core.db import UnitOfWork
from core.problems import Problem
from plans_registry import activations, schemas, triggers, warning_triggers
from plans_registry import document as doc
from plans_registry import service as registry

api = Api("plans")


@api.get("/plans", summary="The plan library: my unit's, my subtree's and my superiors' plans",
         response=schemas.PLAN_LIST,
         query={"kind": {"type": "string"}, "category": {"type": "string"}, "owner": {"type": "string"},
                "status": {"type": "string"}, "q": {"type": "string", "maxLength": 100},
                "review_due_days": {"type": "integer", "minimum": 0, "maximum": 3650,
                                    "description": "only plans whose review falls within this many days"}})
async def list_plans(ctx: Ctx) -> Reply:
    q = ctx.query
    async with ctx.db.read() as session:
        return Reply(200, await registry.list_plans(session, ctx.principal, kind=q.get("kind"),
                                                    category=q.get("category"), owner=q.get("owner"),
                                                    status=q.get("status"), q=q.get("q"),
                                                    review_due_days=q.get("review_due_days")))


@api.post("/plans", summary="Import a plan document as a new draft version (200 with the latest if unchanged)",
          body=schemas.PLAN_IMPORT, verbatim=True,
          response=schemas.VERSION, creates=True, permission="plan.manage")
async def import_plan(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    version, new = await registry.import_document(uow, by=ctx.principal, document=body)
    return Reply(201 if new else 200, version.as_doc())


@api.post("/plans/import-text", summary="Import a plan written as YAML or JSON text as a new draft version",
          body=schemas.PLAN_TEXT, response=schemas.VERSION, creates=True, permission="plan.manage")
async def import_text(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    document, errors = doc.parse_text(body["format"], body["text"])
    if errors:
        raise Problem(422, "the text is not readable", title="Invalid plan", type="/problems/invalid", errors=errors)
    version, new = await registry.import_document(uow, by=ctx.principal, document=document,
                                                  note=body.get("note", ""))
    return Reply(201 if new else 200, version.as_doc())


@api.post("/plans/validate", summary="Check a plan's text as it is typed: every error with its pointer; saves nothing",
          body=schemas.PLAN_TEXT, response=schemas.VALIDATION)
async def validate(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    document, errors = doc.parse_text(body["format"], body["text"])
    if not errors:
        errors = doc.with_lines(body["text"], await registry.validate_document(uow.session, document))
    return Reply(200, {"valid": not errors, "errors": errors})


@api.get("/plans/schema", summary="The plan document's JSON Schema (draft 2020-12)")
async def plan_schema(ctx: Ctx) -> Reply:
    return Reply(200, schemas.PLAN_DOCUMENT)


@api.get("/plans/cycles", summary="The review, drill and filing cycles that bind my unit's plans, with sources",
         response=schemas.CYCLES)
async def cycles(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        return Reply(200, await registry.cycles_in_force(session, unit=ctx.principal.unit_code))


@api.get("/plans/drills/status", summary="Per jurisdiction: drills in the last year, and plans overdue a drill",
         response=schemas.DRILL_STATUS)
async def drill_status(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        return Reply(200, await registry.drill_status(session, ctx.principal))


@api.get("/plans/reviews/overdue", summary="Plans past their review date, per owner unit")
async def overdue_reviews(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        return Reply(200, await registry.overdue_reviews(session, ctx.principal))


@api.get("/plans/{id}", summary="One plan: its versions (each with the diff from the one before), drills, history",
         response=schemas.PLAN_FULL)
async def get_plan(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        return Reply(200, await registry.full(session, ctx.principal, ctx.path["id"]))


@api.get("/plans/{id}/versions/{version}", summary="One version's document", response=schemas.VERSION,
         query={"format": {"enum": ["json", "yaml"], "description": "yaml or json: the document as a file"}})
async def get_version(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        version = await registry.get_version(session, ctx.principal, ctx.path["id"], ctx.path["version"])
    fmt = ctx.query.get("format")
    if fmt is None:
        return Reply(200, version.as_doc())
    name = f"{version.document['code']}-v{version.number}.{'yaml' if fmt == 'yaml' else 'json'}"
    text = doc.to_yaml(version.document) if fmt == "yaml" else \
        __import__("json").dumps(version.document, ensure_ascii=False, indent=2)
    return Reply(200, Response(text, media_type="application/yaml" if fmt == "yaml" else "application/json",
                               headers={"Content-Disposition": f'attachment; filename="{name}"'}))


@api.post("/plans/{id}/versions/{version}/status",
          summary="Approve (印发), file with the superior unit (备案) or retire a version", body=schemas.STATUS_CHANGE,
          response=schemas.VERSION, permission="plan.manage")
async def change_status(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    version = await registry.change_status(uow, by=ctx.principal, plan_id=ctx.path["id"],
                                           version_id=ctx.path["version"], action=body["action"],
                                           filed_with=body.get("filed_with"), note=body.get("note", ""))
    return Reply(200, version.as_doc())


@api.post("/plans/{id}/drills", summary="Record a drill (演练): scenario, participants, findings, revision tasks",
          body=schemas.DRILL_CREATE, response=schemas.DRILL, creates=True, permission="plan.manage")
async def record_drill(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    drill = await registry.record_drill(uow, by=ctx.principal, plan_id=ctx.path["id"], kind=body["kind"],
                                        held_on=date.fromisoformat(body["held_on"]), scenario=body["scenario"],
                                        unit=body.get("unit"), location=body.get("location", ""),
                                        participants=body.get("participants"), findings=body.get("findings", ""),
                                        rating=body.get("rating"), revisions=body.get("revisions"))
    return Reply(201, drill.as_doc())


@api.get("/incidents/{id}/plan-suggestions",
         summary="Plans in force whose level triggers the incident satisfies, highest level first, and why",
         response=schemas.SUGGESTIONS)
async def suggestions(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        incident = await incidents.get_visible(session, ctx.principal, ctx.path["id"])
        return Reply(200, await triggers.suggestions(session, incident))


@api.get("/warnings/{id}/plan-suggestions",
         summary="预警响应: plans in force whose warning triggers the active warning meets, and where",
         response=schemas.SUGGESTIONS)
async def warning_suggestions(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        w = await warnings.get_current(session, ctx.principal, ctx.path["id"])
        return Reply(200, await warning_triggers.suggestions(session, w) if w.state in ACTIVE_WARNINGS else [])


@api.get("/incidents/{id}/activations", summary="The plans launched on the incident, with their groups and tasks",
         response=schemas.ACTIVATION_LIST)
async def list_activations(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        incident = await incidents.get_visible(session, ctx.principal, ctx.path["id"])
        return Reply(200, [await activations.full(session, a)
                           for a in await activations.of_incident(session, incident.id)])


@api.get("/incidents/{id}/activations/preview",
         summary="What launching a plan at a level would set up (default: the top suggestion); saves nothing",
         response=schemas.PREVIEW,
         query={"plan_id": {"type": "string", "maxLength": 32},
                "level": {"type": "integer", "minimum": 1, "maximum": 4}})
async def preview(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        return Reply(200, await activations.preview(session, by=ctx.principal, incident_id=ctx.path["id"],
                                                    plan_id=ctx.query.get("plan_id"), level=ctx.query.get("level")))


@api.post("/incidents/{id}/activations", summary="Launch a plan at a response level (启动预案)",
          body=schemas.ACTIVATION_CREATE, response=schemas.ACTIVATION, creates=True, permission="plan.activate")
async def activate(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    activation = await activations.activate(uow, by=ctx.principal, incident_id=ctx.path["id"],
                                            plan_id=body["plan_id"], level=body["level"],
                                            reason=body.get("reason", ""))
    return Reply(201, await activations.full(uow.session, activation))


@api.get("/activations/{id}", summary="One activation: level, groups, decisions, tasks", response=schemas.ACTIVATION)
async def get_activation(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        activation, _incident = await activations.get_visible(session, ctx.principal, ctx.path["id"])
        return Reply(200, await activations.full(session, activation))


@api.post("/activations/{id}/level", summary="Change the response level (升级/降级), with the reason",
          body=schemas.LEVEL_CHANGE, response=schemas.ACTIVATION, permission="plan.activate")
async def change_level(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    activation = await activations.change_level(uow, by=ctx.principal, activation_id=ctx.path["id"],
                                                level=body["level"], reason=body["reason"])
    return Reply(200, await activations.full(uow.session, activation))


@api.post("/activations/{id}/terminate", summary="End the response (响应终止): open tasks close, evaluation starts",
          body=schemas.TERMINATE, response=schemas.ACTIVATION, permission="plan.activate")
async def terminate(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    activation = await activations.terminate(uow, by=ctx.principal, activation_id=ctx.path["id"],
                                             reason=body["reason"])
    return Reply(200, await activations.full(uow.session, activation))


@api.post("/activations/{id}/evaluation", summary="Record the after-action evaluation (总结评估)",
          body=schemas.EVALUATION, response=schemas.ACTIVATION, permission="plan.activate")
async def evaluation(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    activation = await activations.evaluate(uow, by=ctx.principal, activation_id=ctx.path["id"], text=body["text"],
                                            lessons=body.get("lessons", []))
    return Reply(200, await activations.full(uow.session, activation))
