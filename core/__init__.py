"""Shared kernel: settings, database, the event journal, the bus, units, users and auth, timers."""
