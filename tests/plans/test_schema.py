"""The plan document: every demo plan is valid and in force; an invalid document is refused with
errors whose JSON pointers name the place (schema errors, and what a schema cannot say: a trigger that
is no JSON Schema, an unknown working group, a repeated level, an unknown unit) and nothing is saved;
text is validated as it is typed without saving, a syntax error naming its line; text imports."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from plans_registry import document
from plans_registry.demo import PLANS_DIR
from plans_registry.rules import IN_FORCE
from tests.command.helpers import Cmd
from tests.plans.helpers import (
    CITY,
    COMMANDER,
    ZHANGGONG,
    county_plan,
    demo_doc,
    demo_files,
    gz_fx,
    head,
    journal,
    modified,
    plan_full,
    plans,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")  # one server for the module (`shared`)


async def test_there_are_seven_demo_plans() -> None:
    assert len(demo_files()) == 7


@pytest.mark.parametrize("name", demo_files())
async def test_demo_plan_is_valid_and_in_force(shared: Cmd, name: str) -> None:
    doc = demo_doc(name)
    assert document.check(doc) == []
    text = (PLANS_DIR / name).read_text(encoding="utf-8")  # the file as typed, through the editor's check
    answer = await shared.ok(await shared.post(COMMANDER, "/api/v1/plans/validate", {"format": "yaml", "text": text}))
    assert answer == {"valid": True, "errors": []}

    listed = [p for p in await plans(shared, owner=doc["owner_unit"]) if p["code"] == doc["code"]]
    assert len(listed) == 1, name
    summary = listed[0]
    assert summary["status"] in IN_FORCE and summary["current_version_id"], summary
    assert summary["name"] == doc["name"] and summary["categories"] == doc["categories"]
    full = await plan_full(shared, summary["id"])
    current = [v for v in full["versions"] if v["id"] == summary["current_version_id"]]
    assert len(current) == 1 and current[0]["document"] == doc  # the version in force is the file
    if doc["owner_unit"] != CITY:  # a county's plan is filed with the city
        assert (summary["status"], summary["filed_with"]) == ("filed", CITY)


def _fresh(doc: dict[str, Any]) -> dict[str, Any]:
    """GZ-FX under a code of its own, so a wrongly saved document could not hide among the demo's."""
    doc["code"] = "GZ-FX-INVALID"
    return doc


def _drop_name(d: dict[str, Any]) -> None:
    del d["name"]


def _bad_trigger(d: dict[str, Any]) -> None:
    d["levels"][0]["trigger"] = {"type": 12}


def _unknown_group(d: dict[str, Any]) -> None:
    d["levels"][1]["actions"][2]["target"] = {"group": "no_such_group"}


def _duplicate_level(d: dict[str, Any]) -> None:
    d["levels"][2]["level"] = d["levels"][1]["level"]


def _unknown_target_unit(d: dict[str, Any]) -> None:
    d["levels"][0]["actions"][3]["target"] = {"unit": "360799-NOPE"}


def _unknown_lead_unit(d: dict[str, Any]) -> None:
    d["command"]["groups"][1]["lead_unit"] = "360700-NOPE"


def _unknown_notify_unit(d: dict[str, Any]) -> None:
    d["levels"][3]["notify"][2] = "369999"


def _two_targets(d: dict[str, Any]) -> None:
    d["levels"][0]["actions"][0]["target"] = {"group": "monitoring", "unit": "360700-SLJ"}


def _zero_due(d: dict[str, Any]) -> None:
    d["levels"][2]["actions"][1]["due_minutes"] = 0


def _repeated_action_key(d: dict[str, Any]) -> None:
    d["levels"][1]["actions"][4]["key"] = d["levels"][1]["actions"][0]["key"]


def _level_five(d: dict[str, Any]) -> None:
    d["levels"][0]["level"] = 5


INVALID = [
    (_drop_name, "/name"),
    (_bad_trigger, "/levels/0/trigger"),
    (_unknown_group, "/levels/1/actions/2/target/group"),
    (_duplicate_level, "/levels/2/level"),
    (_unknown_target_unit, "/levels/0/actions/3/target/unit"),
    (_unknown_lead_unit, "/command/groups/1/lead_unit"),
    (_unknown_notify_unit, "/levels/3/notify/2"),
    (_two_targets, "/levels/0/actions/0/target"),
    (_zero_due, "/levels/2/actions/1/due_minutes"),
    (_repeated_action_key, "/levels/1/actions/4/key"),
    (_level_five, "/levels/0/level"),
]


@pytest.mark.parametrize(("spoil", "pointer"), INVALID, ids=[f.__name__.strip("_") for f, _p in INVALID])
async def test_invalid_document_is_refused_where_it_is_wrong(shared: Cmd, spoil: Any, pointer: str) -> None:
    before_plans = await plans(shared)  # (the commander's token made first)
    before_head = await head(shared.db)
    bad = modified(_fresh(gz_fx()), spoil)

    doc = await shared.problem(await shared.post(COMMANDER, "/api/v1/plans", bad), 422)
    assert [e["pointer"] for e in doc["errors"]] == [pointer], doc["errors"]
    # The same through the editor's check, and through the text import.
    text = yaml.safe_dump(bad, allow_unicode=True)
    answer = await shared.ok(await shared.post(COMMANDER, "/api/v1/plans/validate", {"format": "yaml", "text": text}))
    assert answer["valid"] is False and [e["pointer"] for e in answer["errors"]] == [pointer]
    doc = await shared.problem(await shared.post(COMMANDER, "/api/v1/plans/import-text",
                                                 {"format": "yaml", "text": text}), 422)
    assert [e["pointer"] for e in doc["errors"]] == [pointer]

    assert await plans(shared) == before_plans
    assert await head(shared.db) == before_head  # not a single event


async def test_validate_saves_nothing_and_names_lines(shared: Cmd) -> None:
    await shared.token("lead.360702")  # a token's first use is journaled; not what is measured here
    before_plans, before_head = await plans(shared), await head(shared.db)
    good = county_plan(code="ZG-VALIDATE-ONLY")
    text = yaml.safe_dump(good, allow_unicode=True, sort_keys=False)
    answer = await shared.ok(await shared.post("lead.360702", "/api/v1/plans/validate",
                                               {"format": "yaml", "text": text}))
    assert answer == {"valid": True, "errors": []}
    json_text = json.dumps(good, ensure_ascii=False)
    answer = await shared.ok(await shared.post("lead.360702", "/api/v1/plans/validate",
                                               {"format": "json", "text": json_text}))
    assert answer == {"valid": True, "errors": []}

    # A YAML syntax error: a tab where line 4 starts.
    lines = text.splitlines()
    lines[3] = "\t" + lines[3]
    answer = await shared.ok(await shared.post("lead.360702", "/api/v1/plans/validate",
                                               {"format": "yaml", "text": "\n".join(lines)}))
    assert answer["valid"] is False and len(answer["errors"]) == 1
    assert answer["errors"][0]["pointer"] == "/" and "line 4" in answer["errors"][0]["message"], answer
    # A JSON one: the value missing on line 2.
    answer = await shared.ok(await shared.post("lead.360702", "/api/v1/plans/validate",
                                               {"format": "json", "text": '{"code": "X",\n "name": }'}))
    assert answer["valid"] is False and "line 2" in answer["errors"][0]["message"], answer

    # A structural error in typed YAML: the pointer, and (where the answer gives one) the line it is on.
    spoilt = text.replace("group: rescue", "group: nosuch")
    assert spoilt != text
    answer = await shared.ok(await shared.post("lead.360702", "/api/v1/plans/validate",
                                               {"format": "yaml", "text": spoilt}))
    assert [e["pointer"] for e in answer["errors"]] == ["/levels/1/actions/0/target/group"], answer
    if "line" in answer["errors"][0]:
        expected = next(i for i, ln in enumerate(spoilt.splitlines(), 1) if "nosuch" in ln)
        assert answer["errors"][0]["line"] == expected

    assert await plans(shared) == before_plans
    assert await head(shared.db) == before_head


async def test_import_text_creates_a_draft_version(shared: Cmd) -> None:
    doc = county_plan(code="ZG-TEXT")
    text = "# 章贡区测试预案\n" + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    version = await shared.ok(await shared.post("lead.360702", "/api/v1/plans/import-text",
                                                {"format": "yaml", "text": text, "note": "首次录入"}), 201)
    assert (version["number"], version["status"], version["note"]) == (1, "draft", "首次录入")
    assert version["document"] == doc
    summary = [p for p in await plans(shared, "lead.360702", owner=ZHANGGONG) if p["code"] == "ZG-TEXT"]
    assert len(summary) == 1 and summary[0]["id"] == version["plan_id"]
    assert (summary[0]["status"], summary[0]["current_version_id"]) == ("draft", None)  # a draft is not in force
    imported = await journal(shared, subject_id=version["plan_id"], type="plan.version_imported")
    assert len(imported) == 1 and imported[0]["data"]["version"]["number"] == 1

    # JSON text makes the next version of the same plan.
    changed = {**doc, "name": "测试预案（修订）"}
    v2 = await shared.ok(await shared.post("lead.360702", "/api/v1/plans/import-text",
                                           {"format": "json", "text": json.dumps(changed)}), 201)
    assert (v2["plan_id"], v2["number"]) == (version["plan_id"], 2)

    # Unreadable text saves nothing.
    before = await head(shared.db)
    res = await shared.post("lead.360702", "/api/v1/plans/import-text", {"format": "yaml", "text": "code: [ZG"})
    problem = await shared.problem(res, 422)
    assert problem["errors"][0]["pointer"] == "/" and "line" in problem["errors"][0]["message"]
    assert await head(shared.db) == before


async def test_only_plan_officers_import(shared: Cmd) -> None:
    for who in ("duty.360702", "lead.360702"):
        await shared.token(who)
    before = await head(shared.db)
    res = await shared.post("duty.360702", "/api/v1/plans", county_plan())  # a duty officer
    assert (await shared.problem(res, 403))["type"] == "/problems/forbidden"
    # A county cannot import a plan for the city.
    res = await shared.post("lead.360702", "/api/v1/plans", county_plan(owner=CITY))
    assert [e["pointer"] for e in (await shared.problem(res, 422))["errors"]] == ["/owner_unit"]
    assert await head(shared.db) == before


async def test_exported_yaml_imports_as_the_same_document(shared: Cmd) -> None:
    """A version downloaded as YAML or JSON and imported again is the same document: that version
    again (200), not a v2."""
    plan = (await plans(shared, owner=CITY, q="GZ-SLHZ"))[0]
    for fmt in ("yaml", "json"):
        res = await shared.get(COMMANDER, f"/api/v1/plans/{plan['id']}/versions/{plan['current_version_id']}",
                               format=fmt)
        assert res.status_code == 200 and "attachment" in res.headers["content-disposition"]
        answer = await shared.ok(await shared.post(COMMANDER, "/api/v1/plans/validate", {"format": fmt,
                                                                                       "text": res.text}))
        assert answer == {"valid": True, "errors": []}
        res = await shared.post(COMMANDER, "/api/v1/plans/import-text", {"format": fmt, "text": res.text})
        assert res.status_code == 200 and res.json()["id"] == plan["current_version_id"], (fmt, res.text)
    assert (await plan_full(shared, plan["id"]))["plan"]["latest_version"] == 1


async def test_yaml_dates_as_typed(shared: Cmd) -> None:
    """An officer typing YAML writes `issued_on: 2026-04-01`; YAML reads that as a date, and the plan's
    date fields are dates: it should validate (today it is refused as "datetime.date(2026, 4, 1) is not
    of type 'string'", a message no officer can act on)."""
    text = yaml.safe_dump(county_plan(code="ZG-DATES"), allow_unicode=True, sort_keys=False)
    typed = text.replace("issued_on: '2026-04-01'", "issued_on: 2026-04-01")
    assert typed != text
    answer = await shared.ok(await shared.post("lead.360702", "/api/v1/plans/validate",
                                               {"format": "yaml", "text": typed}))
    assert answer == {"valid": True, "errors": []}, answer
