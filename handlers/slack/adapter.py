"""Slack as the core sees it: its settings, how it will run, its secrets, its doctor checks, and `run`.

Importing this module does not import slack-bolt (that happens in `run`), so `headshot doctor` and the
configuration work even where the Slack SDK is broken.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from bot.adapters import AdapterSpec, DoctorCheck
from bot.logs import mask
from handlers.slack.settings import SETTINGS, SlackSettings

if TYPE_CHECKING:
    from bot.runtime import Runtime


class SlackAdapter:
    name = "slack"

    def __init__(self, settings: SlackSettings) -> None:
        self.settings = settings

    @property
    def configured(self) -> bool:
        return self.settings.mode is not None

    def describe(self) -> str:
        settings = self.settings
        if settings.mode == "socket":
            connections = settings.socket_connections
            plural = "connection" if connections == 1 else "connections"
            detail = (
                f"Socket Mode, {connections} {plural} (app token {mask(settings.app_token)}); one workspace"
            )
            if settings.signing_secret:
                detail += "; SLACK_SIGNING_SECRET is ignored while SLACK_APP_TOKEN is set"
            return detail
        if settings.mode == "http":
            return f"HTTP mode on port {settings.port}: events at /slack/events, /healthz; one workspace"
        if settings.mode == "oauth":
            detail = (
                f"many workspaces (OAuth), HTTP mode on port {settings.port}: install at /slack/install, "
                "redirect to /slack/oauth_redirect, events at /slack/events"
            )
            ignored = [
                n
                for n, v in (("SLACK_BOT_TOKEN", settings.bot_token), ("SLACK_APP_TOKEN", settings.app_token))
                if v
            ]
            if ignored:
                detail += f"; {' and '.join(ignored)} ignored (each workspace's token is its installation's)"
            return detail
        return "not configured"

    def problems(self) -> list[str]:
        settings = self.settings
        found: list[str] = []
        if settings.oauth_requested:
            if not (settings.client_id and settings.client_secret and settings.signing_secret):
                found.append(
                    "many workspaces (OAuth) need SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and "
                    "SLACK_SIGNING_SECRET together: Slack will not start"
                )
        elif settings.bot_token and not settings.mode:
            found.append(
                "SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN (Socket Mode) nor "
                "SLACK_SIGNING_SECRET (HTTP mode): Slack will not start"
            )
        elif not settings.bot_token and (settings.app_token or settings.signing_secret):
            found.append(
                "SLACK_APP_TOKEN or SLACK_SIGNING_SECRET is set without SLACK_BOT_TOKEN: Slack will not start"
            )
        if settings.port_problem and settings.mode in ("http", "oauth"):
            found.append(settings.port_problem)
        if settings.socket_connections_problem and settings.mode == "socket":
            found.append(settings.socket_connections_problem)
        return found

    def secrets(self) -> list[str]:
        settings = self.settings
        return [
            s
            for s in (settings.bot_token, settings.app_token, settings.signing_secret, settings.client_secret)
            if s
        ]

    def doctor_checks(self, timeout: float) -> list[DoctorCheck]:
        from handlers.slack.doctor import check_installations, check_token

        if not self.configured:
            return []
        if self.settings.mode == "oauth":
            return check_installations(self.settings)
        return check_token(self.settings, timeout)

    async def run(self, runtime: Runtime, stopping: asyncio.Event) -> None:
        from handlers.slack.run import run_slack

        await run_slack(runtime, stopping, self.settings)


SPEC = AdapterSpec(
    name="slack",
    settings=SETTINGS,
    create=lambda environ: SlackAdapter(SlackSettings.from_environ(environ)),
)
