"""A consistent copy of all data, and back: one snapshot read, written as a tar.gz of JSON lines
(every table, in dependency order) plus the uploads folder. The format does not depend on the
database, so a backup taken on SQLite restores into PostgreSQL and the other way round."""

from __future__ import annotations

import base64
import io
import tarfile
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Date, DateTime, LargeBinary, Table, delete, insert, select, text

from core.db import Database
from core.orm import Base, UTCDateTime

FORMAT = "yingji-backup/1"


def _tables() -> list[Table]:
    return list(Base.metadata.sorted_tables)


def _encode(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for col in table.columns:
        value = row[col.name]
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, bytes):
            value = base64.b64encode(value).decode()
        out[col.name] = value
    return out


def _decode(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for col in table.columns:
        if col.name not in row:
            continue
        value = row[col.name]
        if value is not None and isinstance(col.type, (DateTime, UTCDateTime)):
            value = datetime.fromisoformat(value)
        elif value is not None and isinstance(col.type, Date):
            value = date.fromisoformat(value)
        elif value is not None and isinstance(col.type, LargeBinary):
            value = base64.b64decode(value)
        out[col.name] = value
    return out


async def backup(db: Database, dest: Path, uploads: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    buf = io.BytesIO()
    async with db.read() as session:
        if db.dialect == "postgresql":
            await session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
        for table in _tables():
            result = await session.stream(select(table))
            n = 0
            async for row in result.mappings():
                buf.write(orjson.dumps({"t": table.name, "r": _encode(table, dict(row))}) + b"\n")
                n += 1
            counts[str(table.name)] = n  # a quoted_name: orjson takes only exact str keys
    header = orjson.dumps({"format": FORMAT, "created": time.time(), "counts": counts,
                           "tables": [t.name for t in _tables()]})
    tmp = dest.with_suffix(dest.suffix + ".partial")
    with tarfile.open(tmp, "w:gz") as tar:
        for name, data in (("header.json", header), ("data.jsonl", buf.getvalue())):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = int(time.time())
            tar.addfile(info, io.BytesIO(data))
        if uploads.is_dir():  # noqa: ASYNC240 (a stat, at most once)
            tar.add(uploads, arcname="uploads")
    tmp.replace(dest)  # a half-written backup never carries the final name
    return counts


async def restore(db: Database, src: Path, uploads: Path) -> dict[str, int]:
    """Replace every row with the backup's, in one transaction; then the uploads."""
    with tarfile.open(src, "r:gz") as tar:
        header_file = tar.extractfile("header.json")
        data_file = tar.extractfile("data.jsonl")
        if header_file is None or data_file is None:
            raise ValueError("not a Yingji backup")
        header = orjson.loads(header_file.read())
        if header.get("format") != FORMAT:
            raise ValueError(f"unknown backup format {header.get('format')}")
        rows: dict[str, list[dict[str, Any]]] = {}
        for line in data_file.read().splitlines():
            item = orjson.loads(line)
            rows.setdefault(item["t"], []).append(item["r"])
        tables = _tables()
        known = {t.name for t in tables}
        unknown = set(rows) - known
        if unknown:
            raise ValueError(f"backup has tables this version does not know: {sorted(unknown)}")
        async with db.write() as uow:
            for table in reversed(tables):
                await uow.session.execute(delete(table))
            for table in tables:
                batch = [_decode(table, r) for r in rows.get(table.name, [])]
                for i in range(0, len(batch), 500):
                    await uow.session.execute(insert(table), batch[i:i + 500])
            if db.dialect == "postgresql":
                # Rows came with their ids: move each id sequence past them, or the next insert collides.
                for table in tables:
                    col = table.autoincrement_column
                    if col is not None:
                        await uow.session.execute(text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', '{col.name}'), "
                            f"COALESCE((SELECT MAX({col.name}) FROM {table.name}), 0) + 1, false)"))
        members = [m for m in tar.getmembers() if m.name.startswith("uploads/") and m.isfile()]
        for m in members:
            target = (uploads / Path(m.name).relative_to("uploads")).resolve()
            if uploads.resolve() not in target.parents:  # noqa: ASYNC240
                raise ValueError(f"unsafe path in backup: {m.name}")
            target.parent.mkdir(parents=True, exist_ok=True)
            extracted = tar.extractfile(m)
            if extracted is not None:
                target.write_bytes(extracted.read())
    return {name: len(r) for name, r in rows.items()}
