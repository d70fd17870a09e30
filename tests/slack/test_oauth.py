"""Many workspaces (OAuth) end to end: the real slack-bolt OAuth flow and slack-sdk's SQLAlchemy stores in
the bot's own database (SQLite and PostgreSQL), against the loopback fake Slack.

Install into two workspaces through /slack/install and /slack/oauth_redirect, then: each workspace's events
are answered with its own token, a reminder goes out with its workspace's token, rotating tokens are
refreshed, and uninstalling one workspace leaves the other working.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from sqlalchemy import text

from bot.adapters import OK, WARN
from bot.config import Config
from bot.messages import Conversation, Paragraph, Reply, ReplyKind
from bot.reminders.delivery import Delivery, PermanentDeliveryError
from bot.runtime import Runtime
from handlers.slack.adapter import SPEC
from handlers.slack.run import run_slack
from handlers.slack.settings import SlackSettings
from tests.fakes import slack_events
from tests.fakes.brains import RecordingBrain
from tests.fakes.slack_api import FakeSlackApi, post_event
from tests.reminders.conftest import _postgres_server, _throwaway_database
from tests.slack.conftest import SECRET, event_callback


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own per test (a throwaway one on PostgreSQL), migrated when the bot opens it."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'headshot.db'}"
        return
    with _throwaway_database(_postgres_server()) as url:
        yield url


# slack-sdk sends the client id and secret with aiohttp.BasicAuth, which aiohttp 3.14 deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Served:
    base: str
    runtime: Runtime
    brain: RecordingBrain

    @property
    def events_url(self) -> str:
        return f"{self.base}/slack/events"

    def count(self, table: str) -> int:
        with self.brain.reminders.store.engine.connect() as connection:
            return int(connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())


@pytest.fixture
async def served(config: Config, store_url: str) -> AsyncIterator[tuple[FakeSlackApi, Served]]:
    config = Config(database_url=store_url, knowledge_dir=config.knowledge_dir)
    async with FakeSlackApi() as slack:
        brain = RecordingBrain(config)
        runtime = Runtime(config, _brain=brain)
        port = _free_port()
        settings = SlackSettings(
            client_id=slack.client_id,
            client_secret=slack.client_secret,
            signing_secret=SECRET,
            port=port,
            api_url=slack.url,
            database_url=store_url,
        )
        assert settings.mode == "oauth"
        stopping = asyncio.Event()
        task = asyncio.create_task(run_slack(runtime, stopping, settings, host="127.0.0.1"))
        for _ in range(500):
            if runtime.health.connections().get("slack") or task.done():
                break
            await asyncio.sleep(0.01)
        assert runtime.health.connections().get("slack"), task.exception() if task.done() else "not up"
        try:
            yield slack, Served(f"http://127.0.0.1:{port}", runtime, brain)
        finally:
            stopping.set()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, 30)
            brain.close()


async def install(served: Served, slack: FakeSlackApi, team: str) -> None:
    """What an admin's browser does: open /slack/install, approve on Slack, follow the redirect back."""
    code = slack.add_workspace(team)
    async with aiohttp.ClientSession() as browser:
        async with browser.get(f"{served.base}/slack/install", allow_redirects=False) as response:
            assert response.status == 302  # straight to Slack's consent page, no page of our own
            location = response.headers["Location"]
            cookie = SimpleCookie(response.headers["Set-Cookie"])
        query = parse_qs(urlsplit(location).query)
        assert location.startswith("https://slack.com/oauth/v2/authorize")
        assert query["client_id"] == [slack.client_id]
        assert set(query["scope"][0].split(",")) >= {"chat:write", "files:read", "im:write"}
        state = query["state"][0]
        cookies = "; ".join(f"{name}={morsel.value}" for name, morsel in cookie.items())
        async with browser.get(
            f"{served.base}/slack/oauth_redirect",
            params={"code": code, "state": state},
            headers={"Cookie": cookies},
            allow_redirects=False,
        ) as response:
            assert response.status == 200, await response.text()


async def _dm(served: Served, slack: FakeSlackApi, team: str, text: str) -> None:
    event = event_callback(slack_events.dm(text), team=team)
    assert (await post_event(served.events_url, event, SECRET)).status == 200


async def test_two_workspaces_are_answered_with_their_own_tokens(
    served: tuple[FakeSlackApi, Served],
) -> None:
    slack, bot = served
    await install(bot, slack, "T1")
    await install(bot, slack, "T2")
    assert bot.count("slack_installations") == 2 and bot.count("slack_bots") == 2
    assert bot.count("slack_oauth_states") == 0  # each state was used once, then deleted

    # Several messages from both workspaces at once: each answer carries its own workspace's token.
    await asyncio.gather(*(_dm(bot, slack, team, "help") for team in ("T1", "T2") for _ in range(3)))
    await slack.wait_for_calls("chat.postMessage", 6)
    assert len(slack.calls_with("chat.postMessage", "T1")) == 3
    assert len(slack.calls_with("chat.postMessage", "T2")) == 3
    teams = {incoming.conversation.workspace for incoming in bot.brain.incomings}
    assert teams == {"T1", "T2"}

    # A reminder set in T2 goes out with T2's token.
    sender = bot.runtime.senders.get("slack")
    assert sender is not None
    reply = Reply(ReplyKind.REMINDER, (Paragraph("Reminder 7: time to refresh your headshot"),))
    await sender.deliver(Delivery(7, Conversation("slack", "T2", "D1", "U1"), reply))

    def reminders_in(team: str) -> list[dict[str, object]]:
        return [p for p in slack.calls_with("chat.postMessage", team) if "Reminder 7" in str(p.get("text"))]

    [delivered] = reminders_in("T2")
    assert delivered["channel"] == "DU1"
    assert reminders_in("T1") == []


async def test_a_photo_is_downloaded_with_its_workspaces_token(served: tuple[FakeSlackApi, Served]) -> None:
    slack, bot = served
    await install(bot, slack, "T1")
    await install(bot, slack, "T2")
    file = slack.add_file("F2", b"not really a jpeg", name="me.jpg", team="T2")
    event = event_callback(slack_events.dm("check", files=[file]), team="T2")
    assert (await post_event(bot.events_url, event, SECRET)).status == 200
    await slack.wait_for_call("chat.postMessage")
    [(path, authorization)] = slack.downloads
    assert path.startswith("/files-pri/T2-F2/")
    assert authorization is not None and authorization.removeprefix("Bearer ") in slack.tokens_of("T2")
    # The fake hands the file only to T2's token: the bot got the bytes (a decode problem, not a login page).
    [incoming] = bot.brain.incomings
    assert incoming.attachments[0].data == b"not really a jpeg"


async def test_uninstalling_one_workspace_leaves_the_other_working(
    served: tuple[FakeSlackApi, Served],
) -> None:
    slack, bot = served
    await install(bot, slack, "T1")
    await install(bot, slack, "T2")
    uninstalled = event_callback({"type": "app_uninstalled"}, team="T1")
    assert (await post_event(bot.events_url, uninstalled, SECRET)).status == 200
    assert bot.count("slack_installations") == 1 and bot.count("slack_bots") == 1

    sender = bot.runtime.senders.get("slack")
    assert sender is not None
    reply = Reply(ReplyKind.REMINDER, (Paragraph("Time to refresh your headshot"),))
    with pytest.raises(PermanentDeliveryError, match="no longer installed"):
        await sender.deliver(Delivery(8, Conversation("slack", "T1", "D1", "U1"), reply))

    await _dm(bot, slack, "T2", "help")
    await slack.wait_for_call("chat.postMessage")
    assert len(slack.calls_with("chat.postMessage", "T2")) == 1
    # T1's events find no installation: Bolt refuses them, nothing is posted there.
    await _dm(bot, slack, "T1", "help")
    assert slack.calls_with("chat.postMessage", "T1") == []


async def test_rotating_tokens_are_refreshed_and_saved(served: tuple[FakeSlackApi, Served]) -> None:
    slack, bot = served
    slack.rotating = True  # tokens expire in 60 s: well inside Bolt's two hours, so refreshed on use
    await install(bot, slack, "T1")
    [first] = slack.tokens_of("T1")
    await _dm(bot, slack, "T1", "help")
    await slack.wait_for_call("chat.postMessage")
    refreshes = [p for p in slack.calls_to("oauth.v2.access") if p.get("grant_type") == "refresh_token"]
    assert refreshes
    [(_, used)] = [item for item in slack.tokens_used if item[0] == "chat.postMessage"]
    assert used != first and used in slack.tokens_of("T1")
    with bot.brain.reminders.store.engine.connect() as connection:
        stored = connection.execute(
            text("SELECT bot_token FROM slack_bots ORDER BY installed_at DESC LIMIT 1")
        ).scalar_one()
    assert stored != first  # the refreshed token was saved for the next request and the sender


async def test_doctor_shows_the_mode_and_counts_installations(
    served: tuple[FakeSlackApi, Served], store_url: str, tmp_path: Path
) -> None:
    slack, bot = served
    environ = {
        "SLACK_CLIENT_ID": slack.client_id,
        "SLACK_CLIENT_SECRET": slack.client_secret,
        "SLACK_SIGNING_SECRET": SECRET,
        "HEADSHOT_DATABASE_URL": store_url,
    }
    adapter = SPEC.create(environ)
    assert adapter.configured and adapter.describe().startswith("many workspaces (OAuth)")
    assert slack.client_secret in adapter.secrets()  # masked by doctor, redacted from logs
    [row] = await asyncio.to_thread(adapter.doctor_checks, 5.0)
    assert row.status == WARN and "no workspace has installed the app yet" in row.detail
    await install(bot, slack, "T1")
    await install(bot, slack, "T2")
    [row] = await asyncio.to_thread(adapter.doctor_checks, 5.0)
    assert row.status == OK and "installed in 2 workspaces" in row.detail
    assert slack.client_secret not in row.detail

    half = SPEC.create({"SLACK_CLIENT_ID": slack.client_id, "SLACK_BOT_TOKEN": "xoxb-single-123456"})
    assert not half.configured
    assert any("SLACK_CLIENT_SECRET" in problem for problem in half.problems())
    single = SPEC.create({"SLACK_BOT_TOKEN": "xoxb-single-123456", "SLACK_SIGNING_SECRET": SECRET})
    assert single.describe().endswith("one workspace")
