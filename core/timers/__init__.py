"""Durable timers: rows with a due time, claimed by one process at a time, fired once."""
