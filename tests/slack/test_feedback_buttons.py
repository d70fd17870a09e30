"""👍/👎 on Slack, end to end: the answer carries the two block buttons, and a signed block_actions press on
one records the vote in the store and is acknowledged ephemerally through the response_url."""

from __future__ import annotations

from typing import Any

from bot.messages import ActionId
from tests.fakes import slack_events
from tests.fakes.slack_api import FakeSlackApi, post_event
from tests.slack.conftest import SECRET, SlackBot, event_callback


def _press(slack: FakeSlackApi, button: dict[str, Any], key: str) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "team": {"id": "T0FAKE", "domain": "fake"},
        "user": {"id": "U1", "username": "ada", "team_id": "T0FAKE"},
        "api_app_id": "A0FAKE",
        "container": {"type": "message", "message_ts": "1700000001.000100", "channel_id": "D1"},
        "channel": {"id": "D1", "name": "directmessage"},
        "message": {"ts": "1700000001.000100", "text": "an answer"},
        "response_url": slack.response_url(key),
        "trigger_id": slack_events.trigger_id(),
        "actions": [
            {
                "type": "button",
                "action_id": button["action_id"],
                "block_id": "fb",
                "value": button["value"],
                "action_ts": f"17000000{len(key)}.{key}",
                "text": button["text"],
            }
        ],
    }


async def test_an_answer_has_the_buttons_and_a_press_records_the_vote(
    slack: FakeSlackApi, bot: SlackBot
) -> None:
    bot.brain.real_actions = True
    dm = slack_events.dm("how often should I update my headshot?")
    assert (await post_event(bot.events_url, event_callback(dm), SECRET)).status == 200
    answer = await slack.wait_for_call("chat.postMessage")
    actions = [b for b in answer["blocks"] if b["type"] == "actions"]
    assert actions, "the answer ends with an actions block"
    buttons = {e["action_id"]: e for e in actions[-1]["elements"]}
    assert set(buttons) == {ActionId.ANSWER_GOOD.value, ActionId.ANSWER_BAD.value}
    assert buttons["answer_good"]["text"]["text"] == "👍 Helpful"

    assert (
        await post_event(bot.events_url, _press(slack, buttons["answer_bad"], "v1"), SECRET)
    ).status == 200
    ack = await slack.wait_for_response(key="v1")
    assert ack["response_type"] == "ephemeral" and ack["replace_original"] is False
    assert ack["text"] == "Thanks — noted 👎."
    (votes,) = bot.brain.reminders.store.feedback.passage_votes()
    assert (votes.up, votes.down) == (0, 1)

    # pressing the other one changes the vote: still one vote of U1 on this answer
    assert (
        await post_event(bot.events_url, _press(slack, buttons["answer_good"], "v22"), SECRET)
    ).status == 200
    assert (await slack.wait_for_response(key="v22"))["text"] == "Thanks — changed your vote to 👍."
    (votes,) = bot.brain.reminders.store.feedback.passage_votes()
    assert (votes.up, votes.down) == (1, 0)
