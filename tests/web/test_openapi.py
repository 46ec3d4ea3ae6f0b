"""/api/openapi.json: valid OpenAPI 3.1 built from the very schemas the server validates with; every
request body has examples, each valid and accepted as it stands when posted by a demo user."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import OpenAPIV31SpecValidator

from core.api.registry import ApiRoute
from core.auth.permissions import allowed
from core.demo import demo_users
from tests.support import LiveServer, bearer, make_settings, token_for
from web.app import all_api_routes

ROUTES = all_api_routes()
_PARAM = re.compile(r"{([^}]+)}")

# Who posts a route's example: a county user where the route's permission allows it, else the
# city's users in rising order of rights. (Contract: examples are usable as they stand by a demo
# user of a county, for routes a county may call.)
CALLERS = ["duty.360702", "lead.360702", "duty.360700", "lead.360700", "commander.360700", "admin"]
ROLES = {u.username: frozenset(u.roles) for u in demo_users()}


def caller_for(route: ApiRoute) -> str:
    if route.permission is None:
        return CALLERS[0]
    for name in CALLERS:
        if allowed(ROLES[name], route.permission):
            return name
    raise AssertionError(f"no demo user may call {route.method} {route.path} ({route.permission})")


@dataclass
class Demo:
    client: httpx.AsyncClient
    tokens: dict[str, str] = field(default_factory=dict)
    user_ids: dict[str, str] = field(default_factory=dict)

    async def token(self, username: str, database_url: str) -> str:
        if username not in self.tokens:
            self.tokens[username] = await token_for(database_url, username, label="openapi test")
            me = await self.client.get("/api/v1/me", headers=bearer(self.tokens[username]))
            assert me.status_code == 200
            self.user_ids[username] = me.json()["id"]
        return self.tokens[username]


# Real demo values for a route's path parameters, by route path; `caller` is who sends it. A new route
# with path parameters and a body needs its entry here (the test says so).
PathValues = Callable[[Demo, str], dict[str, str]]
PATH_VALUES: dict[str, PathValues] = {
    "/api/v1/units/{code}": lambda demo, caller: {"code": "360702"},
    "/api/v1/users/{id}": lambda demo, caller: {"id": demo.user_ids["duty.360702"]},
    # The example changes the caller's own password (it carries the demo password as the current one).
    "/api/v1/users/{id}/password": lambda demo, caller: {"id": demo.user_ids[caller]},
}


def fill(route: ApiRoute, demo: Demo, caller: str) -> str:
    names = _PARAM.findall(route.path)
    if not names:
        return route.path
    assert route.path in PATH_VALUES, f"add demo values for {route.path} to PATH_VALUES"
    values = PATH_VALUES[route.path](demo, caller)
    return _PARAM.sub(lambda m: values[m.group(1)], route.path)


@pytest.fixture
async def server(tmp_path: Path, sqlite_url: str) -> AsyncIterator[LiveServer]:
    srv = LiveServer(make_settings(tmp_path, sqlite_url))
    await srv.start()
    yield srv
    await srv.stop()


async def fetch_doc(server: LiveServer) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=server.url, timeout=20) as client:
        res = await client.get("/api/openapi.json")
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("application/json")
    return dict(res.json())


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    assert ref.startswith("#/components/schemas/"), ref
    return dict(doc["components"]["schemas"][ref.rsplit("/", 1)[1]])


async def test_document_is_valid_openapi_31(server: LiveServer) -> None:
    doc = await fetch_doc(server)
    assert doc["openapi"].startswith("3.1.")
    OpenAPIV31SpecValidator(doc).validate()
    assert doc["jsonSchemaDialect"] == "https://json-schema.org/draft/2020-12/schema"
    for schema in doc["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)

    # Every registered route is described, once, with problem+json for its errors.
    operation_ids = []
    for route in ROUTES:
        op = doc["paths"][route.path][route.method.lower()]
        operation_ids.append(op["operationId"])
        assert op["summary"]
        assert str(route.status) in op["responses"]
        for status in ("400", "401", "403"):
            assert "application/problem+json" in op["responses"][status]["content"], (route.path, status)
        params = {(p["in"], p["name"]) for p in op.get("parameters", [])}
        assert {("path", n) for n in _PARAM.findall(route.path)} <= params
        assert {("query", n) for n in route.query} <= params
        if route.creates:
            assert ("header", "Idempotency-Key") in params
        if route.body is not None:
            assert "422" in op["responses"]
            # The described schema is the one the server validates with.
            described = resolve(doc, op["requestBody"]["content"]["application/json"]["schema"])
            assert described == orjson.loads(orjson.dumps(route.body)), route.path
        else:
            assert "requestBody" not in op
        if route.response is not None and route.status != 204:
            described = resolve(doc, op["responses"][str(route.status)]["content"]["application/json"]["schema"])
            assert described == orjson.loads(orjson.dumps(route.response)), route.path
    assert len(operation_ids) == len(set(operation_ids))
    assert sum(len(ops) for ops in doc["paths"].values()) == len(ROUTES)
    problem = doc["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail"}


async def test_every_body_has_valid_examples(server: LiveServer) -> None:
    doc = await fetch_doc(server)
    bodies = 0
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if "requestBody" not in op:
                continue
            bodies += 1
            schema = resolve(doc, op["requestBody"]["content"]["application/json"]["schema"])
            examples = schema.get("examples")
            assert isinstance(examples, list) and examples, f"{method.upper()} {path}: no examples"
            validator = Draft202012Validator(schema, format_checker=FormatChecker())
            for example in examples:
                errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(example)]
                assert not errors, f"{method.upper()} {path}: example {example} is invalid: {errors}"
    assert bodies == sum(1 for r in ROUTES if r.body is not None) >= 6


async def test_examples_are_accepted_as_they_stand(server: LiveServer, sqlite_url: str) -> None:
    body_routes = [r for r in ROUTES if r.body is not None]
    # A route that changes a password goes last: the example's current password is the demo one.
    body_routes.sort(key=lambda r: "password" in r.path)
    async with httpx.AsyncClient(base_url=server.url, timeout=20) as client:
        demo = Demo(client)
        for name in CALLERS:
            await demo.token(name, sqlite_url)
        for route in body_routes:
            assert route.body is not None
            caller = caller_for(route)
            url = fill(route, demo, caller)
            for i, example in enumerate(route.body["examples"]):
                res = await client.request(route.method, url, json=example, headers=bearer(demo.tokens[caller]))
                assert 200 <= res.status_code < 300, \
                    f"{route.method} {url} example {i} as {caller}: {res.status_code} {res.text}"
                assert res.status_code == route.status
                if route.response is not None and res.status_code != 204:
                    check_response(route, res)


def check_response(route: ApiRoute, res: httpx.Response) -> None:
    assert route.response is not None
    validator = Draft202012Validator(route.response, format_checker=FormatChecker())
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(res.json())]
    assert not errors, f"{route.method} {route.path}: response does not match its schema: {errors}"


async def test_read_responses_match_their_schemas(server: LiveServer, sqlite_url: str) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=20) as client:
        demo = Demo(client)
        for name in ("duty.360702", "admin"):
            await demo.token(name, sqlite_url)
        checked = 0
        for route in ROUTES:
            if route.writes or route.response is None:
                continue
            if "{" in route.path and route.path not in PATH_VALUES:
                continue
            caller = caller_for(route)
            await demo.token(caller, sqlite_url)
            res = await client.get(fill(route, demo, caller), headers=bearer(demo.tokens[caller]))
            assert res.status_code == 200, f"{route.path}: {res.status_code} {res.text}"
            check_response(route, res)
            checked += 1
        assert checked >= 6
