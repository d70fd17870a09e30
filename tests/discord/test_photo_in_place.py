"""Reviewing a photo where it already is, with the real discord.py client against FakeDiscord: the
"Review photo" message command, “check my avatar”, autocomplete, and a user install."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.config import Config
from handlers.discord.commands import REVIEW_PHOTO_MENU
from tests.conftest import data_path
from tests.discord.conftest import RunningBot, running_bot
from tests.fakes.discord_api import FakeDiscord, RecordedRequest

FACE_PHOTO = "interfaces_050_man_glasses_grey_background_256px.jpg"
PHOTO_TIMEOUT = 90
EPHEMERAL = 64


def _text_of(request: RecordedRequest) -> str:
    body = request.json or {}
    parts = [body.get("content") or ""]
    for embed in body.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f['name']} {f['value']}" for f in embed.get("fields") or []]
    return "\n".join(parts)


def _flags(request: RecordedRequest) -> int:
    body: dict[str, Any] = request.json or {}
    return int((body.get("data") or body).get("flags") or 0)


async def test_the_commands_are_registered_for_both_installs_and_every_context(bot: RunningBot) -> None:
    fake = bot.fake
    synced = await fake.wait_for_request("PUT", f"/applications/{fake.APP_ID}/commands")
    by_name = {command["name"]: command for command in synced.json}
    assert set(by_name) == {"headshot", REVIEW_PHOTO_MENU}
    menu = by_name[REVIEW_PHOTO_MENU]
    assert menu["type"] == 3  # a message command
    for command in by_name.values():
        assert sorted(command["integration_types"]) == [0, 1]  # server install, user install
        assert sorted(command["contexts"]) == [0, 1, 2]  # servers, DMs with the bot, private channels
    options = {o["name"]: o for o in by_name["headshot"]["options"]}
    assert {"check-avatar", "timezone", "snooze", "done", "opt"} <= set(options)
    assert options["remind"]["options"][0]["autocomplete"] is True
    assert options["timezone"]["options"][0]["autocomplete"] is True


async def test_review_photo_on_a_message_answers_ephemerally_with_the_crop(bot: RunningBot) -> None:
    fake = bot.fake
    photo = data_path("photos", FACE_PHOTO).read_bytes()
    message_id = await fake.send_guild_message(
        "my new headshot!", attachments=[(FACE_PHOTO, photo, "image/jpeg")], user_id=fake.ADMIN_ID
    )
    _, token = await fake.send_message_command(REVIEW_PHOTO_MENU, message_id)

    callback = await fake.wait_for_request("POST", "/callback")
    assert callback.json["type"] == 5 and _flags(callback) & EPHEMERAL  # deferred, privately
    followup = await fake.wait_for_request("POST", f"/webhooks/{fake.APP_ID}/{token}", timeout=PHOTO_TIMEOUT)
    assert _flags(followup) & EPHEMERAL
    assert "Score" in _text_of(followup) and "face count" in _text_of(followup)
    assert any(f.filename.endswith("-crop.jpg") for f in followup.files)
    assert fake.requests_to("POST", f"/channels/{fake.CHANNEL_ID}/messages") == []  # nothing public
    (incoming,) = bot.brain.incomings
    assert incoming.origin == "context_menu" and incoming.attachments[0].data == photo


async def test_review_photo_on_a_message_without_an_image_explains_privately(bot: RunningBot) -> None:
    fake = bot.fake
    message_id = await fake.send_guild_message(
        "my cv", attachments=[("cv.pdf", b"%PDF-1.4", "application/pdf")], user_id=fake.ADMIN_ID
    )
    _, token = await fake.send_message_command(REVIEW_PHOTO_MENU, message_id)
    followup = await fake.wait_for_request("POST", f"/webhooks/{fake.APP_ID}/{token}")
    assert _flags(followup) & EPHEMERAL
    assert "no photo for me to review" in _text_of(followup)
    assert fake.requests_to("GET", "/attachments/") == []  # a PDF is not downloaded


async def test_check_avatar_reviews_the_server_avatar_at_discord_sizes(bot: RunningBot) -> None:
    fake = bot.fake
    photo = data_path("photos", FACE_PHOTO).read_bytes()
    fake.set_avatar(fake.USER_ID, b"account avatar, not this one")
    server_hash = fake.set_avatar(fake.USER_ID, photo, server_only=True)
    _, token = await fake.send_slash_command("check-avatar")

    callback = await fake.wait_for_request("POST", "/callback")
    assert _flags(callback) & EPHEMERAL
    followup = await fake.wait_for_request("POST", f"/webhooks/{fake.APP_ID}/{token}", timeout=PHOTO_TIMEOUT)
    assert _flags(followup) & EPHEMERAL
    assert "Discord" in _text_of(followup) and "Score" in _text_of(followup)
    [crop] = [f for f in followup.files if f.filename.endswith("-crop.jpg")]
    assert followup.json["embeds"][0]["image"]["url"] == f"attachment://{crop.filename}"
    [download] = fake.avatar_downloads
    assert download.startswith(f"/guilds/{fake.GUILD_ID}/users/{fake.USER_ID}/avatars/{server_hash}.png")
    assert "size=1024" in download


async def test_check_my_avatar_with_the_default_avatar_says_so(bot: RunningBot) -> None:
    fake = bot.fake
    fake.set_avatar(fake.USER_ID, None)
    await fake.send_dm("check my avatar")
    reply = await fake.wait_for_request("POST", f"/channels/{fake.dm_channel_id(fake.USER_ID)}/messages")
    assert "don’t have a profile photo on Discord" in _text_of(reply)
    assert fake.avatar_downloads == []


async def test_autocomplete_shows_how_when_is_read_and_offers_time_zones(bot: RunningBot) -> None:
    fake = bot.fake
    interaction_id, _ = await fake.send_autocomplete("remind", "when", "next tuesday")
    answer = await fake.wait_for_request("POST", f"/interactions/{interaction_id}/")
    assert answer.json["type"] == 8  # autocomplete result
    [choice] = answer.json["data"]["choices"]
    assert choice["value"] == "next tuesday"
    assert choice["name"].startswith("next tuesday → Tue ") and choice["name"].endswith(", 09:00")

    interaction_id, _ = await fake.send_autocomplete("timezone", "zone", "pst")
    answer = await fake.wait_for_request("POST", f"/interactions/{interaction_id}/")
    names = [c["value"] for c in answer.json["data"]["choices"]]
    assert names[0] == "America/Los_Angeles"
    interaction_id, _ = await fake.send_autocomplete("timezone", "zone", "berl")
    answer = await fake.wait_for_request("POST", f"/interactions/{interaction_id}/")
    assert [c["value"] for c in answer.json["data"]["choices"]] == ["Europe/Berlin"]


async def test_many_autocompletes_at_once_are_each_answered(bot: RunningBot) -> None:
    fake = bot.fake
    typed = ["in 2 weeks", "next spring", "tomorrow at 10am", "on 15 january", "every year", "nonsense x"]
    sent = await asyncio.gather(*(fake.send_autocomplete("move", "when", t, reminder=3) for t in typed))
    for (interaction_id, _), text in zip(sent, typed, strict=True):
        answer = await fake.wait_for_request("POST", f"/interactions/{interaction_id}/")
        [choice] = answer.json["data"]["choices"]
        assert choice["value"] == text and "→" in choice["name"]


async def test_a_user_install_in_a_private_channel_is_answered(bot: RunningBot) -> None:
    fake = bot.fake
    photo = data_path("photos", FACE_PHOTO).read_bytes()
    message_id = await fake.send_dm("look", attachments=[(FACE_PHOTO, photo, "image/jpeg")])
    _, token = await fake.send_message_command(REVIEW_PHOTO_MENU, message_id, context=2, user_install=True)
    followup = await fake.wait_for_request("POST", f"/webhooks/{fake.APP_ID}/{token}", timeout=PHOTO_TIMEOUT)
    assert _flags(followup) & EPHEMERAL and "Score" in _text_of(followup)

    _, token = await fake.send_slash_command("help", context=2, user_install=True)
    helped = await fake.wait_for_request("POST", f"/webhooks/{fake.APP_ID}/{token}")
    assert "How I can help" in _text_of(helped)
    # Reminders need the bot itself: in a group DM it says where they work instead.
    interaction_id, _ = await fake.send_slash_command("reminders", context=2, user_install=True)
    refused = await fake.wait_for_request("POST", f"/interactions/{interaction_id}/")
    assert refused.json["type"] == 4 and "DM with me" in refused.json["data"]["content"]


async def test_a_user_install_in_a_server_without_the_bot_is_answered(bot: RunningBot) -> None:
    fake = bot.fake
    _, token = await fake.send_slash_command(
        "ask", question="how often should I update my headshot?", user_install=True
    )
    answer = await fake.wait_for_request("POST", f"/webhooks/{fake.APP_ID}/{token}", timeout=60)
    assert "headshot" in _text_of(answer).lower()


async def test_the_cdn_url_setting_is_where_avatars_come_from(fake: FakeDiscord, config: Config) -> None:
    photo = data_path("photos", FACE_PHOTO).read_bytes()
    avatar = fake.set_avatar(fake.USER_ID, photo)
    async with running_bot(fake, config, DISCORD_CDN_URL=f"http://localhost:{fake.port}") as bot:
        _, token = await fake.send_slash_command("check-avatar", platform="linkedin")
        followup = await fake.wait_for_request(
            "POST", f"/webhooks/{fake.APP_ID}/{token}", timeout=PHOTO_TIMEOUT
        )
        assert "LinkedIn" in _text_of(followup)
        assert fake.avatar_downloads[0].startswith(f"/avatars/{fake.USER_ID}/{avatar}.png")
        assert bot.brain.incomings[0].text == "check my avatar for linkedin"


async def test_many_reviews_at_once_each_answer_their_own_interaction(bot: RunningBot) -> None:
    fake = bot.fake
    photo = data_path("photos", FACE_PHOTO).read_bytes()
    with_photo = await fake.send_guild_message("p", attachments=[(FACE_PHOTO, photo, "image/jpeg")])
    without = await fake.send_guild_message("no photo here")
    targets = [with_photo, without] * 3
    sent = await asyncio.gather(*(fake.send_message_command(REVIEW_PHOTO_MENU, m) for m in targets))
    for (_, token), target in zip(sent, targets, strict=True):
        followup = await fake.wait_for_request(
            "POST", f"/webhooks/{fake.APP_ID}/{token}", timeout=PHOTO_TIMEOUT
        )
        assert _flags(followup) & EPHEMERAL
        expected = "Score" if target == with_photo else "no photo for me to review"
        assert expected in _text_of(followup)


async def test_the_new_native_forms_reach_the_core_as_their_chat_text(bot: RunningBot) -> None:
    fake = bot.fake
    forms: list[tuple[str, dict[str, str | int], str]] = [
        ("timezone", {"zone": "Europe/Berlin"}, "timezone Europe/Berlin"),
        ("opt", {"direction": "out"}, "opt out"),
        ("snooze", {"reminder": 7, "duration": "2 weeks"}, "snooze 7 2 weeks"),
        ("done", {}, "done"),
        ("refresh-interval", {"interval": "18 months"}, "refresh interval 18 months"),
    ]
    for subcommand, options, text in forms:
        _, token = await fake.send_slash_command(subcommand, options)
        followup = await fake.wait_for_request("POST", f"/webhooks/{fake.APP_ID}/{token}")
        assert _flags(followup) & EPHEMERAL, subcommand
        assert bot.brain.incomings[-1].text == text
    assert "Berlin" in _text_of(fake.requests_to("POST", "/webhooks/")[0])
