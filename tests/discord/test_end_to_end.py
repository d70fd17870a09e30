"""The real discord.py client, started by `run_discord`, against FakeDiscord: what users do and what the
bot sends back (interaction callbacks, follow-ups, channel and DM messages)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.commands import slash_commands
from bot.config import Config
from bot.messages import STATUS_MARKS
from tests.conftest import data_path
from tests.discord.conftest import RunningBot, running_bot
from tests.fakes.discord_api import INTENT_GUILD_MEMBERS, INTENT_MESSAGE_CONTENT, FakeDiscord, RecordedRequest

QUESTION = "how often should I update my headshot?"
FACE_PHOTO = "interfaces_050_man_glasses_grey_background_256px.jpg"
PHOTO_TIMEOUT = 90  # the photo check runs face detection on a shared, busy machine
EPHEMERAL = 64


def _embeds(request: RecordedRequest) -> list[dict[str, Any]]:
    return list(request.json.get("embeds") or [])


def _text_of(request: RecordedRequest) -> str:
    """Everything a user would read in a sent message: content plus embed titles, text and fields."""
    body = request.json or {}
    parts = [body.get("content") or ""]
    for embed in body.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f['name']} {f['value']}" for f in embed.get("fields") or []]
        parts.append((embed.get("footer") or {}).get("text", ""))
    return "\n".join(parts)


def _custom_ids(request: RecordedRequest) -> list[str]:
    return [
        component["custom_id"]
        for row in request.json.get("components") or []
        for component in row.get("components", [])
    ]


async def test_handshake_discovers_the_gateway_and_registers_the_slash_commands(bot: RunningBot) -> None:
    fake = bot.fake
    paths = [f"{r.method} {r.path}" for r in fake.requests]
    assert paths[:3] == ["GET /users/@me", "GET /oauth2/applications/@me", "GET /gateway/bot"]
    assert fake.requests[0].authorization == f"Bot {fake.token}"
    synced = await fake.wait_for_request("PUT", f"/applications/{fake.APP_ID}/commands")
    headshot, review_menu = synced.json
    assert (review_menu["name"], review_menu["type"]) == ("Review photo", 3)  # a message command
    assert headshot["name"] == "headshot"
    subcommands = {option["name"]: option for option in headshot["options"]}
    assert set(subcommands) == {
        "ask",
        "check",
        "check-avatar",
        "remind",
        "reminders",
        "cancel",
        "cancel-all",
        "snooze",
        "postpone",
        "move",
        "done",
        "undo",
        "opt",
        "timezone",
        "refresh-interval",
        "my-data",
        "forget-me",
        "help",
        "admin",
    }
    registry = {c.slash.group or c.slash.name for c in slash_commands() if c.slash}
    assert set(subcommands) == registry  # the tree is generated from the core's command registry
    check_options = {o["name"]: o for o in subcommands["check"]["options"]}
    assert check_options["photo"]["type"] == 11  # an attachment option
    assert [c["value"] for c in check_options["platform"]["choices"]] == [
        "linkedin",
        "slack",
        "discord",
        "github",
        "generic",
    ]
    assert [o["name"] for o in subcommands["admin"]["options"]] == [
        "track-photos",
        "report",
        "refresh-interval",
    ]
    (identify,) = fake.identifies
    assert identify["intents"] & INTENT_MESSAGE_CONTENT
    assert identify["intents"] & INTENT_GUILD_MEMBERS


async def test_slash_ask_defers_then_follows_up_with_a_cited_answer(bot: RunningBot) -> None:
    fake = bot.fake
    interaction_id, token = await fake.send_slash_command("ask", {"question": QUESTION})

    callback = await fake.wait_for_request("POST", f"/interactions/{interaction_id}/{token}/callback")
    assert callback.json["type"] == 5  # deferred: "headshot-bot is thinking…"
    assert not (callback.json.get("data") or {}).get("flags", 0) & EPHEMERAL
    assert callback.authorization is None  # interaction routes are authorised by their token

    followup = await fake.wait_for_request("POST", f"/webhooks/{fake.APP_ID}/{token}")
    assert fake.requests.index(callback) < fake.requests.index(followup)
    (embed,) = _embeds(followup)
    assert "\n> " in "\n" + str(embed["description"])  # the quoted passages
    assert str(embed["footer"]["text"]).startswith("Sources: Using AI headshots")
    (incoming,) = bot.brain.incomings
    assert incoming.text == f"ask {QUESTION}"
    assert not incoming.user_is_admin  # a member without Manage Server
    assert incoming.conversation.workspace == fake.GUILD_ID
    assert incoming.conversation.user == fake.USER_ID


async def test_slash_check_with_an_attached_photo_shows_the_checks_and_the_crop(bot: RunningBot) -> None:
    fake = bot.fake
    photo = data_path("photos", FACE_PHOTO).read_bytes()
    attachment = fake.add_attachment(FACE_PHOTO, photo, "image/jpeg")
    _, token = await fake.send_slash_command("check", {"photo": attachment, "platform": "linkedin"})

    callback = await fake.wait_for_request("POST", "/callback")
    assert callback.json["type"] == 5
    download = await fake.wait_for_request("GET", f"/attachments/{fake.CHANNEL_ID}/{attachment['id']}/")
    followup = await fake.wait_for_request("POST", f"/webhooks/{fake.APP_ID}/{token}", timeout=PHOTO_TIMEOUT)
    assert fake.requests.index(download) < fake.requests.index(followup)

    embed = _embeds(followup)[0]
    assert "LinkedIn" in str(embed["title"])
    description = str(embed["description"])
    for check_id in ("face count", "resolution", "sharpness", "photo age"):
        assert check_id in description
    assert any(f"{mark} **" in description for mark in STATUS_MARKS.values())
    score = next(f for f in embed["fields"] if f["name"] == "Score")
    assert score["value"].endswith("/100")

    crops = [f for f in followup.files if f.filename.endswith("-crop.jpg")]
    assert len(crops) == 1 and crops[0].data[:3] == b"\xff\xd8\xff"
    assert embed["image"]["url"] == f"attachment://{crops[0].filename}"
    assert "headshot:remind_in_a_year:12 months" in _custom_ids(followup)
    (incoming,) = bot.brain.incomings
    assert incoming.text == "check for linkedin"
    assert incoming.attachments[0].data == photo


async def test_a_mention_in_a_server_channel_gets_a_threaded_reply(bot: RunningBot) -> None:
    fake = bot.fake
    message_id = await fake.send_mention(QUESTION)
    reply = await fake.wait_for_request("POST", f"/channels/{fake.CHANNEL_ID}/messages")
    assert reply.json["message_reference"]["message_id"] == int(message_id)
    assert reply.json["allowed_mentions"] == {"parse": [], "replied_user": False}
    assert "Sources:" in _text_of(reply)
    typing = await fake.wait_for_request("POST", f"/channels/{fake.CHANNEL_ID}/typing")
    assert fake.requests.index(typing) < fake.requests.index(reply)
    (incoming,) = bot.brain.incomings
    assert incoming.text == QUESTION  # the mention itself is stripped
    assert not incoming.direct
    assert incoming.user_locale is None  # not a Community server: its en-US is only Discord's default


async def test_the_locale_comes_from_the_users_client_or_a_community_servers_language(config: Config) -> None:
    community = FakeDiscord(guild_locale="de", guild_features=["COMMUNITY"])
    async with community as fake, running_bot(fake, config) as bot:
        await fake.send_slash_command("remind", {"when": "on 3/1/2027"}, locale="en-GB")
        await fake.wait_for_request("POST", f"/webhooks/{fake.APP_ID}/")
        await fake.send_mention("remind me on 3/1/2027")  # answered privately: in the DM
        await fake.wait_for_request("POST", "/messages")
        slash, mention = bot.brain.incomings
        assert slash.user_locale == "en-GB" and mention.user_locale == "de"


async def test_a_server_message_without_a_mention_is_left_alone(bot: RunningBot) -> None:
    fake = bot.fake
    await fake.send_guild_message("how often should I update my headshot?")
    await fake.send_mention("help")
    await fake.wait_for_request("POST", f"/channels/{fake.CHANNEL_ID}/messages")
    assert [i.text for i in bot.brain.incomings] == ["help"]


async def test_a_dm_gets_an_answer_in_the_dm(bot: RunningBot) -> None:
    fake = bot.fake
    await fake.send_dm("help")
    reply = await fake.wait_for_request("POST", f"/channels/{fake.dm_channel_id(fake.USER_ID)}/messages")
    assert "How I can help" in _text_of(reply)
    (incoming,) = bot.brain.incomings
    assert incoming.direct and incoming.conversation.workspace == ""


async def test_a_dm_with_a_photo_gets_the_photo_check(bot: RunningBot) -> None:
    fake = bot.fake
    await fake.send_dm("for github", attachments=[data_path("photos", "obama_small_320x240.jpg")])
    dm = f"/channels/{fake.dm_channel_id(fake.USER_ID)}/messages"
    reply = await fake.wait_for_request("POST", dm, timeout=PHOTO_TIMEOUT)
    assert "GitHub" in _text_of(reply)
    assert any(f.filename.endswith("-crop.jpg") for f in reply.files)
    assert "headshot:remind_in_a_year:12 months" in _custom_ids(reply)


async def test_a_file_that_is_not_an_image_gets_a_clear_answer_without_a_download(bot: RunningBot) -> None:
    fake = bot.fake
    notes = fake.add_attachment("notes.txt", b"just some notes", "text/plain")
    await fake.send_dm("check this", attachments=[notes])
    reply = await fake.wait_for_request("POST", f"/channels/{fake.dm_channel_id(fake.USER_ID)}/messages")
    assert "notes.txt" in _text_of(reply) and "isn’t an image" in _text_of(reply)
    assert not fake.requests_to("GET", "/attachments/")


async def test_slash_check_with_a_pdf_answers_privately(bot: RunningBot) -> None:
    fake = bot.fake
    pdf = fake.add_attachment("cv.pdf", b"%PDF-1.7 not a photo", "application/pdf")
    _, token = await fake.send_slash_command("check", {"photo": pdf})
    callback = await fake.wait_for_request("POST", "/callback")
    assert callback.json["type"] == 5 and callback.json["data"]["flags"] & EPHEMERAL
    followup = await fake.wait_for_request("POST", f"/webhooks/{fake.APP_ID}/{token}")
    assert "isn’t an image" in _text_of(followup)
    assert not fake.requests_to("GET", "/attachments/")


async def test_a_private_reply_to_a_server_mention_goes_to_dms(bot: RunningBot) -> None:
    fake = bot.fake
    zip_file = fake.add_attachment("photos.zip", b"PK\x03\x04", "application/zip")
    await fake.send_mention("check", attachments=[zip_file])
    reply = await fake.wait_for_request("POST", f"/channels/{fake.dm_channel_id(fake.USER_ID)}/messages")
    assert "photos.zip" in _text_of(reply)
    assert not fake.requests_to("POST", f"/channels/{fake.CHANNEL_ID}/messages")


async def test_an_attachment_on_an_untrusted_host_is_not_downloaded(bot: RunningBot) -> None:
    fake = bot.fake
    foreign = {
        "id": "123",
        "filename": "me.jpg",
        "size": 1000,
        "url": "https://attacker.example/me.jpg",
        "proxy_url": "https://attacker.example/me.jpg",
        "content_type": "image/jpeg",
    }
    await fake.send_dm("check", attachments=[foreign])
    reply = await fake.wait_for_request("POST", f"/channels/{fake.dm_channel_id(fake.USER_ID)}/messages")
    assert "safely download" in _text_of(reply)


async def test_an_oversized_attachment_is_refused_before_downloading(bot: RunningBot) -> None:
    fake = bot.fake
    attachment = fake.add_attachment("huge.jpg", b"\xff\xd8\xff" + b"0" * 100, "image/jpeg")
    attachment["size"] = 50 * 2**20
    await fake.send_dm("check", attachments=[attachment])
    reply = await fake.wait_for_request("POST", f"/channels/{fake.dm_channel_id(fake.USER_ID)}/messages")
    assert "50.0 MB" in _text_of(reply)
    assert not fake.requests_to("GET", "/attachments/")


async def test_admin_track_photos_needs_manage_server(bot: RunningBot) -> None:
    from tests.fakes.discord_api import MANAGE_GUILD, MEMBER_PERMISSIONS

    fake = bot.fake
    interaction_id, _ = await fake.send_slash_command("/headshot admin track-photos", state="on")
    refusal = await fake.wait_for_request("POST", f"/interactions/{interaction_id}/")
    assert refusal.json["type"] == 4 and refusal.json["data"]["flags"] & EPHEMERAL
    assert "Manage Server" in refusal.json["data"]["content"]
    assert bot.brain.incomings == []

    admin_interaction, token = await fake.send_slash_command(
        "admin track-photos",
        {"state": "off"},
        user_id=fake.ADMIN_ID,
        permissions=MEMBER_PERMISSIONS | MANAGE_GUILD,
    )
    deferred = await fake.wait_for_request("POST", f"/interactions/{admin_interaction}/")
    assert deferred.json["type"] == 5 and deferred.json["data"]["flags"] & EPHEMERAL
    answer = await fake.wait_for_request("POST", f"/webhooks/{fake.APP_ID}/{token}")
    assert "tracking is off" in _text_of(answer).lower()  # the core understood the command
    (incoming,) = bot.brain.incomings
    assert incoming.text == "admin track-photos off" and incoming.user_is_admin
    assert incoming.conversation.user == fake.ADMIN_ID


async def test_remind_reminders_and_help_are_ephemeral(bot: RunningBot) -> None:
    fake = bot.fake
    for subcommand, options, text in (
        ("remind", {"when": "in 18 months"}, "remind me in 18 months"),
        ("reminders", {}, "reminders"),
        ("help", {}, "help"),
    ):
        interaction_id, token = await fake.send_slash_command(subcommand, options)
        deferred = await fake.wait_for_request("POST", f"/interactions/{interaction_id}/")
        assert deferred.json["data"]["flags"] & EPHEMERAL, subcommand
        followup = await fake.wait_for_request("POST", f"/webhooks/{fake.APP_ID}/{token}")
        assert followup.json["flags"] & EPHEMERAL, subcommand
        assert bot.brain.incomings[-1].text == text


async def test_the_fake_refuses_events_while_no_bot_is_connected() -> None:
    async with FakeDiscord() as fake:
        with pytest.raises(AssertionError, match="not connected"):
            await fake.send_dm("hello")


async def test_a_private_reply_after_a_public_defer_replaces_the_thinking_message(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = bot.fake

    def broken(*args: object) -> None:
        raise RuntimeError("the knowledge base is broken")

    # `ask` is deferred publicly; the core's apology for a failure is private.
    monkeypatch.setattr(bot.brain, "answer", broken)
    _, token = await fake.send_slash_command("ask", question="how much does a studio cost?")
    deferred = await fake.wait_for_request("POST", "/callback")
    assert not deferred.json.get("data", {}).get("flags", 0) & EPHEMERAL
    removed = await fake.wait_for_request("DELETE", f"/webhooks/{fake.APP_ID}/{token}/messages/@original")
    followup = await fake.wait_for_request("POST", f"/webhooks/{fake.APP_ID}/{token}")
    assert fake.requests.index(removed) < fake.requests.index(followup)
    assert followup.json["flags"] & EPHEMERAL
    assert "something went wrong" in _text_of(followup)


async def test_a_slash_check_is_private_from_the_start(bot: RunningBot) -> None:
    fake = bot.fake
    fake_jpeg = fake.add_attachment("broken.jpg", b"this is not a jpeg at all", "image/jpeg")
    _, token = await fake.send_slash_command("check", {"photo": fake_jpeg})
    deferred = await fake.wait_for_request("POST", "/callback")
    assert deferred.json["data"]["flags"] & EPHEMERAL
    followup = await fake.wait_for_request("POST", f"/webhooks/{fake.APP_ID}/{token}")
    assert followup.json["flags"] & EPHEMERAL
    assert "broken.jpg" in _text_of(followup)
    assert fake.requests_to("DELETE", "/webhooks/") == []


async def test_a_failing_typing_indicator_does_not_stop_the_reply(bot: RunningBot) -> None:
    fake = bot.fake
    fake.fail_next("POST", "/typing", 500, message="Internal Server Error")
    await fake.send_dm("help")
    reply = await fake.wait_for_request("POST", f"/channels/{fake.dm_channel_id(fake.USER_ID)}/messages")
    assert "How I can help" in _text_of(reply)


async def test_an_interaction_discord_no_longer_accepts_is_dropped_quietly(bot: RunningBot) -> None:
    fake = bot.fake
    fake.fail_next("POST", "/callback", 404, 10062, "Unknown interaction")
    interaction_id, token = await fake.send_slash_command("help")
    await fake.wait_for_request("POST", f"/interactions/{interaction_id}/{token}/callback")
    await fake.send_dm("help")  # the bot is still serving, and sent nothing for the lost interaction
    await fake.wait_for_request("POST", f"/channels/{fake.dm_channel_id(fake.USER_ID)}/messages")
    assert not fake.requests_to("POST", f"/webhooks/{fake.APP_ID}/{token}")
    assert [i.text for i in bot.brain.incomings] == ["help"]


async def test_a_private_reply_to_a_user_with_closed_dms_stays_private(config: Config) -> None:
    async with FakeDiscord(forbidden_dm_users=[FakeDiscord.USER_ID]) as fake, running_bot(fake, config):
        zip_file = fake.add_attachment("photos.zip", b"PK\x03\x04", "application/zip")
        await fake.send_mention("check", attachments=[zip_file])
        notice = await fake.wait_for_request("POST", f"/channels/{fake.CHANNEL_ID}/messages")
        assert "DMs are closed" in notice.json["content"]
        assert "photos.zip" not in notice.json["content"]
        assert len(fake.requests_to("POST", f"/channels/{fake.dm_channel_id(fake.USER_ID)}/messages")) == 1


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:1/attachments/me.jpg", "safely download"),  # the fake's host, another port
        ("http://user:pw@127.0.0.1:{port}/attachments/me.jpg", "user name or password"),
        ("ftp://127.0.0.1:{port}/attachments/me.jpg", "isn’t a web address"),
    ],
)
async def test_an_attachment_off_the_trusted_origin_is_refused_with_the_reason(
    bot: RunningBot, url: str, expected: str
) -> None:
    fake = bot.fake
    port = fake.base_url.rsplit(":", 1)[1]
    link = url.format(port=port)
    foreign = {
        "id": "124",
        "filename": "me.jpg",
        "size": 1000,
        "url": link,
        "proxy_url": link,
        "content_type": "image/jpeg",
    }
    await fake.send_dm("check", attachments=[foreign])
    reply = await fake.wait_for_request("POST", f"/channels/{fake.dm_channel_id(fake.USER_ID)}/messages")
    assert expected in _text_of(reply)
    assert not fake.requests_to("GET", "/attachments/")
