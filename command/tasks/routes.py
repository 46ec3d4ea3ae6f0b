"""HTTP: tasks (CONTRACT.md: POST/GET /tasks; /acknowledge /feedback /complete /verify /return)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from command.tasks import schemas, service
from core.api import Api, Ctx, Reply
from core.db import UnitOfWork
from core.orm import utcnow

api = Api("tasks")


@api.post("/tasks", summary="Dispatch a task to a unit (下达)", body=schemas.TASK_CREATE, response=schemas.TASK,
          creates=True, permission="task.dispatch")
async def dispatch(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    attachments = body.pop("attachments", None)
    task = await service.dispatch(uow, by=ctx.principal, attachment_ids=attachments, **body)
    return Reply(201, await service.task_view(uow.session, ctx.principal, task))


@api.get("/tasks", summary="Tasks I may see: addressed into my unit's subtree or dispatched from it",
         response=schemas.TASK_LIST,
         query={"unit": {"type": "string"}, "status": {"type": "string", "description": "comma-separated"},
                "incident": {"type": "string"}, "overdue": {"type": "boolean", "default": False},
                "open": {"type": "boolean", "default": False}, "exercise": {"type": "boolean", "default": False}})
async def list_tasks(ctx: Ctx) -> Reply:
    q = ctx.query
    async with ctx.db.read() as session:
        rows = await service.list_visible(session, ctx.principal, unit=q.get("unit"),
                                          status=q["status"].split(",") if "status" in q else None,
                                          incident_id=q.get("incident"), overdue=q["overdue"], open_only=q["open"],
                                          exercise=q["exercise"])
        return Reply(200, await service.task_docs(session, ctx.principal, rows))


@api.get("/tasks/stats", summary="Per unit: tasks dispatched, signed for, done, returned, open, overdue; mean times",
         response=schemas.STATS,
         query={"from": {"type": "string", "format": "date-time"}, "to": {"type": "string", "format": "date-time"},
                "exercise": {"type": "boolean", "default": False}})
async def stats(ctx: Ctx) -> Reply:
    end = ctx.query.get("to") or utcnow()
    start = ctx.query.get("from") or end - timedelta(days=30)
    async with ctx.db.read() as session:
        return Reply(200, await service.stats(session, ctx.principal, start=start, end=end,
                                              exercise=ctx.query["exercise"]))


@api.get("/tasks/{id}", summary="One task with its feedback and the tasks it was handed on as", response=schemas.TASK)
async def get_task(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        return Reply(200, await service.task_view(session, ctx.principal,
                                                  await service.get_visible(session, ctx.principal, ctx.path["id"])))


@api.post("/tasks/{id}/acknowledge", summary="Sign for the task (签收)", response=schemas.TASK,
          permission="task.work")
async def acknowledge(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    task = await service.acknowledge(uow, by=ctx.principal, task_id=ctx.path["id"])
    return Reply(200, await service.task_view(uow.session, ctx.principal, task))


@api.post("/tasks/{id}/feedback", summary="Report progress (反馈), with figures, photos and a location",
          body=schemas.FEEDBACK, response=schemas.TASK, permission="task.work")
async def feedback(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    attachments = body.pop("attachments", None)
    task, _row = await service.feedback(uow, by=ctx.principal, task_id=ctx.path["id"], attachment_ids=attachments,
                                        **body)
    return Reply(200, await service.task_view(uow.session, ctx.principal, task))


@api.post("/tasks/{id}/complete", summary="Report the task done (完成反馈), for the dispatcher to verify",
          body=schemas.COMPLETE, response=schemas.TASK, permission="task.work")
async def complete(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    attachments = body.pop("attachments", None)
    task, _row = await service.complete(uow, by=ctx.principal, task_id=ctx.path["id"], attachment_ids=attachments,
                                        **body)
    return Reply(200, await service.task_view(uow.session, ctx.principal, task))


@api.post("/tasks/{id}/verify", summary="Verify the task done (核验)", response=schemas.TASK,
          permission="task.dispatch")
async def verify(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    task = await service.verify(uow, by=ctx.principal, task_id=ctx.path["id"])
    return Reply(200, await service.task_view(uow.session, ctx.principal, task))


@api.post("/tasks/{id}/return", summary="Return it for more work (退回), with a reason", body=schemas.REASON,
          response=schemas.TASK, permission="task.dispatch")
async def return_task(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    task = await service.return_(uow, by=ctx.principal, task_id=ctx.path["id"], **body)
    return Reply(200, await service.task_view(uow.session, ctx.principal, task))


@api.post("/tasks/{id}/redispatch", summary="Hand the task, or a part of it, on to one of my units (转派)",
          body=schemas.REDISPATCH, response=schemas.TASK, creates=True, permission="task.dispatch")
async def redispatch(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    child = await service.redispatch(uow, by=ctx.principal, task_id=ctx.path["id"], **body)
    return Reply(201, await service.task_view(uow.session, ctx.principal, child))


@api.post("/tasks/{id}/cancel", summary="Cancel it (撤销), with a reason; the record stays", body=schemas.REASON,
          response=schemas.TASK, permission="task.dispatch")
async def cancel(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    task = await service.cancel(uow, by=ctx.principal, task_id=ctx.path["id"], **body)
    return Reply(200, await service.task_view(uow.session, ctx.principal, task))


@api.post("/tasks/{id}/feedback/{fid}/facts", summary="Accept (into the incident) or decline a feedback's figures",
          body=schemas.FACTS_DECISION, response=schemas.FEEDBACK_DOC, permission="task.dispatch")
async def decide_facts(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    row = await service.decide_facts(uow, by=ctx.principal, task_id=ctx.path["id"], feedback_id=ctx.path["fid"],
                                     accept=body["accept"])
    return Reply(200, row.as_doc())
