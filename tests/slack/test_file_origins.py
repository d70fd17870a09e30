"""The bot token goes only where Slack serves files: the trusted origin is scheme, host AND port. A file link
on the API host but another port, with credentials in it, or with another scheme gets a reply saying why,
and nothing is fetched from there with the token (or at all)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from tests.fakes import slack_events
from tests.fakes.slack_api import FakeSlackApi, post_event
from tests.slack.conftest import SECRET, SlackBot, event_callback


@pytest.fixture
async def other_port() -> AsyncIterator[tuple[int, list[str | None]]]:
    """Another service on 127.0.0.1, beside the fake Slack: it records the Authorization it was sent."""
    seen: list[str | None] = []

    async def anything(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Authorization"))
        return web.Response(body=b"\xff\xd8\xff\xe0 not really", content_type="image/jpeg")

    app = web.Application()
    app.router.add_get("/{tail:.*}", anything)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield int(runner.addresses[0][1]), seen
    finally:
        await runner.cleanup()


def _file(url: str) -> dict[str, object]:
    return {"id": "F9", "name": "me.jpg", "mimetype": "image/jpeg", "size": 1000, "url_private": url}


async def test_a_file_on_the_api_host_but_another_port_never_gets_the_token(
    slack: FakeSlackApi, bot: SlackBot, other_port: tuple[int, list[str | None]]
) -> None:
    port, seen = other_port
    dm = slack_events.dm(files=[_file(f"http://127.0.0.1:{port}/files-pri/T0FAKE-F9/me.jpg")])
    assert (await post_event(bot.events_url, event_callback(dm), SECRET)).status == 200
    reply = await slack.wait_for_call("chat.postMessage")
    assert "safely download" in reply["text"]
    assert seen == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://user:pw@127.0.0.1:{port}/files-pri/T0FAKE-F9/me.jpg", "user name or password"),
        ("ftp://127.0.0.1:{port}/me.jpg", "isn’t a web address"),
        ("http://127.0.0.1:{port}x/me.jpg", "malformed"),
    ],
)
async def test_a_link_never_followed_is_answered_with_the_reason(
    slack: FakeSlackApi, bot: SlackBot, url: str, expected: str
) -> None:
    dm = slack_events.dm(files=[_file(url.format(port=slack.port))])
    assert (await post_event(bot.events_url, event_callback(dm), SECRET)).status == 200
    reply = await slack.wait_for_call("chat.postMessage")
    assert expected in reply["text"]
    assert slack.downloads == []
