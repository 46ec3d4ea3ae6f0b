"""`yingji backup FILE` / `yingji restore FILE`: a restore brings back exactly what the backup saw
(rows written later are gone, rows changed later are as they were, uploads too), across backends."""

from __future__ import annotations

import asyncio
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import select, update

from core.auth import service as auth
from core.db import Database
from core.journal import service as journal
from core.units import service as units
from core.units.models import Unit
from tests.support import table_dump
from web.cli import main


def cli(monkeypatch: pytest.MonkeyPatch, data_dir: Path, database_url: str, *args: str) -> None:
    monkeypatch.setenv("YINGJI_DATA_DIR", str(data_dir))
    monkeypatch.setenv("YINGJI_DATABASE_URL", database_url)
    monkeypatch.setenv("YINGJI_SECRET_KEY", "test-secret-key")
    main(list(args))


async def _write(database_url: str, code: str, *, phone: str | None = None) -> None:
    """Some of every kind of row: a unit (journal event), a user, a token, a failed sign-in."""
    db = Database(database_url)
    try:
        async with db.write() as uow:
            await units.create_unit(uow, by=None, code=code, name=f"备份测试 {code}", kind="team", parent="360702")
            user = await auth.create_user(uow, by=None, username=f"u.{code.lower()}", name="备份", unit=code,
                                          roles=["viewer"], password="Beifen-2026!")
            await auth.create_token(uow, user=user, label=f"backup {code}")
            if phone is not None:
                await uow.session.execute(update(Unit).where(Unit.code == "360702").values(phone=phone))
        await auth.record_login_failure(db, username=f"u.{code.lower()}", ip="127.0.0.1")
    finally:
        await db.dispose()


async def _codes(database_url: str) -> set[str]:
    db = Database(database_url)
    try:
        async with db.read() as session:
            return set((await session.execute(select(Unit.code))).scalars())
    finally:
        await db.dispose()


async def _journal(database_url: str) -> list[tuple[int, str]]:
    db = Database(database_url)
    try:
        async with db.read() as session:
            return await journal.read_after(session, since=0, limit=10**6)
    finally:
        await db.dispose()


def test_backup_then_restore(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, db_url: str,
                             capsys: pytest.CaptureFixture[str]) -> None:
    data_dir = tmp_path / "data"
    uploads = data_dir / "uploads"
    uploads.mkdir(parents=True)
    (uploads / "report.txt").write_text("v1")
    asyncio.run(_write(db_url, "360702-BK1"))
    before = asyncio.run(table_dump(db_url))
    assert before["login_failures"] and before["api_tokens"]

    file = tmp_path / "yingji-backup.tar.gz"
    cli(monkeypatch, data_dir, db_url, "backup", str(file))
    assert file.exists() and not file.with_suffix(".gz.partial").exists()
    with tarfile.open(file) as tar:
        assert {"header.json", "data.jsonl", "uploads/report.txt"} <= set(tar.getnames())
    assert "backed up" in capsys.readouterr().out

    # After the backup: new rows of every kind, a changed row, a changed upload.
    asyncio.run(_write(db_url, "360702-BK2", phone="0797-0000000"))
    (uploads / "report.txt").write_text("v2")
    changed = asyncio.run(table_dump(db_url))
    assert changed != before and "360702-BK2" in asyncio.run(_codes(db_url))

    cli(monkeypatch, data_dir, db_url, "restore", str(file))
    assert "restored" in capsys.readouterr().out
    assert asyncio.run(table_dump(db_url)) == before
    codes = asyncio.run(_codes(db_url))
    assert "360702-BK1" in codes and "360702-BK2" not in codes
    assert (uploads / "report.txt").read_text() == "v1"

    # The restored database takes writes again, and the journal goes on from the restored head.
    head = max(seq for seq, _ in asyncio.run(_journal(db_url)))
    asyncio.run(_write(db_url, "360702-BK3"))
    seqs = [seq for seq, _ in asyncio.run(_journal(db_url))]
    assert seqs == sorted(seqs) and seqs[-1] > head and len(set(seqs)) == len(seqs)


def test_restore_of_a_bad_file_changes_nothing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                               sqlite_url: str) -> None:
    before = asyncio.run(table_dump(sqlite_url))
    bogus = tmp_path / "not-a-backup.tar.gz"
    bogus.write_bytes(b"this is not a tar file")
    with pytest.raises(Exception):  # noqa: B017 - any error will do, as long as nothing was deleted
        cli(monkeypatch, tmp_path / "data", sqlite_url, "restore", str(bogus))
    assert asyncio.run(table_dump(sqlite_url)) == before


def test_sqlite_backup_restores_into_postgres(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sqlite_url: str,
                                              pg_url: str) -> None:
    asyncio.run(_write(sqlite_url, "360702-BK1"))
    asyncio.run(_write(sqlite_url, "360702-BK2"))
    file = tmp_path / "from-sqlite.tar.gz"
    cli(monkeypatch, tmp_path / "sqlite-data", sqlite_url, "backup", str(file))
    # Something in the target that the backup does not have: gone after the restore.
    asyncio.run(_write(pg_url, "360702-PG1"))

    cli(monkeypatch, tmp_path / "pg-data", pg_url, "restore", str(file))

    source, target = asyncio.run(_journal(sqlite_url)), asyncio.run(_journal(pg_url))
    assert [s for s, _ in target] == [s for s, _ in source]
    assert target == source  # the event documents, byte for byte
    assert asyncio.run(table_dump(pg_url)) == asyncio.run(table_dump(sqlite_url))
    assert "360702-PG1" not in asyncio.run(_codes(pg_url))

    # PostgreSQL goes on from the restored rows: new seqs, new generated ids (no key collisions).
    asyncio.run(_write(pg_url, "360702-PG2"))
    seqs = [s for s, _ in asyncio.run(_journal(pg_url))]
    assert seqs[-1] > source[-1][0] and len(set(seqs)) == len(seqs)
