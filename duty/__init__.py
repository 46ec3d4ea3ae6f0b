"""Duty watch (值班值守): rosters and who is on duty, handover, the duty log, roll-calls, daily and
zero reports, notices down the hierarchy, and the duty board."""

# Registers the domain's event catalogue whenever any part of it is imported (uow.emit checks types).
from duty import labels as _labels  # noqa: F401
