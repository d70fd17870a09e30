"""The reminder journey through Slack with the real brain and a temporary SQLite store: the button under a
photo check, the Home tab listing it with a cancel button, and delivery as a DM with snooze / done.

Only the public interfaces are used (Slack requests in, Web API calls out, `Scheduler.run_due`), so the
assertions hold whatever the store does inside.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.brain import Brain
from bot.config import Config
from bot.reminders.delivery import SenderRegistry
from bot.reminders.scheduler import Scheduler
from handlers.slack.app import SlackListeners
from handlers.slack.run import build_client, start_http
from handlers.slack.sender import SlackSender
from tests.fakes import slack_events
from tests.fakes.slack_api import FakeSlackApi, post_event
from tests.slack.conftest import SECRET, event_callback, message_ts


@pytest.fixture
async def served(slack: FakeSlackApi, config: Config) -> AsyncIterator[tuple[str, Brain, SlackSender]]:
    brain = Brain(config)
    client = build_client(slack.bot_token, slack.url)
    adapter = SlackListeners(brain, client, api_url=slack.url)
    runner, port = await start_http(
        adapter.build_app(signing_secret=SECRET, process_before_response=True),
        "127.0.0.1",
        0,
        signing_secret=SECRET,
    )
    try:
        yield f"http://127.0.0.1:{port}/slack/events", brain, SlackSender(client)
    finally:
        await runner.cleanup()
        if brain._reminders is not None:
            brain.reminders.close()


def _buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [element for block in blocks if block["type"] == "actions" for element in block["elements"]]


def _click(slack: FakeSlackApi, button: dict[str, Any], *, container: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": "T0FAKE"},
        "user": {"id": "U1", "team_id": "T0FAKE"},
        "container": container,
        "trigger_id": slack_events.trigger_id(),
        "actions": [{"type": "button", "action_id": button["action_id"], "value": button["value"]}],
    }
    if container["type"] == "message":
        body["channel"] = {"id": container["channel_id"]}
        body["message"] = {"ts": container["message_ts"]}
        body["response_url"] = slack.response_url("click")
    return body


async def test_remind_me_button_then_home_tab_then_cancel(
    slack: FakeSlackApi, served: tuple[str, Brain, SlackSender]
) -> None:
    events, _, _ = served
    remind = {"action_id": "remind_in_a_year", "value": "12 months"}
    container = {"type": "message", "message_ts": "1700000001.000100", "channel_id": "D1"}
    assert (await post_event(events, _click(slack, remind, container=container), SECRET)).status == 200
    confirmation = await slack.wait_for_response()
    assert confirmation["text"]

    opened = {"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"}
    assert (await post_event(events, event_callback(opened), SECRET)).status == 200
    view = (await slack.wait_for_call("views.publish"))["view"]
    [cancel] = [b for b in _buttons(view["blocks"]) if b["action_id"] == "cancel"]

    home = {"type": "view", "view_id": "V1"}
    assert (await post_event(events, _click(slack, cancel, container=home), SECRET)).status == 200
    # A Home-tab button has no message to answer under: the answer goes to the DM, the tab is refreshed.
    answer = await slack.wait_for_call("chat.postMessage", where=lambda p: p["channel"] == "DU1")
    assert answer["text"]
    refreshed = (await slack.wait_for_calls("views.publish", 2))[1]["view"]
    assert not [b for b in _buttons(refreshed["blocks"]) if b["action_id"] == "cancel"]


async def test_a_reminder_set_in_a_dm_is_delivered_as_a_dm_with_snooze_and_done(
    slack: FakeSlackApi, served: tuple[str, Brain, SlackSender]
) -> None:
    events, brain, sender = served
    dm = {
        "type": "message",
        "user": "U1",
        "text": "remind me in 1 month",
        "ts": message_ts(),
        "channel": "D1",
        "channel_type": "im",
    }
    assert (await post_event(events, event_callback(dm), SECRET)).status == 200
    await slack.wait_for_call("chat.postMessage", where=lambda p: p["channel"] == "D1")

    senders = SenderRegistry()
    senders.register("slack", sender)
    # Midday in the user's time zone (Europe/Berlin, from users.info): reminders wait for daytime.
    later = (datetime.now(UTC) + timedelta(days=60)).replace(hour=11, minute=0)
    assert await Scheduler(brain.reminders, senders).run_due(now=later) == 1

    delivered = await slack.wait_for_call("chat.postMessage", where=lambda p: p["channel"] == "DU1")
    assert slack.calls_to("conversations.open") == [{"users": "U1"}]
    assert {b["action_id"] for b in _buttons(delivered["blocks"])} >= {"snooze", "done"}
    # Delivered once: a second tick finds nothing due.
    assert await Scheduler(brain.reminders, senders).run_due(now=later) == 0


async def test_the_home_tab_buttons_check_the_photo_list_reminders_and_help(
    slack: FakeSlackApi, served: tuple[str, Brain, SlackSender]
) -> None:
    from tests.conftest import data_path

    events, _, _ = served
    slack.set_avatar(
        "U1", data_path("photos", "interfaces_050_man_glasses_grey_background_256px.jpg").read_bytes()
    )
    opened = {"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"}
    assert (await post_event(events, event_callback(opened), SECRET)).status == 200
    view = (await slack.wait_for_call("views.publish"))["view"]
    buttons = {b["text"]["text"]: b for b in _buttons(view["blocks"])}
    assert {"Check my current photo", "My reminders", "Help"} <= set(buttons)

    home = {"type": "view", "view_id": "V1"}
    for label, expected in (("My reminders", "reminder"), ("Help", "How I can help")):
        assert (await post_event(events, _click(slack, buttons[label], container=home), SECRET)).status == 200

        def says(params: dict[str, Any], wanted: str = expected) -> bool:
            return wanted in str(params["text"])

        await slack.wait_for_call("chat.postMessage", where=says)
    assert (
        await post_event(events, _click(slack, buttons["Check my current photo"], container=home), SECRET)
    ).status == 200
    review = await slack.wait_for_call("chat.postMessage", timeout=90, where=lambda p: "Score" in p["text"])
    assert review["channel"] == "DU1" and "Slack" in review["text"]
    assert slack.avatar_downloads == [("/avatars/U1", None)]
