"""The journal: every state change, as an append-only, gap-free sequence of events."""
