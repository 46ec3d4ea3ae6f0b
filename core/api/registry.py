"""Declaring routes: `api = Api("units")`, then `@api.get(...)` / `@api.post(...)` on thin handlers.

The decorator does, in this order and nowhere else: authenticate (bearer token or session cookie
with CSRF on writes), check the permission, parse and validate query and body against the JSON
Schemas (the same ones the OpenAPI description shows), run the handler (writes inside one unit of
work), honour Idempotency-Key, and render problems as application/problem+json.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy.exc import IntegrityError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from core import metrics
from core.api import idempotency
from core.auth import service as auth
from core.auth.credentials import read_credential, resolve
from core.auth.principal import Principal
from core.auth.sessions import CSRF_HEADER
from core.db import UnitOfWork
from core.problems import Problem, forbidden
from core.runtime import Runtime
from core.validation import errors_of, validate

log = logging.getLogger("yingji.api")

MAX_BODY = 1 << 20
MAX_UPLOAD = 21 << 20  # the attachments limit (20 MB) plus room for the multipart framing
PREFIX = "/api/v1"
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object", "required": ["pointer", "message"],
                                               "properties": {"pointer": {"type": "string"},
                                                              "message": {"type": "string"}}}},
    },
}


class JSONBody(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return content if isinstance(content, bytes) else orjson.dumps(content)


def problem_response(problem: Problem) -> Response:
    headers = {"Retry-After": str(problem.extra["retry_after"])} if "retry_after" in problem.extra else None
    return Response(orjson.dumps(problem.as_doc()), status_code=problem.status, headers=headers,
                    media_type="application/problem+json")


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str] | None = None
    # What an Idempotency-Key replay answers, when it must differ from `body` (a secret shown once).
    replay_body: Any = None


@dataclass
class Ctx:
    request: Request
    runtime: Runtime
    principal: Principal
    query: dict[str, Any]
    path: dict[str, str]

    @property
    def db(self) -> Any:
        return self.runtime.db

    def require(self, permission: str) -> None:
        if not self.principal.can(permission):
            raise forbidden(f"this needs the permission {permission}")


ReadHandler = Callable[[Ctx], Awaitable[Reply]]
WriteHandler = Callable[[Ctx, UnitOfWork, dict[str, Any]], Awaitable[Reply]]


@dataclass
class ApiRoute:
    method: str
    path: str
    handler: Callable[..., Awaitable[Reply]]
    summary: str
    tag: str
    body: dict[str, Any] | None = None
    response: dict[str, Any] | None = None
    query: dict[str, dict[str, Any]] = field(default_factory=dict)
    permission: str | None = None
    creates: bool = False
    status: int = 200
    description: str = ""
    upload: bool = False  # multipart/form-data instead of a JSON body
    scope: str | None = None  # the credential scope it needs; by default derived (required_scope)

    @property
    def writes(self) -> bool:
        return self.method != "GET"

    @property
    def required_scope(self) -> str:
        if self.scope is not None:
            return self.scope
        if self.permission in ADMIN_PERMISSIONS:
            return "admin"
        return "write" if self.writes else "read"


# Permissions whose routes need the `admin` scope on top of the role.
ADMIN_PERMISSIONS = frozenset({"units.manage", "users.manage"})


def _coerce(raw: str, schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    if kind == "integer":
        return int(raw)
    if kind == "number":
        return float(raw)
    if kind == "boolean":
        if raw.lower() in ("1", "true", "yes"):
            return True
        if raw.lower() in ("0", "false", "no"):
            return False
        raise ValueError(raw)
    return raw


def _parse_query(request: Request, declared: dict[str, dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    errors: list[dict[str, str]] = []
    for name, schema in declared.items():
        if name not in request.query_params:
            if "default" in schema:
                out[name] = schema["default"]
            continue
        raw = request.query_params[name]
        try:
            value = _coerce(raw, schema)
        except ValueError:
            errors.append({"pointer": f"/{name}", "in": "query", "message": f"'{raw}' is not a {schema['type']}"})
            continue
        for err in errors_of(schema, value):
            errors.append({"pointer": f"/{name}", "in": "query", "message": err["message"]})
        out[name] = value
    if errors:
        raise Problem(400, "invalid query parameters", title="Invalid query", type="/problems/invalid-query",
                      errors=errors)
    return out


async def _read_body(request: Request, schema: dict[str, Any] | None) -> tuple[dict[str, Any], bytes]:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise Problem(413, f"body larger than {MAX_BODY} bytes")
    if schema is None:
        return {}, raw
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise Problem(415, "send the body as application/json", type="/problems/unsupported-media-type")
    try:
        body = orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError as exc:
        raise Problem(400, f"body is not valid JSON: {exc}", type="/problems/malformed-json",
                      errors=[{"pointer": "/", "message": "not valid JSON"}]) from None
    if body is None:
        raise Problem(400, "a JSON body is required", type="/problems/malformed-json",
                      errors=[{"pointer": "/", "message": "body is empty"}])
    validate(schema, body)
    return body, raw


async def _read_upload(request: Request) -> dict[str, Any]:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "multipart/form-data":
        raise Problem(415, "send the file as multipart/form-data", type="/problems/unsupported-media-type")
    try:
        form = await request.form(max_files=1, max_fields=4, max_part_size=MAX_UPLOAD)
    except Exception as exc:  # malformed multipart, or too many parts
        raise Problem(400, f"could not read the upload: {exc}", type="/problems/malformed-upload") from None
    return dict(form)


async def authenticate(runtime: Runtime, request: Request, *, writing: bool) -> Principal:
    cred = read_credential(request.headers, request.cookies)
    async with runtime.db.read() as session:
        principal = await resolve(session, runtime.signer, cred)
    if principal is None:
        if cred is not None and cred.kind == "bearer":
            raise Problem(401, "token unknown, expired or revoked", type="/problems/unauthenticated")
        raise Problem(401, "sign in first", type="/problems/unauthenticated")
    # The API's own policy: a cookie write must carry the session's CSRF token.
    if writing and principal.via == "session" and request.headers.get(CSRF_HEADER) != principal.csrf:
        raise Problem(403, "missing or wrong CSRF token", type="/problems/csrf")
    if principal.session_id:
        await auth.touch_session(runtime.db, principal.session_id)
    return principal


def _reply_response(reply: Reply) -> Response:
    if isinstance(reply.body, Response):  # a non-JSON representation (iCalendar, print views)
        return reply.body
    if reply.status == 204:
        return Response(status_code=204, headers=reply.headers)
    return JSONBody(reply.body, status_code=reply.status, headers=reply.headers)


class Api:
    """The routes of one domain. `web` mounts every domain's Api and builds OpenAPI from them."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.routes: list[ApiRoute] = []

    def _add(self, method: str, path: str, **kw: Any) -> Callable[[Any], Any]:
        def deco(fn: Callable[..., Awaitable[Reply]]) -> Callable[..., Awaitable[Reply]]:
            self.routes.append(ApiRoute(method=method, path=PREFIX + path, handler=fn, tag=self.tag, **kw))
            return fn
        return deco

    def get(self, path: str, *, summary: str, response: dict[str, Any] | None = None,
            query: dict[str, dict[str, Any]] | None = None, permission: str | None = None,
            description: str = "") -> Callable[[ReadHandler], ReadHandler]:
        return self._add("GET", path, summary=summary, response=response, query=query or {},
                         permission=permission, description=description)

    def post(self, path: str, *, summary: str, body: dict[str, Any] | None = None,
             response: dict[str, Any] | None = None, creates: bool = False, status: int = 200,
             permission: str | None = None, description: str = "", upload: bool = False,
             scope: str | None = None) -> Callable[[WriteHandler], WriteHandler]:
        return self._add("POST", path, summary=summary, body=body, response=response, creates=creates,
                         status=201 if creates else status, permission=permission, description=description,
                         upload=upload, scope=scope)

    def patch(self, path: str, *, summary: str, body: dict[str, Any], response: dict[str, Any] | None = None,
              permission: str | None = None, description: str = "",
              scope: str | None = None) -> Callable[[WriteHandler], WriteHandler]:
        return self._add("PATCH", path, summary=summary, body=body, response=response,
                         permission=permission, description=description, scope=scope)

    def starlette_routes(self) -> list[Route]:
        return [Route(r.path, _endpoint(r), methods=[r.method], name=f"{r.tag}.{r.handler.__name__}")
                for r in self.routes]


def _endpoint(route: ApiRoute) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        started = time.perf_counter()
        runtime: Runtime = request.app.state.runtime
        try:
            response = await _handle(route, runtime, request)
        except Problem as problem:
            response = problem_response(problem)
        except Exception:
            log.exception("unhandled error in %s %s", route.method, route.path)
            response = problem_response(Problem(500, "internal error; the operation was not completed"))
        metrics.HTTP_REQUESTS.labels(route.method, route.path, str(response.status_code)).inc()
        metrics.HTTP_LATENCY.labels(route.method, route.path).observe(time.perf_counter() - started)
        return response

    endpoint.__name__ = route.handler.__name__
    return endpoint


async def _handle(route: ApiRoute, runtime: Runtime, request: Request) -> Response:
    principal = await authenticate(runtime, request, writing=route.writes)
    principal.authorize(route.required_scope)
    if route.permission and not principal.can(route.permission):
        raise forbidden(f"this needs the permission {route.permission}")
    ctx = Ctx(request=request, runtime=runtime, principal=principal,
              query=_parse_query(request, route.query), path=dict(request.path_params))
    if not route.writes:
        return _reply_response(await route.handler(ctx))

    if route.upload:
        body, raw = await _read_upload(request), b""
    else:
        body, raw = await _read_body(request, route.body)
    key = request.headers.get(idempotency.HEADER) if route.creates else None
    if key is not None and not (0 < len(key) <= idempotency.MAX_KEY_LENGTH):
        raise Problem(400, f"Idempotency-Key must be 1 to {idempotency.MAX_KEY_LENGTH} characters")
    fingerprint = idempotency.fingerprint(route.method, request.url.path, raw) if key else ""
    if key:
        replay = await _replay(runtime, principal, key, fingerprint)
        if replay is not None:
            return replay
    try:
        async with runtime.db.write(principal.actor) as uow:
            reply = await route.handler(ctx, uow, body)
            if key and reply.status < 300:
                uow.session.add(idempotency.IdempotencyRecord(
                    user_id=principal.user_id, key=key, method=route.method, path=request.url.path,
                    request_sha256=fingerprint, status=reply.status,
                    body=orjson.dumps(reply.body if reply.replay_body is None else reply.replay_body).decode()))
            if principal.token_id:
                await auth.touch_token(uow, principal.token_id)
    except IntegrityError:
        if key:  # a concurrent retry with the same key committed first: answer as it did
            replay = await _replay(runtime, principal, key, fingerprint)
            if replay is not None:
                return replay
        raise Problem(409, "the change conflicts with data saved meanwhile; reload and retry",
                      type="/problems/conflict") from None
    except Problem:
        if key:  # a concurrent retry committed first, so this one found its work done ("taken"): replay
            replay = await _replay(runtime, principal, key, fingerprint)
            if replay is not None:
                return replay
        raise
    return _reply_response(reply)


async def _replay(runtime: Runtime, principal: Principal, key: str, fingerprint: str) -> Response | None:
    async with runtime.db.read() as session:
        record = await idempotency.find(session, principal.user_id, key)
    if record is None:
        return None
    if record.request_sha256 != fingerprint:
        raise Problem(422, "this Idempotency-Key was used for a different request",
                      type="/problems/idempotency-key-reused",
                      errors=[{"pointer": "/", "message": "Idempotency-Key reused with another body or path"}])
    return Response(record.body.encode(), status_code=record.status, media_type="application/json",
                    headers={"Idempotent-Replayed": "true"})
