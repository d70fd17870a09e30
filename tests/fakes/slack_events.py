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
