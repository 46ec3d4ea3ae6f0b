"""Attachments: type checked by content, size limited, stored outside the web root, served only to
those who may see what they are attached to."""

from __future__ import annotations

import httpx

from core.attachments import service
from tests.support import LiveServer, bearer, token_for

PDF = b"%PDF-1.4\n% Yingji test\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


async def test_upload_attach_and_access(live_server: LiveServer, sqlite_url: str) -> None:
    city = await token_for(sqlite_url, "lead.360700")
    county = await token_for(sqlite_url, "duty.360702")
    other = await token_for(sqlite_url, "duty.360703")
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        up = await client.post("/api/v1/attachments", headers=bearer(city),
                               files={"file": ("通知附件.pdf", PDF, "application/octet-stream")})
        assert up.status_code == 201, up.text
        doc = up.json()
        assert doc["content_type"] == "application/pdf" and doc["size"] == len(PDF) and doc["owner"] is None
        # Stored under the data dir, not under the static folder.
        stored = list((live_server.settings.uploads_dir).rglob(doc["id"]))
        assert len(stored) == 1 and stored[0].read_bytes() == PDF

        # Before it is attached only the uploader may fetch it.
        assert (await client.get(doc["url"], headers=bearer(county))).status_code == 404
        notice = await client.post("/api/v1/notices", headers=bearer(city), json={
            "title": "附件测试", "body": "见附件", "units": ["360702"], "attachments": [doc["id"]]})
        assert notice.status_code == 201, notice.text
        assert [a["id"] for a in notice.json()["attachments"]] == [doc["id"]]

        got = await client.get(doc["url"], headers=bearer(county))
        assert got.status_code == 200 and got.content == PDF
        assert got.headers["content-type"] == "application/pdf"
        assert got.headers["x-content-type-options"] == "nosniff"
        assert "attachment" in got.headers["content-disposition"]
        # A county the notice was not sent to cannot read it.
        assert (await client.get(doc["url"], headers=bearer(other))).status_code == 404

        # A file attaches to one thing only, and only by its uploader.
        again = await client.post("/api/v1/notices", headers=bearer(city), json={
            "title": "再用", "body": "x", "units": ["360702"], "attachments": [doc["id"]]})
        assert again.status_code == 422 and again.json()["errors"][0]["pointer"] == "/attachments/0"
        mine = (await client.post("/api/v1/attachments", headers=bearer(county),
                                  files={"file": ("photo.png", PNG, "image/png")})).json()
        theirs = await client.post("/api/v1/notices", headers=bearer(city), json={
            "title": "他人附件", "body": "x", "units": ["360702"], "attachments": [mine["id"]]})
        assert theirs.status_code == 422


async def test_refused_uploads_store_nothing(live_server: LiveServer, sqlite_url: str) -> None:
    token = await token_for(sqlite_url, "duty.360702")
    uploads = live_server.settings.uploads_dir
    before = sorted(uploads.rglob("*")) if uploads.exists() else []
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        # A program renamed to .pdf is refused by its bytes.
        fake = await client.post("/api/v1/attachments", headers=bearer(token),
                                 files={"file": ("report.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")})
        assert fake.status_code == 415 and fake.headers["content-type"] == "application/problem+json"
        empty = await client.post("/api/v1/attachments", headers=bearer(token),
                                  files={"file": ("a.txt", b"", "text/plain")})
        assert empty.status_code == 422
        big = await client.post("/api/v1/attachments", headers=bearer(token),
                                files={"file": ("big.pdf", b"%PDF-" + b"0" * service.MAX_BYTES, "application/pdf")})
        assert big.status_code == 413
        json_body = await client.post("/api/v1/attachments", headers=bearer(token), json={"file": "x"})
        assert json_body.status_code == 415
        anonymous = await client.post("/api/v1/attachments", files={"file": ("a.pdf", PDF, "application/pdf")})
        assert anonymous.status_code == 401
    after = sorted(uploads.rglob("*")) if uploads.exists() else []
    assert after == before
