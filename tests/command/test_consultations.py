"""Consultations (会商研判) through the real API: the convenor invites units down its tree (or involved
in the incident) and experts; the status machine as a table; an invited county checks in from its own
terminal, an uninvited one sees nothing; opinions only while in session, decisions only by the
convening unit — a decision dispatched as a task in the same step (or not saved at all), the task's
later status shown on the consultation; drills kept apart; an Idempotency-Key makes one entry."""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta
from typing import Any

import orjson
import pytest
from sqlalchemy import func, select

from command.consultations.models import CONSULTATION_TRANSITIONS, Consultation, Entry, Invitee
from command.tasks.models import Task
from core.journal.models import JournalEntry
from core.orm import utcnow
from core.states import states_of
from tests.command.helpers import Cmd, z

MODULE_LOOP = pytest.mark.asyncio(loop_scope="module")  # the tests share one server (`shared`)

CITY, ZG, NK, GX, SLJ = "360700", "360702", "360703", "360704", "360700-SLJ"
COMMANDER = "commander.360700"
ZG_DUTY, ZG_LEAD, NK_DUTY, GX_DUTY = "duty.360702", "lead.360702", "duty.360703", "duty.360704"
EXPERT = {"name": "刘德明", "field": "水文气象"}
MINUTES = "一、立即转移沿河低洼处群众；二、各区加强值守。"
_n = itertools.count(1)


# --- helpers ----------------------------------------------------------------------------------------

async def convene(cmd: Cmd, who: str = COMMANDER, units: list[str] | None = None,
                  experts: list[dict[str, str]] | None = None, **body: Any) -> dict[str, Any]:
    res = await cmd.post(who, "/api/v1/consultations", convene_body(units, experts, **body))
    return dict(await cmd.ok(res, 201))


def convene_body(units: list[str] | None = None, experts: list[dict[str, str]] | None = None,
                 **body: Any) -> dict[str, Any]:
    return {"title": f"会商测试 {next(_n)}：强降雨山洪风险研判", "kind": "risk",
            "starts_at": z(utcnow() + timedelta(minutes=30)), "place": "市应急指挥中心（视频会商）",
            "units": [ZG, NK] if units is None else units, "experts": [EXPERT] if experts is None else experts,
            **body}


async def doc(cmd: Cmd, cid: str, who: str = COMMANDER) -> dict[str, Any]:
    return dict(await cmd.ok(await cmd.get(who, f"/api/v1/consultations/{cid}")))


async def status(cmd: Cmd, cid: str, action: str, who: str = COMMANDER, **body: Any) -> Any:
    return await cmd.post(who, f"/api/v1/consultations/{cid}/status", {"action": action, **body})


async def in_state(cmd: Cmd, state: str) -> dict[str, Any]:
    """A consultation of the city (inviting 章贡区 and 南康区) in `state`, reached through the API."""
    c = await convene(cmd)
    path = {"scheduled": [], "in_session": ["open"], "closed": ["open", "close"], "cancelled": ["cancel"]}[state]
    for action in path:
        await cmd.ok(await status(cmd, c["id"], action, **({"minutes": MINUTES} if action == "close" else {})))
    got = await doc(cmd, c["id"])
    assert got["status"] == state
    return got


async def speak(cmd: Cmd, cid: str, who: str, kind: str = "opinion", text: str = "建议立即转移沿河群众。",
                key: str | None = None, **body: Any) -> Any:
    return await cmd.post(who, f"/api/v1/consultations/{cid}/entries", {"kind": kind, "text": text, **body}, key=key)


async def journal(cmd: Cmd, subject_id: str, since: int = 0) -> list[dict[str, Any]]:
    """The journal's events about `subject_id` after `since`, oldest first."""
    stmt = select(JournalEntry.doc).where(JournalEntry.subject_id == subject_id, JournalEntry.seq > since)
    async with cmd.db.read() as session:
        return [orjson.loads(d) for d in (await session.execute(stmt.order_by(JournalEntry.seq))).scalars()]


async def head(cmd: Cmd) -> int:
    return int(await cmd.scalar(select(func.coalesce(func.max(JournalEntry.seq), 0))))


async def count(cmd: Cmd, model: Any, *where: Any) -> int:
    return int(await cmd.scalar(select(func.count()).select_from(model).where(*where)))


async def listed(cmd: Cmd, who: str, *, exercise: bool = False) -> list[str]:
    rows = await cmd.ok(await cmd.get(who, "/api/v1/consultations", exercise="true" if exercise else "false"))
    return [c["id"] for c in rows]


def pointers(problem: dict[str, Any]) -> list[str]:
    return [e["pointer"] for e in problem.get("errors", [])]


# --- convening and who is invited -------------------------------------------------------------------

@MODULE_LOOP
async def test_convene_invites_units_and_experts_and_they_see_it(shared: Cmd) -> None:
    cmd = shared
    since = await head(cmd)
    c = await convene(cmd, units=[ZG, NK, SLJ], experts=[EXPERT, {"name": "周晓东"}], agenda="研判未来 24 小时降雨。")
    cid = c["id"]
    assert (c["status"], c["unit"], c["exercise"], c["incident_id"]) == ("scheduled", CITY, False, None)
    assert c["convened_by_name"] == (await cmd.principal(COMMANDER)).name
    assert c["entries"] == []
    units = sorted(i["unit"] for i in c["invitees"] if i["unit"])
    assert units == sorted([ZG, NK, SLJ])
    experts = sorted((i["name"], i["field"]) for i in c["invitees"] if not i["unit"])
    assert experts == sorted([("刘德明", "水文气象"), ("周晓东", "")])
    assert not any(i["attended"] or i["attendee_name"] for i in c["invitees"])
    assert await doc(cmd, cid) == c

    [convened] = await journal(cmd, cid, since)
    assert convened["type"] == "consultation.convened"
    assert set(convened["units"]) >= {CITY, ZG, NK, SLJ} and convened["exercise"] is False

    # Every invited county sees it, in its list and on its own, and hears of it on its event feed.
    for who in (ZG_DUTY, NK_DUTY, ZG_LEAD):
        assert cid in await listed(cmd, who), who
        assert (await doc(cmd, cid, who))["invitees"] == c["invitees"]
        assert [e["type"] for e in await cmd.events(who, since) if e["subject"]["id"] == cid] == [
            "consultation.convened"], who
    # An uninvited county sees nothing of it.
    assert cid not in await listed(cmd, GX_DUTY)
    await cmd.problem(await cmd.get(GX_DUTY, f"/api/v1/consultations/{cid}"), 404)
    assert [e for e in await cmd.events(GX_DUTY, since) if e["subject"]["id"] == cid] == []


@MODULE_LOOP
async def test_convening_needs_command_rights(shared: Cmd) -> None:
    before = await count(shared, Consultation)
    await shared.problem(await shared.post(ZG_DUTY, "/api/v1/consultations", convene_body([f"{ZG}-T01"])), 403)
    assert await count(shared, Consultation) == before


@MODULE_LOOP
@pytest.mark.parametrize(("units", "bad"), [
    ([f"{ZG}-T01", NK], 1),     # a neighbouring county
    ([CITY, f"{ZG}-T02"], 0),   # the unit above
    ([f"{ZG}-T01", ZG], 1),     # itself
    (["999999"], 0),            # no such unit
], ids=["neighbour", "parent", "itself", "unknown"])
async def test_a_county_invites_only_down_its_tree(shared: Cmd, units: list[str], bad: int) -> None:
    cmd = shared
    before = (await count(cmd, Consultation), await count(cmd, Invitee), await head(cmd))
    problem = await cmd.problem(await cmd.post(ZG_LEAD, "/api/v1/consultations", convene_body(units)), 422)
    assert pointers(problem) == [f"/units/{bad}"], problem
    assert (await count(cmd, Consultation), await count(cmd, Invitee), await head(cmd)) == before


@MODULE_LOOP
async def test_a_county_invites_a_unit_involved_in_its_incident(shared: Cmd) -> None:
    cmd = shared
    incident = await cmd.incident(title="章贡区沙石镇山洪，南康区协助")
    # Not yet involved: refused even with the incident named.
    problem = await cmd.problem(await cmd.post(ZG_LEAD, "/api/v1/consultations",
                                               convene_body([f"{ZG}-T01", NK], incident_id=incident["id"])), 422)
    assert pointers(problem) == ["/units/1"]
    await cmd.ok(await cmd.post(ZG_LEAD, f"/api/v1/incidents/{incident['id']}/units",
                                {"unit": NK, "role": "participant"}))
    c = await convene(cmd, ZG_LEAD, [f"{ZG}-T01", NK], incident_id=incident["id"], kind="incident")
    assert (c["unit"], c["incident_id"]) == (ZG, incident["id"])
    assert sorted(i["unit"] for i in c["invitees"] if i["unit"]) == [ZG + "-T01", NK]
    assert c["id"] in await listed(cmd, NK_DUTY)
    # Without the incident the same neighbour is out of reach.
    problem = await cmd.problem(await cmd.post(ZG_LEAD, "/api/v1/consultations", convene_body([NK])), 422)
    assert pointers(problem) == ["/units/0"]


# --- the status machine as a table ------------------------------------------------------------------

def _refused() -> list[tuple[str, str]]:
    actions = sorted({a for _s, a in CONSULTATION_TRANSITIONS})
    return [(s, a) for s in states_of(CONSULTATION_TRANSITIONS) for a in actions
            if (s, a) not in CONSULTATION_TRANSITIONS]


def test_the_table_is_closed() -> None:
    states = states_of(CONSULTATION_TRANSITIONS)
    assert set(states) == {"scheduled", "in_session", "closed", "cancelled"}
    assert all(dst in states for dst in CONSULTATION_TRANSITIONS.values())
    assert len(_refused()) == 9


@MODULE_LOOP
@pytest.mark.parametrize(("state", "action"), sorted(CONSULTATION_TRANSITIONS),
                         ids=[f"{s}-{a}" for s, a in sorted(CONSULTATION_TRANSITIONS)])
async def test_allowed(shared: Cmd, state: str, action: str) -> None:
    c = await in_state(shared, state)
    since = await head(shared)
    body = {"minutes": MINUTES} if action == "close" else {}
    got = await shared.ok(await status(shared, c["id"], action, **body))
    target = CONSULTATION_TRANSITIONS[(state, action)]
    assert got["status"] == target
    assert await doc(shared, c["id"]) == got
    assert (got["opened_at"] is not None) == (target in ("in_session", "closed"))
    assert (got["closed_at"] is not None) == (target == "closed")
    assert got["minutes"] == (MINUTES if target == "closed" else "")
    events = await journal(shared, c["id"], since)
    assert [e["type"] for e in events] == [f"consultation.{target}"]
    assert events[0]["data"]["consultation"]["status"] == target
    # The invited counties hear of it too.
    assert [e["type"] for e in await shared.events(NK_DUTY, since) if e["subject"]["id"] == c["id"]] == [
        f"consultation.{target}"]


@MODULE_LOOP
@pytest.mark.parametrize(("state", "action"), _refused(), ids=[f"{s}-{a}" for s, a in _refused()])
async def test_refused(shared: Cmd, state: str, action: str) -> None:
    c = await in_state(shared, state)
    since = await head(shared)
    body = {"minutes": MINUTES} if action == "close" else {}
    problem = await shared.problem(await status(shared, c["id"], action, **body), 409)
    assert problem["type"] == "/problems/invalid-transition", problem
    assert (problem["state"], problem["action"]) == (state, action)
    assert await doc(shared, c["id"]) == c
    assert await journal(shared, c["id"], since) == []


@MODULE_LOOP
@pytest.mark.parametrize("minutes", [None, "", "   \n "], ids=["missing", "empty", "blank"])
async def test_closing_needs_the_minutes(shared: Cmd, minutes: str | None) -> None:
    c = await in_state(shared, "in_session")
    since = await head(shared)
    body = {} if minutes is None else {"minutes": minutes}
    problem = await shared.problem(await status(shared, c["id"], "close", **body), 422)
    assert pointers(problem) == ["/minutes"]
    assert await doc(shared, c["id"]) == c
    assert await journal(shared, c["id"], since) == []


@MODULE_LOOP
async def test_only_the_convening_unit_runs_it(shared: Cmd) -> None:
    c = await in_state(shared, "scheduled")
    # An invited county's duty leader (who may convene their own) cannot open, close or cancel the city's.
    for action in ("open", "cancel"):
        await shared.problem(await status(shared, c["id"], action, who=ZG_LEAD), 403)
    # An uninvited county's leader does not even see it.
    await shared.problem(await status(shared, c["id"], "open", who="lead.360704"), 404)
    assert await doc(shared, c["id"]) == c


# --- checking in --------------------------------------------------------------------------------------

@MODULE_LOOP
async def test_an_invited_county_checks_in_an_uninvited_one_cannot(shared: Cmd) -> None:
    cmd = shared
    c = await convene(cmd, units=[ZG, NK, SLJ])
    cid = c["id"]

    # 赣县区 is not invited: it cannot see it nor check in; nothing changes.
    since = await head(cmd)
    await cmd.problem(await cmd.get(GX_DUTY, f"/api/v1/consultations/{cid}"), 404)
    await cmd.problem(await cmd.post(GX_DUTY, f"/api/v1/consultations/{cid}/attend", {}), 404)
    zg_row = next(i for i in c["invitees"] if i["unit"] == ZG)
    await cmd.problem(await cmd.post(GX_DUTY, f"/api/v1/consultations/{cid}/attend",
                                     {"invitee_id": zg_row["id"]}), 404)
    assert await doc(cmd, cid) == c
    assert await journal(cmd, cid, since) == []

    # 章贡区 checks in from its console: present, under its user's name, and everyone hears of it.
    got = await cmd.ok(await cmd.post(ZG_DUTY, f"/api/v1/consultations/{cid}/attend", {}))
    zg = next(i for i in got["invitees"] if i["unit"] == ZG)
    assert zg["attended"] is True and zg["attended_at"] is not None
    assert zg["attendee_name"] == (await cmd.principal(ZG_DUTY)).name
    assert not any(i["attended"] for i in got["invitees"] if i["unit"] != ZG)
    assert got["status"] == "scheduled"
    [attended] = await journal(cmd, cid, since)
    assert attended["type"] == "consultation.attended"
    assert attended["data"]["invitee"]["unit"] == ZG and attended["data"]["invitee"]["attended"] is True
    assert {CITY, ZG, NK} <= set(attended["units"])
    assert (await doc(cmd, cid)) == got

    # A county cannot mark the expert present for the convenor; the convenor can.
    expert = next(i for i in got["invitees"] if not i["unit"])
    await cmd.problem(await cmd.post(NK_DUTY, f"/api/v1/consultations/{cid}/attend",
                                     {"invitee_id": expert["id"]}), 403)
    got = await cmd.ok(await cmd.post(COMMANDER, f"/api/v1/consultations/{cid}/attend",
                                      {"invitee_id": expert["id"]}))
    row = next(i for i in got["invitees"] if i["id"] == expert["id"])
    assert (row["attended"], row["attendee_name"]) == (True, EXPERT["name"])

    # Once it is over, nobody checks in.
    await cmd.ok(await status(cmd, cid, "open"))
    await cmd.ok(await status(cmd, cid, "close", minutes=MINUTES))
    await cmd.problem(await cmd.post(NK_DUTY, f"/api/v1/consultations/{cid}/attend", {}), 422)
    assert not next(i for i in (await doc(cmd, cid))["invitees"] if i["unit"] == NK)["attended"]


# --- opinions and decisions ---------------------------------------------------------------------------

@MODULE_LOOP
async def test_opinions_only_while_in_session(shared: Cmd) -> None:
    cmd = shared
    c = await convene(cmd)
    cid = c["id"]
    for who in (ZG_DUTY, COMMANDER):
        problem = await cmd.problem(await speak(cmd, cid, who), 422)
        assert "in session" in problem["detail"], problem
    await cmd.ok(await status(cmd, cid, "open"))

    # In session: an invited county speaks under its own name (it cannot name someone else).
    got = await cmd.ok(await speak(cmd, cid, ZG_DUTY, text="沙石镇已转移 120 人。", speaker="别人"), 201)
    [entry] = got["entries"]
    assert (entry["kind"], entry["unit"], entry["speaker"], entry["task_id"], entry["task"]) == (
        "opinion", ZG, (await cmd.principal(ZG_DUTY)).name, None, None)
    # The convenor records an expert's words under the expert's name.
    got = await cmd.ok(await speak(cmd, cid, COMMANDER, text="未来 6 小时仍有强降雨。", speaker=EXPERT["name"]), 201)
    assert [(e["unit"], e["speaker"]) for e in got["entries"]] == [
        (ZG, (await cmd.principal(ZG_DUTY)).name), (CITY, EXPERT["name"])]
    # An uninvited county cannot speak.
    await cmd.problem(await speak(cmd, cid, GX_DUTY), 404)

    await cmd.ok(await status(cmd, cid, "close", minutes=MINUTES))
    for who in (NK_DUTY, COMMANDER):
        await cmd.problem(await speak(cmd, cid, who), 422)
    assert len((await doc(cmd, cid))["entries"]) == 2


@MODULE_LOOP
async def test_a_county_cannot_decide(shared: Cmd) -> None:
    cmd = shared
    c = await in_state(cmd, "in_session")
    since = await head(cmd)
    for who in (ZG_DUTY, ZG_LEAD):
        await cmd.problem(await speak(cmd, c["id"], who, "decision", "章贡区自行决定转移。"), 403)
        await cmd.problem(await speak(cmd, c["id"], who, "decision", "交办南康区。", task={"unit": NK}), 403)
    assert (await doc(cmd, c["id"]))["entries"] == []
    assert await count(cmd, Task, Task.source_id == c["id"]) == 0
    assert await journal(cmd, c["id"], since) == []


@MODULE_LOOP
async def test_a_decision_becomes_a_task_followed_on_the_consultation(shared: Cmd) -> None:
    cmd = shared
    c = await in_state(cmd, "in_session")
    cid = c["id"]
    text = "章贡区立即组织沙石镇沿河低洼处群众转移，2 小时内完成并反馈。"
    since = await head(cmd)
    got = await cmd.ok(await speak(cmd, cid, COMMANDER, "decision", text, task={"unit": ZG, "priority": "urgent"}), 201)
    [entry] = got["entries"]
    assert (entry["kind"], entry["unit"], entry["speaker"]) == ("decision", CITY, (await cmd.principal(COMMANDER)).name)
    assert entry["task_id"] and entry["task"]["id"] == entry["task_id"]
    task = await cmd.ok(await cmd.get(COMMANDER, f"/api/v1/tasks/{entry['task_id']}"))
    assert (task["unit"], task["from_unit"], task["status"], task["priority"]) == (ZG, CITY, "dispatched", "urgent")
    assert (task["source"], task["source_id"]) == ("consultation", cid)
    assert task["source_ref"] == {"consultation_id": cid, "entry_id": entry["id"]}
    # The decision is the title; the instructions say where it was decided (not the same text twice).
    assert (task["title"], task["exercise"]) == (text, False)
    assert task["instructions"].startswith("会商决定（") and "王建华" in task["instructions"], task["instructions"]
    assert entry["task"]["status"] == "dispatched"
    types = [e["type"] for e in await cmd.events(ZG_DUTY, since)
             if e["subject"]["id"] in (cid, task["id"])]
    assert types == ["task.dispatched", "consultation.decision"]
    # It is on the county's open tasks (what its duty console lists).
    assert task["id"] in [t["id"] for t in await cmd.ok(await cmd.get(ZG_DUTY, "/api/v1/tasks", unit=ZG, open="true"))]

    # The county signs for it: the consultation shows the task's status now, to both sides.
    await cmd.ok(await cmd.post(ZG_DUTY, f"/api/v1/tasks/{task['id']}/acknowledge"))
    for who in (COMMANDER, ZG_DUTY, NK_DUTY):
        [e] = (await doc(cmd, cid, who))["entries"]
        assert (e["task_id"], e["task"]["status"]) == (task["id"], "acknowledged"), who
    [row] = [r for r in await cmd.ok(await cmd.get(COMMANDER, "/api/v1/consultations")) if r["id"] == cid]
    assert row["entries"][0]["task"]["status"] == "acknowledged"

    # A titled task, to a unit not invited but under the convenor.
    got = await cmd.ok(await speak(cmd, cid, COMMANDER, "decision", "赣县区做好增援准备。",
                                   task={"unit": GX, "title": "增援准备", "ack_minutes": 15}), 201)
    other = await cmd.ok(await cmd.get(COMMANDER, f"/api/v1/tasks/{got['entries'][1]['task_id']}"))
    assert (other["unit"], other["title"], other["instructions"]) == (GX, "增援准备", "赣县区做好增援准备。")


@MODULE_LOOP
@pytest.mark.parametrize("unit", [NK, CITY, "999999"], ids=["neighbour", "parent", "unknown"])
async def test_a_decision_to_a_unit_out_of_reach_is_not_saved(shared: Cmd, unit: str) -> None:
    cmd = shared
    c = await convene(cmd, ZG_LEAD, [f"{ZG}-T01"], experts=[])
    await cmd.ok(await status(cmd, c["id"], "open", who=ZG_LEAD))
    since = await head(cmd)
    tasks_before, entries_before = await count(cmd, Task), await count(cmd, Entry)
    problem = await cmd.problem(await speak(cmd, c["id"], ZG_LEAD, "decision", "交办外区。", task={"unit": unit}), 422)
    assert pointers(problem) == ["/task/unit"], problem
    assert (await doc(cmd, c["id"], ZG_LEAD))["entries"] == []
    assert (await count(cmd, Task), await count(cmd, Entry)) == (tasks_before, entries_before)
    assert await head(cmd) == since
    # The same decision to its own team goes through.
    got = await cmd.ok(await speak(cmd, c["id"], ZG_LEAD, "decision", "交办本区救援大队。",
                                   task={"unit": f"{ZG}-T01"}), 201)
    assert got["entries"][0]["task"]["unit"] == f"{ZG}-T01"


# --- drills and retries ---------------------------------------------------------------------------------

@MODULE_LOOP
async def test_a_drill_consultation_stays_in_the_drill(shared: Cmd) -> None:
    cmd = shared
    drill = await cmd.incident(title="演练：章贡区山洪", exercise=True)
    assert drill["exercise"] is True
    real = await convene(cmd)
    c = await convene(cmd, units=[ZG], incident_id=drill["id"], kind="incident")
    cid = c["id"]
    assert c["exercise"] is True and real["exercise"] is False
    for who in (COMMANDER, ZG_DUTY):
        live, exercise = await listed(cmd, who), await listed(cmd, who, exercise=True)
        assert cid not in live and real["id"] in live, who
        assert cid in exercise and real["id"] not in exercise, who
    since = await head(cmd)
    await cmd.ok(await status(cmd, cid, "open"))
    got = await cmd.ok(await speak(cmd, cid, COMMANDER, "decision", "演练：转移群众。", task={"unit": ZG}), 201)
    task = got["entries"][0]["task"]
    assert (task["exercise"], task["incident_id"]) == (True, drill["id"])
    events = await journal(cmd, cid, since)
    assert events and all(e["exercise"] is True for e in events)
    assert [e for e in await cmd.events(ZG_DUTY, since) if e["subject"]["id"] in (cid, task["id"])] == []
    drilled = [e["type"] for e in await cmd.events(ZG_DUTY, since, exercise=True)
               if e["subject"]["id"] in (cid, task["id"])]
    assert drilled == ["consultation.in_session", "task.dispatched", "consultation.decision"]


@MODULE_LOOP
async def test_an_entry_retried_with_its_key_is_recorded_once(shared: Cmd) -> None:
    cmd = shared
    c = await in_state(cmd, "in_session")
    cid = c["id"]
    since = await head(cmd)
    key = str(uuid.uuid4())
    first = await speak(cmd, cid, ZG_DUTY, text="沙石镇水位仍在上涨。", key=key)
    again = await speak(cmd, cid, ZG_DUTY, text="沙石镇水位仍在上涨。", key=key)
    assert (first.status_code, again.status_code) == (201, 201), (first.text, again.text)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert first.json() == again.json()
    assert len((await doc(cmd, cid))["entries"]) == 1

    # A decision with its task, retried: one entry, one task.
    key = str(uuid.uuid4())
    body = {"task": {"unit": NK}}
    first = await speak(cmd, cid, COMMANDER, "decision", "南康区加强巡查。", key=key, **body)
    again = await speak(cmd, cid, COMMANDER, "decision", "南康区加强巡查。", key=key, **body)
    assert (first.status_code, again.status_code) == (201, 201), (first.text, again.text)
    entries = (await doc(cmd, cid))["entries"]
    assert [e["kind"] for e in entries] == ["opinion", "decision"]
    assert await count(cmd, Task, Task.source_id == cid) == 1
    assert [e["type"] for e in await journal(cmd, cid, since)] == ["consultation.opinion", "consultation.decision"]

    # The key reused for another entry is refused, and records nothing.
    problem = await cmd.problem(await speak(cmd, cid, COMMANDER, "decision", "另一项决定。", key=key), 422)
    assert problem["type"] == "/problems/idempotency-key-reused"
    assert len((await doc(cmd, cid))["entries"]) == 2
