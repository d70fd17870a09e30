"""Reviewing a photo where it already is, end to end in HTTP mode: the "Review this photo" message
shortcut (a signed `message_action`), and “check my avatar” (users.info → the profile picture)."""

from __future__ import annotations

from typing import Any

from handlers.slack.app import REVIEW_SHORTCUT
from tests.conftest import data_path
from tests.fakes import slack_events
from tests.fakes.slack_api import FakeSlackApi, post_event
from tests.slack.conftest import SECRET, SlackBot, event_callback

PHOTO = "interfaces_050_man_glasses_grey_background_256px.jpg"
PHOTO_TIMEOUT = 90  # face detection on a shared, busy machine


def _text(call: dict[str, Any]) -> str:
    return str(call.get("text", ""))


async def test_the_shortcut_reviews_the_photo_privately_for_the_user_who_used_it(
    slack: FakeSlackApi, bot: SlackBot
) -> None:
    file = slack.add_file("F9", data_path("photos", PHOTO).read_bytes(), name=PHOTO)
    shortcut = slack_events.message_action(REVIEW_SHORTCUT, files=[file], user="U1", author="U2")
    posted = await post_event(bot.events_url, shortcut, SECRET)
    assert (posted.status, posted.body) == (200, "")  # acknowledged at once, the review comes after

    review = await slack.wait_for_call("chat.postEphemeral", timeout=PHOTO_TIMEOUT)
    assert (review["channel"], review["user"]) == ("C1", "U1")
    assert "Score" in _text(review) and "face count" in _text(review)
    # Nothing was posted where others could read it; the crop went to the user's DM (files are never
    # ephemeral), downloaded through the trusted-file rule with the bot token.
    completed = await slack.wait_for_call("files.completeUploadExternal", timeout=PHOTO_TIMEOUT)
    assert completed["channel_id"] == "DU1"
    assert slack.calls_to("chat.postMessage") == []
    assert slack.downloads[0][1] == f"Bearer {slack.bot_token}"
    incoming = bot.brain.incomings[0]
    assert incoming.origin == "shortcut" and incoming.attachments[0].data is not None


async def test_a_message_without_an_image_gets_a_short_private_explanation(
    slack: FakeSlackApi, bot: SlackBot
) -> None:
    pdf = slack.add_file("F10", b"%PDF-1.4 not a photo", name="cv.pdf", mimetype="application/pdf")
    for files in ([], [pdf]):
        calls = len(slack.calls_to("chat.postEphemeral"))
        shortcut = slack_events.message_action(REVIEW_SHORTCUT, files=files)
        assert (await post_event(bot.events_url, shortcut, SECRET)).status == 200
        [*_, answer] = await slack.wait_for_calls("chat.postEphemeral", calls + 1)
        assert answer["user"] == "U1"
        assert "no photo for me to review" in _text(answer)
    assert slack.downloads == []  # a PDF is not downloaded
    assert slack.calls_to("chat.postMessage") == []


async def test_when_ephemeral_is_refused_the_review_goes_to_a_dm(slack: FakeSlackApi, bot: SlackBot) -> None:
    slack.script("chat.postEphemeral", error="not_in_channel")
    shortcut = slack_events.message_action(REVIEW_SHORTCUT, channel="C_PRIVATE")
    assert (await post_event(bot.events_url, shortcut, SECRET)).status == 200
    dm = await slack.wait_for_call("chat.postMessage")
    assert dm["channel"] == "DU1"
    assert "no photo for me to review" in _text(dm)
    # Bolt's per-request client names the workspace (team_id) beside the user.
    assert [call["users"] for call in slack.calls_to("conversations.open")] == ["U1"]


async def test_many_shortcuts_at_once_each_answer_their_own_user(slack: FakeSlackApi, bot: SlackBot) -> None:
    users = [f"U{n}" for n in range(20, 28)]
    for user in users:
        slack.add_user(user, name=user.lower())
    import asyncio

    shortcuts = [slack_events.message_action(REVIEW_SHORTCUT, user=user) for user in users]
    statuses = await asyncio.gather(*(post_event(bot.events_url, s, SECRET) for s in shortcuts))
    assert {s.status for s in statuses} == {200}
    answers = await slack.wait_for_calls("chat.postEphemeral", len(users))
    assert sorted(a["user"] for a in answers) == sorted(users)


async def test_check_my_avatar_reviews_the_live_profile_photo_at_slack_sizes(
    slack: FakeSlackApi, bot: SlackBot
) -> None:
    slack.set_avatar("U1", data_path("photos", PHOTO).read_bytes())
    dm = slack_events.dm("check my avatar")
    assert (await post_event(bot.events_url, event_callback(dm), SECRET)).status == 200
    review = await slack.wait_for_call("chat.postMessage", timeout=PHOTO_TIMEOUT)
    assert review["channel"] == "D1"
    assert "Slack" in review["blocks"][0]["text"]["text"]  # reviewed for Slack's sizes
    assert "Score" in _text(review)
    # The picture came from image_original, without the bot token (avatars are public).
    assert slack.avatar_downloads == [("/avatars/U1", None)]
    photo = bot.brain.incomings[0].profile_photo
    assert photo is not None and photo.photo is not None and photo.photo.data is not None


async def test_check_avatar_slash_command_with_the_default_avatar_says_so_privately(
    slack: FakeSlackApi, bot: SlackBot
) -> None:
    slack.set_avatar("U1", None)
    command = slack_events.slash_command("check-avatar", response_url=slack.response_url("av"))
    assert (await post_event(bot.events_url, command, SECRET)).status == 200
    answer = await slack.wait_for_response(key="av")
    assert answer["response_type"] == "ephemeral"
    assert "don’t have a profile photo in Slack" in answer["text"]
    assert slack.avatar_downloads == []  # nothing to download: the Gravatar default is not a photo


async def test_check_my_avatar_in_a_channel_is_answered_privately(slack: FakeSlackApi, bot: SlackBot) -> None:
    slack.set_avatar("U1", None)
    mention = slack_events.mention("<@UBOT> check my current photo")
    assert (await post_event(bot.events_url, event_callback(mention), SECRET)).status == 200
    answer = await slack.wait_for_call("chat.postEphemeral")
    assert answer["user"] == "U1" and "default avatar" in _text(answer)
    assert slack.calls_to("chat.postMessage") == []
