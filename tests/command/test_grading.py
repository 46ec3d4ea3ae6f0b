"""Grading: the production-safety rules seeded on the city suggest exactly the right grade on each
side of every boundary (deaths, seriously injured, direct loss in 万元) for any accident.* category of
any county; natural disasters follow the national relief plan's thresholds; categories without a rule
get no suggestion; new facts move the suggestion; a duty leader confirms
the grade, with a reason when it differs from the suggestion; a duty officer may not grade."""

from __future__ import annotations

import pytest

from command.categories import grading
from tests.command.helpers import Cmd

MODULE_LOOP = pytest.mark.asyncio(loop_scope="module")  # the tests share one server (`shared`)

GENERAL, RELATIVELY_MAJOR, MAJOR, PARTICULARLY_MAJOR = "general", "relatively_major", "major", "particularly_major"

# (fact, value, grade): both sides of each boundary of 《生产安全事故报告和调查处理条例》第三条.
BOUNDARIES = [
    ("deaths", 2, GENERAL), ("deaths", 3, RELATIVELY_MAJOR),
    ("deaths", 9, RELATIVELY_MAJOR), ("deaths", 10, MAJOR),
    ("deaths", 29, MAJOR), ("deaths", 30, PARTICULARLY_MAJOR),
    ("seriously_injured", 9, GENERAL), ("seriously_injured", 10, RELATIVELY_MAJOR),
    ("seriously_injured", 49, RELATIVELY_MAJOR), ("seriously_injured", 50, MAJOR),
    ("seriously_injured", 99, MAJOR), ("seriously_injured", 100, PARTICULARLY_MAJOR),
    ("economic_loss", 999, GENERAL), ("economic_loss", 1000, RELATIVELY_MAJOR),
    ("economic_loss", 4999, RELATIVELY_MAJOR), ("economic_loss", 5000, MAJOR),
    ("economic_loss", 9999, MAJOR), ("economic_loss", 10000, PARTICULARLY_MAJOR),
    ("economic_loss", 999.99, GENERAL), ("economic_loss", 9999.5, MAJOR),
]


@MODULE_LOOP
@pytest.mark.parametrize(("fact", "value", "grade"), BOUNDARIES, ids=[f"{f}={v}" for f, v, _g in BOUNDARIES])
@pytest.mark.parametrize(("unit", "category"), [("360702", "accident.hazchem"), ("360703", "accident.road_traffic"),
                                                ("360700", "accident"), ("360781", "accident.non_coal_mine")])
async def test_boundary(shared: Cmd, unit: str, category: str, fact: str, value: float, grade: str) -> None:
    async with shared.db.read() as session:
        suggested, rule = await grading.suggest(session, unit=unit, category=category, facts={fact: value})
        # The other figures at zero change nothing: the most severe grade any figure reaches wins.
        others = {f: 0 for f in ("deaths", "seriously_injured", "economic_loss") if f != fact}
        with_zeros, _ = await grading.suggest(session, unit=unit, category=category, facts={fact: value, **others})
    assert (suggested, with_zeros) == (grade, grade)
    assert rule is not None and rule.unit_code == "360700" and rule.category_prefix == "accident"
    assert rule.source == grading.PRODUCTION_SAFETY_SOURCE


@MODULE_LOOP
async def test_most_severe_figure_wins(shared: Cmd) -> None:
    async with shared.db.read() as session:
        for facts, grade in [({}, GENERAL), ({"deaths": 3, "seriously_injured": 50}, MAJOR),
                             ({"deaths": 30, "economic_loss": 1}, PARTICULARLY_MAJOR),
                             ({"injured": 500, "trapped": 40}, GENERAL)]:  # 受伤 and 被困 grade nothing here
            suggested, _rule = await grading.suggest(session, unit="360702", category="accident.fire", facts=facts)
            assert suggested == grade, facts


@MODULE_LOOP
@pytest.mark.parametrize("category", ["public_health.food", "public_health.infectious", "social_security.crowd"])
async def test_no_rule_no_suggestion(shared: Cmd, category: str) -> None:
    async with shared.db.read() as session:
        assert await grading.suggest(session, unit="360702", category=category,
                                     facts={"deaths": 40, "economic_loss": 20000}) == (None, None)
        assert await grading.applicable_rules(session, unit="360702", category=category) == []
    assert grading.no_rule_reason(category) != grading.NO_RULE_REASON[""]  # the page says why


@MODULE_LOOP
@pytest.mark.parametrize("category", ["natural", "natural.flood", "natural.geological.landslide"])
async def test_natural_disasters_follow_the_relief_plan(category: str, shared: Cmd) -> None:
    async with shared.db.read() as session:
        for facts, grade in [({"evacuated": 120}, GENERAL), ({"deaths": 49, "missing": 49}, GENERAL),
                             ({"missing": 50}, RELATIVELY_MAJOR), ({"evacuated": 1000000}, MAJOR),
                             ({"houses_collapsed": 300000}, PARTICULARLY_MAJOR)]:
            suggested, rule = await grading.suggest(session, unit="360703", category=category, facts=facts)
            assert suggested == grade, facts
            assert rule is not None and rule.source == grading.NATURAL_SOURCE


@MODULE_LOOP
async def test_suggested_when_the_incident_is_made(shared: Cmd) -> None:
    accident = await shared.incident(category="accident.construction", facts={"deaths": 3, "injured": 4})
    assert (accident["grade_suggested"], accident["grade"]) == (RELATIVELY_MAJOR, None)
    assert accident["grade_reason"].startswith("死亡 3–9 人")
    flood = await shared.incident(category="natural.flood", facts={"deaths": 40, "affected": 20000})
    assert (flood["grade_suggested"], flood["grade"], flood["grade_reason"]) == (GENERAL, None, "以上以外的自然灾害")
    crowd = await shared.incident(category="social_security.crowd", facts={"deaths": 40})
    assert (crowd["grade_suggested"], crowd["grade_reason"]) == (None, "")
    assert (await shared.incident_doc(crowd["id"]))["grade_suggested"] is None


@MODULE_LOOP
async def test_facts_move_the_suggestion(shared: Cmd) -> None:
    incident = await shared.incident(category="accident.hazchem", facts={"deaths": 1, "injured": 2})
    assert incident["grade_suggested"] == GENERAL
    head = await shared.head()
    steps: list[tuple[dict[str, float], str]] = [({"deaths": 3}, RELATIVELY_MAJOR), ({"economic_loss": 5000}, MAJOR),
             ({"seriously_injured": 100}, PARTICULARLY_MAJOR),
             # A correction is a new figure, and the suggestion follows it down too.
             ({"seriously_injured": 0, "economic_loss": 4999.9}, RELATIVELY_MAJOR),
             ({"deaths": 2, "economic_loss": 0}, GENERAL)]
    for facts, grade in steps:
        res = await shared.post("duty.360702", f"/api/v1/incidents/{incident['id']}/facts",
                                {"facts": facts, "note": "现场指挥部通报"})
        doc = await shared.ok(res)
        assert doc["grade_suggested"] == grade, facts
        assert (await shared.incident_doc(incident["id"]))["grade_suggested"] == grade
        assert all(doc["facts"][k] == v for k, v in facts.items())
    assert (await shared.incident_doc(incident["id"]))["facts"] == {
        "deaths": 2, "injured": 2, "economic_loss": 0, "seriously_injured": 0}
    # (plan suggestions the facts cross into are announced too: tests/plans covers those)
    events = [e for e in await shared.command_events(head) if e["subject"]["id"] == incident["id"]
              and e["type"] != "incident.plan_suggested"]
    assert [e["type"] for e in events] == ["incident.facts_updated"] * len(steps)
    assert [e["data"]["grade_suggested"] for e in events] == [g for _f, g in steps]
    assert events[0]["data"]["changes"] == {"deaths": {"from": 1, "to": 3}}
    assert events[0]["data"]["note"] == "现场指挥部通报"

    flood = await shared.incident(category="natural.flood")
    res = await shared.post("duty.360702", f"/api/v1/incidents/{flood['id']}/facts", {"facts": {"missing": 51}})
    assert (await shared.ok(res))["grade_suggested"] == RELATIVELY_MAJOR


@MODULE_LOOP
async def test_confirming_or_overriding_the_grade(shared: Cmd) -> None:
    incident = await shared.incident(category="accident.gas", facts={"deaths": 3})
    path = f"/api/v1/incidents/{incident['id']}/grade"
    head = await shared.head()

    for body in ({"grade": MAJOR}, {"grade": MAJOR, "reason": "   "}, {"grade": None}):
        doc = await shared.problem(await shared.post("lead.360702", path, body), 422)
        assert [e["pointer"] for e in doc["errors"]] == ["/reason"], body
    assert (await shared.incident_doc(incident["id"]))["grade"] is None
    assert await shared.command_events(head) == []

    confirmed = await shared.ok(await shared.post("lead.360702", path, {"grade": RELATIVELY_MAJOR}))
    assert confirmed["grade"] == RELATIVELY_MAJOR
    reason = "涉及危化品泄漏，社会影响大，按重大事件处置"
    overridden = await shared.ok(await shared.post("lead.360702", path, {"grade": MAJOR, "reason": reason}))
    assert (overridden["grade"], overridden["grade_suggested"]) == (MAJOR, RELATIVELY_MAJOR)
    assert (await shared.incident_doc(incident["id"]))["grade"] == MAJOR

    graded = [e for e in await shared.command_events(head) if e["type"] == "incident.graded"]
    assert [(e["data"]["from"], e["data"]["to"], e["data"]["suggested"], e["data"]["reason"]) for e in graded] == [
        (None, RELATIVELY_MAJOR, RELATIVELY_MAJOR, ""), (RELATIVELY_MAJOR, MAJOR, RELATIVELY_MAJOR, reason)]
    assert graded[1]["actor"]["username"] == "lead.360702"
    assert all(e["subject"]["id"] == incident["id"] for e in graded)

    # No rule, no suggestion: any grade is an override and needs its reason; staying ungraded does not.
    flood = await shared.incident(category="social_security.mass", facts={"affected": 3000})
    flood_path = f"/api/v1/incidents/{flood['id']}/grade"
    await shared.problem(await shared.post("lead.360702", flood_path, {"grade": GENERAL}), 422)
    assert (await shared.ok(await shared.post("lead.360702", flood_path, {"grade": None})))["grade"] is None
    doc = await shared.ok(await shared.post("lead.360702", flood_path, {"grade": GENERAL, "reason": "按县级预案定级"}))
    assert doc["grade"] == GENERAL


@MODULE_LOOP
async def test_duty_officer_may_not_grade(shared: Cmd) -> None:
    incident = await shared.incident(category="accident.fire", facts={"deaths": 1})
    head = await shared.head()
    for body in ({"grade": GENERAL}, {"grade": MAJOR, "reason": "值班员自行定级"}):
        res = await shared.post("duty.360702", f"/api/v1/incidents/{incident['id']}/grade", body)
        assert (await shared.problem(res, 403))["type"] == "/problems/forbidden"
    assert (await shared.incident_doc(incident["id"]))["grade"] is None
    assert await shared.command_events(head) == []
    # … while the county's duty leader may, and another county's leader cannot even see it.
    res = await shared.post("lead.360703", f"/api/v1/incidents/{incident['id']}/grade", {"grade": GENERAL})
    await shared.problem(res, 404)
    await shared.ok(await shared.post("lead.360702", f"/api/v1/incidents/{incident['id']}/grade", {"grade": GENERAL}))
