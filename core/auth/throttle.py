"""Sign-in throttling that slows a guesser without locking the owner out (issue 15).

- Per account and client (the address, or a trusted browser's device cookie): after
  `pair_free` failures within the window each further attempt waits twice as long as the last
  (1 s, 2 s, 4 s … up to `max_delay_s`); an answer inside the wait is 429 with Retry-After and the
  password is not even checked.
- Per client address, across accounts: at most `ip_max` failures a window; per account, across
  addresses: at most `account_max`. Both are skipped for a browser carrying a device cookie of
  that account (set at its last good sign-in), so an attacker behind the same county NAT, or
  one guessing the duty officer's account from anywhere, cannot keep the officer out.
- Every failure is a row (username, client, time) and an audit event; failures across
  `spray_accounts` distinct accounts from one client within the window raise one
  `auth.spray_detected` alert to the administrators (the root unit's journal).

The client address is the peer, or, when the peer is a configured proxy, the right-most
X-Forwarded-For hop that is not one of ours (the left part is whatever the client wrote).
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import LoginFailure, User
from core.db import Database
from core.problems import Problem
from core.settings import Settings
from core.units.models import Unit

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Limits:
    window_s: int = 900
    pair_free: int = 5
    max_delay_s: int = 900
    ip_max: int = 100
    account_max: int = 30
    spray_accounts: int = 10

    @staticmethod
    def of(s: Settings) -> Limits:
        return Limits(window_s=s.login_window_s, pair_free=s.login_max_failures, max_delay_s=s.login_max_delay_s,
                      ip_max=s.login_ip_max, account_max=s.login_account_max, spray_accounts=s.login_spray_accounts)


def parse_networks(raw: str | Iterable[str]) -> tuple[Network, ...]:
    items = raw.split(",") if isinstance(raw, str) else raw
    return tuple(ipaddress.ip_network(x.strip(), strict=False) for x in items if x.strip())


def _trusted(addr: str, proxies: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return False
    return any(ip in net for net in proxies)


def client_address(peer: str | None, forwarded_for: str | None, proxies: tuple[Network, ...]) -> str:
    """The real client: the peer unless it is a trusted proxy; then the right-most untrusted hop."""
    addr = peer or "?"
    if not forwarded_for or not _trusted(addr, proxies):
        return addr
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if not _trusted(hop, proxies):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return addr  # garbage from the client: fall back to the proxy, never to the claim
    return addr


def delay_after(failures: int, limits: Limits) -> int:
    """Seconds the next attempt must wait after `failures` recent failures of one account+client."""
    if failures < limits.pair_free:
        return 0
    return min(limits.max_delay_s, 2 ** (failures - limits.pair_free))


async def check(session: AsyncSession, *, username: str, client: str, trusted_device: bool, now: datetime,
                limits: Limits) -> None:
    """429 (with retry_after) if this attempt must wait; nothing if it may try the password."""
    since = now - timedelta(seconds=limits.window_s)
    pair = (await session.execute(
        select(func.count(), func.max(LoginFailure.at))
        .where(LoginFailure.username == username, LoginFailure.ip == client, LoginFailure.at >= since))).one()
    wait = delay_after(int(pair[0]), limits)
    if wait and pair[1] is not None:
        left = (pair[1] + timedelta(seconds=wait) - now).total_seconds()
        if left > 0:
            raise _limited(math.ceil(left))
    if trusted_device:
        return
    from_ip = (await session.execute(select(func.count()).select_from(LoginFailure)
                                     .where(LoginFailure.ip == client, LoginFailure.at >= since))).scalar_one()
    on_account = (await session.execute(select(func.count()).select_from(LoginFailure)
                                        .where(LoginFailure.username == username,
                                               LoginFailure.at >= since))).scalar_one()
    if from_ip >= limits.ip_max or on_account >= limits.account_max:
        raise _limited(limits.window_s)


def _limited(retry_after: int) -> Problem:
    return Problem(429, "too many failed sign-ins; wait a little", type="/problems/rate-limited",
                   retry_after=retry_after)


async def record_failure(db: Database, *, username: str, client: str, address: str, now: datetime,
                         limits: Limits) -> None:
    """Count and audit a failed sign-in, in a transaction of its own (the sign-in's rolls back with
    its 401); raise the spray alert when this failure crosses the threshold."""
    username, client = username[:64], client[:64]
    since = now - timedelta(seconds=limits.window_s)
    async with db.write() as uow:
        session = uow.session
        seen = (await session.execute(select(func.count()).select_from(LoginFailure).where(
            LoginFailure.ip == client, LoginFailure.username == username, LoginFailure.at >= since))).scalar_one()
        session.add(LoginFailure(username=username, ip=client, at=now))
        user = (await session.execute(select(User).where(User.username == username))).scalar_one_or_none()
        roots = list((await session.execute(select(Unit.code).where(Unit.parent_code.is_(None)))).scalars())
        # Audit: the account's own unit sees attempts on it; unknown names go to the administrators.
        scope = [user.unit_code] if user is not None else roots
        if scope:
            uow.emit("auth.sign_in_failed", subject=("user", user.id if user else username), scope=scope,
                     data={"username": username, "ip": address, "known": user is not None})
        if seen:
            return  # not a new account for this client: the spray count did not move
        accounts = (await session.execute(
            select(func.count(func.distinct(LoginFailure.username)))
            .where(LoginFailure.ip == client, LoginFailure.at >= since))).scalar_one()
        # Once per window and client: this failure is the one that brings the count to the threshold.
        if accounts == limits.spray_accounts and roots:
            uow.emit("auth.spray_detected", subject=("client", address[:64]), scope=roots,
                     data={"ip": address, "accounts": int(accounts), "window_s": limits.window_s})
