"""`run_discord` as `headshot serve` uses it: settings, start failures, intents, shards, clean stop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

import discord
import pytest

from bot.config import Config, load_config
from bot.runtime import Runtime
from handlers.discord.adapter import SPEC
from handlers.discord.run import DiscordStartError
from tests.conftest import with_settings
from tests.discord.conftest import RunningBot, run_configured, running_bot
from tests.fakes.discord_api import INTENT_GUILD_MEMBERS, INTENT_MESSAGE_CONTENT, FakeDiscord

PRIVILEGED = INTENT_GUILD_MEMBERS | INTENT_MESSAGE_CONTENT
QUESTION = "how often should I update my headshot?"


async def test_only_the_token_and_the_api_url_are_needed(tmp_path: Path) -> None:
    default_base = discord.http.Route.BASE
    default_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    async with FakeDiscord() as fake:
        config = load_config(
            {
                "DISCORD_TOKEN": fake.token,
                "DISCORD_API_URL": fake.api_url,
                "HEADSHOT_DATABASE_URL": f"sqlite:///{tmp_path / 'headshot.db'}",
            }
        )
        runtime = Runtime(config=config)
        stopping = asyncio.Event()
        task = asyncio.create_task(run_configured(runtime, stopping))
        await fake.wait_until_ready()
        await fake.send_mention("help")
        reply = await fake.wait_for_request("POST", f"/channels/{fake.CHANNEL_ID}/messages")
        assert reply.json["embeds"][0]["title"] == "How I can help"
        assert runtime.senders.get("discord") is not None

        stopping.set()
        await asyncio.wait_for(task, timeout=15)
    assert task.result() is None
    assert default_base == discord.http.Route.BASE
    assert default_gateway == discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY


async def test_an_invalid_token_fails_with_a_clear_message_and_never_logs_it(
    config: Config, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "MTAwMA.wrong-token-do-not-log"
    caplog.set_level(logging.DEBUG)
    async with FakeDiscord() as fake:
        runtime = Runtime(config=with_settings(config, DISCORD_TOKEN=wrong, DISCORD_API_URL=fake.api_url))
        with pytest.raises(DiscordStartError, match="rejected DISCORD_TOKEN") as failure:
            await asyncio.wait_for(run_configured(runtime, asyncio.Event()), timeout=15)
    assert wrong not in str(failure.value)
    assert wrong not in caplog.text


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"DISCORD_TOKEN": None}, "DISCORD_TOKEN is not set"),
        ({"DISCORD_TOKEN": "Bot MTAw.xyz"}, "without the 'Bot ' prefix"),
        ({"DISCORD_SHARDS": "lots"}, "DISCORD_SHARD_COUNT must be `auto` or a positive number"),
        ({"DISCORD_SHARD_COUNT": "4", "DISCORD_SHARD_IDS": "2-5"}, "names shard 4, but there are only 4"),
        ({"DISCORD_SHARD_IDS": "0-1"}, "DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT"),
        ({"DISCORD_API_URL": "ftp://127.0.0.1/api"}, "DISCORD_API_URL must be an http"),
    ],
)
async def test_unusable_settings_fail_before_connecting(
    config: Config, settings: dict[str, str | None], problem: str
) -> None:
    runtime = Runtime(config=with_settings(config, **{"DISCORD_TOKEN": "x", **settings}))
    with pytest.raises(DiscordStartError, match=problem):
        await run_configured(runtime, asyncio.Event())


async def test_without_the_privileged_intents_the_bot_reconnects_without_them(
    config: Config, caplog: pytest.LogCaptureFixture
) -> None:
    async with FakeDiscord(privileged_intents_allowed=False) as fake, running_bot(fake, config) as bot:
        first, second = fake.identifies
        assert first["intents"] & PRIVILEGED and not second["intents"] & PRIVILEGED
        assert "Message Content and Server Members intents are not enabled" in caplog.text

        # Discord still delivers the content of mentions and DMs, so both keep working.
        await fake.send_mention("help")
        await fake.wait_for_request("POST", f"/channels/{fake.CHANNEL_ID}/messages")
        await fake.send_dm("help")
        await fake.wait_for_request("POST", f"/channels/{fake.dm_channel_id(fake.USER_ID)}/messages")
        assert [i.text for i in bot.brain.incomings] == ["help", "help"]


async def test_commands_sync_to_one_server_with_discord_guild_id(config: Config) -> None:
    async with FakeDiscord() as fake, running_bot(fake, config, DISCORD_GUILD_ID=FakeDiscord.GUILD_ID):
        synced = await fake.wait_for_request(
            "PUT", f"/applications/{fake.APP_ID}/guilds/{fake.GUILD_ID}/commands"
        )
        assert [c["name"] for c in synced.json] == ["headshot", "Review photo"]


@pytest.mark.parametrize(("shards", "expected"), [("2", [[0, 2], [1, 2]]), ("auto", [[0, 1]])])
async def test_discord_shards_runs_the_auto_sharded_client(
    config: Config, shards: str, expected: list[list[int]]
) -> None:
    async with FakeDiscord() as fake, running_bot(fake, config, DISCORD_SHARDS=shards) as bot:
        assert sorted(identify["shard"] for identify in fake.identifies) == expected
        await fake.send_mention("help")
        await fake.wait_for_request("POST", f"/channels/{fake.CHANNEL_ID}/messages")
        await fake.send_dm("help")
        await fake.wait_for_request("POST", f"/channels/{fake.dm_channel_id(fake.USER_ID)}/messages")
        assert len(bot.brain.incomings) == 2


async def test_a_process_with_some_shards_identifies_with_them_only_and_serves_their_guilds(
    config: Config,
) -> None:
    guilds = (FakeDiscord.GUILD_ID, FakeDiscord.SECOND_GUILD_ID)
    async with (
        FakeDiscord(guilds=guilds) as fake,
        running_bot(fake, config, DISCORD_SHARD_COUNT="2", DISCORD_SHARD_IDS="1") as bot,
    ):
        assert [identify["shard"] for identify in fake.identifies] == [[1, 2]]
        await fake.send_mention("help", guild_id=fake.SECOND_GUILD_ID)
        await fake.wait_for_request("POST", f"/channels/{fake.SECOND_CHANNEL_ID}/messages")
        assert bot.brain.incomings[0].conversation.workspace == fake.SECOND_GUILD_ID
        # Only the process that runs shard 0 registers the slash commands.
        assert fake.requests_to("PUT", "/commands") == []


@pytest.mark.parametrize(
    ("environment", "described"),
    [
        ({}, "gateway, one connection"),
        ({"DISCORD_SHARD_COUNT": "auto"}, "auto-sharded (shard count from Discord)"),
        ({"DISCORD_SHARDS": "8"}, "auto-sharded (8 shards)"),
        ({"DISCORD_SHARD_COUNT": "16", "DISCORD_SHARD_IDS": "0-3,8, 9"}, "shards 0-3,8-9 of 16"),
        (
            {"DISCORD_SHARD_COUNT": "16", "DISCORD_SHARD_IDS": "4-7"},
            "shards 4-7 of 16 (the process with shard 0",
        ),
    ],
)
def test_doctor_says_which_shards_this_process_runs(environment: dict[str, str], described: str) -> None:
    adapter = SPEC.create({"DISCORD_TOKEN": "t", **environment})
    assert adapter.describe().startswith(described)
    assert adapter.problems() == []


async def _eventually(condition: Callable[[], bool], what: str, timeout: float = 10) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


def _seen(bot: RunningBot) -> list[tuple[str, str, list[tuple[str, str]]]]:
    return [
        (platform, workspace, [(s.user, s.avatar_hash) for s in batch])
        for platform, workspace, batch in bot.brain.sightings
    ]


async def _all_servers_available(bot: RunningBot) -> None:
    """discord.py announces the servers from READY after a short wait; the start-up sightings follow."""
    sender = bot.runtime.senders.get("discord")
    client = getattr(sender, "client", None)
    assert isinstance(client, discord.Client)
    await asyncio.wait_for(client.wait_until_ready(), timeout=15)


async def test_avatar_changes_are_recorded_only_where_tracking_is_on(config: Config) -> None:
    async with FakeDiscord() as fake:
        async with running_bot(fake, config, tracking=False) as bot:
            await _all_servers_available(bot)
            await fake.update_member_avatar(fake.USER_ID, "0123abcd")
            await fake.send_dm("help")  # the gateway is ordered: once this is answered, the update was seen
            await fake.wait_for_request("POST", "/messages")
            assert bot.brain.sightings == []

        async with running_bot(fake, config, tracking=True) as bot:
            at_start = ("discord", fake.GUILD_ID, [(fake.USER_ID, "0123abcd")])
            account_wide = ("discord", fake.GUILD_ID, [(fake.USER_ID, "4567cdef")])
            server_only = ("discord", fake.GUILD_ID, [(fake.USER_ID, "89abcdef")])
            await _all_servers_available(bot)
            await _eventually(lambda: at_start in _seen(bot), "the start-up sighting")
            await fake.update_member_avatar(fake.USER_ID, "4567cdef")
            await _eventually(lambda: account_wide in _seen(bot), "the account-wide avatar change")
            await fake.update_member_avatar(fake.USER_ID, "89abcdef", server_only=True)
            await _eventually(lambda: server_only in _seen(bot), "the server avatar change")
            assert _seen(bot) == [at_start, account_wide, server_only]  # one sighting per change


async def test_an_admin_opt_in_records_every_members_current_photo(config: Config) -> None:
    from tests.fakes.discord_api import MANAGE_GUILD, MEMBER_PERMISSIONS

    async with FakeDiscord() as fake, running_bot(fake, config, tracking=None) as bot:
        await _all_servers_available(bot)
        await fake.update_member_avatar(fake.USER_ID, "before00")
        await fake.send_dm("help")
        await fake.wait_for_request("POST", "/messages")
        assert bot.brain.sightings == []  # not opted in yet

        _, token = await fake.send_slash_command(
            "admin track-photos",
            state="on",
            user_id=fake.ADMIN_ID,
            permissions=MEMBER_PERMISSIONS | MANAGE_GUILD,
        )
        await fake.wait_for_request("POST", f"/webhooks/{fake.APP_ID}/{token}")
        opted_in = ("discord", fake.GUILD_ID, [(fake.USER_ID, "before00")])
        await _eventually(lambda: opted_in in _seen(bot), "the opt-in sweep")
        assert bot.runtime.brain.photo_tracking_enabled("discord", fake.GUILD_ID)

        await fake.update_member_avatar(fake.USER_ID, "after111")
        changed = ("discord", fake.GUILD_ID, [(fake.USER_ID, "after111")])
        await _eventually(lambda: changed in _seen(bot), "the change after the opt-in")


async def test_a_server_the_bot_has_no_details_of_yet_is_still_a_server(config: Config) -> None:
    async with FakeDiscord(send_guild_create=False) as fake, running_bot(fake, config) as bot:
        await fake.send_guild_message("no mention, so not for the bot")
        await fake.send_mention(QUESTION)
        reply = await fake.wait_for_request("POST", f"/channels/{fake.CHANNEL_ID}/messages")
        assert reply.json["message_reference"]["channel_id"] == int(fake.CHANNEL_ID)
        (incoming,) = bot.brain.incomings
        assert incoming.conversation.workspace == fake.GUILD_ID and not incoming.direct


async def test_refused_command_registration_is_logged_and_the_bot_serves_on(
    config: Config, caplog: pytest.LogCaptureFixture
) -> None:
    async with FakeDiscord() as fake:
        fake.fail_next("PUT", "/commands", 403, 50001, "Missing Access")
        async with running_bot(fake, config):
            assert "applications.commands" in caplog.text
            await fake.send_mention("help")
            await fake.wait_for_request("POST", f"/channels/{fake.CHANNEL_ID}/messages")


async def test_the_gateway_connection_is_reported_for_readiness(bot: RunningBot) -> None:
    for _ in range(200):
        if bot.runtime.health.connections().get("discord"):
            break
        await asyncio.sleep(0.01)
    assert bot.runtime.health.checks()["discord"].ok
    await bot.stop()
    assert bot.runtime.health.connections() == {"discord": False}


async def test_after_a_dropped_connection_the_bot_resumes_and_keeps_answering(bot: RunningBot) -> None:
    fake = bot.fake
    await fake.drop_connections()
    await fake.wait_until_ready(timeout=30)
    assert len(fake.resumes) == 1 and len(fake.identifies) == 1  # resumed, not a new session
    await fake.send_mention("help")
    await fake.wait_for_request("POST", f"/channels/{fake.CHANNEL_ID}/messages")


async def test_a_slash_command_in_a_dm(bot: RunningBot) -> None:
    fake = bot.fake
    _, token = await fake.send_slash_command(
        "ask", question="how often should I update my headshot?", in_dm=True
    )
    followup = await fake.wait_for_request("POST", f"/webhooks/{fake.APP_ID}/{token}")
    assert followup.json["embeds"]
    (incoming,) = bot.brain.incomings
    assert incoming.direct and incoming.conversation.workspace == "" and not incoming.user_is_admin
