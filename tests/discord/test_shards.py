"""Several processes of one bot, each with its own shards (DISCORD_SHARD_COUNT, DISCORD_SHARD_IDS), against
the loopback gateway and one store: each identifies with its own shard and answers only its own servers,
one registers the commands, and a reminder is delivered exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.reminders.store import NewReminder, ReminderStore
from tests.conftest import PROJECT_ROOT
from tests.fakes.discord_api import FakeDiscord

pytestmark = pytest.mark.slow  # starts two `headshot serve` processes

STARTUP_TIMEOUT = 90  # two fresh interpreters import discord.py, SQLAlchemy and the knowledge base at once


async def _serve(fake: FakeDiscord, database: str, shard: int, log: Path) -> asyncio.subprocess.Process:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "HEADSHOT_"))
    }
    environment.update(
        DISCORD_TOKEN=fake.token,
        DISCORD_API_URL=fake.api_url,
        DISCORD_SHARD_COUNT="2",
        DISCORD_SHARD_IDS=str(shard),
        HEADSHOT_DATABASE_URL=database,
        HEADSHOT_LOG_FORMAT="json",
        PYTHONPATH=str(PROJECT_ROOT),
    )
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import sys; from handlers.cli import main; sys.exit(main(['serve']))",
        cwd=log.parent,
        env=environment,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=log.open("wb"),
    )


async def test_two_processes_share_one_bot_by_shard(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'headshot.db'}"
    store = ReminderStore(database)  # a reminder already due, set in a server of shard 0
    now = datetime.now(UTC)
    reminder = NewReminder(
        "discord", FakeDiscord.GUILD_ID, "", FakeDiscord.USER_ID, "refresh your headshot", due_at=now
    )
    store.bulk_add([reminder], now=now)
    store.close()

    async with FakeDiscord(guilds=(FakeDiscord.GUILD_ID, FakeDiscord.SECOND_GUILD_ID)) as fake:
        logs = [tmp_path / "shard-0.log", tmp_path / "shard-1.log"]
        processes = [await _serve(fake, database, shard, logs[shard]) for shard in (0, 1)]
        try:
            await fake.wait_until_ready(timeout=STARTUP_TIMEOUT, shards=[0, 1])
            assert sorted(identify["shard"] for identify in fake.identifies) == [[0, 2], [1, 2]]

            await fake.send_mention("help", guild_id=fake.GUILD_ID)
            await fake.wait_for_request(
                "POST", f"/channels/{fake.CHANNEL_ID}/messages", timeout=STARTUP_TIMEOUT
            )
            await fake.send_mention("help", guild_id=fake.SECOND_GUILD_ID)
            await fake.wait_for_request(
                "POST", f"/channels/{fake.SECOND_CHANNEL_ID}/messages", timeout=STARTUP_TIMEOUT
            )
            dm = f"/channels/{fake.dm_channel_id(fake.USER_ID)}/messages"
            await fake.wait_for_request("POST", dm, timeout=STARTUP_TIMEOUT)
            await asyncio.sleep(2)  # time enough for a second delivery, if there were one
        finally:
            for process in processes:
                if process.returncode is None:
                    process.send_signal(signal.SIGTERM)
            codes = [await asyncio.wait_for(process.wait(), 60) for process in processes]

    assert codes == [0, 0], [log.read_text()[-2000:] for log in logs]
    # Each server's message was answered once, by the process that holds its shard.
    assert len(fake.requests_to("POST", f"/channels/{fake.CHANNEL_ID}/messages")) == 1
    assert len(fake.requests_to("POST", f"/channels/{fake.SECOND_CHANNEL_ID}/messages")) == 1
    handled = [log.read_text() for log in logs]
    assert (
        f'"workspace": "{fake.GUILD_ID}"' in handled[0]
        and f'"workspace": "{fake.GUILD_ID}"' not in handled[1]
    )
    assert f'"workspace": "{fake.SECOND_GUILD_ID}"' in handled[1]
    # One process registered the slash commands; the reminder went out once.
    assert len(fake.requests_to("PUT", f"/applications/{fake.APP_ID}/commands")) == 1
    assert len(fake.requests_to("POST", f"/channels/{fake.dm_channel_id(fake.USER_ID)}/messages")) == 1
