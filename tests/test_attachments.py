"""Safe downloads of posted files, against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from bot.attachments import (
    Origin,
    fetch_attachment,
    is_trusted_url,
    not_an_image_problem,
    trusted_origins,
)
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

    async def elsewhere_on_this_host(request: web.Request) -> web.Response:
        raise web.HTTPFound(f"http://127.0.0.1:{request.query['port']}/files-pri/photo.jpg")

    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPFound("/files-pri/photo.jpg")

    app = web.Application()
    app.router.add_get("/files-pri/photo.jpg", private)
    app.router.add_get("/files-pri/gone.jpg", gone)
    app.router.add_get("/files-pri/away.jpg", away)
    app.router.add_get("/files-pri/elsewhere.jpg", elsewhere_on_this_host)
    app.router.add_get("/files-pri/moved.jpg", moved)
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
        allowed=trusted_origins((), base),
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
        f"{base}/files-pri/photo.jpg", filename="photo.jpg", allowed=trusted_origins((), base)
    )
    assert got.data is None
    assert got.problem is not None and "login page" in got.problem


async def test_untrusted_host_is_never_contacted(file_host: tuple[str, list[dict[str, str]]]) -> None:
    base, seen = file_host
    got = await fetch_attachment(
        f"{base}/files-pri/photo.jpg",
        filename="photo.jpg",
        allowed=trusted_origins(("files.slack.com",), None),
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
        allowed=trusted_origins((), base),
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert got.problem is not None and "redirected" in got.problem


async def test_deleted_file_and_size_cap(file_host: tuple[str, list[dict[str, str]]]) -> None:
    base, _ = file_host
    gone = await fetch_attachment(
        f"{base}/files-pri/gone.jpg", filename="gone.jpg", allowed=trusted_origins((), base)
    )
    assert gone.problem is not None and "deleted" in gone.problem
    big = await fetch_attachment(
        f"{base}/files-pri/photo.jpg",
        filename="photo.jpg",
        allowed=trusted_origins((), base),
        headers={"Authorization": f"Bearer {TOKEN}"},
        max_bytes=1000,
    )
    assert big.problem is not None and "the most I accept" in big.problem
    declared = await fetch_attachment(
        "https://files.slack.com/x.jpg",
        filename="x.jpg",
        allowed=trusted_origins(("files.slack.com",), None),
        declared_size=10**9,
    )
    assert declared.problem is not None and "MB" in declared.problem


def test_trusted_url_rules() -> None:
    slack = trusted_origins(("files.slack.com",), None)
    assert is_trusted_url("https://files.slack.com/files-pri/T1-F1/a.jpg", slack)
    assert is_trusted_url("https://files.slack.com:443/files-pri/T1-F1/a.jpg", slack)
    assert not is_trusted_url("http://files.slack.com/a.jpg", slack)  # no token over plain http
    assert not is_trusted_url("https://files.slack.com:8443/a.jpg", slack)  # another port, another service
    assert not is_trusted_url("https://files.slack.com.evil.io/a.png", slack)
    assert not is_trusted_url("file:///etc/passwd", slack)
    assert not is_trusted_url("ftp://files.slack.com/a.jpg", slack)
    assert not is_trusted_url("https://user:pw@files.slack.com/a.jpg", slack)
    assert not is_trusted_url("https://files.slack.com:99999/a.jpg", slack)
    assert not is_trusted_url("https://files.slack.com:http/a.jpg", slack)
    assert not is_trusted_url("https:///a.jpg", slack)
    # A plain-http API origin is trusted only on loopback (a local fake), and only on its own port.
    assert is_trusted_url("http://127.0.0.1:8123/f.jpg", trusted_origins((), "http://127.0.0.1:8123/api/"))
    assert not is_trusted_url(
        "http://127.0.0.1:8124/f.jpg", trusted_origins((), "http://127.0.0.1:8123/api/")
    )
    assert not is_trusted_url(
        "http://proxy.example.com/f.jpg", trusted_origins((), "http://proxy.example.com/")
    )


def test_a_file_is_refused_as_not_an_image_only_when_the_platform_says_so() -> None:
    assert not_an_image_problem("cv.pdf", "application/pdf") == (
        "it isn’t an image (application/pdf). Send a photo: JPEG, PNG, WebP or HEIC"
    )
    assert "text/plain" in (not_an_image_problem("notes.txt", None) or "")
    assert not_an_image_problem("me.jpg", "image/jpeg; charset=binary") is None
    assert not_an_image_problem("IMG_0001.HEIC", "application/octet-stream") is None  # the name says photo
    assert not_an_image_problem("photo", None, extension="png") is None  # Slack's filetype
    assert not_an_image_problem("photo", None) is None  # nothing known: the photo loader decides


def test_trusted_origins_are_the_platforms_plus_the_configured_api_origin() -> None:
    assert trusted_origins(("files.slack.com",), "https://slack.example.com/api/") == (
        Origin("https", "files.slack.com", 443),
        Origin("https", "slack.example.com", 443),
    )
    loopback_api = "http://127.0.0.1:8123/api/v10"
    assert Origin("http", "localhost", 8123) not in trusted_origins((), loopback_api)  # a token goes there
    tokenless = trusted_origins(("cdn.discordapp.com",), loopback_api, any_loopback_name=True)
    assert Origin("http", "localhost", 8123) in tokenless
    assert Origin("http", "localhost", 8124) not in tokenless
    assert trusted_origins(("cdn.discordapp.com",), None) == (Origin("https", "cdn.discordapp.com", 443),)
    assert trusted_origins((), "ftp://example.com/") == ()


async def test_the_token_never_goes_to_another_port_of_a_trusted_host(
    file_host: tuple[str, list[dict[str, str]]],
) -> None:
    base, _ = file_host
    other_port_seen: list[dict[str, str]] = []

    async def anything(request: web.Request) -> web.Response:
        other_port_seen.append(dict(request.headers))
        return web.Response(body=PHOTO, content_type="image/jpeg")

    app = web.Application()
    app.router.add_get("/{tail:.*}", anything)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    other = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        direct = await fetch_attachment(
            f"{other}/files-pri/photo.jpg",
            filename="photo.jpg",
            allowed=trusted_origins((), base + "/api/"),
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert direct.problem is not None and "safely download" in direct.problem
        redirected = await fetch_attachment(
            f"{base}/files-pri/elsewhere.jpg?port={runner.addresses[0][1]}",
            filename="photo.jpg",
            allowed=trusted_origins((), base + "/api/"),
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert redirected.problem is not None and "redirected" in redirected.problem
    finally:
        await runner.cleanup()
    assert other_port_seen == []


async def test_a_redirect_within_the_origin_is_followed(file_host: tuple[str, list[dict[str, str]]]) -> None:
    base, _ = file_host
    got = await fetch_attachment(
        f"{base}/files-pri/moved.jpg",
        filename="photo.jpg",
        allowed=trusted_origins((), base),
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert got.data == PHOTO


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("http://user:pw@127.0.0.1:{port}/files-pri/photo.jpg", "user name or password"),
        ("http://user@127.0.0.1:{port}/files-pri/photo.jpg", "user name or password"),
        ("file:///etc/passwd", "isn’t a web address"),
        ("javascript:alert(1)", "isn’t a web address"),
        ("gopher://127.0.0.1:{port}/", "isn’t a web address"),
        ("http://127.0.0.1:notaport/files-pri/photo.jpg", "malformed"),
        ("http://[::1/files-pri/photo.jpg", "malformed"),
    ],
)
async def test_links_that_are_never_followed_get_a_reason_and_no_request(
    file_host: tuple[str, list[dict[str, str]]], link: str, expected: str
) -> None:
    base, seen = file_host
    port = base.rsplit(":", 1)[1]
    got = await fetch_attachment(
        link.format(port=port),
        filename="photo.jpg",
        allowed=trusted_origins((), base),
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert got.data is None
    assert got.problem is not None and expected in got.problem
    assert seen == []
