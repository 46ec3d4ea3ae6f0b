"""The event catalogue: every event type the journal may carry, with how people read it and the
schema of its payload (`data`). One table per domain, `EVENTS = {type: (zh, en, payload schema)}`,
registered here when the domain is imported; `uow.emit` refuses a type no table knows and, where
payload checking is on (the test-suite sets YINGJI_CHECK_EVENTS=1), a payload its schema refuses.
docs/events.md is generated from the tables (web/events_doc.py) and checked against them in the suite.

Naming: `<subject>.<what happened>` in the past tense or as a state (`task.dispatched`,
`task.overdue`); a domain whose subjects could clash with another's prefixes them with its own
name (`duty.roster.published`). Timer kinds (`command.task.due`) are not events: a timer firing
emits the event its handler decides on (`task.overdue`)."""

from __future__ import annotations

import os
from typing import Any

EventSpec = tuple[str, str, dict[str, Any]]

# The payload every event may carry: a JSON object. A table narrows it where it says more.
OBJECT: dict[str, Any] = {"type": "object"}


def payload(*required: str, **properties: dict[str, Any]) -> dict[str, Any]:
    """A payload schema: an object with these members required (and these described)."""
    schema: dict[str, Any] = {"type": "object", "required": list(required)}
    props: dict[str, Any] = {name: {} for name in required if name not in properties} | properties
    if props:
        schema["properties"] = props
    return schema


_events: dict[str, tuple[str, EventSpec]] = {}  # type -> (domain, spec)


class UnknownEvent(ValueError):
    pass


def register(domain: str, events: dict[str, EventSpec]) -> None:
    for type_, spec in events.items():
        known = _events.get(type_)
        if known is not None and known[0] != domain:
            raise ValueError(f"event {type_} is in both {known[0]} and {domain}")
        _events[type_] = (domain, spec)


def labels(events: dict[str, EventSpec]) -> dict[str, tuple[str, str]]:
    """(zh, en) per type: what the message catalogues and the journal page show."""
    return {t: (zh, en) for t, (zh, en, _schema) in events.items()}


def catalogue() -> dict[str, tuple[str, EventSpec]]:
    return dict(_events)


def checking_payloads() -> bool:
    return os.environ.get("YINGJI_CHECK_EVENTS", "") in ("1", "true", "yes")


def check(type_: str, data: dict[str, Any]) -> None:
    """Before an event is appended. Until a domain table is registered (core alone, as in a
    migration) nothing is checked."""
    if not _events:
        return
    known = _events.get(type_)
    if known is None:
        raise UnknownEvent(f"event type {type_} is in no event catalogue (EVENTS of its domain)")
    if checking_payloads():
        from core.validation import errors_of

        errors = errors_of(known[1][2], data)
        if errors:
            raise ValueError(f"event {type_}: payload does not match its schema: {errors}")


# The core's own events: units, users, tokens, files.
EVENTS: dict[str, EventSpec] = {
    "unit.created": ("新建单位", "Unit created", payload("code", "name")),
    "unit.updated": ("单位信息变更", "Unit updated", payload("code", "changed")),
    "facility.created": ("新建场所", "Facility created", OBJECT),
    "user.created": ("新建用户", "User created", OBJECT),
    "user.updated": ("用户信息变更", "User updated", OBJECT),
    "user.password_changed": ("修改密码", "Password changed", OBJECT),
    "user.signed_in": ("登录", "Signed in", OBJECT),
    "token.created": ("创建接口令牌", "API token created", OBJECT),
    "token.revoked": ("吊销接口令牌", "API token revoked", OBJECT),
    "attachment.uploaded": ("上传附件", "File uploaded", OBJECT),
    # Sessions, sign-in audit and hall displays (issue 15; docs/security.md).
    "session.revoked": ("会话注销", "Sessions ended", payload("user_id", "sessions", "reason")),
    "auth.sign_in_failed": ("登录失败", "Sign-in failed", payload("username", "ip")),
    "auth.spray_detected": ("疑似多账号密码猜测", "Password spray suspected", payload("ip", "accounts")),
    "display.created": ("新建大屏凭据", "Hall display created", payload("token_id", "unit")),
    "display.exchanged": ("大屏接入", "Hall display connected", payload("token_id")),
}
register("core", EVENTS)
