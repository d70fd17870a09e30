"""Reminder DMs through the registered sender, and their buttons — also after a restart."""

from __future__ import annotations

import pytest

from bot.config import Config
from bot.messages import Action, ActionId, Buttons, Conversation, Paragraph, Reply, ReplyKind, Title
from bot.reminders.delivery import Delivery, PermanentDeliveryError, Sender, TransientDeliveryError
from tests.discord.conftest import RunningBot, running_bot
from tests.fakes.discord_api import FakeDiscord

EPHEMERAL = 64


def _delivery(fake: FakeDiscord, user: str, reminder_id: int = 42) -> Delivery:
    conversation = Conversation("discord", fake.GUILD_ID, fake.CHANNEL_ID, user)
    reply = Reply(
        ReplyKind.REMINDER,
        (
            Title("Headshot refresh"),
            Paragraph("Time to refresh your headshot!"),
            Buttons(
                (
                    Action("Snooze a month", ActionId.SNOOZE, str(reminder_id)),
                    Action("Done", ActionId.DONE, str(reminder_id), style="primary"),
                )
            ),
        ),
    )
    return Delivery(reminder_id, conversation, reply)


def _sender(bot: RunningBot) -> Sender:
    sender = bot.runtime.senders.get("discord")
    assert sender is not None, "run_discord registers a sender for discord"
    return sender


async def test_a_reminder_is_delivered_as_a_dm_with_buttons(bot: RunningBot) -> None:
    fake = bot.fake
    await _sender(bot).deliver(_delivery(fake, fake.USER_ID))

    opened = await fake.wait_for_request("POST", "/users/@me/channels")
    assert opened.json == {"recipient_id": int(fake.USER_ID)}
    dm = await fake.wait_for_request("POST", f"/channels/{fake.dm_channel_id(fake.USER_ID)}/messages")
    assert dm.json["embeds"][0]["title"] == "Headshot refresh"
    buttons = [c for row in dm.json["components"] for c in row["components"]]
    assert [(b["label"], b["custom_id"]) for b in buttons] == [
        ("Snooze a month", "headshot:snooze:42"),
        ("Done", "headshot:done:42"),
    ]
    assert await _sender(bot).user_timezone(fake.GUILD_ID, fake.USER_ID) is None


async def test_a_rate_limited_dm_is_retried_by_discord_py(bot: RunningBot) -> None:
    fake = bot.fake
    dm = f"/channels/{fake.dm_channel_id(fake.USER_ID)}/messages"
    fake.rate_limit_next("POST", dm)
    await _sender(bot).deliver(_delivery(fake, fake.USER_ID))
    assert len(fake.requests_to("POST", dm)) == 2  # the 429, then the message discord.py sent after waiting


async def test_closed_dms_end_the_delivery_as_permanently_failed(config: Config) -> None:
    async with FakeDiscord(forbidden_dm_users=["5000"]) as fake, running_bot(fake, config) as bot:
        with pytest.raises(PermanentDeliveryError) as failure:
            await _sender(bot).deliver(_delivery(fake, fake.USER_ID))
    assert "50007" in failure.value.reason
    assert "direct messages" in failure.value.reason


async def test_an_unknown_user_is_a_permanent_failure(bot: RunningBot) -> None:
    with pytest.raises(PermanentDeliveryError):
        await _sender(bot).deliver(_delivery(bot.fake, "99999"))
    with pytest.raises(PermanentDeliveryError, match="not a Discord user id"):
        await _sender(bot).deliver(_delivery(bot.fake, "alex"))


async def test_delivery_before_the_bot_connects_is_retried_later(bot: RunningBot) -> None:
    sender = _sender(bot)
    await bot.stop()
    with pytest.raises(TransientDeliveryError):
        await sender.deliver(_delivery(bot.fake, bot.fake.USER_ID))


async def test_a_button_press_reaches_the_brain_as_an_action_event(bot: RunningBot) -> None:
    fake = bot.fake
    await _sender(bot).deliver(_delivery(fake, fake.USER_ID))
    interaction_id, token = await fake.press_button("headshot:snooze:42")

    deferred = await fake.wait_for_request("POST", f"/interactions/{interaction_id}/{token}/callback")
    assert deferred.json["type"] == 5 and deferred.json["data"]["flags"] & EPHEMERAL
    followup = await fake.wait_for_request("POST", f"/webhooks/{fake.APP_ID}/{token}")
    assert followup.json["content"] == "Pressed <snooze> 42 & done"
    assert followup.json["flags"] & EPHEMERAL
    (event,) = bot.brain.actions
    assert (event.action_id, event.value) == ("snooze", "42")
    assert event.conversation.user == fake.USER_ID
    assert event.conversation.workspace == ""  # pressed in the DM


async def test_buttons_keep_working_after_a_restart(config: Config) -> None:
    async with FakeDiscord() as fake:
        async with running_bot(fake, config) as first:
            await _sender(first).deliver(_delivery(fake, fake.USER_ID, reminder_id=7))
        async with running_bot(fake, config) as second:
            _, token = await fake.press_button("headshot:done:7")
            await fake.wait_for_request("POST", f"/webhooks/{fake.APP_ID}/{token}")
            assert [(e.action_id, e.value) for e in second.brain.actions] == [("done", "7")]
            assert first.brain.actions == []


async def test_a_reminder_set_by_slash_command_is_cancelled_by_its_button(config: Config) -> None:
    async with FakeDiscord() as fake, running_bot(fake, config, real_actions=True) as bot:
        _, token = await fake.send_slash_command("remind", when="in 18 months")
        confirmation = await fake.wait_for_request("POST", f"/webhooks/{fake.APP_ID}/{token}")
        (cancel,) = [
            button["custom_id"]
            for row in confirmation.json["components"]
            for button in row["components"]
            if button["custom_id"].startswith("headshot:cancel:")
        ]
        _, button_token = await fake.press_button(cancel)
        answer = await fake.wait_for_request("POST", f"/webhooks/{fake.APP_ID}/{button_token}")
        assert "#1" in answer.json["content"] and answer.json["flags"] & EPHEMERAL
        (event,) = bot.brain.actions
        assert event.conversation.user == fake.USER_ID
        remaining = bot.runtime.brain.reminders.list_replies(event.conversation)
        assert all("#1" not in reply.text for reply in remaining)
