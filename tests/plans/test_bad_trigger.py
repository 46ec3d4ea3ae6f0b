"""A trigger is a JSON Schema that is evaluated against every incident in the plan's area and category.
One that passes the check but cannot be evaluated (a $ref to nowhere) must be refused at import; were it
let through and approved, every new incident it covers would fail to be created (the suggestion hook
runs in the incident's own unit of work)."""

from __future__ import annotations

from tests.command.helpers import Cmd
from tests.plans.helpers import county_plan, modified, set_status


async def test_a_trigger_that_cannot_be_evaluated_is_refused(cmd: Cmd) -> None:
    document = modified(county_plan(), lambda d: d["levels"][0].__setitem__("trigger", {"$ref": "#/$defs/nowhere"}))
    res = await cmd.post("lead.360702", "/api/v1/plans", document)
    if res.status_code == 422:
        assert [e["pointer"] for e in (await cmd.problem(res, 422))["errors"]] == ["/levels/0/trigger"]
        return
    # Accepted: then, once in force, it must at least not stop 章贡区 from taking a landslide report.
    version = await cmd.ok(res, 201)
    await cmd.ok(await set_status(cmd, version, "approve", "lead.360702"))
    intake = await cmd.intake("duty.360702", category="natural.geological.landslide", title="沙石镇山体滑坡")
    res = await cmd.post("duty.360702", f"/api/v1/intakes/{intake['id']}/verify", {})
    assert res.status_code == 200, f"a landslide cannot become an incident: {res.status_code} {res.text[:300]}"
    raise AssertionError("a trigger with an unresolvable $ref was accepted at import")
