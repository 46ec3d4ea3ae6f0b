"""Configuration from the environment (CONTRACT.md), read once per process."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw else default


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


# Where sign-in lands when the user asked for no page, by role, first match in this order (a commander who
# also dispatches lands on the incidents). YINGJI_LANDING="role=/path,…" replaces entries.
DEFAULT_LANDING: dict[str, str] = {"commander": "/incidents", "duty_leader": "/duty", "duty_officer": "/duty",
                                   "dispatcher": "/tasks", "team_member": "/tasks", "viewer": "/hall"}


def _landing(raw: str | None) -> dict[str, str]:
    out = dict(DEFAULT_LANDING)
    for part in (raw or "").split(","):
        role, sep, path = part.partition("=")
        if sep and path.strip().startswith("/") and not path.strip().startswith("//"):
            out[role.strip()] = path.strip()
    return out


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    redis_url: str | None
    secret_key: str
    default_tz: str = "Asia/Shanghai"
    cookie_secure: bool = False
    session_max_age_s: int = 12 * 3600
    # Live stream: how many frames a connection may have queued before it is reset (4008),
    # and how far back a reconnecting client may ask to be replayed before it must reload.
    ws_queue_size: int = 2048
    ws_replay_max: int = 100_000
    ws_idle_ping_s: float = 25.0
    # The feed: how often a process compares its head with the journal's (catches silent loss),
    # and how often it tails the journal while the bus is down.
    head_check_interval_s: float = 1.0
    tail_interval_s: float = 0.1
    timer_poll_interval_s: float = 0.5
    timer_lease_s: float = 30.0
    # Sign-in throttling (core/auth/throttle.py): free failures per account and client before the
    # doubling delays, the window, and the per-client, per-account and spray thresholds.
    login_max_failures: int = 5
    login_window_s: int = 900
    login_max_delay_s: int = 900
    login_ip_max: int = 100
    login_account_max: int = 30
    login_spray_accounts: int = 10
    # Proxies whose X-Forwarded-For is believed (comma-separated addresses or CIDRs); none by default.
    trusted_proxies: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)
    landing: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_LANDING))

    def landing_for(self, roles: frozenset[str] | set[str]) -> str:
        return next((path for role, path in self.landing.items() if role in roles), "/")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"


def _secret_key(data_dir: Path) -> str:
    explicit = os.environ.get("YINGJI_SECRET_KEY")
    if explicit:
        return explicit
    # Generated once into the data dir so sessions survive restarts and workers agree.
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, key.encode())
    finally:
        os.close(fd)
    return key


def load_settings() -> Settings:
    data_dir = Path(os.environ.get("YINGJI_DATA_DIR", "./var")).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    database_url = os.environ.get("YINGJI_DATABASE_URL") or f"sqlite+aiosqlite:///{data_dir / 'yingji.db'}"
    if database_url.startswith("postgresql://") or database_url.startswith("postgres://"):
        database_url = "postgresql+asyncpg://" + database_url.split("://", 1)[1]
    try:
        secret = _secret_key(data_dir)
    except FileExistsError:  # another worker wrote it first
        secret = (data_dir / "secret_key").read_text().strip()
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        redis_url=os.environ.get("YINGJI_REDIS_URL") or None,
        secret_key=secret,
        default_tz=os.environ.get("YINGJI_TZ", "Asia/Shanghai"),
        cookie_secure=os.environ.get("YINGJI_COOKIE_SECURE", "") in ("1", "true", "yes"),
        ws_queue_size=_env_int("YINGJI_WS_QUEUE", 2048),
        head_check_interval_s=_env_float("YINGJI_HEAD_CHECK_S", 1.0),
        tail_interval_s=_env_float("YINGJI_TAIL_S", 0.1),
        timer_poll_interval_s=_env_float("YINGJI_TIMER_POLL_S", 0.5),
        landing=_landing(os.environ.get("YINGJI_LANDING")),
        trusted_proxies=tuple(x.strip() for x in os.environ.get("YINGJI_TRUSTED_PROXIES", "").split(",")
                              if x.strip()),
    )
