"""The process log: one event per line, the JSON shape, and redaction of everything secret."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from collections.abc import Iterator

import pytest

from bot.logs import REDACTED, configure_logging, mask, redact, timed
from tests.conftest import PROJECT_ROOT

SLACK_BOT = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx"
SLACK_APP = "xapp-1-A0123456789-1234567890123-0123456789abcdef0123456789abcdef"
SLACK_USER = "xoxp-1111111111-2222222222-3333333333-abcdef"
DISCORD = "MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    stream = io.StringIO()
    yield stream
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in saved[0]:
        root.addHandler(handler)
    root.setLevel(saved[1])


def _json_lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_carry_ts_level_logger_event_and_extras(captured: io.StringIO) -> None:
    configure_logging(level="INFO", fmt="json", stream=captured)
    logging.getLogger("headshot.slack").info(
        "answered %s", "question", extra={"platform": "slack", "workspace": "T01", "latency_ms": 41.5}
    )
    logging.getLogger("headshot.discord").warning("gateway reconnect", extra={"shard": 2})

    first, second = _json_lines(captured)
    assert first["level"] == "INFO"
    assert first["logger"] == "headshot.slack"
    assert first["event"] == "answered question"
    assert (first["platform"], first["workspace"], first["latency_ms"]) == ("slack", "T01", 41.5)
    assert str(first["ts"]).endswith("Z") and str(first["ts"])[:2] == "20"
    assert second["level"] == "WARNING" and second["shard"] == 2


def test_text_format_is_one_key_value_line_per_event(captured: io.StringIO) -> None:
    configure_logging(level="INFO", fmt="text", stream=captured)
    log = logging.getLogger("headshot.serve")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        log.exception("adapter crashed", extra={"platform": "discord", "attempt": 3})

    lines = captured.getvalue().splitlines()
    assert len(lines) == 1
    line = lines[0]
    assert line.startswith("ts=20")
    assert " level=ERROR logger=headshot.serve " in line
    assert 'event="adapter crashed" platform=discord attempt=3 error="Traceback' in line
    assert "RuntimeError: boom" in line


def test_level_filters_debug(captured: io.StringIO) -> None:
    configure_logging(level="INFO", fmt="json", stream=captured)
    logging.getLogger("headshot").debug("hidden")
    logging.getLogger("headshot").info("shown")
    assert [entry["event"] for entry in _json_lines(captured)] == ["shown"]


@pytest.mark.parametrize("token", [SLACK_BOT, SLACK_APP, SLACK_USER, DISCORD])
def test_token_shaped_strings_are_redacted_in_message_args_extras_and_tracebacks(
    captured: io.StringIO, token: str
) -> None:
    configure_logging(level="DEBUG", fmt="json", stream=captured)
    log = logging.getLogger("slack_sdk.web")
    log.info("calling with token=%s", token)
    log.info("headers", extra={"headers": {"Authorization": f"Bearer {token}"}, "token": token})
    try:
        raise ValueError(f"bad token {token}")
    except ValueError:
        log.exception("failed")

    output = captured.getvalue()
    assert token not in output
    assert token[-10:] not in output
    entries = _json_lines(captured)
    assert entries[0]["event"] == f"calling with token={REDACTED}"
    assert entries[1]["token"] == REDACTED
    assert REDACTED in str(entries[2]["error"])


def test_authorization_headers_and_database_passwords_are_redacted() -> None:
    assert redact("Authorization: Bot abc.def") == f"Authorization: {REDACTED}"
    assert redact("{'authorization': 'Basic dXNlcjpwYXNz'}") == f"{{'authorization': '{REDACTED}'}}"
    assert redact("headers: authorization=token123;") == f"headers: authorization={REDACTED};"
    assert (
        redact("connecting to postgresql+psycopg://headshot:s3cret-pw@postgres:5432/headshot")
        == f"connecting to postgresql+psycopg://headshot:{REDACTED}@postgres:5432/headshot"
    )
    assert redact("plain words stay as they are: sqlite:///data/headshot.db") == (
        "plain words stay as they are: sqlite:///data/headshot.db"
    )


def test_configured_secrets_are_redacted_even_when_they_look_like_nothing(captured: io.StringIO) -> None:
    configure_logging(level="INFO", fmt="text", secrets=[SIGNING_SECRET, None], stream=captured)
    logging.getLogger("slack_bolt").warning("signature check with %s failed", SIGNING_SECRET)
    assert SIGNING_SECRET not in captured.getvalue()
    assert REDACTED in captured.getvalue()


def test_image_bytes_and_message_text_never_reach_the_log_at_info(captured: io.StringIO) -> None:
    configure_logging(level="DEBUG", fmt="json", stream=captured)
    log = logging.getLogger("headshot.photo")
    photo = b"\xff\xd8\xff\xe0" + b"\x00" * 5000
    words = "my manager said my headshot looks like a passport photo, is that bad?"
    log.info("checked photo", extra={"image": photo, "text": words})
    log.debug("raw message", extra={"text": words})

    info, debug = _json_lines(captured)
    assert info["image"] == "<5004 bytes>"
    assert info["text"] == f"<{len(words)} chars>"
    assert debug["text"] == words
    assert "passport" not in json.dumps(info)


def test_timed_adds_latency_and_logs_failures(captured: io.StringIO) -> None:
    configure_logging(level="INFO", fmt="json", stream=captured)
    log = logging.getLogger("headshot.slack")
    with timed(log, "message handled", platform="slack", workspace="T1") as fields:
        fields["replies"] = 2
    with pytest.raises(KeyError), timed(log, "action handled", platform="slack"):
        raise KeyError("x")

    ok, failed = _json_lines(captured)
    assert ok["event"] == "message handled" and ok["replies"] == 2 and ok["workspace"] == "T1"
    assert isinstance(ok["latency_ms"], float) and ok["latency_ms"] >= 0
    assert failed["level"] == "ERROR" and failed["event"] == "action handled failed"
    assert "KeyError" in str(failed["error"]) and "latency_ms" in failed


def test_mask_shows_at_most_four_characters() -> None:
    assert mask(SLACK_BOT) == "…UvWx"
    assert mask("short") == "…(set)"
    assert mask(None) == "(unset)"


def test_cli_logs_json_when_asked_and_never_the_token() -> None:
    code = (
        "import logging; from handlers.cli import main; "
        "main(['ask', 'how often should I update my headshot?']); "
        f"logging.getLogger('headshot.test').warning('token is {SLACK_BOT}')"
    )
    env = {"HEADSHOT_LOG_FORMAT": "json", "SLACK_BOT_TOKEN": SLACK_BOT, "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT, env=env, check=True
    )
    assert SLACK_BOT not in result.stderr
    last = json.loads(result.stderr.strip().splitlines()[-1])
    assert last == {**last, "level": "WARNING", "logger": "headshot.test", "event": f"token is {REDACTED}"}


def test_an_unknown_level_falls_back_to_info_with_a_warning(captured: io.StringIO) -> None:
    configure_logging(level="VERBOSE", fmt="json", stream=captured)
    logging.getLogger("headshot").debug("hidden")
    (warning,) = _json_lines(captured)
    assert warning["level"] == "WARNING" and "HEADSHOT_LOG_LEVEL=VERBOSE" in str(warning["event"])
    assert logging.getLogger().level == logging.INFO
