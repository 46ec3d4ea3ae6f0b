"""HTTP: upload a file (multipart), fetch one you may see."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.responses import FileResponse

from core.api import Api, Ctx, Reply
from core.attachments import service
from core.db import UnitOfWork
from core.problems import Problem, invalid

api = Api("attachments")

ATTACHMENT: dict[str, Any] = {
    "title": "Attachment", "type": "object", "required": ["id", "filename", "content_type", "size", "url"],
    "properties": {"id": {"type": "string"}, "filename": {"type": "string"}, "content_type": {"type": "string"},
                   "size": {"type": "integer"}, "sha256": {"type": "string"}, "url": {"type": "string"},
                   "owner": {"type": ["object", "null"]}},
}


@api.post("/attachments", summary="Upload a file (multipart/form-data, field `file`); attach it by id later",
          response=ATTACHMENT, status=201, upload=True,
          description=f"At most {service.MAX_BYTES // (1024 * 1024)} MB; photos, PDF, Office documents, OFD, ZIP, "
                      "text. The type is checked from the file's first bytes.")
async def upload(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    file = body.get("file")
    if not isinstance(file, UploadFile):
        raise invalid("/file", "send the file in the multipart field `file`")
    data = await file.read(service.MAX_BYTES + 1)
    if len(data) > service.MAX_BYTES:
        raise Problem(413, f"files are limited to {service.MAX_BYTES // (1024 * 1024)} MB")
    row = await service.store(uow, by=ctx.principal, uploads=ctx.runtime.settings.uploads_dir,
                              filename=file.filename or "file", data=data)
    return Reply(201, row.as_doc())


@api.get("/attachments/{id}", summary="Download an attachment (only if you may see what it belongs to)")
async def download(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        att = await service.readable(session, by=ctx.principal, attachment_id=ctx.path["id"])
    path = ctx.runtime.settings.uploads_dir / att.storage_key
    if not path.is_file():
        raise Problem(410, "the file is no longer stored")
    return Reply(200, FileResponse(path, media_type=att.content_type, filename=att.filename,
                                   headers={"X-Content-Type-Options": "nosniff",
                                            "Content-Security-Policy": "sandbox", "Cache-Control": "private"}))
