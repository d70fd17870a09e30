"""Reminder delivery through the Slack sender, against the fake Web API (real slack_sdk client)."""

from __future__ import annotations

import pytest

from bot.messages import Action, ActionId, Buttons, Conversation, Paragraph, Reply, ReplyKind, Title
from bot.reminders.delivery import Delivery, PermanentDeliveryError, TransientDeliveryError
from handlers.slack.run import RATE_LIMIT_RETRIES, build_client
from handlers.slack.sender import SlackSender
from tests.fakes.slack_api import FakeSlackApi


def _delivery(user: str = "U1") -> Delivery:
    reply = Reply(
        ReplyKind.REMINDER,
        (
            Title("Headshot refresh reminder"),
            Paragraph("Time to refresh your headshot: your photo is from 2023."),
            Buttons(
                (
                    Action("Snooze a month", ActionId.SNOOZE, value="7:1 month"),
                    Action("Done, I updated it", ActionId.DONE, value="7", style="primary"),
                )
            ),
        ),
    )
    return Delivery(7, Conversation("slack", "T0FAKE", "D1", user), reply)


def _sender(slack: FakeSlackApi) -> SlackSender:
    return SlackSender(build_client(slack.bot_token, slack.url))


async def test_a_reminder_is_a_dm_with_snooze_and_done_buttons(slack: FakeSlackApi) -> None:
    await _sender(slack).deliver(_delivery())

    assert slack.calls_to("conversations.open") == [{"users": "U1"}]
    posted = slack.calls_to("chat.postMessage")
    assert len(posted) == 1
    assert posted[0]["channel"] == "DU1"
    assert "Time to refresh your headshot" in posted[0]["text"]
    buttons = posted[0]["blocks"][-1]["elements"]
    assert [(b["action_id"], b["value"]) for b in buttons] == [("snooze", "7:1 month"), ("done", "7")]
    assert buttons[1]["style"] == "primary"


async def test_a_rate_limit_is_retried_after_slacks_retry_after(slack: FakeSlackApi) -> None:
    slack.script("chat.postMessage", status=429, headers={"Retry-After": "0"})
    await _sender(slack).deliver(_delivery())
    assert len(slack.calls_to("chat.postMessage")) == 2  # the 429, then the retry that went through


async def test_a_rate_limit_that_outlasts_the_retries_is_transient(slack: FakeSlackApi) -> None:
    slack.script("chat.postMessage", status=429, headers={"Retry-After": "0"}, times=RATE_LIMIT_RETRIES + 1)
    with pytest.raises(TransientDeliveryError) as raised:
        await _sender(slack).deliver(_delivery())
    assert raised.value.retry_after == 0
    assert len(slack.calls_to("chat.postMessage")) == RATE_LIMIT_RETRIES + 1


@pytest.mark.parametrize(
    ("user", "deleted", "reason"),
    [("U404", False, "user_not_found"), ("U9", True, "account_inactive")],
)
async def test_a_user_who_left_fails_the_reminder_permanently(
    slack: FakeSlackApi, user: str, deleted: bool, reason: str
) -> None:
    if deleted:
        slack.add_user(user, deleted=True)
    with pytest.raises(PermanentDeliveryError) as raised:
        await _sender(slack).deliver(_delivery(user))
    assert reason in raised.value.reason
    assert slack.calls_to("chat.postMessage") == []


async def test_closed_dms_fail_permanently(slack: FakeSlackApi) -> None:
    slack.script("chat.postMessage", error="cannot_dm_bot")
    with pytest.raises(PermanentDeliveryError):
        await _sender(slack).deliver(_delivery())


async def test_an_app_wide_problem_is_transient_so_reminders_survive_it(slack: FakeSlackApi) -> None:
    slack.script("conversations.open", error="missing_scope")
    with pytest.raises(TransientDeliveryError):
        await _sender(slack).deliver(_delivery())


async def test_user_timezone_comes_from_users_info(slack: FakeSlackApi) -> None:
    sender = _sender(slack)
    assert await sender.user_timezone("T0FAKE", "U1") == "Europe/Berlin"
    assert await sender.user_timezone("T0FAKE", "U404") is None
