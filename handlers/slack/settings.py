"""Slack's settings, read from the environment: the tokens, the mode, the port and the API URL."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.config import Setting, setting

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
