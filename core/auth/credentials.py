"""Reading a caller's credential: one function for the API, the websocket and the pages.

`read_credential` finds what a request carries (bearer header, session cookie, display cookie);
`resolve` turns it into a Principal or None. Each transport keeps only its own policy around
them: the API checks CSRF on cookie writes, the websocket checks the Origin of cookie
connections, the pages accept a display only on the hall.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from core.auth import service
from core.auth.principal import Principal
from core.auth.sessions import COOKIE, DISPLAY_COOKIE, SessionSigner
from core.problems import Problem

Kind = Literal["bearer", "session", "display"]


@dataclass(frozen=True, slots=True)
class Credential:
    kind: Kind
    value: str

    @property
    def from_cookie(self) -> bool:
        return self.kind != "bearer"


def read_credential(headers: Mapping[str, str], cookies: Mapping[str, str]) -> Credential | None:
    """The credential a request carries, bearer first; a malformed Authorization header is a 401."""
    authz = headers.get("authorization", "")
    if authz:
        scheme, _, token = authz.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Problem(401, "use Authorization: Bearer <token>", type="/problems/unauthenticated")
        return Credential("bearer", token.strip())
    if cookies.get(COOKIE):
        return Credential("session", cookies[COOKIE])
    if cookies.get(DISPLAY_COOKIE):
        return Credential("display", cookies[DISPLAY_COOKIE])
    return None


async def resolve(session: AsyncSession, signer: SessionSigner, cred: Credential | None) -> Principal | None:
    """Who the credential speaks for, if it is valid, unexpired and not revoked."""
    if cred is None:
        return None
    if cred.kind == "bearer":
        return await service.principal_from_token(session, cred.value, kind="api")
    if cred.kind == "display":
        return await service.principal_from_token(session, cred.value, kind="display")
    data = signer.load(cred.value)
    return await service.principal_from_session(session, data) if data else None
