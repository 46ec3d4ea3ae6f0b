"""Every command route, for the app to mount (importing this registers command's flows and rights)."""

from command import flows as _flows  # noqa: F401  (report deadline hooks and timers, handover items)
from command import permissions as _permissions  # noqa: F401
from command.consultations.routes import api as consultations_api
from command.incidents.routes import api as incidents_api
from command.intake.routes import api as intake_api
from command.reports.routes import api as reports_api
from command.resources.routes import api as resources_api
from command.tasks.routes import api as tasks_api
from command.warnings import flows as _warning_flows  # noqa: F401  (expiry and sign-for timers)
from command.warnings.routes import api as warnings_api
from core.api import Api

APIS: list[Api] = [intake_api, incidents_api, reports_api, tasks_api, consultations_api, resources_api,
                  warnings_api]
