"""`yingji`: init, serve, demo, token, backup, restore (CONTRACT.md), plus set-up helpers."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import importlib
import logging
import os
import sys
from pathlib import Path

from command.categories import grading
from command.reports import service as reports
from core import backup as backup_mod
from core import migrate
from core.auth import service as auth
from core.db import Database
from core.demo import DEMO_PASSWORD, demo_users
from core.settings import Settings, load_settings
from web.demo import load_demo

# Every module that defines tables: imported so the metadata is complete (backup, migrations).
MODEL_MODULES = (
    "core.api.idempotency", "core.attachments.models", "core.auth.models", "core.journal.models", "core.migrate",
    "core.timers.models", "core.units.models",
    "duty.board.models", "duty.handover.models", "duty.log.models", "duty.notices.models", "duty.reports.models",
    "duty.rollcall.models", "duty.rosters.models", "duty.rules.models",
    "command.categories.models", "command.intake.models", "command.incidents.models", "command.reports.models",
    "command.tasks.models", "command.consultations.models", "command.resources.models",
    "command.warnings.models",
    "plans_registry.models",
)


def _models() -> None:
    for name in MODEL_MODULES:
        importlib.import_module(name)


def cmd_init(settings: Settings, demo: bool) -> None:
    if demo:
        from plans_registry.demo import documents

        try:  # before touching the database: a broken install must not leave half a demo
            documents()
        except FileNotFoundError as exc:
            raise SystemExit(f"yingji init --demo: {exc}") from None
    migrate.upgrade(settings.database_url)

    async def run() -> None:
        db = Database(settings.database_url)
        try:
            async with db.write() as uow:
                await migrate.installation_id(uow.session)
            if demo:
                created = await load_demo(db)
                print("demo data created: " + ", ".join(f"{n} {what}" for what, n in created.items()))
        finally:
            await db.dispose()

    asyncio.run(run())
    print(f"database ready: {_safe_url(settings.database_url)}")


def _safe_url(url: str) -> str:
    if "@" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def print_demo_signins() -> None:
    users = demo_users()
    print(f"\n演示账号 Demo sign-ins (password for all: {DEMO_PASSWORD})")
    print("  admin               系统管理员 (city, all rights)")
    print("  commander.360700    指挥长 commander, 赣州市")
    print("  duty.360700 / lead.360700   市值班员 / 市带班领导")
    print("  duty.C / lead.C     for every county-level code C, e.g. duty.360702 (章贡区)")
    print(f"  ({len(users)} sign-ins above; every duty unit also has its rotation staff, e.g. duty2.360702,"
          " chief.360702, lead2.360702 — same password)\n")


def cmd_serve(settings: Settings, host: str, port: int, workers: int) -> None:
    import uvicorn

    if workers > 1 and not settings.redis_url:
        sys.exit("--workers > 1 needs YINGJI_REDIS_URL: workers share live events through Redis")
    if workers > 1 and settings.is_sqlite:
        print("note: several workers on SQLite share one file; PostgreSQL is the production choice",
              file=sys.stderr)
    # Workers read the same environment; make the data dir explicit so they agree on it.
    os.environ["YINGJI_DATA_DIR"] = str(settings.data_dir)
    print(f"Yingji serving on http://{host}:{port} ({workers} worker{'s' if workers > 1 else ''})")
    from web.live import UVICORN_WS

    uvicorn.run("web.app:create_app", factory=True, host=host, port=port, workers=workers,
                ws=UVICORN_WS, ws_per_message_deflate=False, log_level=os.environ.get("YINGJI_LOG_LEVEL", "info"),
                proxy_headers=True, forwarded_allow_ips=os.environ.get("YINGJI_TRUSTED_PROXIES", "127.0.0.1"))


def cmd_token(settings: Settings, username: str, label: str) -> None:
    async def run() -> str:
        db = Database(settings.database_url)
        try:
            async with db.write() as uow:
                user = await auth.find_user(uow.session, username)
                if user is None:
                    raise SystemExit(f"no user named {username}")
                _row, token = await auth.create_token(uow, user=user, label=label)
                return token
        finally:
            await db.dispose()

    token = asyncio.run(run())
    print(f"token for {username} ({label or 'no label'}); shown once:")
    print(token)


def cmd_bootstrap(settings: Settings, code: str, name: str, admin: str) -> None:
    """First set-up of a real deployment: the root jurisdiction and one administrator."""
    from core.units import service as units

    password = os.environ.get("YINGJI_ADMIN_PASSWORD") or getpass.getpass(f"password for {admin}: ")
    migrate.upgrade(settings.database_url)

    async def run() -> None:
        db = Database(settings.database_url)
        try:
            async with db.write() as uow:
                await migrate.installation_id(uow.session)
                await units.create_unit(uow, by=None, code=code, name=name, kind="city" if code.endswith("00")
                                        else "county", parent=None, tz=settings.default_tz)
                await auth.create_user(uow, by=None, username=admin, name=admin, unit=code, roles=["admin"],
                                       password=password)
                await grading.seed_rules(uow, unit=code)
                await reports.seed_rules(uow, unit=code)
        finally:
            await db.dispose()

    asyncio.run(run())
    print(f"created {name} ({code}) and administrator {admin}")


def cmd_backup(settings: Settings, path: Path, restore: bool) -> None:
    _models()

    async def run() -> dict[str, int]:
        db = Database(settings.database_url)
        try:
            if restore:
                return await backup_mod.restore(db, path, settings.uploads_dir)
            return await backup_mod.backup(db, path, settings.uploads_dir)
        finally:
            await db.dispose()

    if restore:
        migrate.upgrade(settings.database_url)
    counts = asyncio.run(run())
    total = sum(counts.values())
    print(f"{'restored' if restore else 'backed up'} {total} rows in {len(counts)} tables "
          f"{'from' if restore else 'to'} {path}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="yingji", description="Yingji 应急 — incident command and duty watch")
    sub = parser.add_subparsers(dest="cmd", required=True)
    p_init = sub.add_parser("init", help="create or migrate the database")
    p_init.add_argument("--demo", action="store_true", help="load the demo jurisdiction (idempotent)")
    for name in ("serve", "demo"):
        p = sub.add_parser(name, help="serve" if name == "serve" else "init --demo, then serve")
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=8000)
        p.add_argument("--workers", type=int, default=1)
    p_tok = sub.add_parser("token", help="API tokens")
    tok_sub = p_tok.add_subparsers(dest="tok_cmd", required=True)
    p_tc = tok_sub.add_parser("create", help="print a new API token for a user")
    p_tc.add_argument("--user", required=True)
    p_tc.add_argument("--label", default="")
    p_b = sub.add_parser("backup", help="a consistent copy of all data")
    p_b.add_argument("file", type=Path)
    p_r = sub.add_parser("restore", help="replace all data with a backup's")
    p_r.add_argument("file", type=Path)
    p_boot = sub.add_parser("bootstrap", help="first set-up: root jurisdiction and an administrator")
    p_boot.add_argument("--code", required=True)
    p_boot.add_argument("--name", required=True)
    p_boot.add_argument("--admin", default="admin")
    p_db = sub.add_parser("db", help="developer tools")
    db_sub = p_db.add_subparsers(dest="db_cmd", required=True)
    p_rev = db_sub.add_parser("revision", help="autogenerate a migration from the models")
    p_rev.add_argument("-m", "--message", required=True)

    args = parser.parse_args(argv)
    logging.basicConfig(level=os.environ.get("YINGJI_LOG_LEVEL", "INFO").upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_settings()
    if args.cmd == "init":
        cmd_init(settings, args.demo)
    elif args.cmd == "serve":
        cmd_serve(settings, args.host, args.port, args.workers)
    elif args.cmd == "demo":
        cmd_init(settings, demo=True)
        print_demo_signins()
        cmd_serve(settings, args.host, args.port, args.workers)
    elif args.cmd == "token":
        cmd_token(settings, args.user, args.label)
    elif args.cmd == "backup":
        cmd_backup(settings, args.file, restore=False)
    elif args.cmd == "restore":
        cmd_backup(settings, args.file, restore=True)
    elif args.cmd == "bootstrap":
        cmd_bootstrap(settings, args.code, args.name, args.admin)
    elif args.cmd == "db" and args.db_cmd == "revision":
        _models()
        migrate.revision(settings.database_url, args.message)


if __name__ == "__main__":
    main()
