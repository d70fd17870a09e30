"""Settings from the environment or a `.env` file (the environment wins).

Every setting is listed, with a comment, in `.env.example` and in README's configuration table.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_KNOWLEDGE_DIR = PROJECT_ROOT / "knowledge"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"


def _default_database_url() -> str:
    return f"sqlite:///{Path('data') / 'headshot.db'}"


@dataclass(frozen=True)
class Config:
    database_url: str
    knowledge_dir: Path
    slack_bot_token: str | None = None
    slack_app_token: str | None = None
    slack_signing_secret: str | None = None
    port: int = 3000
    slack_api_url: str = DEFAULT_SLACK_API_URL
    discord_token: str | None = None
    discord_api_url: str | None = None
    discord_guild_id: str | None = None
    discord_shards: str | None = None  # a number, "auto", or unset for a single connection
    log_format: str = "text"  # "text" or "json"
    log_level: str = "INFO"

    @property
    def slack_configured(self) -> bool:
        return bool(self.slack_bot_token and (self.slack_app_token or self.slack_signing_secret))

    @property
    def discord_configured(self) -> bool:
        return bool(self.discord_token)


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def load_config(environ: Mapping[str, str] | None = None, *, dotenv_path: Path | None = None) -> Config:
    """Reads the settings. With `environ=None` the process environment plus `./.env` are used."""
    if environ is None:
        from dotenv import dotenv_values

        merged: dict[str, str] = {
            k: v for k, v in dotenv_values(dotenv_path or Path(".env")).items() if v is not None
        }
        merged.update(os.environ)
        environ = merged

    def get(name: str) -> str | None:
        return _clean(environ.get(name))

    port_text = get("PORT") or "3000"
    try:
        port = int(port_text)
    except ValueError as exc:
        raise ConfigError(f"PORT must be a number, not {port_text!r}") from exc

    knowledge = get("HEADSHOT_KNOWLEDGE_DIR")
    return Config(
        database_url=get("HEADSHOT_DATABASE_URL") or _default_database_url(),
        knowledge_dir=Path(knowledge) if knowledge else BUNDLED_KNOWLEDGE_DIR,
        slack_bot_token=get("SLACK_BOT_TOKEN"),
        slack_app_token=get("SLACK_APP_TOKEN"),
        slack_signing_secret=get("SLACK_SIGNING_SECRET"),
        port=port,
        slack_api_url=get("SLACK_API_URL") or DEFAULT_SLACK_API_URL,
        discord_token=get("DISCORD_TOKEN"),
        discord_api_url=get("DISCORD_API_URL"),
        discord_guild_id=get("DISCORD_GUILD_ID"),
        discord_shards=get("DISCORD_SHARDS"),
        log_format=(get("HEADSHOT_LOG_FORMAT") or "text").lower(),
        log_level=(get("HEADSHOT_LOG_LEVEL") or "INFO").upper(),
    )


class ConfigError(ValueError):
    """A setting has a value the bot cannot use; the message says which and why."""
