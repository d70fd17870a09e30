"""A server the bot is removed from is forgotten, through the real discord.py client and the fake gateway:
GUILD_DELETE (kicked or the server deleted) purges it at once; one that is only unavailable is kept for the
grace period and comes back untouched."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from bot.reminders import privacy
from bot.reminders.store import NewReminder
from tests.discord.conftest import RunningBot
from tests.fakes.discord_api import FakeDiscord


async def _until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


def _seed(bot: RunningBot, guild: str, user: str) -> None:
    store = bot.brain.reminders.store
    now = bot.brain.clock()
    store.add(NewReminder("discord", guild, "", user, f"text of {user}", now), now=now)
    store.set_workspace_settings("discord", guild, photo_tracking=True)


async def test_a_server_that_removes_the_bot_is_purged(fake: FakeDiscord, bot: RunningBot) -> None:
    await fake.wait_until_ready()
    _seed(bot, fake.GUILD_ID, "111")
    _seed(bot, "999", "222")
    store = bot.brain.reminders.store
    await fake.dispatch("GUILD_DELETE", {"id": fake.GUILD_ID}, guild_id=fake.GUILD_ID)
    await _until(lambda: [r.workspace for r in store.list_all()] == ["999"])
    assert not store.workspace_settings("discord", fake.GUILD_ID).photo_tracking
    assert store.workspace_settings("discord", "999").photo_tracking


async def test_an_unavailable_server_gets_a_grace_period(fake: FakeDiscord, bot: RunningBot) -> None:
    await fake.wait_until_ready()
    _seed(bot, fake.GUILD_ID, "111")
    store = bot.brain.reminders.store
    await fake.dispatch("GUILD_DELETE", {"id": fake.GUILD_ID, "unavailable": True}, guild_id=fake.GUILD_ID)
    await _until(lambda: privacy.departed(store.engine) == {("discord", fake.GUILD_ID)})
    assert [r.workspace for r in store.list_all()] == [fake.GUILD_ID]  # kept meanwhile
    await fake.dispatch("GUILD_CREATE", fake.guild_payload(), guild_id=fake.GUILD_ID)
    await _until(lambda: privacy.departed(store.engine) == set())
    assert [r.workspace for r in store.list_all()] == [fake.GUILD_ID]


async def test_my_data_arrives_as_a_json_attachment_in_the_dm(fake: FakeDiscord, bot: RunningBot) -> None:
    import json

    await fake.wait_until_ready()
    await fake.send_dm("timezone Tokyo")
    dm = f"/channels/{fake.dm_channel_id(fake.USER_ID)}/messages"
    await fake.wait_for_request("POST", dm)
    await fake.send_mention("my data")  # asked in the server: the file still goes privately, to the DM
    async with asyncio.timeout(10):
        while not [r for r in fake.requests_to("POST", dm) if r.files]:
            await asyncio.sleep(0.02)
    [reply] = [r for r in fake.requests_to("POST", dm) if r.files]
    [file] = reply.files
    assert file.filename.endswith(".json")
    data = json.loads(file.data)
    assert data["user"] == fake.USER_ID
    assert data["tables"]["user_preferences"][0]["timezone"] == "Asia/Tokyo"
