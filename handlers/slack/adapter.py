"""Slack as the core sees it: its settings, how it will run, its secrets, its doctor checks, and `run`.

Importing this module does not import slack-bolt (that happens in `run`), so `headshot doctor` and the
configuration work even where the Slack SDK is broken.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.adapters import AdapterSpec, DoctorCheck, Setting
from bot.config import setting
from bot.logs import mask

if TYPE_CHECKING:
    from bot.runtime import Runtime

DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_PORT = 3000

SETTINGS: tuple[Setting, ...] = (
    Setting("SLACK_BOT_TOKEN", "Bot User OAuth Token (xoxb-…)", secret=True),
    Setting("SLACK_APP_TOKEN", "app-level token (xapp-…): Socket Mode", secret=True),
    Setting("SLACK_SIGNING_SECRET", "signing secret: HTTP mode (events at /slack/events)", secret=True),
    Setting("PORT", "port of the HTTP mode listener", str(DEFAULT_PORT)),
    Setting("SLACK_API_URL", "Slack Web API base URL (enterprise proxies, tests)", DEFAULT_API_URL),
)


@dataclass(frozen=True)
class SlackSettings:
    bot_token: str | None = None
    app_token: str | None = None
    signing_secret: str | None = None
    port: int = DEFAULT_PORT
    api_url: str = DEFAULT_API_URL
    port_problem: str | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> SlackSettings:
        port_text = setting(environ, "PORT") or str(DEFAULT_PORT)
        port, problem = DEFAULT_PORT, None
        try:
            port = int(port_text)
            if not 0 < port < 65536:
                raise ValueError(port_text)
        except ValueError:
            port, problem = DEFAULT_PORT, f"PORT must be a port number (1-65535), not {port_text!r}"
        return cls(
            bot_token=setting(environ, "SLACK_BOT_TOKEN"),
            app_token=setting(environ, "SLACK_APP_TOKEN"),
            signing_secret=setting(environ, "SLACK_SIGNING_SECRET"),
            port=port,
            api_url=setting(environ, "SLACK_API_URL") or DEFAULT_API_URL,
            port_problem=problem,
        )

    @property
    def mode(self) -> str | None:
        """ "socket" or "http" when the credentials for one are set, else None."""
        if not self.bot_token:
            return None
        if self.app_token:
            return "socket"
        return "http" if self.signing_secret else None


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
            detail = f"Socket Mode (app token {mask(settings.app_token)})"
            if settings.signing_secret:
                detail += "; SLACK_SIGNING_SECRET is ignored while SLACK_APP_TOKEN is set"
            return detail
        if settings.mode == "http":
            return f"HTTP mode on port {settings.port}: events at /slack/events, /healthz"
        return "not configured"

    def problems(self) -> list[str]:
        settings = self.settings
        found: list[str] = []
        if settings.bot_token and not settings.mode:
            found.append(
                "SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN (Socket Mode) nor "
                "SLACK_SIGNING_SECRET (HTTP mode): Slack will not start"
            )
        elif not settings.bot_token and (settings.app_token or settings.signing_secret):
            found.append(
                "SLACK_APP_TOKEN or SLACK_SIGNING_SECRET is set without SLACK_BOT_TOKEN: Slack will not start"
            )
        if settings.port_problem and settings.mode == "http":
            found.append(settings.port_problem)
        return found

    def secrets(self) -> list[str]:
        settings = self.settings
        return [s for s in (settings.bot_token, settings.app_token, settings.signing_secret) if s]

    def doctor_checks(self, timeout: float) -> list[DoctorCheck]:
        from handlers.slack.doctor import check_token

        return check_token(self.settings, timeout) if self.configured else []

    async def run(self, runtime: Runtime, stopping: asyncio.Event) -> None:
        from handlers.slack.run import run_slack

        await run_slack(runtime, stopping, self.settings)


SPEC = AdapterSpec(
    name="slack",
    settings=SETTINGS,
    create=lambda environ: SlackAdapter(SlackSettings.from_environ(environ)),
)
