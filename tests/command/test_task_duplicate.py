"""下达 twice in a row: the server refuses an identical task to the same unit moments after the first
(a double click, a form left filled in) unless the dispatcher confirms; anything different goes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from command.tasks.models import Task
from command.tasks.service import DUPLICATE_WINDOW
from core.orm import utcnow
from tests.command.helpers import Cmd

MODULE_LOOP = pytest.mark.asyncio(loop_scope="module")
COMMANDER = "commander.360700"


@MODULE_LOOP
async def test_an_identical_dispatch_is_refused_unless_confirmed(shared: Cmd) -> None:
    body = {"unit": "360702", "title": "重复下达测试：核查转移情况", "instructions": "逐户核查。"}
    first = await shared.ok(await shared.post(COMMANDER, "/api/v1/tasks", body), 201)
    head = await shared.head()
    doc = await shared.problem(await shared.post(COMMANDER, "/api/v1/tasks", body), 409)
    assert doc["type"] == "/problems/duplicate-dispatch" and doc["task_id"] == first["id"]
    assert await shared.command_events(head) == []  # refused: nothing changed
    listed = await shared.ok(await shared.get(COMMANDER, "/api/v1/tasks", unit="360702"))
    assert [t["id"] for t in listed if t["title"] == body["title"]] == [first["id"]]

    # Different unit, title or instructions: not a duplicate.
    for other in ({**body, "unit": "360703"}, {**body, "title": body["title"] + "（二）"},
                  {**body, "instructions": "重点核查独居老人。"}):
        await shared.ok(await shared.post(COMMANDER, "/api/v1/tasks", other), 201)
    # Meant: confirmed, it goes.
    again = await shared.ok(await shared.post(COMMANDER, "/api/v1/tasks", {**body, "confirm_duplicate": True}), 201)
    assert again["id"] != first["id"]

    # Once the window has passed (the earlier tasks backdated, not waited for) the same task goes again.
    async with shared.db.write() as uow:
        await uow.session.execute(update(Task).where(Task.title == body["title"]).values(
            dispatched_at=utcnow() - DUPLICATE_WINDOW - timedelta(seconds=1)))
    await shared.ok(await shared.post(COMMANDER, "/api/v1/tasks", body), 201)
