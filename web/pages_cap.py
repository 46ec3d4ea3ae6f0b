"""The CAP import page: upload or paste a message; the XSD's complaints shown at their lines."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from core.auth.principal import Principal
from web.messages_cap import CAP_MESSAGES
from web.pages import _lang, _render, signed_in_page


@signed_in_page
async def cap_import(request: Request, principal: Principal) -> Response:
    lang = _lang(request, principal)
    msgs = {k: v for k, v in CAP_MESSAGES["en" if lang == "en" else "zh"].items()}
    can_import = principal.can("warning.issue")
    return _render(request, "warnings_cap.html", principal, page={"msgs": msgs, "can_import": can_import},
                   can_import=can_import)


def routes() -> list[BaseRoute]:
    return [Route("/warnings/cap/import", cap_import)]
