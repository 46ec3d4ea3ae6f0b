"""Errors as RFC 9457 problem details. Services raise `Problem`; the HTTP layer renders it."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any


class Problem(Exception):
    def __init__(self, status: int, detail: str, *, title: str | None = None, type: str = "about:blank",
                 errors: list[dict[str, str]] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or HTTPStatus(status).phrase
        self.type = type
        self.errors = errors
        self.extra = extra

    def as_doc(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.status,
                               "detail": self.detail}
        if self.errors is not None:
            doc["errors"] = self.errors
        doc.update(self.extra)
        return doc


def not_found(what: str, ident: str) -> Problem:
    return Problem(404, f"{what} {ident} does not exist or is not visible to you", type="/problems/not-found")


def forbidden(detail: str = "your roles do not allow this") -> Problem:
    return Problem(403, detail, type="/problems/forbidden")


def conflict(detail: str) -> Problem:
    return Problem(409, detail, type="/problems/conflict")


def invalid(pointer: str, message: str) -> Problem:
    return Problem(422, message, type="/problems/invalid", title="Invalid input",
                   errors=[{"pointer": pointer, "message": message}])
