"""`headshot serve` as an operator runs it, with only DISCORD_TOKEN and DISCORD_API_URL set."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, data_path
from tests.fakes.discord_api import FakeDiscord

pytestmark = pytest.mark.slow  # starts `headshot serve` in a process

STARTUP_TIMEOUT = 60  # a fresh interpreter imports discord.py, SQLAlchemy and the knowledge base


async def test_headshot_serve_answers_a_mention_a_dm_photo_and_a_slash_command(tmp_path: Path) -> None:
    async with FakeDiscord() as fake:
        environment = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DISCORD_", "SLACK_", "HEADSHOT_"))
        }
        environment.update(
            DISCORD_TOKEN=fake.token,
            DISCORD_API_URL=fake.api_url,
            HEADSHOT_DATABASE_URL=f"sqlite:///{tmp_path / 'headshot.db'}",
            PYTHONPATH=str(PROJECT_ROOT),
        )
        serve = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            "import sys; from handlers.cli import main; sys.exit(main(['serve']))",
            cwd=tmp_path,  # no stray .env is read
            env=environment,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            await fake.wait_until_ready(timeout=STARTUP_TIMEOUT)
            await fake.send_mention("how often should I update my headshot?")
            mention_reply = await fake.wait_for_request("POST", f"/channels/{fake.CHANNEL_ID}/messages")
            assert mention_reply.json["embeds"]

            photo = data_path("photos", "obama_small_320x240.jpg").read_bytes()
            await fake.send_dm("", attachments=[fake.add_attachment("me.jpg", photo, "image/jpeg")])
            dm = f"/channels/{fake.dm_channel_id(fake.USER_ID)}/messages"
            photo_reply = await fake.wait_for_request("POST", dm, timeout=STARTUP_TIMEOUT)
            assert any(f.filename.endswith("-crop.jpg") for f in photo_reply.files)

            _, token = await fake.send_slash_command("ask", {"question": "are AI headshots ok for LinkedIn?"})
            await fake.wait_for_request("POST", f"/interactions/{_}/{token}/callback")
            followup = await fake.wait_for_request("POST", f"/webhooks/{fake.APP_ID}/{token}")
            assert followup.json["embeds"] or followup.json["content"]

            # Right-click someone's photo → Apps → Review photo: an ephemeral review.
            posted = await fake.send_guild_message(
                "new photo", attachments=[("p.jpg", photo, "image/jpeg")], user_id=fake.ADMIN_ID
            )
            _, token = await fake.send_message_command("Review photo", posted)
            review = await fake.wait_for_request(
                "POST", f"/webhooks/{fake.APP_ID}/{token}", timeout=STARTUP_TIMEOUT
            )
            assert review.json["flags"] & 64 and review.json["embeds"]
        finally:
            if serve.returncode is None:
                serve.send_signal(signal.SIGTERM)
            output, _unused = await asyncio.wait_for(serve.communicate(), timeout=30)
        log = output.decode(errors="replace")
        assert serve.returncode == 0, log
        assert fake.token not in log
