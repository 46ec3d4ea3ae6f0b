"""The `yingji` command line: `init --demo` (idempotent, the contract's demo jurisdiction and users)
and `token create` (the token alone on the last line, usable as a Bearer token)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from core.auth import passwords
from core.auth.models import ApiToken, User
from core.db import Database
from core.demo import COUNTIES, DEMO_PASSWORD
from core.journal import service as journal
from core.units.models import Facility, Unit
from tests import services
from tests.support import LiveServer, bearer, make_settings
from web.cli import main

# The contract's county-level units of 赣州市: the 18 GB/T 2260 codes and 赣州经开区.
CONTRACT_COUNTIES = {"360702", "360703", "360704", "360722", "360723", "360724", "360725", "360726", "360728",
                     "360729", "360730", "360731", "360732", "360733", "360734", "360735", "360781", "360783",
                     "360771"}


def cli(monkeypatch: pytest.MonkeyPatch, data_dir: Path, database_url: str | None, *args: str) -> None:
    monkeypatch.setenv("YINGJI_DATA_DIR", str(data_dir))
    if database_url is None:
        monkeypatch.delenv("YINGJI_DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("YINGJI_DATABASE_URL", database_url)
    monkeypatch.setenv("YINGJI_SECRET_KEY", "test-secret-key")
    main(list(args))


@pytest.fixture(params=["sqlite", "postgres"])
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str | None]:
    """An empty database: None for the default (SQLite in the data dir), or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield None
        return
    services.need_postgres()
    name = services.new_pg_name("yj_cli")
    asyncio.run(services.pg_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield services.pg_url(name)
    finally:
        asyncio.run(services.pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def demo_counts(out: str) -> dict[str, int]:
    """{"units": 67, "users": 42, …} from the line `init --demo` prints about what it created."""
    line = next((ln for ln in out.splitlines() if ln.startswith("demo data")), None)
    assert line is not None, out
    return {what: int(n) for n, what in re.findall(r"(\d+) ([a-z_]+)", line)}


async def _state(url: str) -> dict[str, object]:
    db = Database(url)
    try:
        async with db.read() as s:
            units = {u.code: u for u in (await s.execute(select(Unit))).scalars()}
            users = {u.username: u for u in (await s.execute(select(User))).scalars()}
            return {
                "units": units, "users": users,
                "facilities": (await s.execute(select(func.count()).select_from(Facility))).scalar_one(),
                "head": await journal.head(s),
            }
    finally:
        await db.dispose()


def test_init_demo_twice(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, empty_db: str | None,
                         capsys: pytest.CaptureFixture[str]) -> None:
    data_dir = tmp_path / "data"
    url = empty_db or f"sqlite+aiosqlite:///{data_dir / 'yingji.db'}"

    cli(monkeypatch, data_dir, empty_db, "init", "--demo")
    created = demo_counts(capsys.readouterr().out)
    assert created["units"] > 0 and created["users"] > 0, created
    if empty_db is None:
        assert (data_dir / "yingji.db").exists()
    first = asyncio.run(_state(url))

    cli(monkeypatch, data_dir, empty_db, "init", "--demo")
    created = demo_counts(capsys.readouterr().out)
    assert created and set(created.values()) == {0}, created
    second = asyncio.run(_state(url))
    assert set(second["units"]) == set(first["units"])  # type: ignore[call-overload]
    assert set(second["users"]) == set(first["users"])  # type: ignore[call-overload]
    assert second["facilities"] == first["facilities"]
    assert second["head"] == first["head"], "a second init wrote to the journal"

    units: dict[str, Unit] = second["units"]  # type: ignore[assignment]
    users: dict[str, User] = second["users"]  # type: ignore[assignment]
    city = units["360700"]
    assert city.name == "赣州市" and city.parent_code is None and city.kind == "city"
    counties = {c: u for c, u in units.items() if u.kind == "county"}
    assert set(counties) == CONTRACT_COUNTIES == {c[0] for c in COUNTIES}
    assert len(counties) == 19
    assert all(u.parent_code == "360700" and u.path == f"/360700/{u.code}/" for u in counties.values())
    assert counties["360702"].name == "章贡区" and counties["360783"].name == "龙南市"
    assert counties["360771"].name == "赣州经开区"
    # Each county has rescue teams under it, and a duty room, a warehouse and shelters.
    for code in CONTRACT_COUNTIES:
        assert any(u.parent_code == code and u.kind == "team" for u in units.values()), code

    expected = {"admin": ("360700", "admin"), "commander.360700": ("360700", "commander"),
                "duty.360700": ("360700", "duty_officer"), "lead.360700": ("360700", "duty_leader")}
    for code in CONTRACT_COUNTIES:
        expected[f"duty.{code}"] = (code, "duty_officer")
        expected[f"lead.{code}"] = (code, "duty_leader")
    assert set(expected) <= set(users)
    for username, (unit, role) in expected.items():
        user = users[username]
        assert user.unit_code == unit and role in user.roles and user.active, username
    assert passwords.verify_password(users["duty.360702"].password_hash, DEMO_PASSWORD)
    assert not passwords.verify_password(users["duty.360702"].password_hash, "wrong")


def test_init_without_demo_creates_an_empty_database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    cli(monkeypatch, data_dir, None, "init")
    state = asyncio.run(_state(f"sqlite+aiosqlite:///{data_dir / 'yingji.db'}"))
    assert state["units"] == {} and state["users"] == {} and state["head"] == 0


def test_token_create(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sqlite_url: str,
                      capsys: pytest.CaptureFixture[str]) -> None:
    cli(monkeypatch, tmp_path / "data", sqlite_url, "token", "create", "--user", "duty.360702", "--label", "cli")
    lines = capsys.readouterr().out.rstrip("\n").split("\n")
    token = lines[-1]
    assert re.fullmatch(r"yj_[0-9a-f]{16}_[A-Za-z0-9_-]{20,}", token), lines

    # A second token differs; both are stored hashed, never in plain.
    cli(monkeypatch, tmp_path / "data", sqlite_url, "token", "create", "--user", "duty.360702")
    other = capsys.readouterr().out.rstrip("\n").split("\n")[-1]
    assert other != token and other.startswith("yj_")

    async def check() -> None:
        db = Database(sqlite_url)
        try:
            async with db.read() as s:
                stored = list((await s.execute(select(ApiToken.secret_sha256, ApiToken.label))).all())
        finally:
            await db.dispose()
        assert all(token.split("_", 2)[2] not in digest for digest, _ in stored)
        assert "cli" in {label for _, label in stored}

        server = LiveServer(make_settings(tmp_path / "srv", sqlite_url))
        await server.start()
        try:
            async with httpx.AsyncClient(base_url=server.url, timeout=20) as client:
                for t in (token, other):
                    me = await client.get("/api/v1/me", headers=bearer(t))
                    assert me.status_code == 200, me.text
                    assert me.json()["username"] == "duty.360702"
                bad = token[:-2] + ("xx" if not token.endswith("xx") else "yy")
                assert (await client.get("/api/v1/me", headers=bearer(bad))).status_code == 401
        finally:
            await server.stop()

    asyncio.run(check())


def test_token_create_for_unknown_user_fails(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                             sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli(monkeypatch, tmp_path / "data", sqlite_url, "token", "create", "--user", "nobody.here")
    assert exc.value.code not in (0, None)
    assert "yj_" not in capsys.readouterr().out
