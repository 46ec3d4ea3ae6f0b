"""Every plan route, for the app to mount (importing this registers the plan flows and rights)."""

from core.api import Api
from plans_registry import flows as _flows  # noqa: F401  (suggestion announcements, review and cadence timers)
from plans_registry import permissions as _permissions  # noqa: F401
from plans_registry.routes import api as plans_api

APIS: list[Api] = [plans_api]
