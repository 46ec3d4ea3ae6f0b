"""The duty board for superiors, and terminal presence (which duty rooms have a live console)."""
