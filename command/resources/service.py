"""Resources: registries per unit (teams, warehouse stock, shelters, experts) seen down the tree,
team status and deployment to a task, the nearest available teams to an incident, and requests
from a unit to its superior whose approval reserves stock and whose dispatch takes it out — by
conditional updates, so concurrent decisions can never take more than is there."""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from command.incidents import service as incidents
from command.resources.models import (
    REQUEST_TRANSITIONS,
    TEAM_TRANSITIONS,
    Expert,
    RescueTeam,
    ResourceRequest,
    StockItem,
)
from command.tasks import service as tasks
from core.auth.principal import Principal
from core.db import UnitOfWork
from core.orm import new_id, utcnow
from core.problems import Problem, forbidden, invalid, not_found
from core.states import next_state
from core.units.models import Facility, Unit
from core.units.paths import path_of


def _scope_of(path: str) -> list[str]:
    return [p for p in path.split("/") if p][-2:]  # the unit and the jurisdiction above it


# --- teams ---------------------------------------------------------------------------------------

async def list_teams(session: AsyncSession, by: Principal, *, type: str | None = None,
                     status: str | None = None) -> list[RescueTeam]:
    stmt = select(RescueTeam).where(by.path_filter(RescueTeam.unit_path))
    if type:
        stmt = stmt.where(RescueTeam.type == type)
    if status:
        stmt = stmt.where(RescueTeam.status == status)
    return list((await session.execute(stmt.order_by(RescueTeam.unit_path))).scalars())


async def team_action(uow: UnitOfWork, *, by: Principal, unit: str, action: str,
                      task_id: str | None = None) -> RescueTeam:
    """Deploy a team to a task (出动), stand it by, bring it back, rest it. The team's own unit and
    the units above it change its status."""
    if not by.can("resource.manage"):
        raise forbidden("changing a team's status needs duty rights")
    team = await uow.session.get(RescueTeam, unit)
    if team is None or not by.sees_path(team.unit_path):
        raise not_found("rescue team", unit)
    before = team.status
    team.status = next_state(TEAM_TRANSITIONS, team.status, action, what="team")
    task = None
    if action == "deploy":
        if not task_id:
            raise invalid("/task_id", "a team is deployed to a task")
        task = await tasks.get_visible(uow.session, by, task_id)
        team.task_id = task.id
    elif action == "return":
        team.task_id = None
    team.updated_at = utcnow()
    scope = {*_scope_of(team.unit_path), *([task.from_unit, task.unit_code] if task else [])}
    uow.emit(f"resource.team_{team.status}", subject=("team", team.unit_code), scope=sorted(scope),
             exercise=task.exercise if task else False,
             data={"team": team.as_doc(), "from": before, "task": task.as_doc() if task else None})
    return team


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0088 * 2 * math.asin(math.sqrt(a))


async def nearest_teams(session: AsyncSession, by: Principal, *, incident_id: str | None, type: str | None = None,
                        limit: int = 10) -> list[dict[str, Any]]:
    """Available or standing-by teams I may call on, nearest to the incident first (straight line).
    Where the incident has no coordinates, its unit's stand in; without an incident, my unit's (the
    answer says which)."""
    lat: float | None = None
    lon: float | None = None
    basis, unit_code = "unit", by.unit_code
    if incident_id is not None:
        incident = await incidents.get_visible(session, by, incident_id)
        lat, lon, basis, unit_code = incident.lat, incident.lon, "incident", incident.unit_code
    if lat is None or lon is None:
        unit = await session.get(Unit, unit_code)
        lat, lon, basis = (unit.lat, unit.lon, "unit") if unit else (None, None, "none")
    if lat is None or lon is None:
        return []
    rows = [t for t in await list_teams(session, by, type=type) if t.status in ("available", "standby")
            and t.lat is not None and t.lon is not None]
    ranked = sorted(((distance_km(lat, lon, t.lat, t.lon), t) for t in rows),  # type: ignore[arg-type]
                    key=lambda x: (x[0], x[1].unit_code))
    return [{**t.as_doc(), "distance_km": round(d, 2), "from": basis} for d, t in ranked[:limit]]


# --- stock, shelters, experts ----------------------------------------------------------------------

async def list_stock(session: AsyncSession, by: Principal, *, item: str | None = None) -> list[StockItem]:
    stmt = select(StockItem).where(by.path_filter(StockItem.unit_path))
    if item:
        stmt = stmt.where(StockItem.item.contains(item))
    return list((await session.execute(stmt.order_by(StockItem.unit_path, StockItem.item))).scalars())


async def stock_in(uow: UnitOfWork, *, by: Principal, facility_id: str, item: str, measure: str, quantity: int,
                   reserve_type: str = "physical") -> StockItem:
    """Add to a warehouse's stock of an item (a new line if it has none)."""
    if not by.can("resource.manage"):
        raise forbidden("managing stock needs duty rights")
    facility = await uow.session.get(Facility, facility_id)
    if facility is None or facility.kind != "warehouse":
        raise invalid("/facility_id", "no such warehouse")
    path = await path_of(uow.session, facility.unit_code)
    if not by.sees_path(path):
        raise invalid("/facility_id", "no such warehouse")
    row = (await uow.session.execute(select(StockItem).where(
        StockItem.facility_id == facility_id, StockItem.item == item, StockItem.reserve_type == reserve_type))
    ).scalar_one_or_none()
    if row is None:
        row = StockItem(id=new_id(), facility_id=facility_id, unit_code=facility.unit_code, unit_path=path, item=item,
                        measure=measure, quantity=0, reserved=0, reserve_type=reserve_type)
        uow.session.add(row)
    row.quantity += quantity
    row.updated_at = utcnow()
    await uow.session.flush()
    uow.emit("resource.stock_in", subject=("stock", row.id), scope=_scope_of(path),
             data={"stock": row.as_doc(), "added": quantity})
    return row


async def list_shelters(session: AsyncSession, by: Principal) -> list[dict[str, Any]]:
    rows = (await session.execute(select(Facility, Unit.path).join(Unit, Unit.code == Facility.unit_code).where(
        Facility.kind == "shelter", by.path_filter(Unit.path)).order_by(Unit.path, Facility.name))).all()
    return [{"id": f.id, "unit": f.unit_code, "name": f.name, "address": f.address, "lat": f.lat, "lon": f.lon,
             "capacity": f.capacity, "occupancy": int(f.attributes.get("occupancy", 0)),
             "facilities": f.attributes.get("facilities", [])} for f, _path in rows]


async def set_occupancy(uow: UnitOfWork, *, by: Principal, facility_id: str, occupancy: int) -> Facility:
    if not by.can("resource.manage"):
        raise forbidden("updating a shelter needs duty rights")
    f = await uow.session.get(Facility, facility_id)
    if f is None or f.kind != "shelter" or not by.sees_path(await path_of(uow.session, f.unit_code)):
        raise not_found("shelter", facility_id)
    if f.capacity is not None and occupancy > f.capacity:
        raise invalid("/occupancy", f"more than the shelter's capacity of {f.capacity}")
    before = int(f.attributes.get("occupancy", 0))
    f.attributes = {**f.attributes, "occupancy": occupancy}
    uow.emit("resource.shelter_occupancy", subject=("shelter", f.id),
             scope=_scope_of(await path_of(uow.session, f.unit_code)),
             data={"shelter": {"id": f.id, "name": f.name, "unit": f.unit_code, "capacity": f.capacity},
                   "from": before, "to": occupancy})
    return f


async def list_experts(session: AsyncSession, by: Principal, *, field: str | None = None) -> list[Expert]:
    # Experts are shared down the tree: a county may call on the city's.
    chain = [p for p in by.unit_path.split("/") if p]
    stmt = select(Expert).where(by.path_filter(Expert.unit_path, Expert.unit_code.in_(chain)))
    if field:
        stmt = stmt.where(Expert.field.contains(field))
    return list((await session.execute(stmt.order_by(Expert.unit_path, Expert.name))).scalars())


async def add_expert(uow: UnitOfWork, *, by: Principal, name: str, field: str, organisation: str = "",
                     phone: str = "") -> Expert:
    if not by.can("resource.manage"):
        raise forbidden("managing experts needs duty rights")
    row = Expert(id=new_id(), unit_code=by.unit_code, unit_path=by.unit_path, name=name, field=field,
                 organisation=organisation, phone=phone)
    uow.session.add(row)
    await uow.session.flush()
    uow.emit("resource.expert_added", subject=("expert", row.id), scope=[by.unit_code], data={"expert": row.as_doc()})
    return row


# --- requests ---------------------------------------------------------------------------------------

def _request_visible(by: Principal) -> Any:
    return by.path_filter(ResourceRequest.from_path, ResourceRequest.to_unit == by.unit_code)


async def get_request(session: AsyncSession, by: Principal, request_id: str) -> ResourceRequest:
    row = (await session.execute(select(ResourceRequest).where(ResourceRequest.id == request_id,
                                                                _request_visible(by)))).scalar_one_or_none()
    if row is None:
        raise not_found("resource request", request_id)
    return row


async def list_requests(session: AsyncSession, by: Principal, *, exercise: bool = False) -> list[ResourceRequest]:
    stmt = select(ResourceRequest).where(_request_visible(by), ResourceRequest.exercise == exercise)
    return list((await session.execute(stmt.order_by(ResourceRequest.created_at.desc()).limit(300))).scalars())


def _emit_request(uow: UnitOfWork, r: ResourceRequest, type: str, data: dict[str, Any] | None = None) -> None:
    uow.emit(type, subject=("resource_request", r.id), scope=sorted({r.from_unit, r.to_unit}), exercise=r.exercise,
             data={"request": r.as_doc(), **(data or {})})


async def create_request(uow: UnitOfWork, *, by: Principal, lines: list[dict[str, Any]], teams: list[dict[str, Any]],
                         urgency: str, reason: str, incident_id: str | None = None) -> ResourceRequest:
    if not by.can("resource.request"):
        raise forbidden("requesting resources needs duty rights")
    unit = await uow.session.get(Unit, by.unit_code)
    if unit is None or unit.parent_code is None:
        raise invalid("/", "the top unit has no superior to ask here")
    incident = await incidents.get_visible(uow.session, by, incident_id) if incident_id else None
    r = ResourceRequest(id=new_id(), from_unit=by.unit_code, from_path=by.unit_path, to_unit=unit.parent_code,
                        incident_id=incident_id, urgency=urgency, reason=reason,
                        lines=[{**ln, "approved": 0, "stock_id": None} for ln in lines], teams=teams,
                        created_by_name=by.name, exercise=incident.exercise if incident else False)
    uow.session.add(r)
    await uow.session.flush()
    _emit_request(uow, r, "resource.request_drafted")
    return r


async def act_on_request(uow: UnitOfWork, *, by: Principal, request_id: str, action: str,
                         approvals: list[dict[str, Any]] | None = None, note: str = "") -> ResourceRequest:
    session = uow.session
    r = await get_request(session, by, request_id)
    requester = by.unit_code == r.from_unit and by.can("resource.request")
    decider = by.unit_code == r.to_unit and by.can("resource.decide")
    if action in ("submit", "withdraw", "receive") and not requester:
        raise forbidden("only the requesting unit does that")
    if action in ("approve", "decline", "dispatch") and not decider:
        raise forbidden("only the unit asked decides and dispatches")
    if action == "approve":  # approve or approve in part, by what the approvals give
        action = await _reserve(uow, r, approvals or [])
    before = r.status
    r.status = next_state(REQUEST_TRANSITIONS, r.status, action, what="resource request")
    if action == "dispatch":
        await _take_out(uow, r)
    if action in ("approve", "approve_part", "decline"):
        r.decided_by_name, r.decision_note = by.name, note
    r.updated_at = utcnow()
    _emit_request(uow, r, f"resource.request_{r.status}", {"from": before, "note": note})
    return r


async def _reserve(uow: UnitOfWork, r: ResourceRequest, approvals: list[dict[str, Any]]) -> str:
    """Reserve each approved quantity from a warehouse of the deciding unit. A conditional update:
    it succeeds only if that much is still unpromised, so two decisions can never both take the last."""
    if r.status != "submitted":
        next_state(REQUEST_TRANSITIONS, r.status, "approve", what="resource request")
    lines = [dict(ln) for ln in r.lines]
    seen: set[int] = set()
    for i, a in enumerate(approvals):
        idx, qty = a["line"], a["quantity"]
        if not 0 <= idx < len(lines):
            raise invalid(f"/approvals/{i}/line", "no such line")
        if idx in seen:
            raise invalid(f"/approvals/{i}/line", "each line is approved once")
        seen.add(idx)
        if qty > lines[idx]["quantity"]:
            raise invalid(f"/approvals/{i}/quantity", "more than was asked for")
        if qty == 0:
            continue
        stock = await uow.session.get(StockItem, a.get("stock_id", ""))
        # The deciding unit's own warehouses: a county's stock is the county's to give, not its superior's.
        if stock is None or stock.unit_code != r.to_unit or stock.item != lines[idx]["item"]:
            raise invalid(f"/approvals/{i}/stock_id", "no stock of that item in your warehouses")
        done = await uow.session.execute(
            update(StockItem).where(StockItem.id == stock.id, StockItem.quantity - StockItem.reserved >= qty)
            .values(reserved=StockItem.reserved + qty, updated_at=utcnow())
            .execution_options(synchronize_session=False))
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise Problem(409, f"not enough {stock.item} unpromised in stock", type="/problems/insufficient-stock",
                          errors=[{"pointer": f"/approvals/{i}/quantity", "message": "more than is in stock"}])
        lines[idx] = {**lines[idx], "approved": qty, "stock_id": stock.id}
    r.lines = lines
    given = sum(ln["approved"] for ln in lines)
    if given == 0:
        raise invalid("/approvals", "approve at least one line, or decline")
    return "approve" if all(ln["approved"] == ln["quantity"] for ln in lines) else "approve_part"


async def _take_out(uow: UnitOfWork, r: ResourceRequest) -> None:
    for ln in r.lines:
        if ln["approved"] and ln["stock_id"]:
            done = await uow.session.execute(
                update(StockItem).where(StockItem.id == ln["stock_id"], StockItem.reserved >= ln["approved"],
                                        StockItem.quantity >= ln["approved"])
                .values(quantity=StockItem.quantity - ln["approved"], reserved=StockItem.reserved - ln["approved"],
                        updated_at=utcnow()).execution_options(synchronize_session=False))
            if done.rowcount != 1:  # type: ignore[attr-defined]
                raise Problem(409, "the reserved stock is no longer there", type="/problems/insufficient-stock")
