"""HTTP: CAP 1.2 in (POST /warnings/cap), out (GET /warnings/{id}/cap) and the Atom feed of active warnings."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from starlette.responses import Response

from command.warnings import service as warnings
from core.api import Api, Ctx, Reply
from core.db import UnitOfWork
from core.orm import utcnow
from core.problems import Problem
from integrations.cap import feed, schemas, service
from integrations.cap.safexml import DEFAULT_LIMITS

api = Api("cap")
CAP_TYPE = "application/cap+xml"


def _config() -> service.CapConfig:
    return service.CapConfig.from_env()


def _tz(ctx: Ctx) -> ZoneInfo:
    return ZoneInfo(ctx.runtime.settings.default_tz)


@api.post("/warnings/cap", summary="Import a CAP 1.2 message: creates, updates or cancels a warning",
          raw_body=schemas.IMPORT_BODY, response=schemas.IMPORT_RESULT, creates=True, permission="warning.issue",
          max_body=DEFAULT_LIMITS.max_bytes,
          description="The body is the XML itself. Invalid → 422 problem+json whose errors name the element and "
                      "the rule; an Update/Cancel whose references are unknown → 409; the same identifier again "
                      "→ 200 outcome unchanged; Test/System/Draft → 200 outcome ignored (never a warning). "
                      "See docs/cap.md.")
async def import_cap(ctx: Ctx, uow: UnitOfWork, body: dict[str, object]) -> Reply:
    ctype = ctx.request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in schemas.CAP_MEDIA_TYPES:
        raise Problem(415, f"send the CAP message as {', '.join(schemas.CAP_MEDIA_TYPES)}",
                      type="/problems/unsupported-media-type")
    result = await service.import_message(uow, by=ctx.principal, data=ctx.raw)
    return Reply(201 if result["outcome"] == "created" else 200, result)


@api.get("/warnings/cap/feed", summary="Atom feed of the active warnings I may see, each with its CAP message",
         query={"exercise": {"type": "boolean", "default": False}},
         description="application/atom+xml; every entry links to /api/v1/warnings/{id}/cap and carries the CAP "
                     "alert inline (content type application/cap+xml). Drill warnings only with exercise=true.")
async def cap_feed(ctx: Ctx) -> Reply:
    config, tz = _config(), _tz(ctx)
    async with ctx.db.read() as session:
        rows = await warnings.list_visible(session, ctx.principal, active_only=True, exercise=ctx.query["exercise"])
        entries = [(w.series_id, await service.alert_of(session, w, config=config, tz=tz)) for w in rows]
    base = str(ctx.request.base_url).rstrip("/")
    body = feed.atom(entries, feed_id=f"urn:yingji:warnings:{ctx.principal.unit_code}"
                     + (":exercise" if ctx.query["exercise"] else ""),
                     self_url=str(ctx.request.url), base_url=base,
                     title=("演练预警" if ctx.query["exercise"] else "生效预警") + " · 应急 Yingji",
                     updated=max((a.sent for _, a in entries), default=utcnow()))
    return Reply(200, Response(body, media_type="application/atom+xml; charset=utf-8"))


@api.get("/warnings/{id}/cap", summary="The warning as a CAP 1.2 message (validated against the XSD)",
         description="The series id gives the current version; a version's id, that version. Chinese info first; "
                     "updates and cancels reference the versions before them.")
async def export_cap(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        xml = await service.export_xml(session, ctx.principal, ctx.path["id"], config=_config(), tz=_tz(ctx))
    return Reply(200, Response(xml, media_type=f"{CAP_TYPE}; charset=utf-8"))
