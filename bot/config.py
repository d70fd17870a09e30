"""The core's settings, from the environment or a `.env` file (the environment wins).

Each platform adapter reads its own settings (`handlers/<platform>/adapter.py`) from `Config.environ`, the
same merged view, so this file knows nothing of Slack or Discord. Every setting is declared once as a
`Setting` (here for the core, in each adapter for its platform); `.env.example` and README's configuration
table list them all, and a test keeps the three in step.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    """One environment variable: what `.env.example`, README and `doctor` say about it."""

    name: str
    meaning: str
    default: str = "unset"
    secret: bool = False


PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_KNOWLEDGE_DIR = PROJECT_ROOT / "knowledge"

CORE_SETTINGS: tuple[Setting, ...] = (
    Setting("HEADSHOT_DATABASE_URL", "SQLAlchemy URL of the store", "sqlite:///data/headshot.db"),
    Setting("HEADSHOT_KNOWLEDGE_DIR", "documents the knowledge base is built from", "the bundled knowledge/"),
    Setting("HEADSHOT_CACHE_DIR", "where the knowledge index cache is written", "data/cache"),
    Setting("HEADSHOT_LOG_FORMAT", "`text` (key=value lines) or `json`", "text"),
    Setting("HEADSHOT_LOG_LEVEL", "DEBUG, INFO, WARNING or ERROR", "INFO"),
    Setting(
        "HEADSHOT_HEALTH_PORT",
        "port where `serve` answers probes: /healthz (alive), /readyz (adapters connected, store answers, "
        "scheduler ticking)",
        "unset (the Docker image: 8080)",
    ),
    Setting("HEADSHOT_METRICS_PORT", "port of the Prometheus /metrics endpoint", "unset (off)"),
    Setting(
        "HEADSHOT_PHOTO_WORKERS",
        "photo analyses that run at once; the rest wait their turn",
        "number of CPU cores",
    ),
    Setting(
        "HEADSHOT_PHOTO_MEMORY_MB",
        "decode memory (MB) the running photo analyses share; a picture whose decode alone needs more is "
        "refused before decoding",
        "256",
    ),
    Setting(
        "HEADSHOT_KB_LOG_QUESTIONS",
        "`on`: keep the texts of questions the bot declined, was unsure about or got a 👎 for, for "
        "`headshot kb misses` (vote counts are always kept, without any text)",
        "off",
    ),
    Setting("HEADSHOT_KB_LOG_DAYS", "days a logged question is kept before it is deleted", "30"),
    Setting(
        "HEADSHOT_RETENTION_DAYS",
        "days after which delivered, cancelled and failed reminders, photo sightings, answer feedback, "
        "logged questions and answered confirmations are deleted (PRIVACY.md)",
        "90",
    ),
)


def _default_database_url() -> str:
    return f"sqlite:///{Path('data') / 'headshot.db'}"


def database_url(environ: Mapping[str, str]) -> str:
    """HEADSHOT_DATABASE_URL, or the default SQLite file under ./data/."""
    return setting(environ, "HEADSHOT_DATABASE_URL") or _default_database_url()


@dataclass(frozen=True)
class Config:
    database_url: str
    knowledge_dir: Path
    cache_dir: Path | None = None  # the knowledge index cache; None: HEADSHOT_CACHE_DIR or data/cache
    log_format: str = "text"  # "text" or "json"
    log_level: str = "INFO"
    health_port: int | None = None  # /healthz and /readyz; None: only on Slack HTTP mode's listener
    metrics_port: int | None = None  # /metrics; None: no metrics
    photo_workers: int | None = None  # photo analyses at once; None: one per CPU core
    photo_memory_mb: int | None = None  # decode memory those analyses share; None: bot.photo.work's default
    kb_log_questions: bool = False  # keep the texts of badly served questions (HEADSHOT_KB_LOG_QUESTIONS)
    kb_log_days: int = 30  # how long they are kept
    retention_days: int = 90  # finished reminders, sightings, feedback... are deleted after this many days
    # Every variable the process sees (.env merged under the environment), for the adapters' own settings.
    environ: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def read_environ(dotenv_path: Path | None = None) -> dict[str, str]:
    """The process environment over `./.env` (or `dotenv_path`)."""
    from dotenv import dotenv_values

    merged = {k: v for k, v in dotenv_values(dotenv_path or Path(".env")).items() if v is not None}
    merged.update(os.environ)
    return merged


def setting(environ: Mapping[str, str], name: str) -> str | None:
    """A setting's value, or None when it is unset or blank (a blank line in `.env` means "default")."""
    return _clean(environ.get(name))


def malformed_secret(value: str) -> bool:
    """A line break, space or control character inside a token: a bad copy (no platform issues one), and
    no HTTP header may carry it."""
    return any(char.isspace() or not char.isprintable() for char in value)


def load_config(environ: Mapping[str, str] | None = None, *, dotenv_path: Path | None = None) -> Config:
    """Reads the settings. With `environ=None` the process environment plus `./.env` are used."""
    if environ is None:
        environ = read_environ(dotenv_path)
    knowledge = setting(environ, "HEADSHOT_KNOWLEDGE_DIR")
    photo_workers = _positive_int(setting(environ, "HEADSHOT_PHOTO_WORKERS"), "HEADSHOT_PHOTO_WORKERS")
    photo_memory_mb = _positive_int(setting(environ, "HEADSHOT_PHOTO_MEMORY_MB"), "HEADSHOT_PHOTO_MEMORY_MB")
    retention_days = _positive_int(setting(environ, "HEADSHOT_RETENTION_DAYS"), "HEADSHOT_RETENTION_DAYS")
    return Config(
        database_url=database_url(environ),
        knowledge_dir=Path(knowledge) if knowledge else BUNDLED_KNOWLEDGE_DIR,
        cache_dir=Path(cache) if (cache := setting(environ, "HEADSHOT_CACHE_DIR")) else None,
        log_format=(setting(environ, "HEADSHOT_LOG_FORMAT") or "text").lower(),
        log_level=(setting(environ, "HEADSHOT_LOG_LEVEL") or "INFO").upper(),
        health_port=_port(environ, "HEADSHOT_HEALTH_PORT"),
        metrics_port=_port(environ, "HEADSHOT_METRICS_PORT"),
        photo_workers=photo_workers,
        photo_memory_mb=photo_memory_mb,
        kb_log_questions=_switch(setting(environ, "HEADSHOT_KB_LOG_QUESTIONS"), "HEADSHOT_KB_LOG_QUESTIONS"),
        kb_log_days=_positive_int(setting(environ, "HEADSHOT_KB_LOG_DAYS"), "HEADSHOT_KB_LOG_DAYS") or 30,
        retention_days=retention_days or 90,
        environ=dict(environ),
    )


def _port(environ: Mapping[str, str], name: str) -> int | None:
    text = setting(environ, name)
    if text is None:
        return None
    if not re.fullmatch(r"[0-9]{1,5}", text) or not 0 < int(text) < 65536:
        raise ConfigError(f"{name} must be a port number (1-65535), not {text!r}")
    return int(text)


def _positive_int(text: str | None, name: str) -> int | None:
    if text is None:
        return None
    try:
        value = int(text)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not {text!r}") from exc
    if value < 1:
        raise ConfigError(f"{name} must be at least 1, not {value}")
    return value


_ON = frozenset({"on", "true", "yes", "1"})
_OFF = frozenset({"off", "false", "no", "0"})


def _switch(text: str | None, name: str) -> bool:
    if text is None:
        return False
    if text.lower() in _ON | _OFF:
        return text.lower() in _ON
    raise ConfigError(f"{name} must be on or off, not {text!r}")


class ConfigError(ValueError):
    """A setting has a value the bot cannot use; the message says which and why."""
