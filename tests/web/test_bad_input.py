"""Every bad input a 4xx problem, never a 5xx (issue 15), and a contract that tells the truth: NUL
characters (on both databases), unknown units in filters, integers beyond any maximum, deep
nesting, year 0, body limits that stop reading (chunked too), the Idempotency-Key pattern and a
replay of a re-serialised body, 405 with Allow, the statuses OpenAPI documents."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.api import idempotency
from core.api.registry import INT_MAX, MAX_BODY, MAX_UPLOAD
from tests.support import LiveServer, assert_problem, bearer, make_settings, token_for


@pytest.fixture
async def env(tmp_path: Path, db_url: str) -> AsyncIterator[tuple[LiveServer, str, str]]:
    server = LiveServer(make_settings(tmp_path, db_url))
    await server.start()
    try:
        yield server, await token_for(db_url, "duty.360702"), db_url
    finally:
        await server.stop()


async def test_bad_inputs_are_4xx_on_both_databases(env: tuple[LiveServer, str, str]) -> None:
    server, token, _url = env
    h = bearer(token)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as c:
        # NUL in a JSON string or key: refused at the edge, the same on SQLite and PostgreSQL.
        doc = assert_problem(await c.post("/api/v1/tokens", json={"label": "a\u0000b"}, headers=h), 422)
        assert doc["errors"][0]["pointer"] == "/label"
        assert_problem(await c.post("/api/v1/tokens", json={"label": "x", "a\u0000": 1}, headers=h), 422)
        assert [t["label"] for t in (await c.get("/api/v1/tokens", headers=h)).json()] == ["test"]
        # NUL in a query value or a path parameter.
        assert_problem(await c.get("/api/v1/incidents", params={"q": "a\u0000"}, headers=h), 400)
        assert_problem(await c.get("/api/v1/incidents/ab%00cd", headers=h), 404)
        # An unknown unit in a list filter: 422 pointing at it, the same way everywhere.
        for path in ("/api/v1/incidents", "/api/v1/tasks"):
            doc = assert_problem(await c.get(path, params={"unit": "NO-SUCH"}, headers=h), 422)
            assert doc["errors"][0]["pointer"] == "/unit", path
        # Integers beyond 64 bits (and beyond the documented maximum).
        for since in (str(2**70), str(INT_MAX + 1), "9" * 5000):
            assert_problem(await c.get("/api/v1/events", params={"since": since}, headers=h), 400)
        assert_problem(await c.get("/api/v1/events", params={"before": str(2**64)}, headers=h), 400)
        # A small body nested 1,000 deep.
        deep = b'{"label":' + b"[" * 1000 + b'"x"' + b"]" * 1000 + b"}"
        res = await c.post("/api/v1/tokens", content=deep, headers={**h, "Content-Type": "application/json"})
        assert_problem(res, 422)
        # Year 0 (and a month whose next is year 10000) on the calendar.
        for month in ("0000-01", "9999-12"):
            res = await c.get("/api/v1/duty/calendar.ics", params={"unit": "360702", "month": month}, headers=h)
            assert_problem(res, 400)


def _scope(path: str, token: str, ctype: str) -> dict[str, Any]:
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
            "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
            "headers": [(b"host", b"test"), (b"authorization", f"Bearer {token}".encode()),
                        (b"content-type", ctype.encode()), (b"transfer-encoding", b"chunked")],
            "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}


async def _send_chunked(server: LiveServer, path: str, token: str, ctype: str, chunks: int,
                        size: int = 64 * 1024) -> tuple[int, int]:
    """Drive the app with a chunked body of `chunks` × `size` bytes; (status, chunks it pulled)."""
    pulled = 0
    status: list[int] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        pulled += 1
        if pulled > chunks:
            return {"type": "http.disconnect"}
        return {"type": "http.request", "body": b"x" * size, "more_body": pulled < chunks}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    await server.app(_scope(path, token, ctype), receive, send)
    return status[0], pulled


async def test_body_limits_stop_reading_chunked_bodies(env: tuple[LiveServer, str, str]) -> None:
    server, token, _url = env
    chunk = 64 * 1024
    status, pulled = await _send_chunked(server, "/api/v1/tokens", token, "application/json", chunks=800)
    assert status == 413
    assert pulled * chunk <= MAX_BODY + 2 * chunk, pulled  # 50 MB offered, about 1 MiB read
    status, pulled = await _send_chunked(server, "/api/v1/attachments", token,
                                         "multipart/form-data; boundary=b", chunks=800)
    assert status in (400, 413)
    assert pulled * chunk <= MAX_UPLOAD + 2 * chunk, pulled


async def test_idempotency_key_pattern_and_parsed_replay(env: tuple[LiveServer, str, str]) -> None:
    server, token, _url = env
    h = {**bearer(token), "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as c:
        for bad in ("", "k" * 201, "schlüssel", "two words"):
            res = await c.post("/api/v1/tokens", content=b'{"label": "k"}',
                               headers={**h, "Idempotency-Key": bad.encode()})  # type: ignore[dict-item]
            assert_problem(res, 400)
        first = await c.post("/api/v1/tokens", content=b'{"label":"tablet","expires_in_days":30}',
                             headers={**h, "Idempotency-Key": "key-0001"})
        assert first.status_code == 201, first.text
        # The same JSON, keys reordered and spaced differently: a replay, not a 422.
        again = await c.post("/api/v1/tokens", content=b'{ "expires_in_days" : 30,\n "label" : "tablet" }',
                             headers={**h, "Idempotency-Key": "key-0001"})
        assert again.status_code == 201 and again.headers.get("idempotent-replayed") == "true", again.text
        assert again.json()["id"] == first.json()["id"]
        # A different body under the same key is still refused.
        other = await c.post("/api/v1/tokens", content=b'{"label":"other"}',
                             headers={**h, "Idempotency-Key": "key-0001"})
        assert_problem(other, 422)
    assert idempotency.valid_key("4f0e3c1a-9b7d-4d2e-8c55-0a1b2c3d4e5f")


async def test_405_carries_allow_and_openapi_documents_statuses(env: tuple[LiveServer, str, str]) -> None:
    server, token, _url = env
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as c:
        res = await c.delete("/api/v1/tokens", headers=bearer(token))
        assert_problem(res, 405)
        assert res.headers["allow"] == "GET, HEAD, POST"
        res = await c.put("/api/v1/incidents", headers=bearer(token))
        assert_problem(res, 405)
        assert set(res.headers["allow"].split(", ")) == {"GET", "HEAD"}
        spec = (await c.get("/api/openapi.json")).json()
    integers: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            kind = node.get("type")
            if kind == "integer" or (isinstance(kind, list) and "integer" in kind):
                integers.append(node)
            for k, v in node.items():
                if k != "examples":
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(spec)
    assert integers and all("maximum" in s for s in integers), [s for s in integers if "maximum" not in s][:3]
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            codes = set(op["responses"])
            assert {"400", "401", "403"} <= codes, (method, path)
            if "requestBody" in op:
                assert {"413", "415", "422"} <= codes, (method, path)
            for code, answer in op["responses"].items():
                if code >= "400":
                    assert "application/problem+json" in answer["content"], (method, path, code)
            for p in op.get("parameters", []):
                if p["name"] == "Idempotency-Key":
                    assert p["schema"]["minLength"] == 1 and p["schema"]["pattern"] == idempotency.KEY_PATTERN
