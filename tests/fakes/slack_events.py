"""Builders for the Slack payloads the tests post to the real slack-bolt app (sign them with
`tests.fakes.slack_api.post_event`)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

TEAM = "T0FAKE"
_ids = itertools.count(1)


def message_ts() -> str:
    """A Slack message timestamp, unique within the run (Slack's ts identify messages)."""
    return f"1700000{next(_ids):03d}.000200"


def trigger_id() -> str:
    """A slash command's or an interaction's trigger_id: Slack makes each one unique."""
    return f"{next(_ids)}.1700000000.{next(_ids):08x}"


def event_callback(event: dict[str, Any], *, team: str = TEAM) -> dict[str, Any]:
    return {
        "token": "legacy-verification-token",
        "team_id": team,
        "api_app_id": "A0FAKE",
        "event": event,
        "type": "event_callback",
        "event_id": f"Ev{next(_ids):06d}",
        "event_time": 1_700_000_000,
        "authorizations": [{"team_id": team, "user_id": "UBOT", "is_bot": True}],
    }


def dm(
    text: str = "", *, files: Sequence[dict[str, Any]] = (), user: str = "U1", channel: str = "D1"
) -> dict[str, Any]:
    """A direct message to the bot; with files it is a `file_share` message, as Slack sends it."""
    event: dict[str, Any] = {
        "type": "message",
        "user": user,
        "text": text,
        "ts": message_ts(),
        "channel": channel,
        "channel_type": "im",
    }
    if files:
        event |= {"subtype": "file_share", "files": list(files)}
    return event


def mention(
    text: str,
    *,
    files: Sequence[dict[str, Any]] = (),
    user: str = "U1",
    channel: str = "C1",
    ts: str | None = None,
) -> dict[str, Any]:
    """An `app_mention` in a channel (text like "<@UBOT> help")."""
    event: dict[str, Any] = {
        "type": "app_mention",
        "user": user,
        "text": text,
        "ts": ts or message_ts(),
        "channel": channel,
    }
    if files:
        event["files"] = list(files)
    return event


def message_action(
    callback_id: str,
    *,
    files: Sequence[dict[str, Any]] = (),
    text: str = "my new photo",
    user: str = "U1",
    author: str = "U2",
    channel: str = "C1",
    team: str = TEAM,
    response_url: str = "https://hooks.slack.com/app/T0FAKE/1/shortcut",
) -> dict[str, Any]:
    """A message shortcut used on a message `author` posted, as Slack sends it (`type: message_action`)."""
    ts = message_ts()
    message: dict[str, Any] = {"type": "message", "user": author, "text": text, "ts": ts}
    if files:
        message["files"] = list(files)
    return {
        "type": "message_action",
        "token": "legacy-verification-token",
        "action_ts": f"{ts}1",
        "team": {"id": team, "domain": "fake"},
        "user": {"id": user, "username": "ada", "team_id": team, "name": "ada"},
        "channel": {"id": channel, "name": "general"},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id(),
        "response_url": response_url,
        "message_ts": ts,
        "message": message,
    }


def slash_command(
    text: str, *, user: str = "U1", channel: str = "C1", team: str = TEAM, response_url: str = ""
) -> dict[str, Any]:
    """`/headshot text`, as Slack posts it."""
    return {
        "token": "legacy-verification-token",
        "team_id": team,
        "team_domain": "fake",
        "channel_id": channel,
        "channel_name": "general",
        "user_id": user,
        "user_name": "ada",
        "command": "/headshot",
        "text": text,
        "api_app_id": "A0FAKE",
        "response_url": response_url,
        "trigger_id": trigger_id(),
    }
