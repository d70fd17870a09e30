"""Safe downloads of posted files, against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from bot.attachments import fetch_attachment, is_trusted_url
from tests.conftest import shared_path

PHOTO = shared_path("photos", "interfaces_001_woman_lakeside.jpg").read_bytes()
TOKEN = "xoxb-secret-token"


@pytest.fixture
async def file_host() -> AsyncIterator[tuple[str, list[dict[str, str]]]]:
    seen: list[dict[str, str]] = []

    async def private(request: web.Request) -> web.Response:
        seen.append(dict(request.headers))
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return web.Response(text="<!DOCTYPE html><html>Sign in to Slack</html>", content_type="text/html")
        return web.Response(body=PHOTO, content_type="image/jpeg")

    async def gone(request: web.Request) -> web.Response:
        return web.Response(status=404)

    async def away(request: web.Request) -> web.Response:
        raise web.HTTPFound("https://evil.example.com/steal")

    app = web.Application()
    app.router.add_get("/files-pri/photo.jpg", private)
    app.router.add_get("/files-pri/gone.jpg", gone)
    app.router.add_get("/files-pri/away.jpg", away)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}", seen
    await runner.cleanup()


async def test_downloads_with_the_token_from_a_trusted_host(
    file_host: tuple[str, list[dict[str, str]]],
) -> None:
    base, seen = file_host
    got = await fetch_attachment(
        f"{base}/files-pri/photo.jpg",
        filename="photo.jpg",
        allowed_hosts=["127.0.0.1"],
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert got.problem is None
    assert got.data == PHOTO
    assert seen[0]["Authorization"] == f"Bearer {TOKEN}"


async def test_login_page_instead_of_the_file_is_explained(
    file_host: tuple[str, list[dict[str, str]]],
) -> None:
    base, _ = file_host
    got = await fetch_attachment(
        f"{base}/files-pri/photo.jpg", filename="photo.jpg", allowed_hosts=["127.0.0.1"]
    )
    assert got.data is None
    assert got.problem is not None and "login page" in got.problem


async def test_untrusted_host_is_never_contacted(file_host: tuple[str, list[dict[str, str]]]) -> None:
    base, seen = file_host
    got = await fetch_attachment(
        f"{base}/files-pri/photo.jpg",
        filename="photo.jpg",
        allowed_hosts=["files.slack.com"],
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert got.problem is not None and "safely download" in got.problem
    assert seen == []


async def test_redirect_off_the_trusted_hosts_is_not_followed(
    file_host: tuple[str, list[dict[str, str]]],
) -> None:
    base, _ = file_host
    got = await fetch_attachment(
        f"{base}/files-pri/away.jpg",
        filename="away.jpg",
        allowed_hosts=["127.0.0.1"],
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert got.problem is not None and "redirected" in got.problem


async def test_deleted_file_and_size_cap(file_host: tuple[str, list[dict[str, str]]]) -> None:
    base, _ = file_host
    gone = await fetch_attachment(
        f"{base}/files-pri/gone.jpg", filename="gone.jpg", allowed_hosts=["127.0.0.1"]
    )
    assert gone.problem is not None and "deleted" in gone.problem
    big = await fetch_attachment(
        f"{base}/files-pri/photo.jpg",
        filename="photo.jpg",
        allowed_hosts=["127.0.0.1"],
        headers={"Authorization": f"Bearer {TOKEN}"},
        max_bytes=1000,
    )
    assert big.problem is not None and "the most I accept" in big.problem
    declared = await fetch_attachment(
        "https://files.slack.com/x.jpg",
        filename="x.jpg",
        allowed_hosts=["files.slack.com"],
        declared_size=10**9,
    )
    assert declared.problem is not None and "MB" in declared.problem


def test_trusted_url_rules() -> None:
    assert is_trusted_url("https://files.slack.com/files-pri/T1-F1/a.jpg", ["files.slack.com"])
    assert not is_trusted_url("http://files.slack.com/a.jpg", ["files.slack.com"])  # no token over plain http
    assert is_trusted_url("https://cdn.discordapp.com/attachments/1/2/a.png", [".discordapp.com"])
    assert not is_trusted_url("https://discordapp.com.evil.io/a.png", [".discordapp.com"])
    assert not is_trusted_url("file:///etc/passwd", ["files.slack.com"])
