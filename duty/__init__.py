"""Duty watch (值班值守): rosters and who is on duty, handover, the duty log, roll-calls, daily and
zero reports, notices down the hierarchy, and the duty board."""
