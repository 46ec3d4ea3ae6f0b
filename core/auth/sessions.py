"""Browser sessions: a signed, timed cookie naming a server-side session (core/auth/models.py
UserSession) and its secret. The server decides whether the session still stands; the signature
and age only spare it a database look-up for a forged or stale cookie."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

COOKIE = "yingji_session"
DISPLAY_COOKIE = "yingji_display"  # a hall wall's credential, set once when it trades its key
DEVICE_COOKIE = "yingji_device"  # "this browser signed in as U before": spares it the sign-in limits
DEVICE_MAX_AGE_S = 180 * 86400
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True)
class SessionData:
    session_id: str
    secret: str


class SessionSigner:
    def __init__(self, secret_key: str, max_age_s: int) -> None:
        self._s = URLSafeTimedSerializer(secret_key, salt="yingji.session.v2")
        self._device = URLSafeTimedSerializer(secret_key, salt="yingji.device")
        self.max_age_s = max_age_s

    def sign_device(self, username: str) -> str:
        return self._device.dumps({"u": username, "n": secrets.token_hex(8)})

    def load_device(self, cookie: str | None) -> tuple[str, str] | None:
        """(username, nonce) of a device cookie this server set, if intact and not too old."""
        if not cookie:
            return None
        try:
            raw = self._device.loads(cookie, max_age=DEVICE_MAX_AGE_S)
        except (BadSignature, SignatureExpired):
            return None
        if not isinstance(raw, dict) or not {"u", "n"} <= raw.keys():
            return None
        return str(raw["u"]), str(raw["n"])

    def sign(self, session_id: str, secret: str) -> str:
        return self._s.dumps({"s": session_id, "k": secret})

    def load(self, cookie: str | None) -> SessionData | None:
        if not cookie:
            return None
        try:
            raw = self._s.loads(cookie, max_age=self.max_age_s)
        except (BadSignature, SignatureExpired):
            return None
        if not isinstance(raw, dict) or not {"s", "k"} <= raw.keys():
            return None
        return SessionData(session_id=str(raw["s"]), secret=str(raw["k"]))
