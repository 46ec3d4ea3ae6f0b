"""Warnings (预警): issue, update, cancel, expire (each change a new version linked to the one it
replaces), addressing every unit in the area, 转发 down the tree with additions, 签收, 防范落实
reports and the coverage the issuer watches.

This is the API the CAP integration calls (docs/warnings.md): it never writes tables itself.
Visibility: a warning is seen by the issuer's subtree and by every addressed unit's subtree (so
by their superiors too)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from command.tasks.service import _holder as duty_holder
from command.warnings import geo, hooks
from command.warnings.models import EarlyWarning, WarningAddressee, WarningPrecaution
from command.warnings.rules import (
    ACTIVE,
    ADDRESSEE_TRANSITIONS,
    COLOURS,
    ESCALATE_AFTER_MIN_DEFAULT,
    HAZARDS,
    REMIND_BEFORE_MIN_DEFAULT,
    REPORT_MIN_DEFAULT,
    SIGNFOR_MIN_DEFAULT,
    WARNING_TRANSITIONS,
)
from core.auth.principal import Principal
from core.db import UnitOfWork
from core.orm import new_id, utcnow
from core.problems import Problem, conflict, forbidden, invalid, not_found
from core.states import next_state
from core.timers import service as timers
from core.units.models import JURISDICTION_KINDS, Unit
from core.units.paths import in_subtree
from duty.rules import service as rules

EXPIRE_TIMER = "command.warning.expire"
SIGN_TIMER = "command.warning.sign"          # ref: addressee id; the sign-for window ended
REPORT_REMIND_TIMER = "command.warning.report_remind"
REPORT_TIMER = "command.warning.report"      # the precaution window ended
ESCALATE_TIMER = "command.warning.escalate"  # payload {"cause": "sign" | "report"}
ADDRESSEE_TIMERS = (SIGN_TIMER, REPORT_REMIND_TIMER, REPORT_TIMER, ESCALATE_TIMER)
STATUSES = {"Actual": False, "Exercise": True}  # CAP status -> exercise; Test/System never get here


# ---------------------------------------------------------------------------------------- reading

def _visible(by: Principal) -> Any:
    seen_as_addressee = exists().where(WarningAddressee.series_id == EarlyWarning.series_id,
                                       by.path_filter(WarningAddressee.unit_path))
    return by.path_filter(EarlyWarning.issuer_path, seen_as_addressee)


async def get_visible(session: AsyncSession, by: Principal, warning_id: str) -> EarlyWarning:
    """A version by its id (any version's id, or the series id for the first)."""
    w = (await session.execute(select(EarlyWarning).where(EarlyWarning.id == warning_id, _visible(by))))\
        .scalar_one_or_none()
    if w is None:
        raise not_found("warning", warning_id)
    return w


async def current_of(session: AsyncSession, series_id: str) -> EarlyWarning:
    return (await session.execute(select(EarlyWarning).where(EarlyWarning.series_id == series_id,
                                                             EarlyWarning.current.is_(True)))).scalar_one()


async def get_current(session: AsyncSession, by: Principal, warning_id: str) -> EarlyWarning:
    """The current version of the warning any of whose versions is `warning_id`."""
    return await current_of(session, (await get_visible(session, by, warning_id)).series_id)


async def versions_of(session: AsyncSession, series_id: str) -> list[EarlyWarning]:
    stmt = select(EarlyWarning).where(EarlyWarning.series_id == series_id).order_by(EarlyWarning.version)
    return list((await session.execute(stmt)).scalars())


async def find_by_external_identifier(session: AsyncSession, *, identifier: str,
                                      sender: str | None = None) -> EarlyWarning | None:
    """The version that came (or left) with this CAP identifier; with `sender`, that sender's only
    (CAP identifiers are unique per sender). Not scoped: the integration asks before importing."""
    stmt = select(EarlyWarning).where(EarlyWarning.identifier == identifier)
    if sender is not None:
        stmt = stmt.where(EarlyWarning.sender == sender)
    return (await session.execute(stmt.order_by(EarlyWarning.created_at).limit(1))).scalar_one_or_none()


async def list_visible(session: AsyncSession, by: Principal, *, active_only: bool = True, exercise: bool = False,
                       limit: int = 200) -> list[EarlyWarning]:
    stmt = select(EarlyWarning).where(EarlyWarning.current.is_(True), EarlyWarning.exercise.is_(exercise),
                                      _visible(by))
    if active_only:
        stmt = stmt.where(EarlyWarning.state.in_(ACTIVE))
    rows = list((await session.execute(stmt.order_by(EarlyWarning.sent_at.desc()).limit(limit))).scalars())
    return sorted(rows, key=lambda w: (w.state not in ACTIVE, COLOURS[w.colour]["level"]))  # red first


async def summaries(session: AsyncSession, series_ids: list[str], *, now: datetime | None = None
                    ) -> dict[str, dict[str, int]]:
    """Per warning, the counts a list shows: addressed, signed, reported, late."""
    now = now or utcnow()
    out = {sid: {"addressed": 0, "signed": 0, "reported": 0, "late": 0} for sid in series_ids}
    rows = (await session.execute(select(WarningAddressee).where(WarningAddressee.series_id.in_(series_ids),
                                                                 WarningAddressee.state != "withdrawn"))).scalars()
    for r in rows:
        c = out[r.series_id]
        c["addressed"] += 1
        c["signed"] += r.state in ("signed", "reported")
        c["reported"] += r.state == "reported"
        c["late"] += r.late(now) is not None
    return out


async def addressees_of(session: AsyncSession, series_id: str) -> list[WarningAddressee]:
    stmt = select(WarningAddressee).where(WarningAddressee.series_id == series_id).order_by(WarningAddressee.unit_code)
    return list((await session.execute(stmt)).scalars())


async def precautions_of(session: AsyncSession, series_id: str) -> list[WarningPrecaution]:
    stmt = select(WarningPrecaution).where(WarningPrecaution.series_id == series_id).order_by(WarningPrecaution.at)
    return list((await session.execute(stmt)).scalars())


# ------------------------------------------------------------------------------------ the windows

async def _windows(session: AsyncSession, unit: str, colour: str) -> tuple[int, int]:
    """(sign-for, precaution) minutes for `colour` in `unit` (duty rules, else the seeded default)."""
    sign = await rules.value(session, unit, "warning_signfor_min")
    report = await rules.value(session, unit, "warning_report_min")
    return int(sign.get(colour, SIGNFOR_MIN_DEFAULT[colour])), int(report.get(colour, REPORT_MIN_DEFAULT[colour]))


async def _rule_int(session: AsyncSession, unit: str, key: str, default: int) -> int:
    try:
        return int(await rules.value(session, unit, key))
    except KeyError:
        return default


# ------------------------------------------------------------------------------------- addressing

def _check(hazard: str, colour: str, expires_at: datetime | None, effective_at: datetime | None) -> None:
    if hazard not in HAZARDS:
        raise invalid("/hazard", f"unknown hazard type {hazard}; known: {', '.join(HAZARDS)}")
    if colour not in COLOURS:
        raise invalid("/colour", f"unknown colour {colour}; one of red, orange, yellow, blue")
    if expires_at is not None and effective_at is not None and expires_at <= effective_at:
        raise invalid("/expires_at", "a warning expires after it takes effect")


async def _area_units(session: AsyncSession, by: Principal, areas: dict[str, Any], *, strict: bool) -> list[Unit]:
    """The jurisdictions a warning's area covers: the units named, every jurisdiction below them,
    and every jurisdiction whose point lies in a polygon or circle; within the issuer's subtree.
    `strict`: a named unit that does not exist or is not the issuer's is an error (a person typed
    it); otherwise it is skipped (an imported area may reach past our jurisdiction)."""
    named = list(dict.fromkeys(areas.get("units") or []))
    found = {u.code: u for u in (await session.execute(select(Unit).where(Unit.code.in_(named)))).scalars()}
    out: dict[str, Unit] = {}
    for i, code in enumerate(named):
        unit = found.get(code)
        if unit is None or not unit.active or not by.sees_path(unit.path):
            if strict:
                raise invalid(f"/areas/units/{i}", f"{code} is not a unit in your jurisdiction")
            continue
        out[unit.code] = unit
        below = select(Unit).where(in_subtree(Unit.path, unit.path), Unit.kind.in_(JURISDICTION_KINDS),
                                   Unit.active.is_(True))
        out.update({u.code: u for u in (await session.execute(below)).scalars()})
    if areas.get("polygons") or areas.get("circles"):
        mine = select(Unit).where(by.path_filter(Unit.path), Unit.kind.in_(JURISDICTION_KINDS),
                                  Unit.active.is_(True), Unit.lat.is_not(None), Unit.lon.is_not(None))
        for u in (await session.execute(mine)).scalars():
            if u.lat is not None and u.lon is not None and geo.covers(areas, u.lat, u.lon):
                out[u.code] = u
    return [u for u in out.values() if u.kind in JURISDICTION_KINDS]


async def _address(uow: UnitOfWork, w: EarlyWarning, unit: Unit, *, via: str | None = None,
                   additions: str = "") -> WarningAddressee:
    now = utcnow()
    sign_min, report_min = await _windows(uow.session, unit.code, w.colour)
    row = WarningAddressee(id=new_id(), series_id=w.series_id, version_id=w.id, unit_code=unit.code,
                           unit_path=unit.path, via_unit=via, additions=additions, state="addressed",
                           exercise=w.exercise, addressed_at=now, sign_due_at=now + timedelta(minutes=sign_min),
                           report_due_at=now + timedelta(minutes=report_min), updated_at=now)
    uow.session.add(row)
    await _plan_timers(uow, row)
    return row


async def _plan_timers(uow: UnitOfWork, row: WarningAddressee) -> None:
    await timers.schedule(uow, kind=SIGN_TIMER, ref=row.id, due_at=row.sign_due_at)
    await timers.schedule(uow, kind=REPORT_TIMER, ref=row.id, due_at=row.report_due_at)
    before = await _rule_int(uow.session, row.unit_code, "warning_remind_before_min", REMIND_BEFORE_MIN_DEFAULT)
    remind_at = row.report_due_at - timedelta(minutes=before)
    if remind_at > utcnow():
        await timers.schedule(uow, kind=REPORT_REMIND_TIMER, ref=row.id, due_at=remind_at)
    await timers.cancel(uow, kind=ESCALATE_TIMER, ref=row.id)


async def _cancel_timers(uow: UnitOfWork, row: WarningAddressee) -> None:
    for kind in ADDRESSEE_TIMERS:
        await timers.cancel(uow, kind=kind, ref=row.id)


def _scope(w: EarlyWarning, rows: list[WarningAddressee]) -> list[str]:
    return sorted({w.issuer_unit, *(r.unit_code for r in rows), *(r.via_unit for r in rows if r.via_unit)})


async def _emit(uow: UnitOfWork, w: EarlyWarning, type: str, data: dict[str, Any] | None = None,
                rows: list[WarningAddressee] | None = None) -> None:
    rows = rows if rows is not None else await addressees_of(uow.session, w.series_id)
    uow.emit(type, subject=("warning", w.series_id), scope=_scope(w, rows), exercise=w.exercise,
             data={"warning": w.as_doc(), **(data or {})})


# ------------------------------------------------------------------------------------- lifecycle

async def issue(uow: UnitOfWork, *, by: Principal, hazard: str, colour: str, areas: dict[str, Any],
                headline: str = "", description: str = "", instructions: str = "", issuer_name: str = "",
                event: str = "", effective_at: datetime | None = None, onset_at: datetime | None = None,
                expires_at: datetime | None = None, sent_at: datetime | None = None, status: str = "Actual",
                identifier: str | None = None, sender: str | None = None, source: str = "manual",
                cap_xml: str | None = None, extra: dict[str, Any] | None = None) -> EarlyWarning:
    """Issue a warning (or record one received) and address every unit in its area.

    `status` is the CAP word: "Actual" or "Exercise" (drill data everywhere). An imported warning
    (`source` != "manual") also addresses the issuer's own unit (the city duty room signs for the
    met office's warning); one issued here does so only if the area names that unit. Areas naming
    units outside the issuer's jurisdiction are refused when typed here and skipped when imported."""
    if not by.can("warning.issue"):
        raise forbidden("issuing warnings needs the right to issue them")
    if status not in STATUSES:
        raise invalid("/status", f"status {status} never touches warnings (only Actual or Exercise do)")
    _check(hazard, colour, expires_at, effective_at)
    if identifier is not None and await find_by_external_identifier(uow.session, identifier=identifier,
                                                                     sender=sender):
        raise conflict(f"a warning with identifier {identifier} from {sender} exists already")
    strict = source == "manual"
    targets = await _area_units(uow.session, by, areas, strict=strict)
    if strict and not targets:
        raise invalid("/areas", "the area covers no unit of your jurisdiction")
    now = utcnow()
    wid = new_id()
    w = EarlyWarning(id=wid, series_id=wid, version=1, replaces_id=None, current=True, msg_type="Alert",
                     state="issued", hazard=hazard, event=event or HAZARDS[hazard]["zh"], colour=colour,
                     headline=headline or _headline(issuer_name, hazard, colour), description=description,
                     instructions=instructions, issuer_unit=by.unit_code, issuer_path=by.unit_path,
                     issuer_name=issuer_name or by.name, areas=_clean_areas(areas), sent_at=sent_at or now,
                     effective_at=effective_at, onset_at=onset_at, expires_at=expires_at,
                     exercise=STATUSES[status], source=source, identifier=identifier, sender=sender,
                     cap_xml=cap_xml, extra=extra or {}, created_by=by.user_id, created_by_name=by.name,
                     created_at=now)
    uow.session.add(w)
    await uow.session.flush()
    rows = [await _address(uow, w, u) for u in targets if _addressed_issuer(w, u.code)]
    if expires_at is not None:
        await timers.schedule(uow, kind=EXPIRE_TIMER, ref=w.series_id, due_at=max(expires_at, now))
    await uow.session.flush()
    await _emit(uow, w, "warning.issued", {"addressed": [r.unit_code for r in rows]}, rows)
    await hooks.changed(uow, w, None, "issued")
    return w


def _addressed_issuer(w: EarlyWarning, code: str) -> bool:
    """Every unit of the area is addressed, except the issuing unit itself when the warning was
    issued here and its area only reaches it from above (the city warning its counties does not
    sign for its own warning; a county warning itself, by naming itself, does; an imported
    warning is received by the issuer's unit like any other)."""
    return code != w.issuer_unit or w.source != "manual" or code in (w.areas.get("units") or [])


def _headline(issuer_name: str, hazard: str, colour: str) -> str:
    return f"{issuer_name}发布{HAZARDS[hazard]['zh']}{COLOURS[colour]['zh']}预警"


def _clean_areas(areas: dict[str, Any]) -> dict[str, Any]:
    keep = ("units", "polygons", "circles", "geocodes", "descriptions")
    return {k: areas[k] for k in keep if areas.get(k)}


async def _new_version(uow: UnitOfWork, by: Principal, old: EarlyWarning, msg_type: str, action: str,
                       **changes: Any) -> EarlyWarning:
    state = next_state(WARNING_TRANSITIONS, old.state, action, what="warning")
    if changes.get("identifier") is not None and await find_by_external_identifier(
            uow.session, identifier=changes["identifier"], sender=changes.get("sender")):
        raise conflict(f"a warning with identifier {changes['identifier']} exists already")
    now = utcnow()
    fields = {c: getattr(old, c) for c in ("hazard", "event", "colour", "headline", "description", "instructions",
                                           "issuer_unit", "issuer_path", "issuer_name", "areas", "effective_at",
                                           "onset_at", "expires_at", "exercise", "source", "extra")}
    fields.update({k: v for k, v in changes.items() if v is not None and k in fields})
    old.current = False
    await uow.session.flush()  # one current version at a time, also mid-transaction
    w = EarlyWarning(id=new_id(), series_id=old.series_id, version=old.version + 1, replaces_id=old.id, current=True,
                     msg_type=msg_type, state=state, sent_at=changes.get("sent_at") or now,
                     identifier=changes.get("identifier"), sender=changes.get("sender"),
                     cap_xml=changes.get("cap_xml"), reason=changes.get("reason") or "", created_by=by.user_id,
                     created_by_name=by.name, created_at=now, **fields)
    uow.session.add(w)
    await uow.session.flush()
    return w


async def _as_issuer(session: AsyncSession, by: Principal, warning_id: str) -> EarlyWarning:
    w = await get_current(session, by, warning_id)
    if not by.can("warning.issue") or not by.sees_path(w.issuer_path):
        raise forbidden("only the issuing unit updates or cancels a warning")
    return w


async def update(uow: UnitOfWork, *, by: Principal, replaces: str, hazard: str | None = None,
                 colour: str | None = None, areas: dict[str, Any] | None = None, headline: str | None = None,
                 description: str | None = None, instructions: str | None = None, issuer_name: str | None = None,
                 event: str | None = None, effective_at: datetime | None = None, onset_at: datetime | None = None,
                 expires_at: datetime | None = None, sent_at: datetime | None = None, status: str | None = None,
                 identifier: str | None = None, sender: str | None = None, cap_xml: str | None = None,
                 extra: dict[str, Any] | None = None, reason: str = "") -> EarlyWarning:
    """A new version replacing `replaces` (any version id of the warning; it must be current-or-
    older of an active warning). Fields left None stay as they were. Raised to a higher colour:
    every unit signs for it again and reports again; new units in the area are addressed; units
    no longer in it are withdrawn."""
    old = await _as_issuer(uow.session, by, replaces)
    if status is not None and STATUSES.get(status) != old.exercise:
        raise conflict("an update cannot turn a drill warning into a real one, or the reverse")
    _check(hazard or old.hazard, colour or old.colour, expires_at or old.expires_at,
           effective_at or old.effective_at)
    if colour and headline is None and old.headline == _headline(old.issuer_name, old.hazard, old.colour):
        headline = _headline(issuer_name or old.issuer_name, hazard or old.hazard, colour)
    w = await _new_version(uow, by, old, "Update", "update", hazard=hazard, colour=colour,
                           areas=_clean_areas(areas) if areas is not None else None, headline=headline,
                           description=description, instructions=instructions, issuer_name=issuer_name,
                           event=event, effective_at=effective_at, onset_at=onset_at, expires_at=expires_at,
                           sent_at=sent_at, identifier=identifier, sender=sender, cap_xml=cap_xml, extra=extra,
                           reason=reason)
    raised = COLOURS[w.colour]["level"] < COLOURS[old.colour]["level"]
    rows = await addressees_of(uow.session, w.series_id)
    issuer = await _principal_like(by, w)
    targets = {u.code: u for u in await _area_units(uow.session, issuer, w.areas, strict=False)
               if _addressed_issuer(w, u.code)}
    have = {r.unit_code: r for r in rows}
    added, withdrawn, readdressed = [], [], []
    for r in rows:
        if r.state == "withdrawn" and r.unit_code not in targets:
            continue
        if r.via_unit is None and r.unit_code not in targets:
            await _withdraw(uow, r)
            withdrawn.append(r.unit_code)
        elif raised or r.state == "withdrawn":
            await _readdress(uow, r, w)
            readdressed.append(r.unit_code)
        else:
            r.version_id = w.id
    for code, unit in targets.items():
        if code not in have:
            rows.append(await _address(uow, w, unit))
            added.append(code)
    if w.expires_at is not None:
        await timers.schedule(uow, kind=EXPIRE_TIMER, ref=w.series_id, due_at=max(w.expires_at, utcnow()))
    await uow.session.flush()
    await _emit(uow, w, "warning.updated", {"from_colour": old.colour, "raised": raised, "addressed": added,
                                            "readdressed": readdressed, "withdrawn": withdrawn}, rows)
    await hooks.changed(uow, w, old, "updated")
    return w


async def _principal_like(by: Principal, w: EarlyWarning) -> Principal:
    """The area is resolved within the issuer's jurisdiction, whoever in it updates."""
    from dataclasses import replace
    return replace(by, unit_code=w.issuer_unit, unit_path=w.issuer_path)


async def _readdress(uow: UnitOfWork, r: WarningAddressee, w: EarlyWarning) -> None:
    if r.signed_at is not None:
        r.history = [*r.history, {"version_id": r.version_id, "signed_at": r.signed_at.isoformat(),
                                  "signed_by_name": r.signed_by_name,
                                  "reported_at": r.reported_at.isoformat() if r.reported_at else None}]
    r.state = next_state(ADDRESSEE_TRANSITIONS, r.state, "readdress", what="addressee") if r.state != "withdrawn" \
        else "addressed"
    now = utcnow()
    sign_min, report_min = await _windows(uow.session, r.unit_code, w.colour)
    r.version_id, r.addressed_at, r.updated_at = w.id, now, now
    r.sign_due_at, r.report_due_at = now + timedelta(minutes=sign_min), now + timedelta(minutes=report_min)
    r.signed_at = r.signed_by_name = r.reported_at = None
    r.escalations = []
    await _plan_timers(uow, r)


async def _withdraw(uow: UnitOfWork, r: WarningAddressee) -> None:
    r.state = next_state(ADDRESSEE_TRANSITIONS, r.state, "withdraw", what="addressee")
    r.updated_at = utcnow()
    await _cancel_timers(uow, r)


async def cancel(uow: UnitOfWork, *, by: Principal, warning_id: str, reason: str = "",
                 sent_at: datetime | None = None, identifier: str | None = None, sender: str | None = None,
                 cap_xml: str | None = None, extra: dict[str, Any] | None = None) -> EarlyWarning:
    """解除: a last version saying so; nothing more is owed by anyone."""
    old = await _as_issuer(uow.session, by, warning_id)
    w = await _new_version(uow, by, old, "Cancel", "cancel", sent_at=sent_at, identifier=identifier,
                           sender=sender, cap_xml=cap_xml, extra=extra, reason=reason)
    w.ended_at = utcnow()
    await _end(uow, w, "warning.cancelled", {"reason": reason})
    await hooks.changed(uow, w, old, "cancelled")
    return w


async def _end(uow: UnitOfWork, w: EarlyWarning, type: str, data: dict[str, Any], *, by_timer: bool = False) -> None:
    if not by_timer:  # the firing timer must not be fenced off under its own feet
        await timers.cancel(uow, kind=EXPIRE_TIMER, ref=w.series_id)
    rows = await addressees_of(uow.session, w.series_id)
    for r in rows:
        r.version_id = w.id
        await _cancel_timers(uow, r)  # the record of who signed stays; nothing more is chased
    await uow.session.flush()
    await _emit(uow, w, type, data, rows)


async def expire(uow: UnitOfWork, *, warning_id: str) -> EarlyWarning | None:
    """The expiry timer: the current version ends as expired (no new version: nobody issued it)."""
    w = (await uow.session.execute(select(EarlyWarning).where(EarlyWarning.series_id == warning_id,
                                                              EarlyWarning.current.is_(True)))).scalar_one_or_none()
    if w is None or w.state not in ACTIVE or w.expires_at is None or w.expires_at > utcnow():
        return None
    w.state = next_state(WARNING_TRANSITIONS, w.state, "expire", what="warning")
    w.ended_at = utcnow()
    await _end(uow, w, "warning.expired", {}, by_timer=True)
    await hooks.changed(uow, w, w, "expired")
    return w


# ------------------------------------------------------------------------------ the addressee side

async def _my_row(session: AsyncSession, by: Principal, w: EarlyWarning, unit: str | None) -> WarningAddressee:
    code = unit or by.unit_code
    row = (await session.execute(select(WarningAddressee).where(WarningAddressee.series_id == w.series_id,
                                                                WarningAddressee.unit_code == code)))\
        .scalar_one_or_none()
    if row is None or row.state == "withdrawn":
        raise Problem(409, f"warning {w.series_id} is not addressed to {code}", type="/problems/not-addressed")
    if code != by.unit_code:
        unit_row = await session.get(Unit, code)
        # The duty room records for an agency or team without a terminal of its own, never for a
        # jurisdiction that has one.
        if unit_row is None or unit_row.kind in JURISDICTION_KINDS or not by.sees_path(row.unit_path):
            raise forbidden("only the addressed unit's duty room signs for a warning")
    return row


async def sign_for(uow: UnitOfWork, *, by: Principal, warning_id: str, unit: str | None = None) -> WarningAddressee:
    """签收 (one key). Signing twice is not an error: the first signature stands."""
    if not by.can("warning.sign"):
        raise forbidden("signing for warnings needs a duty role")
    w = await get_current(uow.session, by, warning_id)
    if w.state not in ACTIVE:
        raise conflict(f"the warning is {w.state}; nothing to sign for")
    row = await _my_row(uow.session, by, w, unit)
    if row.state != "addressed":
        return row
    row.state = next_state(ADDRESSEE_TRANSITIONS, row.state, "sign", what="addressee")
    row.signed_at, row.signed_by_name, row.updated_at = utcnow(), by.name, utcnow()
    await timers.cancel(uow, kind=SIGN_TIMER, ref=row.id)
    await uow.session.flush()
    await _emit(uow, w, "warning.signed", {"addressee": row.as_doc()})
    return row


async def report_precautions(uow: UnitOfWork, *, by: Principal, warning_id: str, doc: dict[str, Any],
                             unit: str | None = None) -> WarningPrecaution:
    """防范落实: measures taken, people warned and moved, places notified (schemas.PRECAUTIONS,
    validated at the edge). Reporting signs for it first, if not yet signed. Later reports add
    to the figures (the latest totals stand: each report gives the unit's totals so far)."""
    if not by.can("warning.sign"):
        raise forbidden("reporting precautions needs a duty role")
    w = await get_current(uow.session, by, warning_id)
    if w.state not in ACTIVE:
        raise conflict(f"the warning is {w.state}; precautions are no longer collected")
    row = await _my_row(uow.session, by, w, unit)
    if row.state == "addressed":
        await sign_for(uow, by=by, warning_id=warning_id, unit=unit)
    row.state = next_state(ADDRESSEE_TRANSITIONS, row.state, "report", what="addressee")
    now = utcnow()
    row.reported_at = row.reported_at or now
    row.people_warned = int(doc.get("people_warned", row.people_warned))
    row.people_moved = int(doc.get("people_moved", row.people_moved))
    row.updated_at = now
    for kind in (REPORT_REMIND_TIMER, REPORT_TIMER, ESCALATE_TIMER):
        await timers.cancel(uow, kind=kind, ref=row.id)
    rep = WarningPrecaution(id=new_id(), series_id=w.series_id, addressee_id=row.id, version_id=w.id,
                            unit_code=row.unit_code, doc=doc, author_id=by.user_id, author_name=by.name, at=now)
    uow.session.add(rep)
    await uow.session.flush()
    await _emit(uow, w, "warning.precautions_reported", {"addressee": row.as_doc(), "report": rep.as_doc()})
    return rep


async def forward(uow: UnitOfWork, *, by: Principal, warning_id: str, units: list[str],
                  additions: str = "") -> list[WarningAddressee]:
    """转发: an addressed unit passes the warning down to units below it, with its own additions
    (what to do locally). Units already addressed keep their row (and get the additions)."""
    if not by.can("warning.forward"):
        raise forbidden("passing warnings on needs a duty role")
    w = await get_current(uow.session, by, warning_id)
    if w.state not in ACTIVE:
        raise conflict(f"the warning is {w.state}; it is not passed on")
    mine = (await uow.session.execute(select(WarningAddressee).where(
        WarningAddressee.series_id == w.series_id, WarningAddressee.unit_code == by.unit_code))).scalar_one_or_none()
    if mine is None and not by.sees_path(w.issuer_path):
        raise Problem(409, f"warning {w.series_id} is not addressed to {by.unit_code}", type="/problems/not-addressed")
    if mine is not None and mine.state == "addressed":
        await sign_for(uow, by=by, warning_id=warning_id)  # whoever passes it on has it
    found = {u.code: u for u in (await uow.session.execute(select(Unit).where(Unit.code.in_(units)))).scalars()}
    have = {r.unit_code: r for r in await addressees_of(uow.session, w.series_id)}
    out = []
    for i, code in enumerate(units):
        unit = found.get(code)
        if unit is None or code == by.unit_code or not by.sees_path(unit.path) or unit.kind not in JURISDICTION_KINDS:
            raise invalid(f"/units/{i}", f"{code} is not a jurisdiction under {by.unit_code}")
        row = have.get(code)
        if row is None:
            row = await _address(uow, w, unit, via=by.unit_code, additions=additions)
        elif row.state == "withdrawn":
            await _readdress(uow, row, w)
            row.via_unit, row.additions = by.unit_code, additions
        elif additions:
            row.additions = (row.additions + "\n" if row.additions else "") + additions
        out.append(row)
    await uow.session.flush()
    await _emit(uow, w, "warning.forwarded", {"by_unit": by.unit_code, "units": units, "additions": additions})
    await hooks.changed(uow, w, w, "forwarded")
    return out


# ------------------------------------------------------------------------------------ the ladder

async def on_timer(uow: UnitOfWork, *, ref: str, kind: str, payload: dict[str, Any] | None = None) -> None:
    """Sign-for and precaution windows, like a task's ladder: a reminder before the precaution
    window ends; at the end of a window, to the unit's duty leader; a while later, to the
    issuing unit's duty chief. Nothing fires for a warning that ended."""
    if kind == EXPIRE_TIMER:
        await expire(uow, warning_id=ref)
        return
    row = await uow.session.get(WarningAddressee, ref)
    if row is None or row.state in ("reported", "withdrawn"):
        return
    w = await current_of(uow.session, row.series_id)
    if w.state not in ACTIVE:
        return
    now = utcnow()
    if kind == REPORT_REMIND_TIMER and row.state in ("addressed", "signed"):
        await _step(uow, w, row, step="remind", type="warning.report_due_soon", unit=row.unit_code, post="chief",
                    cause="report")
    elif kind == SIGN_TIMER and row.state == "addressed" and row.sign_due_at <= now:
        await _step(uow, w, row, step="unit_leader", type="warning.sign_overdue", unit=row.unit_code,
                    post="leader", cause="sign")
    elif kind == REPORT_TIMER and row.report_due_at <= now:
        await _step(uow, w, row, step="unit_leader", type="warning.report_overdue", unit=row.unit_code,
                    post="leader", cause="report")
    elif kind == ESCALATE_TIMER:
        cause = (payload or {}).get("cause", "sign")
        still = row.state == "addressed" if cause == "sign" else row.state in ("addressed", "signed")
        if still:
            await _step(uow, w, row, step="issuer_chief", type="warning.escalated", unit=w.issuer_unit,
                        post="chief", cause=cause)
        return
    else:
        return
    if kind in (SIGN_TIMER, REPORT_TIMER):
        after = await _rule_int(uow.session, row.unit_code, "warning_escalate_after_min", ESCALATE_AFTER_MIN_DEFAULT)
        await timers.schedule(uow, kind=ESCALATE_TIMER, ref=row.id, due_at=now + timedelta(minutes=after),
                              payload={"cause": "sign" if kind == SIGN_TIMER else "report"})


async def _step(uow: UnitOfWork, w: EarlyWarning, row: WarningAddressee, *, step: str, type: str, unit: str,
                post: str, cause: str) -> None:
    rung = {"step": step, "cause": cause, "at": utcnow().isoformat(), **await duty_holder(uow.session, unit, post)}
    row.escalations, row.updated_at = [*row.escalations, rung], utcnow()
    await _emit(uow, w, type, {"addressee": row.as_doc(), "escalation": rung})
