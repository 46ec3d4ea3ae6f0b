"""Declaring routes: `api = Api("units")`, then `@api.get(...)` / `@api.post(...)` on thin handlers.

The decorator does, in this order and nowhere else: authenticate (bearer token or session cookie
with CSRF on writes), check the permission, parse and validate query and body against the JSON
Schemas (the same ones the OpenAPI description shows), normalise what passed (a POST body's
missing fields take their schema defaults, as queries do; `format: date-time` strings become aware
datetimes, in bodies and queries), run the handler (writes inside one unit of work), honour
Idempotency-Key, and render problems as application/problem+json. Handlers take what they are given:
`service.op(uow, by=ctx.principal, **body)`.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.exc import IntegrityError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from core import metrics
from core.api import idempotency
from core.auth import last_used
from core.auth import service as auth
from core.auth.cache import PrincipalCache
from core.auth.credentials import read_credential, resolve
from core.auth.principal import Principal
from core.auth.sessions import CSRF_HEADER
from core.db import UnitOfWork
from core.problems import Problem, forbidden, not_found
from core.runtime import Runtime
from core.units.paths import UnknownUnit
from core.validation import errors_of, validate

log = logging.getLogger("yingji.api")

MAX_BODY = 1 << 20
MAX_UPLOAD = 21 << 20  # the attachments limit (20 MB) plus room for the multipart framing
MAX_DEPTH = 32  # nesting of a JSON body; no schema here goes deeper than a handful
# Every integer the API takes has a maximum (and a minimum): beyond JavaScript's safe range
# no client could have meant it, and the databases' 64-bit columns would refuse it with a 500.
INT_MAX = 2**53 - 1
MAX_PATH_PARAM = 200
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
    raw: bytes = b""  # the request body as sent (routes that take a non-JSON body read it here)

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
    verbatim: bool = False  # a document kept as sent (a plan): validated, not normalised
    max_body: int = MAX_BODY
    # A non-JSON body (e.g. CAP XML), read raw into ctx.raw: its OpenAPI `content` by media type.
    raw_body: dict[str, Any] | None = None

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


def parse_datetime(value: str) -> datetime:
    """An RFC 3339 date-time (the schema check already required its offset), aware."""
    return datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))


def normalise(schema: dict[str, Any], value: Any, *, defaults: bool = True) -> Any:
    """A validated document as handlers want it: defaults filled in (not for a PATCH, where a missing
    field means "leave it"), date-times parsed. Only what the schema declares is touched."""
    if isinstance(value, dict) and isinstance(schema.get("properties"), dict):
        props: dict[str, Any] = schema["properties"]
        out = {k: normalise(props[k], v, defaults=defaults) if k in props else v for k, v in value.items()}
        if defaults:
            for k, sub in props.items():
                if k not in out and isinstance(sub, dict) and "default" in sub:
                    out[k] = copy.deepcopy(sub["default"])
        return out
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [normalise(schema["items"], v, defaults=defaults) for v in value]
    if isinstance(value, str) and schema.get("format") == "date-time":
        return parse_datetime(value)
    return value


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
        if "\x00" in raw:
            errors.append({"pointer": f"/{name}", "in": "query", "message": "NUL characters are not allowed"})
            continue
        try:
            value = _coerce(raw, schema)
        except ValueError:
            errors.append({"pointer": f"/{name}", "in": "query", "message": f"'{raw}' is not a {schema['type']}"})
            continue
        found = errors_of(schema, value)
        for err in found:
            errors.append({"pointer": f"/{name}", "in": "query", "message": err["message"]})
        out[name] = normalise(schema, value) if not found else value
    if errors:
        raise Problem(400, "invalid query parameters", title="Invalid query", type="/problems/invalid-query",
                      errors=errors)
    return out


def _too_large(limit: int) -> Problem:
    return Problem(413, f"body larger than {limit} bytes", type="/problems/too-large")


async def _read_limited(request: Request, limit: int) -> bytes:
    """The body, read no further than `limit` bytes (chunked bodies too): a 413 stops the read."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _limited_request(request: Request, limit: int) -> Request:
    """The request with a receive channel that refuses to pass more than `limit` body bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    seen = 0

    async def receive() -> Any:
        nonlocal seen
        message = await request.receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _too_large(limit)
        return message

    return Request(request.scope, receive)


def check_document(doc: Any) -> None:
    """Refuse, before schema validation, what no schema here allows but would crash on the way:
    nesting deeper than MAX_DEPTH (a RecursionError while rendering errors) and NUL characters
    (PostgreSQL refuses them in text; SQLite would keep them: refused on both alike)."""
    stack: list[tuple[Any, str, int]] = [(doc, "", 1)]
    while stack:
        node, pointer, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise Problem(422, f"the body is nested deeper than {MAX_DEPTH} levels", type="/problems/invalid",
                          title="Invalid input", errors=[{"pointer": pointer or "/", "message": "nested too deep"}])
        if isinstance(node, str):
            if "\x00" in node:
                raise Problem(422, "NUL characters are not allowed", type="/problems/invalid", title="Invalid input",
                              errors=[{"pointer": pointer or "/", "message": "contains a NUL character"}])
        elif isinstance(node, dict):
            for key, value in node.items():
                step = f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}"
                if "\x00" in key:
                    raise Problem(422, "NUL characters are not allowed", type="/problems/invalid",
                                  title="Invalid input", errors=[{"pointer": step, "message": "NUL in a key"}])
                stack.append((value, step, depth + 1))
        elif isinstance(node, list):
            stack.extend((value, f"{pointer}/{i}", depth + 1) for i, value in enumerate(node))


async def _read_body(request: Request, schema: dict[str, Any] | None, *, defaults: bool = True,
                     verbatim: bool = False, limit: int = MAX_BODY) -> tuple[dict[str, Any], bytes]:
    raw = await _read_limited(request, limit)
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
    check_document(body)
    validate(schema, body)
    # Idempotency compares the parsed body, so a retry re-serialised differently still replays.
    return (body if verbatim else normalise(schema, body, defaults=defaults)), orjson.dumps(
        body, option=orjson.OPT_SORT_KEYS)


async def _read_upload(request: Request) -> dict[str, Any]:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "multipart/form-data":
        raise Problem(415, "send the file as multipart/form-data", type="/problems/unsupported-media-type")
    try:
        form = await _limited_request(request, MAX_UPLOAD).form(max_files=1, max_fields=4,
                                                               max_part_size=MAX_UPLOAD)
    except Problem:
        raise
    except Exception as exc:  # malformed multipart, or too many parts
        raise Problem(400, f"could not read the upload: {exc}", type="/problems/malformed-upload") from None
    return dict(form)


def _principal_cache(runtime: Runtime) -> PrincipalCache | None:
    """The process's principal cache, invalidated by the feed (none without a feed to do that)."""
    cache: PrincipalCache | None = runtime.extras.get("principal_cache")
    if cache is None and runtime.feed is not None:
        cache = runtime.extras["principal_cache"] = PrincipalCache()
        runtime.feed.subscribe(cache.on_event)
    return cache


async def authenticate(runtime: Runtime, request: Request, *, writing: bool) -> Principal:
    # One credential reader (core/auth/credentials.py). The principal cache is not consulted
    # here yet: its keys predate server-side sessions and token expiry (merge note in the report).
    cred = read_credential(request.headers, request.cookies)
    async with runtime.db.read() as session:
        principal = await resolve(session, runtime.signer, cred)
    if principal is not None and principal.token_id:
        request.state.yingji_token_id = principal.token_id  # its use is noted once the request succeeded
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


def _unknown_unit(request: Request, code: str) -> Problem:
    """A unit code that names no unit, wherever a handler met it: 422 pointing at where it came from."""
    pointer = next((f"/{k}" for k, v in request.query_params.items() if v == code), "/")
    return Problem(422, f"no unit with the code {code}", type="/problems/invalid", title="Invalid input",
                   errors=[{"pointer": pointer, "message": f"unknown unit {code}"}])


def _reply_response(reply: Reply) -> Response:
    if isinstance(reply.body, Response):  # a non-JSON representation (iCalendar, print views)
        return reply.body
    if reply.status == 204:
        return Response(status_code=204, headers=reply.headers)
    return JSONBody(reply.body, status_code=reply.status, headers=reply.headers)


def bound_integers(schema: Any) -> None:
    """Give every integer in a schema a maximum and a minimum (in place: the OpenAPI description
    shows the same schema the server enforces)."""
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            kind = node.get("type")
            if kind == "integer" or (isinstance(kind, list) and "integer" in kind):
                node.setdefault("maximum", INT_MAX)
                node.setdefault("minimum", -INT_MAX)
            stack.extend(v for k, v in node.items() if k not in ("examples", "default", "enum", "const"))
        elif isinstance(node, list):
            stack.extend(node)


class Api:
    """The routes of one domain. `web` mounts every domain's Api and builds OpenAPI from them."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.routes: list[ApiRoute] = []

    def _add(self, method: str, path: str, **kw: Any) -> Callable[[Any], Any]:
        for schema in [kw.get("body"), kw.get("response"), *(kw.get("query") or {}).values()]:
            if schema is not None:
                bound_integers(schema)

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
             scope: str | None = None, verbatim: bool = False, max_body: int = MAX_BODY,
             raw_body: dict[str, Any] | None = None) -> Callable[[WriteHandler], WriteHandler]:
        return self._add("POST", path, summary=summary, body=body, response=response, creates=creates,
                         status=201 if creates else status, permission=permission, description=description,
                         upload=upload, scope=scope, verbatim=verbatim, max_body=max_body, raw_body=raw_body)

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
        except UnknownUnit as exc:
            response = problem_response(_unknown_unit(request, str(exc)))
        except Exception:
            log.exception("unhandled error in %s %s", route.method, route.path)
            response = problem_response(Problem(500, "internal error; the operation was not completed"))
        if response.status_code < 400 and (token_id := getattr(request.state, "yingji_token_id", None)):
            last_used.tracker(runtime.db).note(token_id)  # in memory; written every few seconds
        metrics.HTTP_REQUESTS.labels(route.method, route.path, str(response.status_code)).inc()
        metrics.HTTP_LATENCY.labels(route.method, route.path).observe(time.perf_counter() - started)
        return response

    endpoint.__name__ = route.handler.__name__
    return endpoint


async def _handle(route: ApiRoute, runtime: Runtime, request: Request) -> Response:
    principal = await authenticate(runtime, request, writing=route.writes)
    for name, value in request.path_params.items():
        if "\x00" in value or len(value) > MAX_PATH_PARAM:  # names nothing; PostgreSQL would refuse the NUL
            raise not_found(name, value[:40].replace("\x00", "\\0"))
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
        body, raw = await _read_body(request, route.body, defaults=route.method != "PATCH", verbatim=route.verbatim,
                                     limit=route.max_body)
        ctx.raw = raw
    key = request.headers.get(idempotency.HEADER) if route.creates else None
    if key is not None and not idempotency.valid_key(key):
        raise Problem(400, f"Idempotency-Key must be 1 to {idempotency.MAX_KEY_LENGTH} visible ASCII characters",
                      type="/problems/invalid-idempotency-key",
                      errors=[{"pointer": "/", "in": "header", "message": "does not match the pattern"}])
    fingerprint = idempotency.fingerprint(route.method, request.url.path, raw) if key else ""
    replayed: idempotency.Stored | None = None
    try:
        async with runtime.db.write(principal.actor) as uow:
            # Looked up inside the unit of work: no read transaction of its own, and a retry in the
            # same group-commit batch sees the first one's record (answered once that batch commits).
            if key and (replayed := await idempotency.find(uow.session, principal.user_id, key)) is not None:
                return _replay_response(replayed, fingerprint)
            reply = await route.handler(ctx, uow, body)
            if key and reply.status < 300:
                await idempotency.record(
                    uow.session, user_id=principal.user_id, key=key, method=route.method, path=request.url.path,
                    fingerprint=fingerprint, status=reply.status,
                    body=orjson.dumps(reply.body if reply.replay_body is None else reply.replay_body).decode())
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
    return _replay_response(record, fingerprint)


def _replay_response(record: idempotency.Stored, fingerprint: str) -> Response:
    if record.request_sha256 != fingerprint:
        raise Problem(422, "this Idempotency-Key was used for a different request",
                      type="/problems/idempotency-key-reused",
                      errors=[{"pointer": "/", "message": "Idempotency-Key reused with another body or path"}])
    return Response(record.body.encode(), status_code=record.status, media_type="application/json",
                    headers={"Idempotent-Replayed": "true"})
