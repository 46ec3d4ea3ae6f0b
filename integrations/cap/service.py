"""CAP operations: import a message into warnings, export a warning version, the feed of active ones.

Import calls `command.warnings.service` only (journalled, scoped, live like any write) and does it
all in the caller's unit of work: a message is imported whole or not at all.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.warnings import service as warnings
from command.warnings.models import EarlyWarning
from core.auth.principal import Principal
from core.db import UnitOfWork
from core.problems import Problem
from core.units.models import Unit
from integrations.cap import export, mapping, parse
from integrations.cap.model import Alert, Reference, to_doc
from integrations.cap.safexml import CapError

# What a message's status does here. Only Actual and Exercise ever become warnings.
IGNORED_STATUS = {"Test": "测试消息，不生成预警 (a Test message: never imported as a warning)",
                  "System": "系统消息，不生成预警 (a System message: never imported as a warning)",
                  "Draft": "草稿，不生成预警 (a Draft: never imported as a warning)"}
IGNORED_TYPE = {"Ack": "确认消息，仅记录不改变预警 (an Ack changes no warning)",
                "Error": "错误通知，不改变预警 (an Error message changes no warning)"}


@dataclass(frozen=True)
class CapConfig:
    """Who we are in CAP. `sender` is the configured CAP sender; unset, each warning's issuer code
    (ZZZZZZDDDUUUXX) is. `sector` is the GB/T 4657 sector code (DDD) in identifiers."""

    sender: str | None
    sector: str

    @classmethod
    def from_env(cls) -> CapConfig:
        return cls(sender=os.environ.get("YINGJI_CAP_SENDER") or None,
                   sector=os.environ.get("YINGJI_CAP_SECTOR_CODE", "000"))


def problem_of(error: CapError) -> Problem:
    title = {"schema": "CAP message fails the CAP 1.2 schema", "profile": "CAP message refused"}.get(
        error.reason, "CAP message refused")
    return Problem(error.status, str(error), title=title, type=f"/problems/cap-{error.reason.replace('_', '-')}",
                   errors=error.errors)


def _received_text(data: bytes) -> str:
    # Kept as text for reading; the original encoding is said by its XML declaration.
    for encoding in ("utf-8-sig", "utf-16", "iso-8859-1"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def _doc_without_signature(alert: Alert) -> dict[str, Any]:
    doc = to_doc(alert)
    doc.pop("signed", None)
    doc.pop("signature", None)
    return doc


async def _referenced(session: AsyncSession, by: Principal, alert: Alert) -> EarlyWarning:
    """The warning an Update or Cancel refers to (the latest referenced version we have)."""
    found: EarlyWarning | None = None
    for ref in alert.references:
        w = await warnings.find_by_external_identifier(session, identifier=ref.identifier, sender=ref.sender)
        if w is not None and (found is None or w.version > found.version):
            found = w
    if found is not None:
        try:
            return await warnings.get_visible(session, by, found.id)
        except Problem:
            pass  # someone else's warning: as unknown to this caller as one never received
    named = " ".join(f"{r.sender},{r.identifier}" for r in alert.references) or "(none)"
    raise Problem(409, f"{alert.msg_type} 引用的预警不存在：{named} (the message it refers to is unknown; "
                  "nothing was created)", title="Unknown reference", type="/problems/cap-unknown-reference",
                  errors=[{"pointer": "/alert/references", "message": f"no warning came as {named}",
                           "element": "references", "rule": "cap:references"}])


async def import_message(uow: UnitOfWork, *, by: Principal, data: bytes) -> dict[str, Any]:
    """→ {"outcome": "created"|"updated"|"cancelled"|"unchanged"|"ignored", "warning": doc|None, …}."""
    try:
        alert = parse.read_alert(data)
    except CapError as error:
        raise problem_of(error) from None
    base = {"identifier": alert.identifier, "sender": alert.sender, "status": alert.status,
            "msg_type": alert.msg_type, "signature": alert.signature, "notes": alert.notes}
    if alert.status in IGNORED_STATUS:
        return {**base, "outcome": "ignored", "reason": IGNORED_STATUS[alert.status], "warning": None}
    if alert.msg_type in IGNORED_TYPE:
        return {**base, "outcome": "ignored", "reason": IGNORED_TYPE[alert.msg_type], "warning": None}

    existing = await warnings.find_by_external_identifier(uow.session, identifier=alert.identifier,
                                                          sender=alert.sender)
    if existing is not None:
        kept = existing.extra.get("cap") or {}
        kept = {k: v for k, v in kept.items() if k not in ("signed", "signature")}
        if kept and kept != _doc_without_signature(alert):
            raise Problem(409, f"标识 {alert.identifier} 已用于另一条内容不同的消息 (identifier reused by "
                          f"{alert.sender} for a different message)", title="Identifier reused",
                          type="/problems/cap-identifier-reused",
                          errors=[{"pointer": "/alert/identifier", "message": "identifier reused",
                                   "element": "identifier", "rule": "cap:identifier"}])
        current = await warnings.get_visible(uow.session, by, existing.id)
        return {**base, "outcome": "unchanged", "warning": current.as_doc()}

    fields = mapping.warning_fields(alert)
    identity: dict[str, Any] = {"identifier": alert.identifier, "sender": alert.sender, "cap_xml": _received_text(data),
                "extra": {"cap": to_doc(alert)}}
    if alert.msg_type == "Alert":
        if fields["areas"] is None:
            fields["areas"] = {}
        w = await warnings.issue(uow, by=by, status=alert.status, source="cap", **fields, **identity)
        return {**base, "outcome": "created", "warning": w.as_doc()}
    old = await _referenced(uow.session, by, alert)
    if alert.msg_type == "Cancel":
        info = mapping.primary_info(alert)
        reason = alert.note or (info.headline if info else None) or ""
        w = await warnings.cancel(uow, by=by, warning_id=old.id, reason=reason, sent_at=alert.sent, **identity)
        return {**base, "outcome": "cancelled", "warning": w.as_doc()}
    if not alert.infos:
        fields = {"sent_at": alert.sent}  # an Update without info changes nothing but its identity
    w = await warnings.update(uow, by=by, replaces=old.id, status=alert.status, reason=alert.note or "",
                              **fields, **identity)
    return {**base, "outcome": "updated", "warning": w.as_doc()}


# ------------------------------------------------------------------------------------------ out

def _area_code(w: EarlyWarning) -> str:
    for code in reversed([p for p in w.issuer_path.split("/") if p]):
        if len(code) == 6 and code.isdigit():
            return code
    return "000000"


async def _identity(session: AsyncSession, w: EarlyWarning, config: CapConfig) -> tuple[str, str]:
    """(sender, identifier) of a version: the one it came with, else ours, derived — never stored
    on a read — so the same version always exports with the same identifier."""
    if w.identifier and w.sender:
        return (w.sender, w.identifier)
    code = export.sender_code(_area_code(w), config.sector)
    second = w.sent_at.replace(microsecond=0)
    same = select(EarlyWarning.id).where(EarlyWarning.issuer_unit == w.issuer_unit,
                                         EarlyWarning.sent_at >= second,
                                         EarlyWarning.sent_at < second + timedelta(seconds=1),
                                         EarlyWarning.identifier.is_(None))\
        .order_by(EarlyWarning.created_at, EarlyWarning.id)
    ids = list((await session.execute(same)).scalars())
    serial = ids.index(w.id) % 10 if w.id in ids else 0
    return (config.sender or code, export.identifier(code, w.sent_at, serial))


async def _unit_names(session: AsyncSession, w: EarlyWarning) -> dict[str, str]:
    codes = (w.areas or {}).get("units") or []
    if not codes:
        return {}
    rows = await session.execute(select(Unit.code, Unit.name).where(Unit.code.in_(codes)))
    return {code: name for code, name in rows.all()}


async def alert_of(session: AsyncSession, w: EarlyWarning, *, config: CapConfig, tz: ZoneInfo) -> Alert:
    references: list[Reference] = []
    for earlier in await warnings.versions_of(session, w.series_id):
        if earlier.version >= w.version:
            break
        sender, identifier = await _identity(session, earlier, config)
        references.append(Reference(sender=sender, identifier=identifier, sent=earlier.sent_at.astimezone(tz)))
    return mapping.alert_of_version(w, identity=await _identity(session, w, config), references=references,
                                    unit_names=await _unit_names(session, w), tz=tz)


async def version_for_export(session: AsyncSession, by: Principal, warning_id: str) -> EarlyWarning:
    """The series id means the warning (its current version); any other version id, that version."""
    w = await warnings.get_visible(session, by, warning_id)
    return await warnings.current_of(session, w.series_id) if w.id == w.series_id else w


async def export_xml(session: AsyncSession, by: Principal, warning_id: str, *, config: CapConfig,
                     tz: ZoneInfo) -> bytes:
    w = await version_for_export(session, by, warning_id)
    return export.export_checked(await alert_of(session, w, config=config, tz=tz))
