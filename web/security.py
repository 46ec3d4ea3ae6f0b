"""Security headers on every HTTP answer (pages, API, static files), as one ASGI wrapper.

The CSP allows scripts and styles from this origin only (no inline script: page data travels as a
JSON data block, which is not executed), connections to this origin (the websocket included),
and no framing. Referrer-Policy keeps URLs from leaking to other sites.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", CSP.encode()),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    # The county terminal attaches its location and camera photos to feedback: this origin only.
    (b"permissions-policy", b"camera=(self), microphone=(), geolocation=(self), payment=()"),
]
# Browsers ignore COOP on a plain-http intranet origin and say so in the console: sent over https only.
HTTPS_ONLY: list[tuple[bytes, bytes]] = [(b"cross-origin-opener-policy", b"same-origin")]
NAMES = {name for name, _ in HEADERS + HTTPS_ONLY}


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in NAMES]
                extra = HTTPS_ONLY if scope.get("scheme") == "https" else []
                message = {**message, "headers": kept + HEADERS + extra}
            await send(message)

        await self.app(scope, receive, send_with_headers)
