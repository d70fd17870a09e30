"""👍/👎 on Discord, end to end: the answer's view carries the two buttons, and a component interaction on
one records the vote and is acknowledged ephemerally."""

from __future__ import annotations

import json

from bot.config import Config
from tests.discord.conftest import running_bot
from tests.fakes.discord_api import FakeDiscord

EPHEMERAL = 64


async def test_an_answer_has_the_buttons_and_a_press_records_the_vote(config: Config) -> None:
    async with FakeDiscord() as fake, running_bot(fake, config, real_actions=True) as bot:
        await fake.send_dm("how much does a studio headshot cost?")
        dm = f"/channels/{fake.dm_channel_id(fake.USER_ID)}/messages"
        answer = await fake.wait_for_request("POST", dm)
        buttons = {
            c["custom_id"].split(":")[1]: c for row in answer.json["components"] for c in row["components"]
        }
        assert set(buttons) == {"answer_good", "answer_bad"}
        assert buttons["answer_good"]["label"] == "👍 Helpful"
        assert len(buttons["answer_good"]["custom_id"]) <= 100

        interaction_id, token = await fake.press_button(buttons["answer_good"]["custom_id"])
        deferred = await fake.wait_for_request("POST", f"/interactions/{interaction_id}/{token}/callback")
        assert deferred.json["data"]["flags"] & EPHEMERAL
        ack = await fake.wait_for_request("POST", f"/webhooks/{fake.APP_ID}/{token}")
        assert ack.json["content"] == "Thanks — noted 👍." and ack.json["flags"] & EPHEMERAL
        (event,) = bot.brain.actions
        assert event.action_id == "answer_good" and event.conversation.user == fake.USER_ID
        (votes,) = bot.runtime.brain.reminders.store.feedback.passage_votes()
        assert (votes.up, votes.down) == (1, 0)
        assert json.dumps(answer.json).count("answer_bad") == 1
