"""The status machines as tables: every (state, action) in INTAKE_TRANSITIONS, INCIDENT_TRANSITIONS and
REPORT_TRANSITIONS is allowed through the real API (the service where no route exists) and reaches the
table's next state, journaled; every other state × action is refused with a 409 invalid-transition
problem and changes nothing — neither the row nor the journal."""

from __future__ import annotations

from typing import Any

import pytest

from command.incidents.models import INCIDENT_TRANSITIONS
from command.intake.models import INTAKE_TRANSITIONS
from command.reports import service as reports
from command.reports.models import REPORT_TRANSITIONS, InfoReport
from core.problems import Problem
from core.states import next_state, states_of
from tests.command.helpers import Cmd

MODULE_LOOP = pytest.mark.asyncio(loop_scope="module")  # the tests share one server (`shared`)


def _actions(table: dict[tuple[str, str], str]) -> list[str]:
    return sorted({a for _s, a in table})


def _refused(table: dict[tuple[str, str], str]) -> list[tuple[str, str]]:
    return [(s, a) for s in states_of(table) for a in _actions(table) if (s, a) not in table]


def _ids(pairs: list[tuple[str, str]]) -> list[str]:
    return [f"{s}-{a}" for s, a in pairs]


def assert_invalid_transition(doc: dict[str, Any], state: str, action: str) -> None:
    assert doc["type"] == "/problems/invalid-transition", doc
    assert doc["state"] == state and doc["action"] == action, doc


def test_tables_are_closed() -> None:
    """Every target is itself a state of the table, and every table has refused pairs to test."""
    for table in (INTAKE_TRANSITIONS, INCIDENT_TRANSITIONS, REPORT_TRANSITIONS):
        states = states_of(table)
        assert all(dst in states for dst in table.values())
        assert _refused(table)
    assert set(states_of(INTAKE_TRANSITIONS)) == {"pending", "verifying", "verified", "rejected", "duplicate"}
    assert set(states_of(INCIDENT_TRANSITIONS)) == {"reported", "responding", "stabilised", "closed"}
    assert set(states_of(REPORT_TRANSITIONS)) == {"draft", "signed", "submitted", "discarded"}


# --- intakes ---------------------------------------------------------------------------------------

INTAKE_EVENT = {"take": "intake.taken", "release": "intake.released", "verify": "intake.verified",
                "reject": "intake.rejected", "duplicate": "intake.duplicate"}


async def intake_in(cmd: Cmd, state: str) -> tuple[dict[str, Any], str]:
    """An intake of 章贡区 in `state` (reached through the API), and another intake to duplicate."""
    other = await cmd.intake()
    intake = await cmd.intake()
    if state == "verifying":
        await cmd.ok(await cmd.post("duty.360702", f"/api/v1/intakes/{intake['id']}/take"))
    elif state == "verified":
        await cmd.verify(intake["id"])
    elif state == "rejected":
        await cmd.ok(await cmd.post("duty.360702", f"/api/v1/intakes/{intake['id']}/reject",
                                    {"reason": "回访核实为误报"}))
    elif state == "duplicate":
        await cmd.ok(await cmd.post("duty.360702", f"/api/v1/intakes/{intake['id']}/duplicate", {"of": other["id"]}))
    doc = await cmd.ok(await cmd.get("duty.360702", f"/api/v1/intakes/{intake['id']}"))
    assert doc["status"] == state
    return doc, other["id"]


async def intake_action(cmd: Cmd, intake_id: str, action: str, other_id: str) -> Any:
    body = {"reject": {"reason": "回访核实为误报"}, "duplicate": {"of": other_id}}.get(action, {})
    return await cmd.post("duty.360702", f"/api/v1/intakes/{intake_id}/{action}", body)


@MODULE_LOOP
@pytest.mark.parametrize(("state", "action"), sorted(INTAKE_TRANSITIONS), ids=_ids(sorted(INTAKE_TRANSITIONS)))
async def test_intake_allowed(shared: Cmd, state: str, action: str) -> None:
    intake, other = await intake_in(shared, state)
    head = await shared.head()
    await shared.ok(await intake_action(shared, intake["id"], action, other))
    after = await shared.ok(await shared.get("duty.360702", f"/api/v1/intakes/{intake['id']}"))
    assert after["status"] == INTAKE_TRANSITIONS[(state, action)]
    mine = [e for e in await shared.command_events(head) if e["subject"]["id"] == intake["id"]]
    assert [e["type"] for e in mine] == [INTAKE_EVENT[action]]
    assert mine[0]["data"]["status"] == INTAKE_TRANSITIONS[(state, action)]


@MODULE_LOOP
@pytest.mark.parametrize(("state", "action"), _refused(INTAKE_TRANSITIONS), ids=_ids(_refused(INTAKE_TRANSITIONS)))
async def test_intake_refused(shared: Cmd, state: str, action: str) -> None:
    intake, other = await intake_in(shared, state)
    head = await shared.head()
    doc = await shared.problem(await intake_action(shared, intake["id"], action, other), 409)
    assert_invalid_transition(doc, state, action)
    assert await shared.ok(await shared.get("duty.360702", f"/api/v1/intakes/{intake['id']}")) == intake
    assert await shared.command_events(head) == []


# --- incidents -------------------------------------------------------------------------------------

REASON = "现场复燃，重新启动处置"


async def incident_in(cmd: Cmd, state: str) -> dict[str, Any]:
    incident = await cmd.incident()
    path = {"reported": [], "responding": ["respond"], "stabilised": ["stabilise"], "closed": ["close"]}[state]
    for action in path:
        await cmd.status(incident["id"], action)
    doc = await cmd.incident_doc(incident["id"])
    assert doc["status"] == state
    return doc


@MODULE_LOOP
@pytest.mark.parametrize(("state", "action"), sorted(INCIDENT_TRANSITIONS),
                         ids=_ids(sorted(INCIDENT_TRANSITIONS)))
async def test_incident_allowed(shared: Cmd, state: str, action: str) -> None:
    incident = await incident_in(shared, state)
    head = await shared.head()
    after = await shared.status(incident["id"], action, reason=REASON)
    target = INCIDENT_TRANSITIONS[(state, action)]
    assert after["status"] == target
    assert (await shared.incident_doc(incident["id"]))["status"] == target
    assert (after["closed_at"] is not None) is (target == "closed")
    mine = [e for e in await shared.command_events(head) if e["type"].startswith("incident.")]
    assert [e["type"] for e in mine] == ["incident.reopened" if action == "reopen" else f"incident.{target}"]
    assert mine[0]["data"]["from"] == state and mine[0]["data"]["to"] == target
    assert mine[0]["data"]["reason"] == REASON


@MODULE_LOOP
@pytest.mark.parametrize(("state", "action"), _refused(INCIDENT_TRANSITIONS),
                         ids=_ids(_refused(INCIDENT_TRANSITIONS)))
async def test_incident_refused(shared: Cmd, state: str, action: str) -> None:
    incident = await incident_in(shared, state)
    head = await shared.head()
    res = await shared.post("lead.360702", f"/api/v1/incidents/{incident['id']}/status",
                         {"action": action, "reason": REASON})
    assert_invalid_transition(await shared.problem(res, 409), state, action)
    assert await shared.incident_doc(incident["id"]) == incident
    assert await shared.command_events(head) == []


@MODULE_LOOP
async def test_incident_reopen_needs_a_reason(shared: Cmd) -> None:
    incident = await incident_in(shared, "closed")
    head = await shared.head()
    for body in ({"action": "reopen"}, {"action": "reopen", "reason": "  "}):
        doc = await shared.problem(await shared.post("lead.360702", f"/api/v1/incidents/{incident['id']}/status", body),
                                422)
        assert [e["pointer"] for e in doc["errors"]] == ["/reason"]
    assert await shared.incident_doc(incident["id"]) == incident
    assert await shared.command_events(head) == []


# --- information reports ---------------------------------------------------------------------------
# `signed` lasts no longer than the sign-off call (签发 submits at once), so a report is put in it
# directly in the database; `return` has no route yet, so it is driven through the service; `submit`
# has no entry point of its own (sign-off applies it), so its refusals are checked on the table.

async def report_in(cmd: Cmd, state: str) -> dict[str, Any]:
    incident = await cmd.incident()
    report = await cmd.draft(incident["id"])
    if state == "signed":
        await cmd.set_row(InfoReport, report["id"], status="signed")
    elif state == "submitted":
        await cmd.sign(report["id"])
    elif state == "discarded":
        await cmd.ok(await cmd.post("duty.360702", f"/api/v1/reports/{report['id']}/discard"))
    doc = await cmd.ok(await cmd.get("duty.360702", f"/api/v1/reports/{report['id']}"))
    assert doc["status"] == state
    return doc


async def report_action(cmd: Cmd, report_id: str, action: str) -> dict[str, Any]:
    """Perform `action`; the report afterwards, or the problem document (with its status) if refused."""
    if action == "return":
        by = await cmd.principal("lead.360702")
        try:
            async with cmd.db.write(by.actor) as uow:
                report = await reports.return_to_draft(uow, by=by, report_id=report_id)
                return {"status_code": 200, **report.as_doc()}
        except Problem as problem:
            return {"status_code": problem.status, **problem.as_doc()}
    if action == "edit":
        res = await cmd.patch("duty.360702", f"/api/v1/reports/{report_id}", {"content": {"measures": "已转移群众"}})
    elif action == "sign":
        res = await cmd.post("lead.360702", f"/api/v1/reports/{report_id}/sign")
    elif action == "discard":
        res = await cmd.post("duty.360702", f"/api/v1/reports/{report_id}/discard")
    else:
        raise AssertionError(action)
    if res.status_code >= 400:
        return {"status_code": res.status_code, **(await cmd.problem(res, res.status_code))}
    return {"status_code": res.status_code, **res.json()}


REPORT_EVENT = {"edit": ["report.edited"], "sign": ["report.signed", "report.submitted"],
                "return": ["report.returned"], "discard": ["report.discarded"]}
ROUTED = sorted(p for p in REPORT_TRANSITIONS if p[1] != "submit")


@MODULE_LOOP
@pytest.mark.parametrize(("state", "action"), ROUTED, ids=_ids(ROUTED))
async def test_report_allowed(shared: Cmd, state: str, action: str) -> None:
    report = await report_in(shared, state)
    head = await shared.head()
    after = await report_action(shared, report["id"], action)
    assert after["status_code"] == 200, after
    target = REPORT_TRANSITIONS[(state, action)]
    mine = [e for e in await shared.command_events(head) if e["type"].startswith("report.")]
    assert [e["type"] for e in mine] == REPORT_EVENT[action]
    assert mine[0]["data"]["report"]["status"] == target
    stored = await shared.ok(await shared.get("duty.360702", f"/api/v1/reports/{report['id']}"))
    if action == "sign":
        # 签发 then submission in the same call: signed, then at once (signed, submit) → submitted.
        assert stored["status"] == after["status"] == REPORT_TRANSITIONS[(target, "submit")] == "submitted"
        assert mine[1]["data"]["report"]["status"] == "submitted"
    else:
        assert stored["status"] == after["status"] == target
    if action == "edit":
        assert stored["content"]["measures"] == "已转移群众"


@MODULE_LOOP
@pytest.mark.parametrize(("state", "action"), [p for p in _refused(REPORT_TRANSITIONS) if p[1] != "submit"],
                         ids=_ids([p for p in _refused(REPORT_TRANSITIONS) if p[1] != "submit"]))
async def test_report_refused(shared: Cmd, state: str, action: str) -> None:
    report = await report_in(shared, state)
    head = await shared.head()
    doc = await report_action(shared, report["id"], action)
    assert doc["status_code"] == 409, doc
    assert_invalid_transition(doc, state, action)
    assert await shared.ok(await shared.get("duty.360702", f"/api/v1/reports/{report['id']}")) == report
    assert await shared.command_events(head) == []


@pytest.mark.parametrize("state", [s for s, a in _refused(REPORT_TRANSITIONS) if a == "submit"])
def test_report_submit_refused_outside_signed(state: str) -> None:
    with pytest.raises(Problem) as caught:
        next_state(REPORT_TRANSITIONS, state, "submit", what="report")
    assert caught.value.status == 409
    assert_invalid_transition(caught.value.as_doc(), state, "submit")
