"""OpenAPI 3.1, assembled from the routes' own JSON Schemas (the ones the server validates with)."""

from __future__ import annotations

import re
from typing import Any

from core.api import idempotency
from core.api.registry import PROBLEM_SCHEMA, ApiRoute, bound_integers

_PARAM = re.compile(r"{([^}]+)}")


def _component(components: dict[str, Any], schema: dict[str, Any]) -> dict[str, str]:
    name = schema.get("title") or f"Schema{len(components)}"
    components[name] = schema
    return {"$ref": f"#/components/schemas/{name}"}


def build(routes: list[ApiRoute], *, version: str) -> dict[str, Any]:
    bound_integers(PROBLEM_SCHEMA)  # the routes' own schemas were bounded when they were declared
    components: dict[str, Any] = {"Problem": PROBLEM_SCHEMA}
    paths: dict[str, Any] = {}
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for r in routes:
        op: dict[str, Any] = {
            "operationId": f"{r.tag}.{r.handler.__name__}",
            "summary": r.summary,
            "tags": [r.tag],
            "security": [{"bearer": []}, {"cookie": []}],
            "responses": {
                "400": {"description": "Malformed request (query, JSON, Idempotency-Key)", "content": problem},
                "401": {"description": "Not signed in, or the token is unknown, expired or revoked",
                        "content": problem},
                "403": {"description": "Not allowed: role, credential scope or CSRF token", "content": problem},
            },
        }
        responses = op["responses"]
        if _PARAM.search(r.path) or r.query:
            responses["404"] = {"description": "Not found, or not visible to the caller", "content": problem}
        if r.query or r.body is not None or r.upload:
            responses["422"] = {"description": "Invalid input (errors carry JSON pointers)", "content": problem}
        if r.writes:
            responses["409"] = {"description": "Conflicts with the current state", "content": problem}
            responses["413"] = {"description": "Body too large", "content": problem}
            responses["415"] = {"description": "Wrong Content-Type", "content": problem}
        if r.description:
            op["description"] = r.description
        params: list[dict[str, Any]] = [
            {"name": n, "in": "path", "required": True, "schema": {"type": "string"}}
            for n in _PARAM.findall(r.path)]
        params += [{"name": n, "in": "query", "required": False, "schema": s} for n, s in r.query.items()]
        if r.creates:
            params.append({"name": "Idempotency-Key", "in": "header", "required": False,
                           "schema": idempotency.KEY_SCHEMA,
                           "description": "a retry with the same key returns the first result"})
        if params:
            op["parameters"] = params
        if r.upload:
            op["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["file"],
                "properties": {"file": {"type": "string", "contentMediaType": "application/octet-stream"}}}}}}
        if r.raw_body is not None:
            op["requestBody"] = {"required": True, "content": r.raw_body}
            op["responses"]["422"] = {"description": "Invalid input (errors name the element and the rule)",
                                      "content": problem}
        if r.body is not None:
            op["requestBody"] = {"required": True,
                                 "content": {"application/json": {"schema": _component(components, r.body)}}}
        ok: dict[str, Any] = {"description": "OK"}
        if r.response is not None and r.status != 204:
            ok["content"] = {"application/json": {"schema": _component(components, r.response)}}
        op["responses"][str(r.status)] = ok
        paths.setdefault(r.path, {})[r.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {"title": "Yingji 应急 API", "version": version,
                 "description": "Incident command and duty watch. Errors are application/problem+json."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "yingji token create"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "yingji_session",
                           "description": "browser session; writes also need the X-CSRF-Token header"},
            },
        },
    }
