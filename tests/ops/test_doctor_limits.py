"""`headshot doctor` with values that used to hang, crash or leak: an unusable --timeout is refused before
anything runs, a token pasted across two lines is reported and never printed, and a one-letter signing
secret no longer eats that letter out of every row."""

from __future__ import annotations

import asyncio
import json
import math
import time
from dataclasses import asdict
from pathlib import Path

import pytest

from bot.adapters import FAIL, SKIP, WARN
from bot.config import Config
from bot.logs import redact
from handlers.cli import main as cli_main
from handlers.doctor import run_checks
from tests.conftest import with_settings
from tests.fakes.slack_api import FakeSlackApi

TOKEN_HEAD = "xoxb-1234567890-0987654321"
TOKEN_TAIL = "AbCdEfGhIjKlMnOpQrStUvWx"


@pytest.mark.parametrize("value", ["1e9", "-1", "nan", "inf", "0", "61", "soon"])
def test_an_unusable_timeout_is_refused_at_once(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    started = time.monotonic()
    with pytest.raises(SystemExit) as exited:
        cli_main(["doctor", "--timeout", value])
    assert exited.value.code == 2
    assert time.monotonic() - started < 5
    error = capsys.readouterr().err
    assert "--timeout" in error and "seconds" in error and "Traceback" not in error


def test_the_checks_themselves_refuse_an_unusable_timeout(config: Config) -> None:
    for value in (math.nan, math.inf, -1.0, 0.0, 1e9):
        with pytest.raises(ValueError, match="timeout"):
            run_checks(config, timeout=value)


async def test_a_token_pasted_across_two_lines_is_reported_and_never_printed(
    config: Config, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with FakeSlackApi() as slack:
        configured = with_settings(
            config,
            SLACK_BOT_TOKEN=f"{TOKEN_HEAD}\n{TOKEN_TAIL}",
            SLACK_SIGNING_SECRET="a-signing-secret-0123456789abcdef",
            SLACK_API_URL=slack.url,
        )
        checks = await asyncio.to_thread(run_checks, configured, timeout=2)
        assert slack.calls == []  # never sent anywhere
    rows = {(c.check, c.status) for c in checks}
    assert ("secrets", FAIL) in rows and ("slack token", SKIP) in rows
    assert "doctor" not in {c.check for c in checks}  # nothing crashed
    text = json.dumps([asdict(c) for c in checks])
    assert TOKEN_HEAD not in text and TOKEN_TAIL not in text and TOKEN_TAIL[:8] not in text


async def test_a_one_character_signing_secret_leaves_the_output_readable(config: Config) -> None:
    async with FakeSlackApi() as slack:
        configured = with_settings(
            config, SLACK_BOT_TOKEN=slack.bot_token, SLACK_SIGNING_SECRET="c", SLACK_API_URL=slack.url
        )
        checks = await asyncio.to_thread(run_checks, configured, timeout=2)
    text = " ".join(f"{c.detail} {c.fix}" for c in checks)
    assert "[redacted]" not in text
    assert "events at /slack/events" in text
    [warning] = [c for c in checks if c.check == "secrets"]
    assert warning.status == WARN and "SLACK_SIGNING_SECRET is only 1 character long" in warning.detail


def test_redaction_finds_a_secret_as_repr_and_json_escape_it() -> None:
    token = f"{TOKEN_HEAD}\n{TOKEN_TAIL}"
    crash = f"ValueError: Invalid header value {f'Bearer {token}'.encode()!r}"
    assert TOKEN_TAIL not in redact(crash, [token])
    assert TOKEN_TAIL not in redact(json.dumps({"token": token}), [token])
    assert redact("a check crashed", ["c"]) == "a check crashed"
