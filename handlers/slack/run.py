"""Starting and stopping the Slack adapter: Socket Mode, HTTP mode or many workspaces (OAuth, over HTTP),
the sender, the avatar sweep."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import tomllib
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient

from bot.health import Readiness
from bot.runtime import Runtime
from handlers.slack.app import BOLT_LOGGER, SlackListeners
from handlers.slack.installations import (
    ROTATE_MINUTES_BEFORE_EXPIRY,
    STATE_SECONDS,
    InstallationStore,
    StateStore,
    WorkspaceClients,
)
from handlers.slack.profiles import SlackProfiles
from handlers.slack.requests import payload_refusal, signature_refusal
from handlers.slack.sender import SlackSender
from handlers.slack.settings import SlackSettings

log = logging.getLogger("headshot.slack")

EVENTS_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
SCOPES_FILE = Path(__file__).with_name("scopes.toml")
HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
AVATAR_SWEEP_SECONDS = 12 * 3600.0
RATE_LIMIT_RETRIES = 2
DRAIN_SECONDS = 15.0  # within serve's 25 s shutdown grace: answers already acknowledged get finished
MAX_REQUEST_BYTES = 1 * 2**20  # Slack's event payloads are small; the photos are fetched separately


class SlackStartError(RuntimeError):
    """The adapter could not start (bad token, Slack unreachable, port taken); serve retries later."""


def bot_scopes() -> list[str]:
    """The bot scopes an install asks for: scopes.toml, which a test keeps equal to slack-manifest.yml's."""
    with SCOPES_FILE.open("rb") as file:
        return sorted(tomllib.load(file)["bot"])


def oauth_settings(
    settings: SlackSettings, store: InstallationStore, states: StateStore, client: AsyncWebClient
) -> AsyncOAuthSettings:
    """Bolt's OAuth flow on the bot's own stores. The authorize step is Bolt's own, given the app's client
    (so a token refresh goes to SLACK_API_URL too) and its cache (one auth.test per token, not per event)."""
    assert settings.client_id and settings.client_secret
    oauth = AsyncOAuthSettings(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        scopes=bot_scopes(),
        user_scopes=[],
        redirect_uri=settings.redirect_uri,
        install_path=INSTALL_PATH,
        install_page_rendering_enabled=False,  # /slack/install goes straight to Slack's consent page
        redirect_uri_path=REDIRECT_PATH,
        installation_store=store,
        state_store=states,
        state_expiration_seconds=STATE_SECONDS,
        token_rotation_expiration_minutes=ROTATE_MINUTES_BEFORE_EXPIRY,
        logger=BOLT_LOGGER,
    )
    oauth.authorize = AsyncInstallationStoreAuthorize(
        logger=BOLT_LOGGER,
        installation_store=store,
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        token_rotation_expiration_minutes=ROTATE_MINUTES_BEFORE_EXPIRY,
        cache_enabled=True,
        client=client,
    )
    return oauth


def build_client(bot_token: str | None, api_url: str) -> AsyncWebClient:
    """The Web API client, with slack_sdk's own retries for connection errors and 429s.

    slack_sdk retries only connection errors by default; without the rate-limit handler a 429 becomes an
    exception right away. The handler waits for Slack's Retry-After before each retry.
    """
    # slack_sdk appends the method name to base_url as is: "…/api" would call "…/apiauth.test".
    client = AsyncWebClient(token=bot_token, base_url=api_url if api_url.endswith("/") else api_url + "/")
    client.retry_handlers = [
        AsyncConnectionErrorRetryHandler(max_retry_count=2),
        AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
    ]
    return client


def build_web_app(
    app: AsyncApp, *, signing_secret: str, readiness: Callable[[], Awaitable[Readiness]] | None = None
) -> web.Application:
    """HTTP mode: events, the slash command and interactivity all at /slack/events; /healthz (alive) and,
    given `readiness`, /readyz (the whole process ready: 200, else 503) for a load balancer's probes.

    Every request is checked on its raw bytes (signature, timestamp, shape) before Bolt parses it.
    """

    async def events(request: web.Request) -> web.Response:
        body = await request.read()
        refusal = signature_refusal(body, request.headers, signing_secret, now=time.time()) or (
            payload_refusal(body, request.content_type)
        )
        if refusal is not None:
            log.warning(
                "refused a Slack request: %s (%d)",
                refusal.reason,
                refusal.status,
                extra={"status": refusal.status, "reason": refusal.reason},
            )
            return web.json_response({"error": "invalid request"}, status=refusal.status)
        bolt_response = await app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(bolt_response)

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def install(request: web.Request) -> web.Response:
        assert app.oauth_flow is not None
        return await to_aiohttp_response(await app.oauth_flow.handle_installation(await _get(request)))

    async def redirect(request: web.Request) -> web.Response:
        assert app.oauth_flow is not None
        return await to_aiohttp_response(await app.oauth_flow.handle_callback(await _get(request)))

    async def ready(request: web.Request) -> web.Response:
        assert readiness is not None
        answer = await readiness()
        return web.json_response(answer.as_dict(), status=answer.http_status)

    web_app = web.Application(client_max_size=MAX_REQUEST_BYTES)
    web_app.router.add_post(EVENTS_PATH, events)
    if app.oauth_flow is not None:
        web_app.router.add_get(app.oauth_flow.install_path, install)
        web_app.router.add_get(app.oauth_flow.redirect_uri_path, redirect)
    web_app.router.add_get(HEALTH_PATH, health)
    if readiness is not None:
        web_app.router.add_get(READY_PATH, ready)
    return web_app


async def _get(request: web.Request) -> AsyncBoltRequest:
    return AsyncBoltRequest(body="", query=request.query_string, headers=dict(request.headers))


async def start_http(
    app: AsyncApp,
    host: str,
    port: int,
    *,
    signing_secret: str,
    readiness: Callable[[], Awaitable[Readiness]] | None = None,
) -> tuple[web.AppRunner, int]:
    """Serves the app; returns the runner (to clean up) and the bound port (useful with port 0)."""
    runner = web.AppRunner(
        build_web_app(app, signing_secret=signing_secret, readiness=readiness),
        handle_signals=False,
        access_log=None,
    )
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        raise SlackStartError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    return runner, int(runner.addresses[0][1])


def _socket_open(handler: AsyncSocketModeHandler) -> bool:
    """The Socket Mode WebSocket is up (slack_sdk reconnects a dropped one by itself)."""
    client = handler.client
    session = getattr(client, "current_session", None)
    return (
        not client.closed
        and not getattr(client, "stale", False)
        and session is not None
        and not session.closed
    )


async def open_socket_connections(
    app: AsyncApp, app_token: str, client: AsyncWebClient, count: int
) -> list[AsyncSocketModeHandler]:
    """`count` Socket Mode connections of one app, each its own WebSocket (its own apps.connections.open).

    Slack spreads the app's envelopes over its open connections and may deliver one envelope on two of
    them; every connection dispatches into the same Bolt app, whose `first_delivery_only` middleware claims
    each delivery in the store, so an envelope is acknowledged on every connection and answered once (in
    this process or another one). If one connection cannot open, those already open are closed.
    """
    handlers: list[AsyncSocketModeHandler] = []
    try:
        for _ in range(count):
            handler = AsyncSocketModeHandler(app, app_token, web_client=client)
            handlers.append(handler)
            await handler.connect_async()  # type: ignore[no-untyped-call]
    except BaseException:
        await close_socket_connections(handlers)
        raise
    return handlers


async def close_socket_connections(handlers: list[AsyncSocketModeHandler]) -> None:
    for handler in handlers:
        with contextlib.suppress(Exception):  # closing one broken connection must not keep others open
            await handler.close_async()  # type: ignore[no-untyped-call]


async def _run_socket_mode(
    runtime: Runtime, stopping: asyncio.Event, app: AsyncApp, client: AsyncWebClient, settings: SlackSettings
) -> None:
    assert settings.app_token
    count = settings.socket_connections
    try:
        handlers = await open_socket_connections(app, settings.app_token, client, count)
    except SlackApiError as exc:
        raise SlackStartError(
            f"Socket Mode connection refused ({exc.response.get('error')}); check SLACK_APP_TOKEN"
        ) from exc
    detail = "Socket Mode" if count == 1 else f"Socket Mode, {count} connections"
    log.info("Slack adapter connected in %s", detail, extra={"connections": count})
    # Ready while at least one connection is up: Slack sends the envelopes to the connections it has, and
    # slack_sdk reopens a dropped one by itself.
    runtime.health.connected("slack", detail, probe=lambda: any(_socket_open(h) for h in handlers))
    try:
        await stopping.wait()
    finally:
        runtime.health.disconnected("slack", "stopped")
        await close_socket_connections(handlers)


async def _sweep_forever(
    adapter: SlackListeners, clients: WorkspaceClients, team: str, stopping: asyncio.Event
) -> None:
    """Every workspace's avatars, each with its own token (one workspace: `team`'s), every 12 hours."""
    while not stopping.is_set():
        try:
            for each in await clients.teams(team):
                client = await clients.client_for(each)
                if client is None:
                    continue  # uninstalled since the list was read
                count = await adapter.sweep_avatars(each, client=client)
                if count:
                    log.info("recorded %d avatar sightings", count)
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            log.warning(
                "avatar sweep failed; next one as scheduled", extra={"error_type": type(exc).__name__}
            )
        except Exception:  # the store, say: one failed sweep must not end the sweeps for good
            log.exception("avatar sweep failed unexpectedly; next one as scheduled")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), AVATAR_SWEEP_SECONDS)


async def run_slack(
    runtime: Runtime, stopping: asyncio.Event, settings: SlackSettings, *, host: str = "0.0.0.0"
) -> None:
    """Runs until `stopping` is set. Raises `SlackStartError` (or a network error) when it cannot start."""
    many = settings.mode == "oauth"
    if many:
        client = build_client(None, settings.api_url)
        # The store's engine (migrated on open): the installations live beside the reminders.
        engine = await asyncio.to_thread(lambda: runtime.brain.reminders.store.engine)
        store = InstallationStore(settings.client_id or "", engine)
        oauth = oauth_settings(settings, store, StateStore(engine), client)
        clients = WorkspaceClients(
            store=store,
            make_client=lambda token: build_client(token, settings.api_url),
            rotator=AsyncTokenRotator(
                client_id=oauth.client_id, client_secret=oauth.client_secret, client=client
            ),
        )
        team = ""
    else:
        if not settings.bot_token:
            raise SlackStartError("SLACK_BOT_TOKEN is not set")
        if not (settings.app_token or settings.signing_secret):
            raise SlackStartError("set SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)")
        client = build_client(settings.bot_token, settings.api_url)
        try:
            identity = await client.auth_test()  # fails fast on a wrong token, before anything listens
        except SlackApiError as exc:
            raise SlackStartError(f"Slack rejected the bot token ({exc.response.get('error')})") from exc
        team = str(identity.get("team_id") or "")
        oauth = None
        clients = WorkspaceClients(single=client)

    profiles = SlackProfiles(client)
    adapter = SlackListeners(runtime.brain, client, api_url=settings.api_url, profiles=profiles)
    app = adapter.build_app(signing_secret=settings.signing_secret, oauth_settings=oauth)
    runtime.senders.register("slack", SlackSender(clients, profiles))
    sweeper = asyncio.create_task(_sweep_forever(adapter, clients, team, stopping))
    try:
        if settings.app_token and not many:
            await _run_socket_mode(runtime, stopping, app, client, settings)
        else:
            runner, port = await start_http(
                app,
                host,
                settings.port,
                signing_secret=settings.signing_secret or "",
                readiness=runtime.readiness,
            )
            log.info("Slack adapter listening on %s:%d%s", host, port, EVENTS_PATH)
            runtime.health.connected(
                "slack", f"{'many workspaces (OAuth), ' if many else ''}HTTP mode, listening on port {port}"
            )
            try:
                await stopping.wait()
            finally:
                runtime.health.disconnected("slack", "stopped")
                await runner.cleanup()
    finally:
        sweeper.cancel()
        await asyncio.gather(sweeper, return_exceptions=True)
        unfinished = await adapter.drain(DRAIN_SECONDS)
        if unfinished:
            log.warning("stopped with %d Slack answers unfinished", unfinished)
