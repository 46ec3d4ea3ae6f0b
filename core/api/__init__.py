"""The HTTP helpers every domain's routes.py shares: who is calling, validation, problem+json,
idempotency, and the registry the OpenAPI description is built from."""

from core.api.registry import Api, Ctx, Reply

__all__ = ["Api", "Ctx", "Reply"]
