"""Notices: send down the hierarchy, sign for, reply, withdraw, remind the late."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.attachments import service as attachments
from core.auth.principal import Principal
from core.db import UnitOfWork
from core.orm import new_id, utcnow
from core.problems import forbidden, invalid, not_found
from core.states import next_state
from core.timers import service as timers
from core.units.models import Unit
from core.units.paths import path_of
from duty.common import subordinate_duty_units
from duty.notices.models import RECIPIENT_TRANSITIONS, Notice, NoticeRecipient
from duty.rules import service as rules

SIGNFOR_TIMER = "duty.notice.signfor"


async def send(uow: UnitOfWork, *, by: Principal, title: str, body: str, units_: list[str] | None,
               urgency: str = "normal", reply_required: bool = False, signfor_minutes: int | None = None,
               attachment_ids: list[str] | None = None) -> tuple[Notice, list[NoticeRecipient]]:
    session = uow.session
    if not by.can("duty.notice.send"):
        raise forbidden("sending notices needs duty rights")
    below = set((await session.execute(select(Unit.code).where(
        by.path_filter(Unit.path), Unit.code != by.unit_code, Unit.active.is_(True)))).scalars())
    if units_ is None:  # default: every subordinate duty room
        targets = [u.code for u in await subordinate_duty_units(session, by)]
    else:
        targets = sorted(set(units_))
        for i, code in enumerate(units_):
            if code not in below:
                raise invalid(f"/units/{i}", f"{code} is not a unit under yours")
    if not targets:
        raise invalid("/units", "no units to send to")
    minutes = signfor_minutes or int(await rules.value(session, by.unit_code, "notice_signfor_min"))
    now = utcnow()
    notice = Notice(id=new_id(), from_unit=by.unit_code, title=title, body=body, urgency=urgency,
                    reply_required=reply_required, signfor_deadline=now + timedelta(minutes=minutes),
                    created_by=by.user_id, created_by_name=by.name, created_at=now)
    session.add(notice)
    await session.flush()
    files = await attachments.attach(uow, by=by, ids=attachment_ids or [], kind="notice", owner_id=notice.id)
    notice.attachments = [f.as_doc() for f in files]
    rows = [NoticeRecipient(notice_id=notice.id, unit_code=code) for code in targets]
    session.add_all(rows)
    await session.flush()
    await timers.schedule(uow, kind=SIGNFOR_TIMER, ref=notice.id, due_at=notice.signfor_deadline)
    uow.emit("duty.notice.sent", subject=("notice", notice.id), scope=[by.unit_code, *targets],
             data={**notice.as_doc(), "units": targets})
    return notice, rows


async def get_visible(session: AsyncSession, by: Principal, notice_id: str) -> Notice:
    notice = await session.get(Notice, notice_id)
    if notice is None:
        raise not_found("notice", notice_id)
    if by.sees_path(await path_of(session, notice.from_unit)):
        return notice
    if await session.get(NoticeRecipient, (notice_id, by.unit_code)) is None:
        raise not_found("notice", notice_id)
    return notice


async def recipients(session: AsyncSession, notice_id: str) -> list[NoticeRecipient]:
    stmt = select(NoticeRecipient).where(NoticeRecipient.notice_id == notice_id).order_by(NoticeRecipient.unit_code)
    return list((await session.execute(stmt)).scalars())


async def _my_copy(session: AsyncSession, by: Principal, notice_id: str) -> tuple[Notice, NoticeRecipient]:
    notice = await session.get(Notice, notice_id)
    row = await session.get(NoticeRecipient, (notice_id, by.unit_code)) if notice else None
    if notice is None or row is None:
        raise not_found("notice addressed to your unit", notice_id)
    return notice, row


async def sign(uow: UnitOfWork, *, by: Principal, notice_id: str) -> NoticeRecipient:
    if not by.can("duty.notice.sign"):
        raise forbidden("signing for notices needs duty rights")
    notice, row = await _my_copy(uow.session, by, notice_id)
    row.status = next_state(RECIPIENT_TRANSITIONS, row.status, "sign", what="notice")
    row.signed_at, row.signed_by, row.signed_by_name = utcnow(), by.user_id, by.name
    uow.emit("duty.notice.signed", subject=("notice", notice.id), scope=[notice.from_unit, row.unit_code],
             data={"notice": notice.id, "title": notice.title, **row.as_doc(),
                   "late": row.signed_at > notice.signfor_deadline})
    return row


async def reply(uow: UnitOfWork, *, by: Principal, notice_id: str, text: str) -> NoticeRecipient:
    if not by.can("duty.notice.sign"):
        raise forbidden("replying to notices needs duty rights")
    notice, row = await _my_copy(uow.session, by, notice_id)
    row.status = next_state(RECIPIENT_TRANSITIONS, row.status, "reply", what="notice")
    now = utcnow()
    if row.signed_at is None:
        row.signed_at, row.signed_by, row.signed_by_name = now, by.user_id, by.name
    row.reply, row.replied_at = text, now
    uow.emit("duty.notice.replied", subject=("notice", notice.id), scope=[notice.from_unit, row.unit_code],
             data={"notice": notice.id, "title": notice.title, **row.as_doc()})
    return row


async def withdraw(uow: UnitOfWork, *, by: Principal, notice_id: str) -> Notice:
    notice = await get_visible(uow.session, by, notice_id)
    if notice.from_unit != by.unit_code or not by.can("duty.notice.send"):
        raise forbidden("only the sending unit can withdraw a notice")
    if notice.withdrawn_at is not None:
        return notice
    notice.withdrawn_at = utcnow()
    rows = await recipients(uow.session, notice_id)
    for row in rows:
        if (row.status, "withdraw") in RECIPIENT_TRANSITIONS:
            row.status = RECIPIENT_TRANSITIONS[(row.status, "withdraw")]
    await timers.cancel(uow, kind=SIGNFOR_TIMER, ref=notice_id)
    uow.emit("duty.notice.withdrawn", subject=("notice", notice.id),
             scope=[notice.from_unit, *[r.unit_code for r in rows]], data=notice.as_doc())
    return notice


async def on_signfor_deadline(uow: UnitOfWork, *, notice_id: str) -> None:
    """Remind every unit that has not signed; the sender sees who is late."""
    notice = await uow.session.get(Notice, notice_id)
    if notice is None or notice.withdrawn_at is not None:
        return
    late = [r for r in await recipients(uow.session, notice_id) if r.status == "pending"]
    now = utcnow()
    for r in late:
        r.reminded_at = now
    if late:
        codes = [r.unit_code for r in late]
        uow.emit("duty.notice.overdue", subject=("notice", notice.id), scope=[notice.from_unit, *codes],
                 data={"notice": notice.id, "title": notice.title, "units": codes, "urgency": notice.urgency})


async def inbox(session: AsyncSession, *, unit: str, limit: int = 50) -> list[dict[str, Any]]:
    """Notices addressed to `unit`: unsigned first, then newest."""
    stmt = (select(Notice, NoticeRecipient).join(NoticeRecipient, NoticeRecipient.notice_id == Notice.id)
            .where(NoticeRecipient.unit_code == unit, Notice.withdrawn_at.is_(None))
            .order_by((NoticeRecipient.status != "pending"), Notice.created_at.desc()).limit(limit))
    return [{**n.as_doc(), "mine": r.as_doc()} for n, r in (await session.execute(stmt)).all()]


async def outbox(session: AsyncSession, *, unit: str, limit: int = 50) -> list[dict[str, Any]]:
    stmt = select(Notice).where(Notice.from_unit == unit).order_by(Notice.created_at.desc()).limit(limit)
    out = []
    for n in (await session.execute(stmt)).scalars():
        rows = await recipients(session, n.id)
        out.append({**n.as_doc(), "recipients": [r.as_doc() for r in rows]})
    return out


@attachments.owner_kind("notice")
async def _may_see_notice_files(session: AsyncSession, by: Principal, notice_id: str) -> bool:
    try:
        await get_visible(session, by, notice_id)
    except Exception:
        return False
    return True
