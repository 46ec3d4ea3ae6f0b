"""Every duty route, for the app to mount (importing this also registers duty's flows and rights)."""

from core.api import Api
from duty import flows as _flows  # noqa: F401  (timer handlers, handover providers, start-up)
from duty import permissions as _permissions  # noqa: F401
from duty.board.routes import api as board_api
from duty.handover.routes import api as handover_api
from duty.log.routes import api as log_api
from duty.notices.routes import api as notices_api
from duty.reports.routes import api as reports_api
from duty.rollcall.routes import api as rollcall_api
from duty.rosters.routes import api as rosters_api
from duty.rules.routes import api as rules_api

APIS: list[Api] = [rosters_api, rules_api, log_api, rollcall_api, reports_api, notices_api, handover_api, board_api]
