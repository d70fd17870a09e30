"""End to end in HTTP mode: signed requests into the real slack-bolt app over real HTTP, the fake Slack
Web API on 127.0.0.1 recording what the bot posted."""

from __future__ import annotations

import time
from typing import Any

import aiohttp
import pytest

from bot.messages import ActionEvent, ActionId, Conversation
from handlers.slack.run import build_client
from tests.conftest import data_path
from tests.fakes import slack_events
from tests.fakes.slack_api import FakeSlackApi, post_event
from tests.slack.conftest import SECRET, SlackBot, event_callback, message_ts

PHOTO = "interfaces_050_man_glasses_grey_background_256px.jpg"


def _block_types(blocks: list[dict[str, Any]]) -> list[str]:
    return [block["type"] for block in blocks]


def _all_text(blocks: list[dict[str, Any]]) -> str:
    """Every piece of text in the blocks, for assertions on content."""
    texts: list[str] = []
    for block in blocks:
        for key in ("text",):
            if isinstance(block.get(key), dict):
                texts.append(block[key]["text"])
        for element in block.get("elements", []):
            if isinstance(element.get("text"), dict):
                texts.append(element["text"]["text"])
            elif isinstance(element.get("text"), str):
                texts.append(element["text"])
    return "\n".join(texts)


async def test_mention_is_answered_in_its_thread_with_cited_sources(
    slack: FakeSlackApi, bot: SlackBot
) -> None:
    ts = message_ts()
    mention = {
        "type": "app_mention",
        "user": "U1",
        "text": "<@UBOT> How often should I update my headshot photo?",
        "ts": ts,
        "channel": "C1",
        "channel_type": "channel",
        "event_ts": ts,
    }
    posted = await post_event(bot.events_url, event_callback(mention), SECRET)
    assert posted.status == 200

    reply = await slack.wait_for_call("chat.postMessage")
    assert reply["channel"] == "C1"
    assert reply["thread_ts"] == ts
    assert reply["text"].strip()
    blocks = reply["blocks"]
    assert "section" in _block_types(blocks)
    sources = [b for b in blocks if b["type"] == "context" and "*Sources*" in _all_text([b])]
    assert sources, f"no citation context block in {blocks}"
    assert len(sources[0]["elements"]) >= 2  # the heading and at least one cited document
    # The core saw the question without the bot's mention, with the user's time zone from users.info.
    incoming = bot.brain.incomings[0]
    assert incoming.text == "How often should I update my headshot photo?"
    assert incoming.conversation == Conversation("slack", "T0FAKE", "C1", "U1", ts)
    assert incoming.user_timezone == "Europe/Berlin"
    assert incoming.user_locale == "en-GB"
    assert not incoming.direct


async def test_dm_with_a_photo_is_downloaded_reviewed_and_the_crop_uploaded(
    slack: FakeSlackApi, bot: SlackBot
) -> None:
    data = data_path("photos", PHOTO).read_bytes()
    file = slack.add_file("F1", data, name=PHOTO)
    ts = message_ts()
    dm = slack_events.dm("check this for linkedin", files=[file])
    dm["ts"] = ts
    assert (await post_event(bot.events_url, event_callback(dm), SECRET)).status == 200

    completed = await slack.wait_for_call("files.completeUploadExternal", timeout=60)
    # The download went to the fake's file host, with the bot token.
    assert slack.downloads and slack.downloads[0][1] == f"Bearer {slack.bot_token}"
    assert bot.brain.incomings[0].attachments[0].data == data
    # The review, as Block Kit: title, score, the checks with a status mark each, a remind-me button.
    review = await slack.wait_for_call("chat.postMessage")
    assert review["channel"] == "D1"
    assert review.get("thread_ts") is None
    blocks = review["blocks"]
    assert blocks[0]["type"] == "header" and "LinkedIn" in blocks[0]["text"]["text"]
    text = _all_text(blocks)
    assert "*Score:*" in text
    assert "*face count*" in text and "*sharpness*" in text
    buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert [b["action_id"] for b in buttons] == [ActionId.REMIND_IN_A_YEAR.value]
    # The crop: uploaded with files_upload_v2 into the DM, JPEG bytes first.
    assert completed["channel_id"] == "D1"
    titles = [f["title"] for f in completed["files"]]
    assert len(titles) == 2
    uploaded = [slack.uploads[f["id"]] for f in completed["files"]]
    assert uploaded[0][:3] == b"\xff\xd8\xff"
    assert uploaded[1][:8] == b"\x89PNG\r\n\x1a\n"


async def test_a_file_on_an_untrusted_host_is_not_downloaded(slack: FakeSlackApi, bot: SlackBot) -> None:
    # The fake would serve this URL, but "localhost" is not a host the bot token may go to.
    evil = f"http://localhost:{slack.port}/files-pri/T0FAKE-F1/me.jpg"
    file = {"id": "F1", "name": "me.jpg", "mimetype": "image/jpeg", "size": 1000, "url_private": evil}
    dm = slack_events.dm(files=[file])
    await post_event(bot.events_url, event_callback(dm), SECRET)
    reply = await slack.wait_for_call("chat.postMessage")
    assert "safely download" in reply["text"]
    assert slack.downloads == []


async def test_a_deleted_file_gets_a_clear_reply(slack: FakeSlackApi, bot: SlackBot) -> None:
    slack.add_file("F7", b"gone", name="old.jpg")
    slack.files["F7"].deleted = True
    # Some events carry only the file id; the adapter then asks files.info.
    dm = slack_events.dm(files=[{"id": "F7", "name": "old.jpg", "file_access": "check_file_info"}])
    await post_event(bot.events_url, event_callback(dm), SECRET)
    reply = await slack.wait_for_call("chat.postMessage")
    assert "deleted" in reply["text"]
    assert slack.calls_to("files.info") == [{"file": "F7", "team_id": "T0FAKE"}]


async def test_without_the_files_read_scope_the_user_hears_why(slack: FakeSlackApi, bot: SlackBot) -> None:
    slack.script("files.info", error="missing_scope")
    dm = slack_events.dm(files=[{"id": "F8", "name": "me.jpg", "file_access": "check_file_info"}])
    await post_event(bot.events_url, event_callback(dm), SECRET)
    reply = await slack.wait_for_call("chat.postMessage")
    assert "missing a permission" in reply["text"]


async def test_a_mention_its_message_twin_and_a_retry_are_answered_once(
    slack: FakeSlackApi, synchronous_bot: SlackBot
) -> None:
    ts = message_ts()
    base = {"user": "U1", "text": "<@UBOT> is an AI headshot ok?", "ts": ts, "channel": "C1"}
    mention = event_callback({"type": "app_mention", **base, "channel_type": "channel"})
    twin = event_callback({"type": "message", **base, "channel_type": "channel"})
    url = synchronous_bot.events_url
    assert (await post_event(url, mention, SECRET)).status == 200
    assert (await post_event(url, twin, SECRET)).status == 200
    retried = await post_event(url, mention, SECRET, headers={"X-Slack-Retry-Num": "1"})
    assert retried.status == 200
    # A Socket Mode redelivery has no retry header: the same message ts is recognised instead.
    assert (await post_event(url, event_callback(mention["event"]), SECRET)).status == 200
    assert len(slack.calls_to("chat.postMessage")) == 1
    assert len(synchronous_bot.brain.incomings) == 1


async def test_the_bots_own_messages_are_ignored(slack: FakeSlackApi, synchronous_bot: SlackBot) -> None:
    own = {
        "type": "message",
        "user": "UBOT",
        "bot_id": "BBOT",
        "text": "How I can help",
        "ts": message_ts(),
        "channel": "D1",
        "channel_type": "im",
    }
    assert (await post_event(synchronous_bot.events_url, event_callback(own), SECRET)).status == 200
    assert slack.calls_to("chat.postMessage") == []
    assert synchronous_bot.brain.incomings == []


async def test_slash_command_is_acknowledged_then_answered_ephemerally(
    slack: FakeSlackApi, bot: SlackBot
) -> None:
    command = {
        "token": "legacy",
        "team_id": "T0FAKE",
        "channel_id": "C1",
        "channel_name": "general",
        "user_id": "U1",
        "user_name": "ada",
        "command": "/headshot",
        "text": "help",
        "response_url": slack.response_url("cmd1"),
        "trigger_id": "1.2.3",
    }
    posted = await post_event(bot.events_url, command, SECRET)
    assert posted.status == 200
    assert posted.body == ""  # the ack: Slack shows nothing until the answer arrives

    answer = await slack.wait_for_response()
    assert slack.responses[0][0] == "cmd1"
    assert answer["response_type"] == "ephemeral"
    assert answer["blocks"][0] == {"type": "header", "text": {"type": "plain_text", "text": "How I can help"}}
    assert "ask a question" in answer["text"]


async def test_slash_command_admin_flag_and_locale_come_from_users_info(
    slack: FakeSlackApi, bot: SlackBot
) -> None:
    slack.add_user("U2", name="grace", is_admin=True, locale="de-DE")
    command = {
        "team_id": "T0FAKE",
        "channel_id": "C1",
        "user_id": "U2",
        "command": "/headshot",
        "text": "admin track-photos on",
        "response_url": slack.response_url("cmd2"),
    }
    assert (await post_event(bot.events_url, command, SECRET)).status == 200
    await slack.wait_for_response()
    incoming = bot.brain.incomings[0]
    assert incoming.text == "admin track-photos on"
    assert incoming.user_is_admin
    assert incoming.user_locale == "de-DE"  # for the day/month order of 3/1/2027
    # Bolt's per-request client names the workspace (team_id) in every call it makes.
    assert slack.calls_to("users.info") == [{"user": "U2", "include_locale": "1", "team_id": "T0FAKE"}]


async def test_a_button_click_reaches_the_brain_and_its_reply_is_rendered(
    slack: FakeSlackApi, bot: SlackBot
) -> None:
    click = {
        "type": "block_actions",
        "team": {"id": "T0FAKE", "domain": "fake"},
        "user": {"id": "U1", "username": "ada", "team_id": "T0FAKE"},
        "api_app_id": "A0FAKE",
        "container": {"type": "message", "message_ts": "1700000001.000100", "channel_id": "D1"},
        "channel": {"id": "D1", "name": "directmessage"},
        "message": {"ts": "1700000001.000100", "text": "Time to refresh your headshot"},
        "response_url": slack.response_url("act1"),
        "trigger_id": "1.2.3",
        "actions": [
            {
                "type": "button",
                "action_id": ActionId.SNOOZE.value,
                "block_id": "b1",
                "value": "42:1 month",
                "action_ts": "1700000002.000100",
                "text": {"type": "plain_text", "text": "Snooze a month"},
            }
        ],
    }
    assert (await post_event(bot.events_url, click, SECRET)).status == 200

    answer = await slack.wait_for_response()
    assert bot.brain.actions == [
        ActionEvent(
            conversation=Conversation("slack", "T0FAKE", "D1", "U1", None),
            action_id="snooze",
            value="42:1 month",
            user_timezone="Europe/Berlin",
        )
    ]
    assert answer["replace_original"] is False
    assert answer["text"] == "Pressed &lt;snooze&gt; 42:1 month &amp; done"
    buttons = answer["blocks"][-1]["elements"]
    assert [(b["action_id"], b["value"]) for b in buttons] == [("done", "42:1 month")]


async def test_app_home_shows_the_users_reminders_and_help(slack: FakeSlackApi, bot: SlackBot) -> None:
    opened = {"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home", "event_ts": "1.2"}
    assert (await post_event(bot.events_url, event_callback(opened), SECRET)).status == 200
    published = await slack.wait_for_call("views.publish")
    assert published["user_id"] == "U1"
    view = published["view"]
    assert view["type"] == "home"
    assert {"type": "header", "text": {"type": "plain_text", "text": "How I can help"}} in view["blocks"]


async def test_bad_and_stale_signatures_are_rejected(slack: FakeSlackApi, bot: SlackBot) -> None:
    mention = event_callback(
        {"type": "app_mention", "user": "U1", "text": "<@UBOT> hi", "ts": message_ts(), "channel": "C1"}
    )
    wrong = await post_event(bot.events_url, mention, "not-the-secret")
    stale = await post_event(bot.events_url, mention, SECRET, timestamp=int(time.time()) - 600)
    assert (wrong.status, stale.status) == (401, 401)
    # A request with no signature at all, too.
    async with aiohttp.ClientSession() as session, session.post(bot.events_url, json=mention) as response:
        assert response.status == 401
    assert slack.calls == []
    assert bot.brain.incomings == []


async def test_url_verification_and_health(bot: SlackBot) -> None:
    challenge = await post_event(
        bot.events_url, {"type": "url_verification", "challenge": "c-123", "token": "t"}, SECRET
    )
    assert (challenge.status, challenge.body) == (200, '{"challenge": "c-123"}')
    health_url = bot.events_url.replace("/slack/events", "/healthz")
    async with aiohttp.ClientSession() as session, session.get(health_url) as response:
        assert response.status == 200
        assert await response.json() == {"ok": True}


async def test_without_files_write_the_review_still_arrives_and_the_user_hears_why(
    slack: FakeSlackApi, bot: SlackBot
) -> None:
    slack.script("files.getUploadURLExternal", error="missing_scope")
    file = slack.add_file("F1", data_path("photos", PHOTO).read_bytes(), name=PHOTO)
    dm = slack_events.dm(files=[file])
    await post_event(bot.events_url, event_callback(dm), SECRET)
    [review, apology] = await slack.wait_for_calls("chat.postMessage", 2, timeout=60)
    assert review["blocks"][0]["type"] == "header"
    assert "files:write" in apology["text"]
    assert slack.uploads == {}


@pytest.mark.parametrize(
    ("file", "expected"),
    [
        ({"id": "F5", "name": "huge.jpg", "mimetype": "image/jpeg", "size": 30 * 2**20}, "20 MB"),
        (
            {"id": "F6", "name": "cv.pdf", "mimetype": "application/pdf", "filetype": "pdf", "size": 10},
            "image",
        ),
    ],
)
async def test_files_too_large_or_not_images_are_refused_without_downloading(
    slack: FakeSlackApi, bot: SlackBot, file: dict[str, Any], expected: str
) -> None:
    hosted = f"{slack.base}/files-pri/T0FAKE-{file['id']}/{file['name']}"
    dm = slack_events.dm(files=[{**file, "url_private": hosted, "url_private_download": hosted}])
    await post_event(bot.events_url, event_callback(dm), SECRET)
    reply = await slack.wait_for_call("chat.postMessage")
    assert expected in reply["text"]
    assert slack.downloads == []


async def test_a_photo_with_a_mention_is_reviewed_in_the_thread(slack: FakeSlackApi, bot: SlackBot) -> None:
    file = slack.add_file("F3", data_path("photos", PHOTO).read_bytes(), name=PHOTO)
    ts = message_ts()
    mention = {
        "type": "app_mention",
        "user": "U1",
        "text": "<@UBOT> for github",
        "ts": ts,
        "channel": "C1",
        "files": [file],
    }
    await post_event(bot.events_url, event_callback(mention), SECRET)
    completed = await slack.wait_for_call("files.completeUploadExternal", timeout=60)
    assert (completed["channel_id"], completed["thread_ts"]) == ("C1", ts)
    review = await slack.wait_for_call("chat.postMessage")
    assert (review["channel"], review["thread_ts"]) == ("C1", ts)
    assert "GitHub" in review["blocks"][0]["text"]["text"]


async def test_an_api_url_without_a_trailing_slash_still_works(slack: FakeSlackApi) -> None:
    client = build_client(slack.bot_token, slack.url.rstrip("/"))
    assert (await client.auth_test())["user_id"] == "UBOT"


async def test_an_expired_response_url_falls_back_to_an_ephemeral_message(
    slack: FakeSlackApi, bot: SlackBot
) -> None:
    slack.expired_response_urls.add("old")
    command = {
        "team_id": "T0FAKE",
        "channel_id": "C1",
        "user_id": "U1",
        "command": "/headshot",
        "text": "help",
        "response_url": slack.response_url("old"),
    }
    assert (await post_event(bot.events_url, command, SECRET)).status == 200
    ephemeral = await slack.wait_for_call("chat.postEphemeral")
    assert (ephemeral["channel"], ephemeral["user"]) == ("C1", "U1")
    assert ephemeral["blocks"][0]["type"] == "header"
    assert slack.responses == []


async def test_a_login_page_instead_of_the_photo_gets_a_clear_reply(
    slack: FakeSlackApi, bot: SlackBot
) -> None:
    slack.files_read_granted = False
    file = slack.add_file("F4", data_path("photos", PHOTO).read_bytes(), name=PHOTO)
    dm = slack_events.dm(files=[file])
    await post_event(bot.events_url, event_callback(dm), SECRET)
    reply = await slack.wait_for_call("chat.postMessage")
    assert "login page" in reply["text"]
    assert slack.downloads[0][1] == f"Bearer {slack.bot_token}"
    assert bot.brain.incomings[0].attachments[0].data is None
