"""docs/events.md from the event catalogues: every event a websocket client or a webhook subscriber
can receive, how people read it and its payload's schema. `python -m web.events_doc` rewrites the
file; tests/core/test_events_doc.py fails when it and the catalogues disagree."""

from __future__ import annotations

import sys
from pathlib import Path

import orjson

import web.app  # noqa: F401  (imports every domain, so every catalogue is registered)
from core.journal import catalogue

DOC = Path(__file__).resolve().parent.parent / "docs" / "events.md"
DOMAINS = {"core": "Core (units, users, tokens, files)", "command": "Command (intake, incidents, reports, tasks, "
           "consultations, resources)", "duty": "Duty watch", "plans": "Contingency plans and responses"}


def render() -> str:
    lines = ["# Events", "",
             "Generated from the event catalogues (`EVENTS` in `core/journal/catalogue.py`, `command/labels.py`,",
             "`duty/labels.py`, `plans_registry/labels.py`) by `python -m web.events_doc`; the test-suite checks",
             "that this file matches them. Every journal entry, websocket `event` frame and webhook delivery",
             "carries one of these types; `data` is the payload, whose schema is given (JSON Schema; `{}` is",
             "any value). `uow.emit` refuses a type not listed here.", ""]
    by_domain: dict[str, list[tuple[str, catalogue.EventSpec]]] = {}
    for type_, (domain, spec) in sorted(catalogue.catalogue().items()):
        by_domain.setdefault(domain, []).append((type_, spec))
    others = sorted(set(by_domain) - set(DOMAINS) - {"tests"})  # a new domain shows before it is named here
    for domain, title in [*DOMAINS.items(), *((d, d) for d in others)]:
        lines += [f"## {title}", "", "| type | 中文 | English | payload |", "| --- | --- | --- | --- |"]
        for type_, (zh, en, schema) in by_domain.get(domain, []):
            shown = orjson.dumps(schema, option=orjson.OPT_SORT_KEYS).decode().replace("|", "\\|")
            lines.append(f"| `{type_}` | {zh} | {en} | `{shown}` |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    DOC.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {DOC}\n")


if __name__ == "__main__":
    main()
