"""Fixtures of the integration tests: the command tests' live servers on a fresh demo database."""

from tests.command.conftest import cmd, cmd_any, settle, shared

__all__ = ["cmd", "cmd_any", "settle", "shared"]
