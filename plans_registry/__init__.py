"""plans_registry — see DESIGN.md; filled in by its own issue."""
