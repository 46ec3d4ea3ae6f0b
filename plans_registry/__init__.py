"""plans_registry — see DESIGN.md; filled in by its own issue."""

# Registers the domain's event catalogue whenever any part of it is imported (uow.emit checks types).
from plans_registry import labels as _labels  # noqa: F401
