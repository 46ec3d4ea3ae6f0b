"""HTTP: warnings (issue, update, cancel; sign for, precautions, 转发; coverage; what I owe)."""

from __future__ import annotations

from typing import Any

from command.warnings import coverage as watched
from command.warnings import schemas, service
from command.warnings.models import EarlyWarning, WarningAddressee
from command.warnings.rules import COLOURS, HAZARDS, STATUS_LABELS, WINDOW_SOURCE
from core.api import Api, Ctx, Reply
from core.db import UnitOfWork

api = Api("warnings")


async def _full(session: Any, w: EarlyWarning) -> dict[str, Any]:
    return {**w.as_doc(), "versions": [{"id": v.id, "version": v.version, "msg_type": v.msg_type,
                                        "colour": v.colour, "sent_at": v.sent_at.isoformat(), "reason": v.reason}
                                       for v in await service.versions_of(session, w.series_id)]}


@api.get("/warnings/types", summary="Hazard types, colours and their CAP severities, with sources")
async def types(ctx: Ctx) -> Reply:
    return Reply(200, {"hazards": [{"code": k, **{f: v[f] for f in ("zh", "en", "by", "category", "source")},
                                    "colours": list(v["colours"])} for k, v in HAZARDS.items()],
                       "colours": [{"code": k, **v} for k, v in COLOURS.items()],
                       "states": {k: list(v) for k, v in STATUS_LABELS.items()}, "window_source": WINDOW_SOURCE})


@api.post("/warnings", summary="Issue a warning (发布预警) to the units of an area", body=schemas.WARNING_ISSUE,
          response=schemas.WARNING, creates=True, permission="warning.issue")
async def issue(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    w = await service.issue(uow, by=ctx.principal, hazard=body["hazard"], colour=body["colour"], areas=body["areas"],
                            headline=body.get("headline", ""), description=body.get("description", ""),
                            instructions=body.get("instructions", ""), issuer_name=body.get("issuer_name", ""),
                            effective_at=body.get("effective_at"), onset_at=body.get("onset_at"),
                            expires_at=body.get("expires_at"),
                            status="Exercise" if body.get("exercise") else "Actual")
    return Reply(201, await _full(uow.session, w))


@api.get("/warnings", summary="Warnings I may see (current versions); active only unless all=true",
         response=schemas.WARNING_LIST,
         query={"all": {"type": "boolean", "default": False}, "exercise": {"type": "boolean", "default": False}})
async def list_warnings(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        rows = await service.list_visible(session, ctx.principal, active_only=not ctx.query["all"],
                                          exercise=ctx.query["exercise"])
        counts = await service.summaries(session, [w.series_id for w in rows])
        return Reply(200, [{**w.as_doc(), "coverage": counts[w.series_id]} for w in rows])


@api.get("/warnings/owed", summary="What my unit owes on warnings now: to sign for, precautions to report",
         response=schemas.OWED, query={"exercise": {"type": "boolean", "default": False}})
async def owed(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        return Reply(200, await watched.owed_by(session, ctx.principal, exercise=ctx.query["exercise"]))


@api.get("/warnings/{id}", summary="A warning's current version, with its version list", response=schemas.WARNING)
async def get_warning(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        return Reply(200, await _full(session, await service.get_current(session, ctx.principal, ctx.path["id"])))


@api.get("/warnings/{id}/coverage", summary="Units addressed / signed / reported, people reached, late first",
         response=schemas.COVERAGE)
async def coverage(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        return Reply(200, await watched.coverage(session, ctx.principal, ctx.path["id"]))


@api.post("/warnings/{id}/update", summary="Update it (a new version replacing the current one)",
          body=schemas.WARNING_UPDATE, response=schemas.WARNING, permission="warning.issue")
async def update(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    w = await service.update(uow, by=ctx.principal, replaces=ctx.path["id"], hazard=body.get("hazard"),
                             colour=body.get("colour"), areas=body.get("areas"), headline=body.get("headline"),
                             description=body.get("description"), instructions=body.get("instructions"),
                             issuer_name=body.get("issuer_name"), effective_at=body.get("effective_at"),
                             onset_at=body.get("onset_at"), expires_at=body.get("expires_at"),
                             reason=body.get("reason", ""))
    return Reply(200, await _full(uow.session, w))


@api.post("/warnings/{id}/cancel", summary="Cancel it (解除预警)", body=schemas.CANCEL, response=schemas.WARNING,
          permission="warning.issue")
async def cancel(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    w = await service.cancel(uow, by=ctx.principal, warning_id=ctx.path["id"], reason=body.get("reason", ""))
    return Reply(200, await _full(uow.session, w))


@api.post("/warnings/{id}/sign", summary="Sign for it (签收), one key", body=schemas.SIGN,
          response=schemas.ADDRESSEE, permission="warning.sign")
async def sign(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    row = await service.sign_for(uow, by=ctx.principal, warning_id=ctx.path["id"], unit=body.get("unit"))
    return Reply(200, row.as_doc())


@api.post("/warnings/{id}/precautions", summary="Report the precautions taken (防范落实)", body=schemas.PRECAUTIONS,
          response=schemas.PRECAUTION_REPORT, permission="warning.sign")
async def precautions(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    rep = await service.report_precautions(uow, by=ctx.principal, warning_id=ctx.path["id"], doc=body)
    row = await uow.session.get(WarningAddressee, rep.addressee_id)
    return Reply(200, {**(row.as_doc() if row else {}), "report": rep.as_doc()})


@api.post("/warnings/{id}/forward", summary="Pass it down to my units (转发), with my additions",
          body=schemas.FORWARD, response=schemas.FORWARDED, permission="warning.forward")
async def forward(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    rows = await service.forward(uow, by=ctx.principal, warning_id=ctx.path["id"], units=body["units"],
                                 additions=body.get("additions", ""))
    return Reply(200, {"addressees": [r.as_doc() for r in rows]})
