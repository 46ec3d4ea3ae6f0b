"""Fixtures of the plan tests: the command tests' live servers on a fresh copy of the demo database
(with its seven plans in force) — `cmd`, `cmd_any` (SQLite and PostgreSQL), `shared` (per module)."""

from tests.command.conftest import cmd, cmd_any, settle, shared

__all__ = ["cmd", "cmd_any", "settle", "shared"]
