"""Many workspaces (OAuth): the installations and OAuth states in the bot's own database, and the Web API
client each workspace's calls go through.

The stores are slack-sdk's SQLAlchemy ones (`SQLAlchemyInstallationStore`, `SQLAlchemyOAuthStateStore`) on
the store's engine (its SQLite pragmas, its PostgreSQL pool), run in a worker thread each call so the event
loop never waits for the database; their tables come from migration r0008. `WorkspaceClients` answers
"which client for team T": one fixed client with SLACK_BOT_TOKEN (single workspace, as before), or the
team's installation, its bot token refreshed first when Slack's token rotation is on.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any, Protocol

import sqlalchemy as sa
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from sqlalchemy.engine import Engine

log = logging.getLogger("headshot.slack.installations")

STATE_SECONDS = 600  # an install link works for 10 minutes (Bolt's default)
ROTATE_MINUTES_BEFORE_EXPIRY = 120  # Bolt's default: a rotating token is refreshed 2 h before it expires


def installation_metadata() -> sa.MetaData:
    """slack-sdk's three tables, as slack-sdk defines them (the migration must match: a test compares)."""
    metadata = sa.MetaData()
    SQLAlchemyInstallationStore.build_installations_table(
        metadata, SQLAlchemyInstallationStore.default_installations_table_name
    )
    SQLAlchemyInstallationStore.build_bots_table(
        metadata, SQLAlchemyInstallationStore.default_bots_table_name
    )
    SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, SQLAlchemyOAuthStateStore.default_table_name)
    return metadata


class InstallationStore(AsyncInstallationStore):
    """slack-sdk's SQLAlchemy installation store, each call in a worker thread."""

    def __init__(self, client_id: str, engine: Engine) -> None:
        self.sync = SQLAlchemyInstallationStore(client_id=client_id, engine=engine, logger=log)

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        await asyncio.to_thread(self.sync.save, installation)

    async def async_save_bot(self, bot: Bot) -> None:
        await asyncio.to_thread(self.sync.save_bot, bot)

    async def async_find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        return await asyncio.to_thread(
            self.sync.find_bot,
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        return await asyncio.to_thread(
            self.sync.find_installation,
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await asyncio.to_thread(self.sync.delete_bot, enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        await asyncio.to_thread(
            self.sync.delete_installation, enterprise_id=enterprise_id, team_id=team_id, user_id=user_id
        )

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)
        await self.async_delete_installation(enterprise_id=enterprise_id, team_id=team_id)

    async def teams(self) -> list[str]:
        """Every workspace the app has a bot token for (this client id), sorted."""
        return await asyncio.to_thread(installed_teams, self.sync.engine, self.sync.client_id)


def installed_teams(engine: Engine, client_id: str) -> list[str]:
    bots = SQLAlchemyInstallationStore.build_bots_table(sa.MetaData(), "slack_bots")
    query = (
        sa.select(bots.c.team_id)
        .where(bots.c.client_id == client_id, bots.c.team_id.is_not(None), bots.c.bot_token.is_not(None))
        .distinct()
    )
    with engine.connect() as connection:
        return sorted(str(team) for team in connection.execute(query).scalars())


class StateStore(AsyncOAuthStateStore):
    """slack-sdk's SQLAlchemy OAuth state store, in a worker thread; issuing a state also deletes the
    expired ones (slack-sdk's store never does), so abandoned install links do not pile up."""

    def __init__(self, engine: Engine, *, expiration_seconds: int = STATE_SECONDS) -> None:
        self.sync = SQLAlchemyOAuthStateStore(
            expiration_seconds=expiration_seconds, engine=engine, logger=log
        )

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        await asyncio.to_thread(self._delete_expired)
        return await asyncio.to_thread(self.sync.issue)

    async def async_consume(self, state: str) -> bool:
        return await asyncio.to_thread(self.sync.consume, state)

    def _delete_expired(self) -> None:
        table = self.sync.oauth_states
        now = datetime.now(UTC).replace(tzinfo=None)  # slack-sdk stores naive UTC
        with self.sync.engine.begin() as connection:
            connection.execute(table.delete().where(table.c.expire_at <= now))


class ClientFactory(Protocol):
    def __call__(self, token: str | None) -> Any: ...


class WorkspaceClients:
    """The Web API client for one workspace's calls outside a Slack request (reminders, sweeps).

    Single workspace: always the one client (SLACK_BOT_TOKEN). OAuth: the team's newest installation's bot
    token, refreshed (and saved) first when it rotates and expires within two hours; None when the app is
    not installed there (any more).
    """

    def __init__(
        self,
        *,
        single: Any | None = None,
        store: InstallationStore | None = None,
        make_client: ClientFactory | None = None,
        rotator: AsyncTokenRotator | None = None,
    ) -> None:
        if (single is None) == (store is None):
            raise ValueError("give either the single workspace's client or the installation store")
        self.single = single
        self.store = store
        self.make_client = make_client
        self.rotator = rotator
        self._rotating: dict[str, asyncio.Lock] = {}

    @property
    def many(self) -> bool:
        return self.store is not None

    async def teams(self, single_team: str) -> list[str]:
        """The workspaces to sweep: the installed ones, or the single workspace's."""
        return await self.store.teams() if self.store is not None else [single_team]

    async def client_for(self, team: str) -> Any | None:
        if self.store is None:
            return self.single
        token = await self.bot_token(team)
        if token is None or self.make_client is None:
            return None
        return self.make_client(token)

    async def bot_token(self, team: str) -> str | None:
        assert self.store is not None
        # One refresh per team at a time: a refresh token used twice at once can fail the second use.
        lock = self._rotating.setdefault(team, asyncio.Lock())
        async with lock:
            installation = await self.store.async_find_installation(enterprise_id=None, team_id=team)
            if installation is None or not installation.bot_token:
                return None
            if installation.bot_refresh_token and self.rotator is not None:
                refreshed = await self.rotator.perform_token_rotation(
                    installation=installation, minutes_before_expiration=ROTATE_MINUTES_BEFORE_EXPIRY
                )
                if refreshed is not None:
                    await self.store.async_save(refreshed)
                    return refreshed.bot_token
            return installation.bot_token
