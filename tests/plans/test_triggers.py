"""Trigger evaluation at every boundary of the city flood plan (GZ-FX), read from its document: a value
just below a threshold does not reach that level, the threshold itself does. Incidents are in 南康区
(360703), which has no flood plan of its own, so only the city's plans apply. Suggestions come highest
level first, each saying why; a fire gets no flood plan; 章贡区's own plan applies only in 章贡区."""

from __future__ import annotations

from typing import Any

import pytest

from command.categories.tree import FACTS
from tests.command.helpers import Cmd
from tests.plans.helpers import ZHANGGONG, flood, gz_fx, suggestions

pytestmark = pytest.mark.asyncio(loop_scope="module")  # one server for the module (`shared`)

STEP = {"water_level_over": 0.01}  # the smallest step of a figure (metres); counts of people step by 1


def thresholds(document: dict[str, Any]) -> dict[str, dict[int, float]]:
    """{fact: {level: minimum}} from the levels' anyOf branches."""
    out: dict[str, dict[int, float]] = {}
    for lv in document["levels"]:
        for branch in lv["trigger"]["anyOf"]:
            ((fact, rule),) = branch["properties"].items()
            assert branch["required"] == [fact]
            out.setdefault(fact, {})[lv["level"]] = rule["minimum"]
    return out


GZ_FX = thresholds(gz_fx())


def expected_level(fact: str, value: float) -> int | None:
    """The highest level (smallest number) whose threshold for `fact` the value reaches."""
    reached = [lv for lv, minimum in GZ_FX[fact].items() if value >= minimum]
    return min(reached) if reached else None


def _cases() -> list[tuple[str, float, int | None]]:
    out = []
    for fact, by_level in sorted(GZ_FX.items()):
        for minimum in sorted(set(by_level.values())):
            below = round(minimum - STEP.get(fact, 1), 2)
            out += [(fact, below, expected_level(fact, below)), (fact, minimum, expected_level(fact, minimum))]
    return out


CASES = _cases()


async def test_the_boundaries_read_from_the_document() -> None:
    """What the brief says of GZ-FX, so a changed demo file does not silently change what is tested."""
    assert GZ_FX == {"water_level_over": {4: 0.01, 3: 1, 2: 2, 1: 3},
                     "evacuated": {4: 500, 3: 2000, 2: 10000, 1: 50000},
                     "affected": {4: 5000, 3: 20000, 2: 100000, 1: 500000}, "deaths": {3: 1, 2: 3, 1: 10},
                     "missing": {3: 1, 2: 3, 1: 10}}
    table = {(f, v): lv for f, v, lv in CASES}
    assert table[("water_level_over", 0.99)] == 4 and table[("water_level_over", 1)] == 3
    assert table[("water_level_over", 0.0)] is None and table[("water_level_over", 0.01)] == 4
    assert table[("evacuated", 1999)] == 4 and table[("evacuated", 2000)] == 3
    assert table[("deaths", 2)] == 3 and table[("deaths", 3)] == 2 and table[("deaths", 0)] is None
    assert table[("affected", 499999)] == 2 and table[("affected", 500000)] == 1
    assert len(CASES) == 36


def _gz_fx(found: list[dict[str, Any]]) -> dict[str, Any] | None:
    mine = [s for s in found if s["code"] == "GZ-FX"]
    assert len(mine) <= 1
    return mine[0] if mine else None


@pytest.mark.parametrize(("fact", "value", "lvl"), CASES, ids=[f"{f}={v}" for f, v, _l in CASES])
async def test_boundary(shared: Cmd, fact: str, value: float, lvl: int | None) -> None:
    incident = await flood(shared, {fact: value})
    found = await suggestions(shared, incident["id"])
    assert all(s["owner_unit"] == "360700" for s in found)  # no county plan applies in 南康区
    mine = _gz_fx(found)
    if lvl is None:
        assert mine is None, mine
        return
    assert mine is not None and mine["level"] == lvl, mine
    label = FACTS[fact][0]
    assert label in mine["why"] and f"{value:g}" in mine["why"], mine["why"]
    checks = {c["level"]: c["matched"] for c in mine["checks"]}
    assert checks == {n: n in GZ_FX[fact] and value >= GZ_FX[fact][n] for n in (1, 2, 3, 4)}
    assert [c["level"] for c in mine["checks"]] == [1, 2, 3, 4]
    assert mine["escalate"] is False and mine["active_level"] is None


async def test_highest_level_first_with_why(shared: Cmd) -> None:
    # Three deaths: GZ-FX level 2 (deaths ≥ 3); the relief plan (GZ-ZRZHJZ) level 4 (deaths ≥ 3).
    incident = await flood(shared, {"deaths": 3, "evacuated": 600})
    found = await suggestions(shared, incident["id"])
    levels = [s["level"] for s in found]
    assert levels == sorted(levels), levels
    codes = [s["code"] for s in found]
    assert codes[:2] == ["GZ-FX", "GZ-ZRZHJZ"], codes
    assert (found[0]["level"], found[1]["level"]) == (2, 4)
    assert "死亡" in found[0]["why"] and "3" in found[0]["why"]
    assert "紧急转移" not in found[0]["why"]  # the branch that decided level 2 is deaths, not the 600 evacuated


async def test_a_fire_gets_no_flood_plan(shared: Cmd) -> None:
    incident = await flood(shared, {"water_level_over": 2.5, "deaths": 3}, category="accident.fire",
                           title="南康区某厂房起火")
    codes = [s["code"] for s in await suggestions(shared, incident["id"])]
    assert "GZ-FX" not in codes and "ZG-FX" not in codes and "GZ-ZRZHJZ" not in codes


async def test_zhanggong_has_its_own_lower_thresholds(shared: Cmd) -> None:
    incident = await flood(shared, {"water_level_over": 0.5}, county=ZHANGGONG)
    found = {s["code"]: s for s in await suggestions(shared, incident["id"], who="lead.360702")}
    assert (found["ZG-FX"]["level"], found["GZ-FX"]["level"]) == (3, 4)
    assert (await suggestions(shared, incident["id"], who="lead.360702"))[0]["code"] == "ZG-FX"
    # 南康区's duty leader cannot look at a 章贡区 incident at all.
    await shared.problem(await shared.get("lead.360703", f"/api/v1/incidents/{incident['id']}/plan-suggestions"),
                         404)


async def test_why_writes_large_figures_in_full(shared: Cmd) -> None:
    """1,234,567 people affected reads as 1234567 in `why`, not as a rounded exponent (1.23457e+06)."""
    incident = await flood(shared, {"affected": 1234567})
    mine = _gz_fx(await suggestions(shared, incident["id"]))
    assert mine is not None and mine["level"] == 1
    assert "1234567" in mine["why"], mine["why"]
