"""Slack's settings, read from the environment: the tokens, the mode, the port and the API URL.

Modes: "socket" (SLACK_BOT_TOKEN + SLACK_APP_TOKEN), "http" (SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET), both
for one workspace; "oauth" (SLACK_CLIENT_ID + SLACK_CLIENT_SECRET + SLACK_SIGNING_SECRET): HTTP mode for
any number of workspaces, installed through /slack/install, their tokens kept in the bot's database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.config import Setting, database_url, setting

DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_PORT = 3000
DEFAULT_SOCKET_CONNECTIONS = 1
MAX_SOCKET_CONNECTIONS = 10  # Slack delivers over at most 10 open connections of one app

SETTINGS: tuple[Setting, ...] = (
    Setting("SLACK_BOT_TOKEN", "Bot User OAuth Token (xoxb-…)", secret=True),
    Setting("SLACK_APP_TOKEN", "app-level token (xapp-…): Socket Mode", secret=True),
    Setting("SLACK_SIGNING_SECRET", "signing secret: HTTP mode (events at /slack/events)", secret=True),
    Setting(
        "SLACK_SOCKET_CONNECTIONS",
        f"Socket Mode connections this process opens (1-{MAX_SOCKET_CONNECTIONS}); Slack spreads events"
        " over them",
        str(DEFAULT_SOCKET_CONNECTIONS),
    ),
    Setting("PORT", "port of the HTTP mode listener", str(DEFAULT_PORT)),
    Setting("SLACK_API_URL", "Slack Web API base URL (enterprise proxies, tests)", DEFAULT_API_URL),
    Setting("SLACK_CLIENT_ID", "app's Client ID: with SLACK_CLIENT_SECRET, many workspaces (OAuth install)"),
    Setting("SLACK_CLIENT_SECRET", "app's Client Secret: many workspaces (OAuth install)", secret=True),
    Setting(
        "SLACK_REDIRECT_URI",
        "OAuth redirect URL (https://HOST/slack/oauth_redirect); needed when the app lists several",
    ),
)


@dataclass(frozen=True)
class SlackSettings:
    bot_token: str | None = None
    app_token: str | None = None
    signing_secret: str | None = None
    port: int = DEFAULT_PORT
    api_url: str = DEFAULT_API_URL
    port_problem: str | None = None
    socket_connections: int = DEFAULT_SOCKET_CONNECTIONS
    socket_connections_problem: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    redirect_uri: str | None = None
    database_url: str = ""  # where the installations are kept in OAuth mode (HEADSHOT_DATABASE_URL)

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
        connections, connections_problem = _socket_connections(setting(environ, "SLACK_SOCKET_CONNECTIONS"))
        return cls(
            bot_token=setting(environ, "SLACK_BOT_TOKEN"),
            app_token=setting(environ, "SLACK_APP_TOKEN"),
            signing_secret=setting(environ, "SLACK_SIGNING_SECRET"),
            port=port,
            api_url=setting(environ, "SLACK_API_URL") or DEFAULT_API_URL,
            port_problem=problem,
            socket_connections=connections,
            socket_connections_problem=connections_problem,
            client_id=setting(environ, "SLACK_CLIENT_ID"),
            client_secret=setting(environ, "SLACK_CLIENT_SECRET"),
            redirect_uri=setting(environ, "SLACK_REDIRECT_URI"),
            database_url=database_url(environ),
        )

    @property
    def mode(self) -> str | None:
        """ "oauth", "socket" or "http" when the credentials for one are set, else None."""
        if self.oauth_requested:
            return "oauth" if self.client_id and self.client_secret and self.signing_secret else None
        if not self.bot_token:
            return None
        if self.app_token:
            return "socket"
        return "http" if self.signing_secret else None

    @property
    def oauth_requested(self) -> bool:
        """SLACK_CLIENT_ID or SLACK_CLIENT_SECRET is set: the operator wants many workspaces."""
        return bool(self.client_id or self.client_secret)


def _socket_connections(text: str | None) -> tuple[int, str | None]:
    """SLACK_SOCKET_CONNECTIONS as a number of connections, or the default and what is wrong with it."""
    if text is None:
        return DEFAULT_SOCKET_CONNECTIONS, None
    try:
        count = int(text)
    except ValueError:
        count = 0
    if not 1 <= count <= MAX_SOCKET_CONNECTIONS:
        return DEFAULT_SOCKET_CONNECTIONS, (
            f"SLACK_SOCKET_CONNECTIONS must be a whole number from 1 to {MAX_SOCKET_CONNECTIONS} "
            f"(Slack's limit), not {text!r}; using {DEFAULT_SOCKET_CONNECTIONS}"
        )
    return count, None
