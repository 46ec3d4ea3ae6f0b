"""Bad requests to EVERY registered /api/v1 route: problem+json, the right 4xx, never a 5xx, and
nothing changes (journal head and every table as before).

The routes come from web.app's APIS, so routes added later are covered without editing this file.
Invalid bodies are made from each route's own schema example, one field at a time, so each 422 can
be checked to point at the field that was broken.
"""

from __future__ import annotations

import copy
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from jsonschema import Draft202012Validator, FormatChecker

from core.api.registry import ApiRoute
from core.auth import last_used
from duty.board.service import SWEEP_TIMER
from tests.support import (
    LiveServer,
    assert_problem,
    bearer,
    journal_head,
    make_settings,
    table_dump,
    token_for,
)
from web.app import all_api_routes

ROUTES = all_api_routes()
BODY_ROUTES = [r for r in ROUTES if r.body is not None]
QUERY_ROUTES = [r for r in ROUTES if r.query]
PARAM_ROUTES = [r for r in ROUTES if "{" in r.path]
_PARAM = re.compile(r"{([^}]+)}")

# Values tried, in order, to break one field of an example: first values of the field's own JSON type
# (a pattern, enum, length or range broken), then values of another type. For each field the first
# of each kind that breaks only that field is used.
SAME_TYPE: dict[type, list[Any]] = {
    str: ["zz-not-valid ☃", "", "x" * 5000],
    int: [-(10**9), 10**9],
    float: [-(10.0**9), 10.0**9],
    list: [[], ["zz", "zz"]],
    dict: [{}],
}
OTHER_TYPE: list[Any] = [12345.5, "zz-not-valid ☃", {"zz": [1]}, ["zz"], True, None]


def rid(route: ApiRoute) -> str:
    return f"{route.method} {route.path}"


def fill(path: str, value: str) -> str:
    return _PARAM.sub(value, path)


def example_of(route: ApiRoute) -> Any:
    assert route.body is not None
    examples = route.body.get("examples") or []
    assert examples, f"{rid(route)}: the body schema has no example"
    return copy.deepcopy(examples[0])


@dataclass
class Env:
    server: LiveServer
    client: httpx.AsyncClient
    admin: str
    county: str
    database_url: str


@pytest.fixture
async def env(tmp_path: Path, sqlite_url: str) -> AsyncIterator[Env]:
    admin = await token_for(sqlite_url, "admin")
    county = await token_for(sqlite_url, "duty.360702")
    server = LiveServer(make_settings(tmp_path, sqlite_url))
    await server.start()
    # Tokens' last use (of the good requests around each check) is written by a periodic flush; here
    # only at shutdown, so a snapshot shows what the bad requests changed and nothing else.
    last_used.tracker(server.app.state.runtime.db).interval_s = 3600
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=20) as client:
            yield Env(server, client, admin, county, sqlite_url)
    finally:
        await server.stop()


def _without_heartbeat(table: str, rows: list[tuple[Any, ...]] | None) -> list[tuple[Any, ...]] | None:
    """The presence sweep reschedules itself every few seconds on its own, with no event: a slow run
    sees it move while a request is refused, which is not a change the request made."""
    if table != "timers" or rows is None:
        return rows
    return [r for r in rows if r[1] != orjson.dumps(SWEEP_TIMER).decode()]  # column 1 is the kind


class Unchanged:
    """Snapshot of the journal head and every table; `check()` asserts both are as they were."""

    def __init__(self, env: Env) -> None:
        self.env = env

    async def __aenter__(self) -> Unchanged:
        self.head = await journal_head(self.env.client, self.env.admin)
        self.tables = await table_dump(self.env.database_url)
        return self

    async def __aexit__(self, exc_type: Any, *_: Any) -> None:
        if exc_type is not None:
            return
        assert await journal_head(self.env.client, self.env.admin) == self.head, "the journal head moved"
        after = await table_dump(self.env.database_url)
        changed = [t for t in after if _without_heartbeat(t, after[t]) != _without_heartbeat(t, self.tables.get(t))]
        assert not changed, f"rows changed in {changed}"


async def send(client: httpx.AsyncClient, route: ApiRoute, path: str, *, headers: dict[str, str] | None = None,
               content: bytes | None = None, params: dict[str, str] | None = None) -> httpx.Response:
    return await client.request(route.method, path, headers=headers or {}, content=content, params=params)


def json_headers(token: str) -> dict[str, str]:
    return {**bearer(token), "Content-Type": "application/json"}


# --- 401 ---------------------------------------------------------------------------------------

async def test_every_route_needs_credentials(env: Env) -> None:
    assert len(ROUTES) >= 10
    bad_credentials: list[dict[str, str]] = [
        {},
        {"Authorization": "Bearer yj_0000000000000000_not-a-real-secret"},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic YWRtaW46ZGVtby0yMDI2"},
        {"Authorization": env.admin},  # the token without the scheme
        {"Cookie": "yingji_session=forged.cookie.value"},
    ]
    async with Unchanged(env):
        for route in ROUTES:
            body = orjson.dumps(example_of(route)) if route.body is not None else None
            for creds in bad_credentials:
                headers = {**creds, "Content-Type": "application/json"}
                res = await send(env.client, route, fill(route.path, "360702"), headers=headers, content=body)
                doc = assert_problem(res, 401)
                assert doc["type"] != "about:blank" or doc["title"], rid(route)


async def test_a_tampered_token_is_401(env: Env) -> None:
    tampered = env.county[:-3] + ("aaa" if not env.county.endswith("aaa") else "bbb")
    async with Unchanged(env):
        for route in ROUTES:
            res = await send(env.client, route, fill(route.path, "360702"), headers=json_headers(tampered),
                             content=orjson.dumps(example_of(route)) if route.body is not None else None)
            assert_problem(res, 401)


# --- bodies: 400, 415, 422 ---------------------------------------------------------------------

def _pointer(path: list[Any]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path) or "/"


def _paths(doc: Any, prefix: list[Any], depth: int) -> Iterator[list[Any]]:
    """Every location in an example document, parents before children."""
    if depth == 0:
        return
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield [*prefix, key]
            yield from _paths(value, [*prefix, key], depth - 1)
    elif isinstance(doc, list) and doc:
        yield [*prefix, 0]
        yield from _paths(doc[0], [*prefix, 0], depth - 1)


def _set(doc: Any, path: list[Any], value: Any) -> Any:
    doc = copy.deepcopy(doc)
    target = doc
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return doc


def _drop(doc: Any, path: list[Any]) -> Any:
    doc = copy.deepcopy(doc)
    target = doc
    for part in path[:-1]:
        target = target[part]
    del target[path[-1]]
    return doc


def _under(error_path: list[Any], path: list[Any]) -> bool:
    return error_path[:len(path)] == path


def invalid_variants(schema: dict[str, Any], example: Any) -> list[tuple[str, Any, str]]:
    """(what, document, pointer of the offending field): each breaks the example in one place only."""
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    out: list[tuple[str, Any, str]] = []
    for path in _paths(example, [], 4):
        current: Any = example
        for part in path:
            current = current[part]
        for candidates in (SAME_TYPE.get(type(current), []), OTHER_TYPE):
            for bad in candidates:
                doc = _set(example, path, bad)
                errors = list(validator.iter_errors(doc))
                if errors and all(_under(list(e.absolute_path), path) for e in errors):
                    out.append((f"{_pointer(path)} = {str(bad)[:30]!r}", doc, _pointer(path)))
                    break
    for path in _paths(example, [], 4):
        if isinstance(path[-1], int):
            continue
        doc = _drop(example, path)
        errors = list(validator.iter_errors(doc))
        if errors and all(e.validator == "required" and list(e.absolute_path) == path[:-1] for e in errors):
            out.append((f"without {_pointer(path)}", doc, _pointer(path)))
    if isinstance(example, dict) and schema.get("additionalProperties") is False:
        out.append(("an unknown field", {**example, "zz_unknown": 1}, "/zz_unknown"))
    return out


async def test_every_body_route_rejects_bad_bodies(env: Env) -> None:
    assert BODY_ROUTES
    headers = json_headers(env.admin)
    tried = 0
    async with Unchanged(env):
        for route in BODY_ROUTES:
            assert route.body is not None
            path = fill(route.path, "360702")
            example = example_of(route)
            assert not list(Draft202012Validator(route.body).iter_errors(example)), f"{rid(route)}: bad example"

            # Not JSON at all, or cut short: 400.
            for raw in (b'{"code": ', b"{'single': 'quotes'}", b"\xff\xfe not utf-8", b"", b"null"):
                doc = assert_problem(await send(env.client, route, path, headers=headers, content=raw), 400)
                assert doc["type"] != "about:blank", doc

            # JSON, but announced as something else: 415.
            for ctype in ("text/plain", "application/x-www-form-urlencoded", "application/xml", None):
                h = {**bearer(env.admin), **({"Content-Type": ctype} if ctype else {})}
                res = await send(env.client, route, path, headers=h, content=orjson.dumps(example))
                assert_problem(res, 415)

            # JSON of the wrong shape: 422 with a pointer at the root or a field.
            for doc in ([], [example], "text", 7, True):
                res = await send(env.client, route, path, headers=headers, content=orjson.dumps(doc))
                problem = assert_problem(res, 422)
                assert problem["errors"], problem

            # One field broken: 422 pointing at that field.
            variants = invalid_variants(route.body, example)
            assert variants, f"{rid(route)}: found no way to break the example"
            for what, doc, pointer in variants:
                res = await send(env.client, route, path, headers=headers, content=orjson.dumps(doc))
                problem = assert_problem(res, 422)
                pointers = [e["pointer"] for e in problem.get("errors") or []]
                assert pointers, f"{rid(route)} {what}: no errors listed: {problem}"
                assert all(p == pointer or p.startswith(pointer + "/") for p in pointers), \
                    f"{rid(route)} {what}: expected errors at {pointer}, got {pointers}"
                tried += 1
    assert tried >= 10


async def test_a_body_too_large_is_413(env: Env) -> None:
    async with Unchanged(env):
        for route in BODY_ROUTES:
            big = orjson.dumps({"padding": "x" * (1 << 20)})
            res = await send(env.client, route, fill(route.path, "360702"), headers=json_headers(env.admin),
                             content=big)
            assert_problem(res, 413)


# --- 404 for unknown path parameters -------------------------------------------------------------

async def test_unknown_path_params_are_404(env: Env) -> None:
    assert PARAM_ROUTES
    async with Unchanged(env):
        for route in PARAM_ROUTES:
            body = orjson.dumps(example_of(route)) if route.body is not None else None
            for ghost in ("zz-no-such-thing", "00000000000000000000000000000000", "999999"):
                res = await send(env.client, route, fill(route.path, ghost), headers=json_headers(env.admin),
                                 content=body)
                doc = assert_problem(res, 404)
                assert ghost in doc["detail"], f"{rid(route)}: the detail does not name {ghost}: {doc}"


async def test_unknown_api_paths_are_404_problems(env: Env) -> None:
    for path in ("/api/v1/no-such-thing", "/api/v1/units/360702/nope", "/api/v2/units"):
        res = await env.client.get(path, headers=bearer(env.admin))
        assert_problem(res, 404)


async def test_wrong_method_is_405_problem(env: Env) -> None:
    async with Unchanged(env):
        for route in ROUTES:
            path = fill(route.path, "360702")
            taken = {r.method for r in ROUTES if r.path == route.path}
            for method in ("DELETE", "PUT"):
                if method in taken:
                    continue
                res = await env.client.request(method, path, headers=json_headers(env.admin), content=b"{}")
                assert_problem(res, 405)


# --- 400 for invalid query parameters ----------------------------------------------------------

def bad_query_values(schema: dict[str, Any]) -> list[str]:
    out: list[str] = []
    kind = schema.get("type")
    if kind == "integer":
        out += ["abc", "1.5", "", "0x10"]
    elif kind == "number":
        out += ["abc", ""]
    elif kind == "boolean":
        out += ["maybe", "", "2"]
    if kind in ("integer", "number"):
        if "minimum" in schema:
            out.append(str(schema["minimum"] - 1))
        if "maximum" in schema:
            out.append(str(schema["maximum"] + 1))
    if "enum" in schema and "zz-not-a-choice" not in schema["enum"]:
        out.append("zz-not-a-choice")
    if kind == "string" or ("type" not in schema and "enum" not in schema):
        if "pattern" in schema and not re.search(schema["pattern"], "!! bad value"):
            out.append("!! bad value")
        if "maxLength" in schema:
            out.append("x" * (schema["maxLength"] + 1))
        if "minLength" in schema and schema["minLength"] > 0:
            out.append("")
    return out


async def test_invalid_query_params_are_400(env: Env) -> None:
    tried = 0
    async with Unchanged(env):
        for route in QUERY_ROUTES:
            path = fill(route.path, "360702")
            body = orjson.dumps(example_of(route)) if route.body is not None else None
            for name, schema in route.query.items():
                for bad in bad_query_values(schema):
                    res = await send(env.client, route, path, headers=json_headers(env.admin), content=body,
                                     params={name: bad})
                    doc = assert_problem(res, 400)
                    pointers = [e["pointer"] for e in doc.get("errors") or []]
                    assert pointers == [f"/{name}"], f"{rid(route)} ?{name}={bad!r}: {doc}"
                    tried += 1
    assert tried >= 8, tried


def good_query_value(schema: dict[str, Any]) -> str | None:
    """A value the parameter's schema accepts, as it would stand in a URL (None: none found)."""
    if "enum" in schema:
        return str(schema["enum"][0])
    kind = schema.get("type")
    if kind == "boolean":
        return "true"
    if kind in ("integer", "number"):
        return str(schema.get("minimum", 1))
    fmt = schema.get("format")
    candidates = {"date-time": ["2026-11-23T08:00:00+08:00"], "date": ["2026-11-23"]}.get(
        fmt, ["360702", "2026-11", "2026-11-23", "duty.360702"])
    for value in candidates:
        if not list(Draft202012Validator(schema, format_checker=FormatChecker()).iter_errors(value)):
            return value
    return None


async def test_valid_query_params_are_accepted(env: Env) -> None:
    """The other side of the 400s: valid values of every declared query parameter pass validation."""
    tried = 0
    for route in QUERY_ROUTES:
        path = fill(route.path, "360702")
        body = orjson.dumps(example_of(route)) if route.body is not None else None
        for name, schema in route.query.items():
            value = good_query_value(schema)
            if value is None:
                continue
            res = await send(env.client, route, path, headers=json_headers(env.admin), content=body,
                             params={name: value})
            assert res.status_code < 500, f"{rid(route)} ?{name}={value}: {res.status_code} {res.text}"
            if res.status_code == 400:
                doc = assert_problem(res, 400)
                assert doc["type"] != "/problems/invalid-query", f"{rid(route)} ?{name}={value}: {doc}"
            tried += 1
    assert tried >= 8, tried
