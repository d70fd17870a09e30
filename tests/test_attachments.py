"""Safe downloads of posted files, against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from bot.attachments import fetch_attachment, is_trusted_url, not_an_image_problem, trusted_hosts
from tests.conftest import data_path

PHOTO = data_path("photos", "interfaces_001_woman_lakeside.jpg").read_bytes()
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


def test_a_file_is_refused_as_not_an_image_only_when_the_platform_says_so() -> None:
    assert not_an_image_problem("cv.pdf", "application/pdf") == (
        "it isn’t an image (application/pdf). Send a photo: JPEG, PNG, WebP or HEIC"
    )
    assert "text/plain" in (not_an_image_problem("notes.txt", None) or "")
    assert not_an_image_problem("me.jpg", "image/jpeg; charset=binary") is None
    assert not_an_image_problem("IMG_0001.HEIC", "application/octet-stream") is None  # the name says photo
    assert not_an_image_problem("photo", None, extension="png") is None  # Slack's filetype
    assert not_an_image_problem("photo", None) is None  # nothing known: the photo loader decides


def test_trusted_hosts_are_the_platforms_plus_the_configured_api_host() -> None:
    assert trusted_hosts(("files.slack.com",), "https://slack.example.com/api/") == (
        "files.slack.com",
        "slack.example.com",
    )
    loopback_api = "http://127.0.0.1:8123/api/v10"
    assert "localhost" not in trusted_hosts(("files.slack.com",), loopback_api)  # a token goes there
    assert "localhost" in trusted_hosts(("cdn.discordapp.com",), loopback_api, any_loopback_name=True)
    assert trusted_hosts(("cdn.discordapp.com",), None) == ("cdn.discordapp.com",)
