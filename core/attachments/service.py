"""Storing, attaching and serving files. Types are checked by their first bytes, not their names."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.attachments.models import Attachment
from core.auth.principal import Principal
from core.db import UnitOfWork
from core.orm import new_id, utcnow
from core.problems import Problem, invalid, not_found

MAX_BYTES = 20 * 1024 * 1024
MAX_PER_OWNER = 20

# Accepted types: what the first bytes must look like, and the type served back.
_SIGNATURES: list[tuple[bytes, int, str]] = [
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"%PDF-", 0, "application/pdf"),
    (b"PK\x03\x04", 0, "application/zip"),  # also docx / xlsx / pptx
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0, "application/msword"),  # doc / xls (OLE)
]
_OFFICE = {".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
           ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
           ".xls": "application/vnd.ms-excel", ".doc": "application/msword", ".ofd": "application/ofd"}

Visibility = Callable[[AsyncSession, Principal, str], Awaitable[bool]]
_owners: dict[str, Visibility] = {}


def owner_kind(kind: str) -> Callable[[Visibility], Visibility]:
    """Register who may see attachments of a kind of thing (domains call this at import)."""
    def deco(fn: Visibility) -> Visibility:
        _owners[kind] = fn
        return fn
    return deco


def sniff(head: bytes, filename: str) -> str | None:
    """The served content type, or None when the bytes are of no accepted type."""
    ext = os.path.splitext(filename.lower())[1]
    if ext == ".webp" and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if ext in (".heic", ".heif") and head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftyphevc"):
        return "image/heic"
    for magic, offset, ctype in _SIGNATURES:
        if head[offset:offset + len(magic)] == magic:
            if ctype in ("application/zip", "application/msword") and ext in _OFFICE:
                return _OFFICE[ext]
            return ctype
    if ext in (".txt", ".csv"):
        try:
            head.decode("utf-8")
            return "text/plain; charset=utf-8" if ext == ".txt" else "text/csv; charset=utf-8"
        except UnicodeDecodeError:
            return None
    return None


def _safe_name(filename: str) -> str:
    name = os.path.basename(filename.replace("\\", "/")).strip() or "file"
    return "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*')[:200] or "file"


async def store(uow: UnitOfWork, *, by: Principal, uploads: Path, filename: str, data: bytes) -> Attachment:
    if len(data) == 0:
        raise invalid("/file", "the file is empty")
    if len(data) > MAX_BYTES:
        raise Problem(413, f"files are limited to {MAX_BYTES // (1024 * 1024)} MB")
    name = _safe_name(filename)
    ctype = sniff(data[:64], name)
    if ctype is None:
        raise Problem(415, "accepted: photos (JPEG, PNG, GIF, WebP, HEIC), PDF, Word/Excel/PowerPoint, OFD, ZIP, "
                           "plain text", type="/problems/unsupported-media-type")
    att_id = new_id()
    now = utcnow()
    key = f"{now:%Y/%m}/{att_id}"
    path = uploads / key
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    row = Attachment(id=att_id, unit_code=by.unit_code, uploaded_by=by.user_id, filename=name, content_type=ctype,
                     size=len(data), sha256=hashlib.sha256(data).hexdigest(), storage_key=key, created_at=now)
    uow.session.add(row)
    await uow.session.flush()
    # The file is on disk before the row commits; a rolled-back upload leaves an orphan file, never a
    # row without its file.
    uow.emit("attachment.uploaded", subject=("attachment", att_id), scope=[by.unit_code],
             data={"filename": name, "size": len(data), "content_type": ctype})
    return row


async def attach(uow: UnitOfWork, *, by: Principal, ids: list[str], kind: str, owner_id: str,
                 pointer: str = "/attachments") -> list[Attachment]:
    """Bind the caller's unattached uploads to a thing. Each file belongs to one thing."""
    if not ids:
        return []
    if len(ids) > MAX_PER_OWNER:
        raise invalid(pointer, f"at most {MAX_PER_OWNER} attachments")
    rows = {a.id: a for a in (await uow.session.execute(select(Attachment).where(Attachment.id.in_(ids)))).scalars()}
    for i, att_id in enumerate(ids):
        att = rows.get(att_id)
        if att is None or att.uploaded_by != by.user_id:
            raise invalid(f"{pointer}/{i}", f"no upload {att_id} of yours")
        if att.owner_kind is not None:
            raise invalid(f"{pointer}/{i}", f"{att_id} is already attached elsewhere")
        att.owner_kind, att.owner_id = kind, owner_id
    return [rows[i] for i in ids]


async def of_owner(session: AsyncSession, *, kind: str, owner_id: str) -> list[Attachment]:
    stmt = (select(Attachment).where(Attachment.owner_kind == kind, Attachment.owner_id == owner_id)
            .order_by(Attachment.created_at))
    return list((await session.execute(stmt)).scalars())


async def readable(session: AsyncSession, *, by: Principal, attachment_id: str) -> Attachment:
    """The attachment if the caller may see what it is attached to (or uploaded it); else 404."""
    att = await session.get(Attachment, attachment_id)
    if att is None:
        raise not_found("attachment", attachment_id)
    if att.uploaded_by == by.user_id:
        return att
    check = _owners.get(att.owner_kind or "")
    if check is None or not await check(session, by, att.owner_id or ""):
        raise not_found("attachment", attachment_id)
    return att
