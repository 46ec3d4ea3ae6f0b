"""Every integration route, for the app to mount."""

from core.api import Api
from integrations.cap.routes import api as cap_api

APIS: list[Api] = [cap_api]
