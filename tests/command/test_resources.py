"""Resources through the real API: stock never goes negative under concurrent decisions (SQLite and
PostgreSQL), the request and team status machines as tables (with who may act), the nearest teams to
an incident against a haversine computed here, shelter occupancy, and what each unit sees."""

from __future__ import annotations

import asyncio
import itertools
import math
from typing import Any

import pytest
from sqlalchemy import select, update

from command.resources.models import REQUEST_TRANSITIONS, TEAM_TRANSITIONS, StockItem
from core.states import states_of
from tests.command.helpers import Cmd

MODULE_LOOP = pytest.mark.asyncio(loop_scope="module")  # the tests using `shared` share one server
API = "/api/v1"
CITY_LEAD, ZG_DUTY, ZG_LEAD = "lead.360700", "duty.360702", "lead.360702"
COUNTIES = ["360702", "360703", "360704", "360722", "360723", "360724", "360725", "360726"]
_n = itertools.count(1)


# --- helpers -------------------------------------------------------------------------------------

def haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


async def stock_line(cmd: Cmd, who: str, unit: str, item: str) -> dict[str, Any]:
    rows = [s for s in await cmd.ok(await cmd.get(who, f"{API}/resources/stock", item=item))
            if s["unit"] == unit and s["item"] == item]
    assert len(rows) == 1, rows
    return dict(rows[0])


async def db_stock(cmd: Cmd, stock_id: str) -> tuple[int, int]:
    async with cmd.db.read() as session:
        row = (await session.execute(select(StockItem.quantity, StockItem.reserved)
                                     .where(StockItem.id == stock_id))).one()
        return int(row[0]), int(row[1])


async def new_request(cmd: Cmd, who: str = ZG_DUTY, lines: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    body = {"urgency": "urgent", "reason": f"测试物资申请 {next(_n)}",
            "lines": lines if lines is not None else [{"item": "冲锋舟", "measure": "艘", "quantity": 2}]}
    doc = await cmd.ok(await cmd.post(who, f"{API}/resources/requests", body), 201)
    assert doc["status"] == "draft" and doc["to_unit"] == "360700", doc
    return dict(doc)


async def act(cmd: Cmd, who: str, request_id: str, action: str, **body: Any) -> Any:
    return await cmd.post(who, f"{API}/resources/requests/{request_id}/status", {"action": action, **body})


async def get_req(cmd: Cmd, request_id: str, who: str = CITY_LEAD) -> dict[str, Any]:
    return dict(await cmd.ok(await cmd.get(who, f"{API}/resources/requests/{request_id}")))


# --- 1. concurrent decisions never over-promise stock ------------------------------------------------

async def test_concurrent_approvals_never_overdraw(cmd_any: Cmd) -> None:
    cmd = cmd_any
    boats = await stock_line(cmd, CITY_LEAD, "360700", "冲锋舟")
    await cmd.execute(update(StockItem).where(StockItem.id == boats["id"]).values(quantity=30, reserved=0))
    available, each = 30, 5
    requests = []
    for code in COUNTIES:
        r = await new_request(cmd, f"duty.{code}", [{"item": "冲锋舟", "measure": "艘", "quantity": each}])
        assert (await cmd.ok(await act(cmd, f"duty.{code}", r["id"], "submit")))["status"] == "submitted"
        requests.append(r)
    await cmd.token(CITY_LEAD)  # not inside the race

    approvals = [{"line": 0, "quantity": each, "stock_id": boats["id"]}]
    answers = await asyncio.gather(*(act(cmd, CITY_LEAD, r["id"], "approve", approvals=approvals)
                                     for r in requests))
    won = [r for r, res in zip(requests, answers, strict=True) if res.status_code == 200]
    lost = [(r, res) for r, res in zip(requests, answers, strict=True) if res.status_code != 200]
    assert len(won) == available // each, [a.status_code for a in answers]
    for r, res in lost:
        doc = await cmd.problem(res, 409)
        assert doc["type"] == "/problems/insufficient-stock", doc
        assert (await get_req(cmd, r["id"]))["status"] == "submitted"
    for r in won:
        doc = await get_req(cmd, r["id"])
        assert doc["status"] == "approved" and doc["lines"][0]["approved"] == each, doc
    after = await stock_line(cmd, CITY_LEAD, "360700", "冲锋舟")
    assert (after["quantity"], after["reserved"]) == (available, each * len(won)), after
    assert await db_stock(cmd, boats["id"]) == (available, each * len(won))

    answers = await asyncio.gather(*(act(cmd, CITY_LEAD, r["id"], "dispatch") for r in won))
    for res in answers:
        assert (await cmd.ok(res))["status"] == "dispatched"
    after = await stock_line(cmd, CITY_LEAD, "360700", "冲锋舟")
    assert (after["quantity"], after["reserved"]) == (available - each * len(won), 0), after
    assert await db_stock(cmd, boats["id"]) == (available - each * len(won), 0)


# --- 2. the request status machine as a table ---------------------------------------------------------

REQUESTER_ACTIONS = ("submit", "withdraw", "receive")
DECIDER_ACTIONS = ("approve", "decline", "dispatch")
API_ACTIONS = REQUESTER_ACTIONS + DECIDER_ACTIONS


def actor(action: str) -> str:
    return ZG_DUTY if action in REQUESTER_ACTIONS else CITY_LEAD


def allowed(state: str, api_action: str) -> bool:
    if api_action == "approve":
        return (state, "approve") in REQUEST_TRANSITIONS or (state, "approve_part") in REQUEST_TRANSITIONS
    return (state, api_action) in REQUEST_TRANSITIONS


async def request_in(cmd: Cmd, state: str, boats_id: str) -> dict[str, Any]:
    """A request of 章贡区 for 2 冲锋舟, brought to `state` through the API."""
    r = await new_request(cmd)
    rid = r["id"]
    full = {"approvals": [{"line": 0, "quantity": 2, "stock_id": boats_id}]}
    part = {"approvals": [{"line": 0, "quantity": 1, "stock_id": boats_id}]}
    steps = {"draft": [], "withdrawn": [("withdraw", {})], "submitted": [("submit", {})],
             "declined": [("submit", {}), ("decline", {})], "approved": [("submit", {}), ("approve", full)],
             "partly_approved": [("submit", {}), ("approve", part)],
             "dispatched": [("submit", {}), ("approve", full), ("dispatch", {})],
             "received": [("submit", {}), ("approve", full), ("dispatch", {}), ("receive", {})]}[state]
    for action, body in steps:
        await cmd.ok(await act(cmd, actor(action), rid, action, **body))
    doc = await get_req(cmd, rid)
    assert doc["status"] == state, doc
    return doc


def test_request_table_is_closed() -> None:
    states = states_of(REQUEST_TRANSITIONS)
    assert set(states) == {"draft", "submitted", "approved", "partly_approved", "declined", "dispatched",
                           "received", "withdrawn"}
    assert {a for _s, a in REQUEST_TRANSITIONS} - {"approve_part"} == set(API_ACTIONS)


@MODULE_LOOP
@pytest.mark.parametrize(("state", "action"), sorted(REQUEST_TRANSITIONS),
                         ids=[f"{s}-{a}" for s, a in sorted(REQUEST_TRANSITIONS)])
async def test_request_allowed_transitions(shared: Cmd, state: str, action: str) -> None:
    cmd = shared
    boats = await stock_line(cmd, CITY_LEAD, "360700", "冲锋舟")
    r = await request_in(cmd, state, boats["id"])
    before = await stock_line(cmd, CITY_LEAD, "360700", "冲锋舟")
    api_action, body = action, {}
    if action in ("approve", "approve_part"):
        api_action = "approve"
        body = {"approvals": [{"line": 0, "quantity": 2 if action == "approve" else 1, "stock_id": boats["id"]}]}
    doc = await cmd.ok(await act(cmd, actor(api_action), r["id"], api_action, **body))
    assert doc["status"] == REQUEST_TRANSITIONS[(state, action)], doc
    assert (await get_req(cmd, r["id"]))["status"] == doc["status"]
    after = await stock_line(cmd, CITY_LEAD, "360700", "冲锋舟")
    given = r["lines"][0]["approved"]
    if api_action == "approve":
        assert doc["lines"][0]["approved"] == body["approvals"][0]["quantity"]
        assert doc["lines"][0]["stock_id"] == boats["id"]
        assert after["reserved"] == before["reserved"] + doc["lines"][0]["approved"]
        assert after["quantity"] == before["quantity"]
    elif api_action == "dispatch":
        assert (after["quantity"], after["reserved"]) == (before["quantity"] - given, before["reserved"] - given)
    else:
        assert (after["quantity"], after["reserved"]) == (before["quantity"], before["reserved"])


@MODULE_LOOP
@pytest.mark.parametrize("state", states_of(REQUEST_TRANSITIONS))
async def test_request_refused_transitions(shared: Cmd, state: str) -> None:
    """Every action the table does not allow from `state` is a 409, by the rightful actor, and changes nothing."""
    cmd = shared
    boats = await stock_line(cmd, CITY_LEAD, "360700", "冲锋舟")
    r = await request_in(cmd, state, boats["id"])
    boats = await stock_line(cmd, CITY_LEAD, "360700", "冲锋舟")
    refused = [a for a in API_ACTIONS if not allowed(state, a)]
    assert refused
    for action in refused:
        body = {"approvals": [{"line": 0, "quantity": 2, "stock_id": boats["id"]}]} if action == "approve" else {}
        doc = await cmd.problem(await act(cmd, actor(action), r["id"], action, **body), 409)
        assert doc["type"] == "/problems/invalid-transition", (action, doc)
        assert doc["state"] == state and doc["action"] == action, doc
        assert await get_req(cmd, r["id"]) == r, action
        assert await stock_line(cmd, CITY_LEAD, "360700", "冲锋舟") == boats, action


@MODULE_LOOP
async def test_request_only_rightful_units_act(shared: Cmd) -> None:
    cmd = shared
    boats = await stock_line(cmd, CITY_LEAD, "360700", "冲锋舟")
    full = {"approvals": [{"line": 0, "quantity": 2, "stock_id": boats["id"]}]}
    cases = [("draft", "submit", CITY_LEAD, {}), ("draft", "withdraw", CITY_LEAD, {}),
             ("dispatched", "receive", CITY_LEAD, {}), ("dispatched", "receive", "commander.360700", {}),
             ("submitted", "approve", ZG_LEAD, full), ("submitted", "decline", ZG_LEAD, {}),
             ("approved", "dispatch", ZG_LEAD, {}),
             ("submitted", "approve", "duty.360700", full),  # the right unit, but no right to decide
             ("submitted", "approve", "lead.360703", full)]  # another county cannot even see it
    for state, action, who, body in cases:
        r = await request_in(cmd, state, boats["id"])
        before = await stock_line(cmd, CITY_LEAD, "360700", "冲锋舟")
        res = await act(cmd, who, r["id"], action, **body)
        await cmd.problem(res, 404 if who == "lead.360703" else 403)
        assert await get_req(cmd, r["id"]) == r, (state, action, who)
        assert await stock_line(cmd, CITY_LEAD, "360700", "冲锋舟") == before, (state, action, who)


@MODULE_LOOP
async def test_request_approvals_are_checked(shared: Cmd) -> None:
    cmd = shared
    boats = await stock_line(cmd, CITY_LEAD, "360700", "冲锋舟")
    tents = await stock_line(cmd, CITY_LEAD, "360700", "帐篷")
    nk_boats = await stock_line(cmd, CITY_LEAD, "360703", "冲锋舟")
    zg_boats = await stock_line(cmd, CITY_LEAD, "360702", "冲锋舟")
    r = await request_in(cmd, "submitted", boats["id"])
    cases: list[tuple[list[dict[str, Any]], str]] = [
        ([{"line": 0, "quantity": 3, "stock_id": boats["id"]}], "/approvals/0/quantity"),  # more than asked
        ([{"line": 1, "quantity": 1, "stock_id": boats["id"]}], "/approvals/0/line"),
        ([{"line": 0, "quantity": 2, "stock_id": tents["id"]}], "/approvals/0/stock_id"),  # another item
        ([{"line": 0, "quantity": 2, "stock_id": "0" * 32}], "/approvals/0/stock_id"),
        ([{"line": 0, "quantity": 2}], "/approvals/0/stock_id"),
        ([{"line": 0, "quantity": 0, "stock_id": boats["id"]}], "/approvals"),
    ]
    for approvals, pointer in cases:
        doc = await cmd.problem(await act(cmd, CITY_LEAD, r["id"], "approve", approvals=approvals), 422)
        assert [e["pointer"] for e in doc.get("errors", [])] == [pointer], (approvals, doc)
        assert await get_req(cmd, r["id"]) == r
        assert await stock_line(cmd, CITY_LEAD, "360700", "冲锋舟") == boats
        assert await stock_line(cmd, CITY_LEAD, "360700", "帐篷") == tents
    # Stock of another unit's warehouse (a county's, even the requester's own) is not the city's to give.
    for other in (nk_boats, zg_boats):
        approvals = [{"line": 0, "quantity": 2, "stock_id": other["id"]}]
        res = await act(cmd, CITY_LEAD, r["id"], "approve", approvals=approvals)
        assert res.status_code == 422, f"approving from {other['unit']}'s warehouse: {res.status_code} {res.text}"
        doc = await cmd.problem(res, 422)
        assert [e["pointer"] for e in doc["errors"]] == ["/approvals/0/stock_id"], doc
        assert await stock_line(cmd, CITY_LEAD, other["unit"], "冲锋舟") == other
        assert await get_req(cmd, r["id"]) == r


@MODULE_LOOP
async def test_request_same_line_twice_reserves_once(shared: Cmd) -> None:
    """Approving the same line twice in one decision must not reserve twice what the line records once."""
    cmd = shared
    boats = await stock_line(cmd, CITY_LEAD, "360700", "冲锋舟")
    r = await request_in(cmd, "submitted", boats["id"])
    approvals = [{"line": 0, "quantity": 2, "stock_id": boats["id"]}] * 2
    res = await act(cmd, CITY_LEAD, r["id"], "approve", approvals=approvals)
    after = await stock_line(cmd, CITY_LEAD, "360700", "冲锋舟")
    if res.status_code == 200:
        recorded = sum(ln["approved"] for ln in res.json()["lines"])
        assert after["reserved"] - boats["reserved"] == recorded, (
            f"reserved grew by {after['reserved'] - boats['reserved']}, the request records {recorded}")
    else:
        await cmd.problem(res, 422)
        assert after == boats


# --- 3. nearest teams ------------------------------------------------------------------------------------

async def dispatch_task(cmd: Cmd, who: str, unit: str, **body: Any) -> dict[str, Any]:
    return dict(await cmd.ok(await cmd.post(who, f"{API}/tasks", {"unit": unit, "title": f"资源测试任务 {next(_n)}",
                                                                  **body}), 201))


async def team_act(cmd: Cmd, who: str, unit: str, action: str, **body: Any) -> Any:
    return await cmd.post(who, f"{API}/resources/teams/{unit}/status", {"action": action, **body})


async def team(cmd: Cmd, unit: str, who: str = CITY_LEAD) -> dict[str, Any]:
    [t] = [t for t in await cmd.ok(await cmd.get(who, f"{API}/resources/teams")) if t["unit"] == unit]
    return dict(t)


@MODULE_LOOP
async def test_nearest_teams(shared: Cmd) -> None:
    cmd = shared
    lat, lon = 25.852, 114.925
    incident = await cmd.incident(lat=lat, lon=lon, title=f"测试接报 {next(_n)}：民房倒塌")
    doc = await cmd.incident_doc(incident["id"])
    assert (doc.get("lat"), doc.get("lon")) == (lat, lon), doc
    all_teams = await cmd.ok(await cmd.get(CITY_LEAD, f"{API}/resources/teams"))
    assert len(all_teams) == 40

    def expected(teams: list[dict[str, Any]], limit: int) -> list[tuple[str, float]]:
        ranked = sorted((haversine(lat, lon, t["lat"], t["lon"]), t["unit"]) for t in teams
                        if t["status"] in ("available", "standby") and t["lat"] is not None)
        return [(u, d) for d, u in ranked[:limit]]

    def check(got: list[dict[str, Any]], want: list[tuple[str, float]]) -> None:
        assert [t["unit"] for t in got] == [u for u, _d in want], (got, want)
        for t, (_u, d) in zip(got, want, strict=True):
            assert abs(t["distance_km"] - d) <= 0.01, (t, d)
        ds = [t["distance_km"] for t in got]
        assert ds == sorted(ds)

    got = await cmd.ok(await cmd.get(CITY_LEAD, f"{API}/resources/teams/nearest", incident=incident["id"]))
    check(got, expected(all_teams, 10))
    assert got[0]["unit"].startswith("360702-"), got[0]
    got = await cmd.ok(await cmd.get(CITY_LEAD, f"{API}/resources/teams/nearest", incident=incident["id"], limit=50))
    check(got, expected(all_teams, 50))
    assert {t["unit"][:6] for t in got} > {"360702", "360700"}  # the city sees every county's teams

    forest = await cmd.ok(await cmd.get(CITY_LEAD, f"{API}/resources/teams/nearest", incident=incident["id"],
                                        type="forest_fire", limit=50))
    assert forest and all(t["type"] == "forest_fire" for t in forest)
    check(forest, expected([t for t in all_teams if t["type"] == "forest_fire"], 50))

    county = await cmd.ok(await cmd.get(ZG_LEAD, f"{API}/resources/teams/nearest", incident=incident["id"], limit=50))
    assert {t["unit"] for t in county} == {"360702-T01", "360702-T02"}, county
    check(county, expected([t for t in all_teams if t["unit"].startswith("360702-")], 50))

    # A deployed team is left out (then brought back to available for the other tests).
    nearest = got[0]["unit"]
    task = await dispatch_task(cmd, ZG_LEAD, "360702")
    await cmd.ok(await team_act(cmd, ZG_DUTY, nearest, "deploy", task_id=task["id"]))
    try:
        after = await cmd.ok(await cmd.get(CITY_LEAD, f"{API}/resources/teams/nearest", incident=incident["id"],
                                           limit=50))
        assert nearest not in [t["unit"] for t in after]
        check(after, expected([t for t in all_teams if t["unit"] != nearest], 50))
    finally:
        await cmd.ok(await team_act(cmd, ZG_DUTY, nearest, "return"))
        await cmd.ok(await team_act(cmd, ZG_DUTY, nearest, "ready"))


# --- 4. teams: the status machine as a table, deployment ------------------------------------------------

TEAM_UNIT, TEAM_WHO = "360704-T01", "duty.360704"


async def team_to(cmd: Cmd, state: str, task_id: str) -> None:
    """From available, bring the test team to `state`."""
    assert (await team(cmd, TEAM_UNIT))["status"] == "available"
    step = {"available": None, "standby": ("standby", {}), "resting": ("rest", {}),
            "deployed": ("deploy", {"task_id": task_id})}[state]
    if step:
        await cmd.ok(await team_act(cmd, TEAM_WHO, TEAM_UNIT, step[0], **step[1]))
    assert (await team(cmd, TEAM_UNIT))["status"] == state


async def team_back(cmd: Cmd) -> None:
    """Whatever its state, back to available (through the API)."""
    path = {"available": [], "standby": ["release"], "resting": ["ready"], "deployed": ["return", "ready"]}
    for action in path[(await team(cmd, TEAM_UNIT))["status"]]:
        await cmd.ok(await team_act(cmd, TEAM_WHO, TEAM_UNIT, action))
    assert (await team(cmd, TEAM_UNIT))["status"] == "available"


@MODULE_LOOP
async def test_team_transitions_as_a_table(shared: Cmd) -> None:
    cmd = shared
    task = await dispatch_task(cmd, "lead.360704", TEAM_UNIT)
    actions = sorted({a for _s, a in TEAM_TRANSITIONS})
    assert set(states_of(TEAM_TRANSITIONS)) == {"available", "standby", "deployed", "resting"}
    for state in states_of(TEAM_TRANSITIONS):
        for action in actions:
            await team_to(cmd, state, task["id"])
            before = await team(cmd, TEAM_UNIT)
            body = {"task_id": task["id"]} if action == "deploy" else {}
            res = await team_act(cmd, TEAM_WHO, TEAM_UNIT, action, **body)
            if (state, action) in TEAM_TRANSITIONS:
                doc = await cmd.ok(res)
                assert doc["status"] == TEAM_TRANSITIONS[(state, action)], (state, action, doc)
                assert (await team(cmd, TEAM_UNIT))["status"] == doc["status"]
                if action == "deploy":
                    assert doc["task_id"] == task["id"]
                elif action == "return":
                    assert doc["task_id"] is None
            else:
                doc = await cmd.problem(res, 409)
                assert doc["type"] == "/problems/invalid-transition", doc
                assert await team(cmd, TEAM_UNIT) == before, (state, action)
            await team_back(cmd)


@MODULE_LOOP
async def test_team_deployment(shared: Cmd) -> None:
    cmd = shared
    unit = "360700-T01"
    before = await team(cmd, unit)
    assert before["status"] == "available"
    # Deploy needs a task, and one the caller can see.
    doc = await cmd.problem(await team_act(cmd, CITY_LEAD, unit, "deploy"), 422)
    assert [e["pointer"] for e in doc["errors"]] == ["/task_id"], doc
    assert await team(cmd, unit) == before
    hidden = await dispatch_task(cmd, "lead.360703", "360703")
    await cmd.problem(await team_act(cmd, ZG_DUTY, "360702-T01", "deploy", task_id=hidden["id"]), 404)
    assert (await team(cmd, "360702-T01"))["status"] == "available"
    assert (await team(cmd, "360702-T01"))["task_id"] is None
    # A county cannot touch the city's team at all.
    await cmd.problem(await team_act(cmd, ZG_LEAD, unit, "standby"), 404)
    assert await team(cmd, unit) == before

    # The city deploys its own team to a task 章贡区 dispatched: 章贡区 (the dispatcher) hears of it.
    task = await dispatch_task(cmd, ZG_LEAD, "360702")
    since = await cmd.head()
    deployed = await cmd.ok(await team_act(cmd, CITY_LEAD, unit, "deploy", task_id=task["id"]))
    assert (deployed["status"], deployed["task_id"]) == ("deployed", task["id"])
    assert (await team(cmd, unit))["task_id"] == task["id"]
    seen = [e for e in await cmd.events(ZG_LEAD, since) if e["type"] == "resource.team_deployed"]
    assert [e["subject"] for e in seen] == [{"kind": "team", "id": unit}], seen
    assert seen[0]["data"]["task"]["id"] == task["id"]
    assert not [e for e in await cmd.events("lead.360703", since) if e["type"] == "resource.team_deployed"]

    back = await cmd.ok(await team_act(cmd, CITY_LEAD, unit, "return"))
    assert (back["status"], back["task_id"]) == ("resting", None)
    assert (await team(cmd, unit))["task_id"] is None
    await cmd.ok(await team_act(cmd, CITY_LEAD, unit, "ready"))


# --- 5. shelters ---------------------------------------------------------------------------------------

@MODULE_LOOP
async def test_shelter_occupancy(shared: Cmd) -> None:
    cmd = shared
    mine = await cmd.ok(await cmd.get(ZG_DUTY, f"{API}/resources/shelters"))
    assert {s["unit"] for s in mine} == {"360702"} and len(mine) == 2
    shelter = min(mine, key=lambda s: s["capacity"])
    path = f"{API}/resources/shelters/{shelter['id']}/occupancy"

    def now(rows: list[dict[str, Any]]) -> dict[str, Any]:
        return next(s for s in rows if s["id"] == shelter["id"])

    done = await cmd.ok(await cmd.post(ZG_DUTY, path, {"occupancy": 126}))
    assert (done["occupancy"], done["capacity"]) == (126, shelter["capacity"])
    doc = await cmd.problem(await cmd.post(ZG_DUTY, path, {"occupancy": shelter["capacity"] + 1}), 422)
    assert [e["pointer"] for e in doc["errors"]] == ["/occupancy"], doc
    assert now(await cmd.ok(await cmd.get(ZG_DUTY, f"{API}/resources/shelters")))["occupancy"] == 126
    await cmd.ok(await cmd.post(ZG_DUTY, path, {"occupancy": shelter["capacity"]}))  # full is allowed

    # Another county's shelter: not found, and untouched.
    nk = (await cmd.ok(await cmd.get("duty.360703", f"{API}/resources/shelters")))[0]
    await cmd.problem(await cmd.post(ZG_DUTY, f"{API}/resources/shelters/{nk['id']}/occupancy",
                                     {"occupancy": 5}), 404)
    assert [s for s in await cmd.ok(await cmd.get("duty.360703", f"{API}/resources/shelters"))
            if s["id"] == nk["id"]] == [nk]
    # The city may set a county's.
    assert (await cmd.ok(await cmd.post(CITY_LEAD, f"{API}/resources/shelters/{nk['id']}/occupancy",
                                        {"occupancy": 7})))["occupancy"] == 7


# --- 6. who sees what --------------------------------------------------------------------------------------

@MODULE_LOOP
async def test_scope_of_registries(shared: Cmd) -> None:
    cmd = shared
    city_teams = await cmd.ok(await cmd.get(CITY_LEAD, f"{API}/resources/teams"))
    assert len(city_teams) == 40 and all(t["lat"] is not None for t in city_teams)
    for who, code in ((ZG_DUTY, "360702"), ("duty.360703", "360703")):
        teams = await cmd.ok(await cmd.get(who, f"{API}/resources/teams"))
        assert sorted(t["unit"] for t in teams) == [f"{code}-T01", f"{code}-T02"], teams
        stock = await cmd.ok(await cmd.get(who, f"{API}/resources/stock"))
        assert stock and {s["unit"] for s in stock} == {code}, stock
        assert len(stock) == 9
        shelters = await cmd.ok(await cmd.get(who, f"{API}/resources/shelters"))
        assert len(shelters) == 2 and {s["unit"] for s in shelters} == {code}, shelters
    city_stock = await cmd.ok(await cmd.get(CITY_LEAD, f"{API}/resources/stock", item="帐篷"))
    assert {s["unit"] for s in city_stock} >= {"360700", "360702", "360703"}
    assert {s["quantity"] for s in city_stock if s["unit"] == "360700"} == {800}
    assert len(await cmd.ok(await cmd.get(CITY_LEAD, f"{API}/resources/shelters"))) == 1 + 2 * 19

    def units(rows: list[dict[str, Any]]) -> dict[str, int]:
        out: dict[str, int] = {}
        for e in rows:
            out[e["unit"]] = out.get(e["unit"], 0) + 1
        return out

    city = await cmd.ok(await cmd.get(CITY_LEAD, f"{API}/resources/experts"))
    assert units(city) == {"360700": 6, "360702": 2}
    zg = await cmd.ok(await cmd.get(ZG_DUTY, f"{API}/resources/experts"))
    assert units(zg) == {"360700": 6, "360702": 2}
    nk = await cmd.ok(await cmd.get("duty.360703", f"{API}/resources/experts"))
    assert units(nk) == {"360700": 6}, nk
