"""Privacy through the real slack-bolt app and the fake Slack: "my data" arrives as a JSON file in the DM,
and a signed `app_uninstalled` / `tokens_revoked` event deletes the workspace's data, and only its."""

from __future__ import annotations

import asyncio
import json

import pytest

from bot.reminders.store import NewReminder
from tests.fakes import slack_events
from tests.fakes.slack_api import FakeSlackApi, post_event
from tests.slack.conftest import SECRET, SlackBot, event_callback


async def _until(condition: object, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():  # type: ignore[operator]
            await asyncio.sleep(0.02)


async def test_my_data_is_uploaded_as_a_json_file_in_the_dm(slack: FakeSlackApi, bot: SlackBot) -> None:
    posted = await post_event(
        bot.events_url, event_callback(slack_events.dm("remind me in 3 months to fix my photo")), SECRET
    )
    assert posted.status == 200
    await slack.wait_for_call("chat.postMessage")
    await post_event(bot.events_url, event_callback(slack_events.dm("my data")), SECRET)
    complete = await slack.wait_for_call("files.completeUploadExternal")
    [uploaded] = slack.uploads.values()
    data = json.loads(uploaded)
    assert data["user"] == "U1" and data["tables"]["reminders"][0]["text"] == "fix my photo"
    assert complete["files"][0]["title"] == "Your headshot-bot data"


def _seed(bot: SlackBot, team: str, user: str) -> None:
    store = bot.brain.reminders.store
    now = bot.brain.clock()
    store.add(NewReminder("slack", team, "", user, f"text of {user}", now), now=now)
    store.set_preferences("slack", user, timezone="Europe/Berlin")
    store.set_workspace_settings("slack", team, photo_tracking=True)


@pytest.mark.parametrize(
    "event",
    [
        {"type": "app_uninstalled"},
        {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}},
    ],
)
async def test_uninstall_or_a_revoked_bot_token_purges_that_workspace(
    slack: FakeSlackApi, bot: SlackBot, event: dict[str, object]
) -> None:
    _seed(bot, "T0FAKE", "U1")
    _seed(bot, "T0OTHER", "U2")
    store = bot.brain.reminders.store
    posted = await post_event(bot.events_url, event_callback(dict(event), team="T0FAKE"), SECRET)
    assert posted.status == 200
    await _until(lambda: [r.workspace for r in store.list_all()] == ["T0OTHER"])
    assert store.preferences("slack", "U1").timezone is None
    assert not store.workspace_settings("slack", "T0FAKE").photo_tracking
    assert store.preferences("slack", "U2").timezone == "Europe/Berlin"
    assert store.workspace_settings("slack", "T0OTHER").photo_tracking


async def test_revoking_only_user_tokens_changes_nothing(
    slack: FakeSlackApi, synchronous_bot: SlackBot
) -> None:
    bot = synchronous_bot
    _seed(bot, "T0FAKE", "U1")
    event = {"type": "tokens_revoked", "tokens": {"oauth": ["U7"], "bot": []}}
    posted = await post_event(bot.events_url, event_callback(event, team="T0FAKE"), SECRET)
    assert posted.status == 200
    assert [r.workspace for r in bot.brain.reminders.store.list_all()] == ["T0FAKE"]
