"""Browser sessions: a signed, timed cookie naming the user, their session epoch and a CSRF token."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

COOKIE = "yingji_session"
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True)
class SessionData:
    user_id: str
    epoch: int
    csrf: str


class SessionSigner:
    def __init__(self, secret_key: str, max_age_s: int) -> None:
        self._s = URLSafeTimedSerializer(secret_key, salt="yingji.session")
        self.max_age_s = max_age_s

    def sign(self, user_id: str, epoch: int) -> tuple[str, str]:
        csrf = secrets.token_urlsafe(24)
        return self._s.dumps({"u": user_id, "e": epoch, "c": csrf}), csrf

    def load(self, cookie: str | None) -> SessionData | None:
        if not cookie:
            return None
        try:
            raw = self._s.loads(cookie, max_age=self.max_age_s)
        except (BadSignature, SignatureExpired):
            return None
        if not isinstance(raw, dict) or not {"u", "e", "c"} <= raw.keys():
            return None
        return SessionData(user_id=str(raw["u"]), epoch=int(raw["e"]), csrf=str(raw["c"]))
