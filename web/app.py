"""The app factory: assembles every domain's routes, the websocket, pages, health and metrics."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import orjson
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Match, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from command.api import APIS as COMMAND_APIS
from core import metrics
from core.api.registry import Api, ApiRoute, JSONBody, problem_response
from core.attachments.routes import api as attachments_api
from core.auth import last_used
from core.auth.routes import api as users_api
from core.auth.sessions import SessionSigner
from core.bus import Bus, LocalBus, RedisBus
from core.bus.feed import EventFeed
from core.db import Database
from core.journal import service as journal
from core.journal.routes import api as journal_api
from core.migrate import installation_id
from core.problems import Problem
from core.runtime import Runtime
from core.settings import Settings, load_settings
from core.startup import run_all as run_startup_hooks
from core.timers.runner import TimerRunner
from core.units.routes import api as units_api
from duty.api import APIS as DUTY_APIS
from integrations.api import APIS as INTEGRATION_APIS
from plans_registry.api import APIS as PLAN_APIS
from web import (
    openapi,
    pages,
    pages_cap,
    pages_command,
    pages_duty,
    pages_plans,
    pages_resources,
    pages_tasks,
    pages_warnings,
)
from web.live import LiveHub, websocket_endpoint
from web.presence import PresenceReporter
from web.security import SecurityHeaders

log = logging.getLogger("yingji.web")
HERE = Path(__file__).parent
VERSION = "0.1.0"

# Every domain's API, in the order the OpenAPI description lists them. Later domains add theirs.
APIS: list[Api] = [units_api, users_api, journal_api, attachments_api, *DUTY_APIS, *INTEGRATION_APIS, *COMMAND_APIS,
                   *PLAN_APIS]


def all_api_routes() -> list[ApiRoute]:
    return [r for api in APIS for r in api.routes]


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok")


async def readyz(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    checks: dict[str, str] = {}
    try:
        async with runtime.db.read() as session:
            checks["database"] = f"ok (head {await journal.head(session)})"
    except Exception as exc:
        checks["database"] = f"down: {type(exc).__name__}"
    bus: Bus = request.app.state.bus
    if runtime.settings.redis_url:
        checks["redis"] = "ok" if await bus.ping() else "down"
    ready = all(v.startswith("ok") for v in checks.values())
    return JSONBody({"ready": ready, "checks": checks}, status_code=200 if ready else 503)


async def metrics_endpoint(request: Request) -> Response:
    bus: Bus = request.app.state.bus
    metrics.BUS_HEALTHY.set(1 if bus.healthy else 0)
    feed: EventFeed = request.app.state.runtime.feed
    metrics.FEED_HEAD.set(feed.head)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


async def openapi_endpoint(request: Request) -> Response:
    doc = request.app.state.openapi
    return Response(doc, media_type="application/json")


def _allowed_methods(request: Request) -> str:
    """Every method some route serves at this path (one Route per method: Starlette's 405 names
    only the first it met)."""
    methods: set[str] = set()
    for route in request.app.routes:
        match, _ = route.matches({**request.scope, "method": "GET"})
        if match != Match.NONE and isinstance(route, Route) and route.methods:
            methods |= route.methods
    return ", ".join(sorted(methods))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        headers = {"Allow": _allowed_methods(request)}
    else:
        headers = dict(exc.headers or {})
    if request.url.path.startswith("/api/"):
        response = problem_response(Problem(exc.status_code, str(exc.detail), type="/problems/method-not-allowed"
                                            if exc.status_code == 405 else "about:blank"))
    else:
        response = await pages.error_page(request, exc.status_code)
    response.headers.update(headers)
    return response


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        db = Database(settings.database_url)
        async with db.write() as uow:
            iid = await installation_id(uow.session)
        bus: Bus = (RedisBus(settings.redis_url, channel=f"yingji:{iid}:journal") if settings.redis_url
                    else LocalBus())
        feed = EventFeed(db, bus, head_check_interval_s=settings.head_check_interval_s,
                         tail_interval_s=settings.tail_interval_s)
        hub = LiveHub(feed)
        await feed.start()
        await run_startup_hooks(db)
        timers = TimerRunner(db, poll_interval_s=settings.timer_poll_interval_s, lease_s=settings.timer_lease_s)
        await timers.start()
        presence = PresenceReporter(db, hub)
        await presence.start()
        runtime = Runtime(settings=settings, db=db, signer=SessionSigner(settings.secret_key,
                                                                         settings.session_max_age_s),
                          feed=feed, timers=timers)
        app.state.runtime, app.state.hub, app.state.bus = runtime, hub, bus
        try:
            yield
        finally:
            await presence.stop()
            await timers.stop()
            await feed.stop()
            await last_used.tracker(db).stop()  # writes the tokens' last use noted since the last flush
            await db.dispose()

    async def favicon(request: Request) -> Response:
        # browsers ask for /favicon.ico on every page whatever the page links
        return FileResponse(HERE / "static" / "img" / "favicon.ico", media_type="image/x-icon",
                            headers={"Cache-Control": "public, max-age=86400"})

    api_routes: list[BaseRoute] = [route for api in APIS for route in api.starlette_routes()]
    routes: list[BaseRoute] = [
        Route("/healthz", healthz),
        Route("/favicon.ico", favicon),
        Route("/readyz", readyz),
        Route("/metrics", metrics_endpoint),
        Route("/api/openapi.json", openapi_endpoint),
        WebSocketRoute("/ws", websocket_endpoint),
        *api_routes,
        *pages.routes(),
        *pages_duty.routes(),
        *pages_command.routes(),
        *pages_plans.routes(),
        *pages_tasks.routes(),
        *pages_resources.routes(),
        *pages_cap.routes(),  # before the warning pages: /warnings/cap/import is not a warning id
        *pages_warnings.routes(),
        Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, middleware=[Middleware(SecurityHeaders)],
                    exception_handlers={HTTPException: _http_error})
    app.state.openapi = orjson.dumps(openapi.build(all_api_routes(), version=VERSION))
    app.state.settings = settings
    return app
