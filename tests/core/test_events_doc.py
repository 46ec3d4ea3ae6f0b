"""The event catalogue: docs/events.md is what the catalogues say; `uow.emit` refuses a type no
catalogue knows and (in the suite) a payload its schema refuses; every type the code emits by name
is catalogued."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.db import UnitOfWork
from core.journal import catalogue
from web import events_doc

ROOT = Path(__file__).resolve().parents[2]


def test_docs_events_md_matches_the_catalogues() -> None:
    assert events_doc.DOC.read_text(encoding="utf-8") == events_doc.render(), \
        "docs/events.md is stale: run `python -m web.events_doc`"


def test_emit_refuses_an_unknown_type() -> None:
    uow = UnitOfWork(db=None, actor=None)  # type: ignore[arg-type]  # emit records; it touches no database
    with pytest.raises(catalogue.UnknownEvent):
        uow.emit("task.teleported", subject=("task", "t1"), scope=["360702"], data={"task": {}})
    uow.emit("unit.updated", subject=("unit", "360702"), scope=["360702"], data={"code": "360702", "changed": []})


def test_emit_checks_the_payload_in_the_suite(monkeypatch: pytest.MonkeyPatch) -> None:
    uow = UnitOfWork(db=None, actor=None)  # type: ignore[arg-type]
    monkeypatch.setenv("YINGJI_CHECK_EVENTS", "1")
    with pytest.raises(ValueError, match="payload"):
        uow.emit("task.dispatched", subject=("task", "t1"), scope=["360702"], data={"title": "no task document"})
    monkeypatch.setenv("YINGJI_CHECK_EVENTS", "0")  # in production the type alone is checked
    uow.emit("task.dispatched", subject=("task", "t1"), scope=["360702"], data={"title": "no task document"})


def test_every_type_emitted_by_name_is_catalogued() -> None:
    named = set()
    for path in [*ROOT.glob("core/**/*.py"), *ROOT.glob("command/**/*.py"), *ROOT.glob("duty/**/*.py"),
                 *ROOT.glob("plans_registry/**/*.py"), *ROOT.glob("integrations/**/*.py")]:
        text = path.read_text(encoding="utf-8")
        named |= set(re.findall(r'emit\((?:uow, [a-z_]+, )?"([a-z_]+\.[a-z_.]+)"[,)]', text))
    assert len(named) > 60, sorted(named)  # the scan finds the emit sites
    assert named - set(catalogue.catalogue()) == set()
