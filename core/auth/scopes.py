"""Token scopes, and the one check of a caller's scope (HTTP routes and the websocket both call it).

A scope bounds what a credential may do whatever the user's roles allow: `read` (GET and the live
stream), `write` (every change), `admin` (managing units and users), `integration` (machine
senders). A person's browser session carries every scope their roles reach; a token carries the
scopes asked for at creation, never more than its user's roles reach; a hall display only `read`.
"""

from __future__ import annotations

from collections.abc import Iterable

from core.problems import Problem

SCOPES: dict[str, tuple[str, str]] = {
    "read": ("只读", "Read"),
    "write": ("写入", "Write"),
    "admin": ("管理", "Administration"),
    "integration": ("系统对接", "Integration"),
}
# Self-service on one's own account (own password, own sessions): any signed-in person, or a
# token with `write`. A display never.
ACCOUNT = "account"


def ceiling(roles: Iterable[str]) -> frozenset[str]:
    """The scopes a user's roles reach."""
    roles = set(roles)
    if "admin" in roles:
        return frozenset(SCOPES)
    if roles <= {"viewer"}:
        return frozenset({"read"})
    reach = {"read", "write"}
    if "integration" in roles:
        reach.add("integration")
    return frozenset(reach)


def check(scopes: frozenset[str], via: str, required: str) -> None:
    """403 unless a credential with `scopes`, arriving `via` session/token/display, may do `required`."""
    if required == ACCOUNT:
        if via == "session" or (via == "token" and "write" in scopes):
            return
    elif required in scopes:
        return
    raise Problem(403, f"this credential lacks the scope {required if required != ACCOUNT else 'write'}",
                  type="/problems/insufficient-scope")
