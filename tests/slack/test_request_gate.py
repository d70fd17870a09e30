"""HTTP mode refuses, before anything parses the body: unsigned, stale or forged requests get 401, signed but
malformed ones 400; never a 500, never an ERROR with a traceback, and the brain never hears of them."""

from __future__ import annotations

import logging
import time

import aiohttp
import pytest

from tests.fakes.slack_api import FakeSlackApi, sign_request
from tests.slack.conftest import SECRET, SlackBot

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


async def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    async with aiohttp.ClientSession() as session, session.post(url, data=body, headers=headers) as response:
        await response.read()
        return response.status


def _signed(body: bytes, content_type: str, *, ts: str | None = None) -> dict[str, str]:
    stamp = ts or str(int(time.time()))
    signature = sign_request(body, SECRET, stamp)
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature}


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b"{not json", {"Content-Type": JSON}),
        (b"[1, 2]", {"Content-Type": JSON}),
        (b"{}", {"Content-Type": JSON, "X-Slack-Request-Timestamp": "1.5"}),
        (b"{}", {"Content-Type": JSON, "X-Slack-Request-Timestamp": "1.5", "X-Slack-Signature": "v0=00"}),
        (b"payload=%5B1%5D", {"Content-Type": FORM}),
        (b"\xff\xfe", {"Content-Type": JSON}),
        (b"{}", {"Content-Type": JSON, "X-Slack-Request-Timestamp": "nan", "X-Slack-Signature": "x"}),
        (b"{}", {"Content-Type": JSON, "X-Slack-Request-Timestamp": str(10**30), "X-Slack-Signature": "x"}),
    ],
    ids=[
        "bad-json",
        "json-array",
        "fractional-ts",
        "fractional-ts-signed",
        "form-array",
        "not-utf8",
        "nan",
        "huge",
    ],
)
async def test_unsigned_garbage_gets_401_and_a_warning_without_traceback(
    slack: FakeSlackApi,
    bot: SlackBot,
    body: bytes,
    headers: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO):
        status = await _post(bot.events_url, body, headers)
    assert status == 401
    refusals = [r for r in caplog.records if r.getMessage().startswith("refused a Slack request")]
    assert [r.levelno for r in refusals] == [logging.WARNING]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert bot.brain.incomings == [] and slack.calls == []


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", JSON),
        (b"[1, 2]", JSON),
        (b'"a string"', JSON),
        (b"payload=%5B1%5D", FORM),
        (b"payload=%7Bbroken", FORM),
        (b"\xff\xfe", JSON),
    ],
    ids=["bad-json", "json-array", "json-string", "form-array", "form-broken", "not-utf8"],
)
async def test_signed_but_malformed_gets_400(
    slack: FakeSlackApi, bot: SlackBot, body: bytes, content_type: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        status = await _post(bot.events_url, body, _signed(body, content_type))
    assert status == 400
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert [r.levelno for r in caplog.records if "refused a Slack request" in r.getMessage()] == [
        logging.WARNING
    ]
    assert bot.brain.incomings == []


async def test_a_stale_or_future_timestamp_is_refused(slack: FakeSlackApi, bot: SlackBot) -> None:
    body = b'{"type": "url_verification", "challenge": "c"}'
    old = str(int(time.time()) - 400)
    future = str(int(time.time()) + 400)
    assert await _post(bot.events_url, body, _signed(body, JSON, ts=old)) == 401
    assert await _post(bot.events_url, body, _signed(body, JSON, ts=future)) == 401
    assert await _post(bot.events_url, body, _signed(body, JSON)) == 200


async def test_a_signature_over_other_bytes_is_refused(slack: FakeSlackApi, bot: SlackBot) -> None:
    signed_for = b'{"type": "url_verification", "challenge": "c"}'
    sent = b'{"type": "url_verification", "challenge": "d"}'
    assert await _post(bot.events_url, sent, _signed(signed_for, JSON)) == 401
