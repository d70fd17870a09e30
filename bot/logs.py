"""Logging for the whole process: one event per line, JSON or key=value, with secrets redacted.

Built on the standard `logging` module on purpose: slack-bolt, slack-sdk, discord.py, aiohttp and
SQLAlchemy all log through it, so one handler with one formatter and one redaction filter covers every
line the process writes, including the libraries' own. (structlog would add a dependency and still need
this bridge for the libraries.)

Callers add context with `extra=`: `log.info("answered", extra={"platform": "slack", "workspace": team,
"latency_ms": 42})`. The text format prints `ts=… level=INFO logger=… event=answered platform=slack …`;
`HEADSHOT_LOG_FORMAT=json` prints `{"ts": …, "level": …, "logger": …, "event": …, "platform": …}`.

Never log a token, image bytes, or a user's full message text at INFO. The filter enforces what it can:
anything shaped like a Slack or Discord token, an Authorization header, a password in a database URL or
a configured secret is replaced by `[redacted]`; bytes become `<N bytes>`; and `text`-like extras above
DEBUG are cut to their length.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

REDACTED = "[redacted]"
MIN_REDACTED_LENGTH = 6
"""Configured secrets shorter than this are not replaced verbatim: a one-letter "secret" would turn every
occurrence of that letter into [redacted] ("cra[redacted]hed"); doctor flags such a secret instead."""

_SECRET_PATTERNS: tuple[re.Pattern[str], ...] = (
    # Slack bot/user/app-level/refresh/config tokens: xoxb-, xoxp-, xoxa-, xoxr-, xoxe-, xoxs-, xapp-.
    re.compile(r"\bxox[abeoprs](?:\.[A-Za-z0-9]+)?-[A-Za-z0-9-]{6,}"),
    re.compile(r"\bxapp-[A-Za-z0-9-]{6,}"),
    # Discord bot tokens are three base64url parts: user id, timestamp, HMAC (JWT-shaped, so those go too).
    re.compile(r"\b[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{20,}"),
)
# "Authorization: Bot abc", "'Authorization': 'Bearer abc'", "authorization=Basic abc".
_AUTHORIZATION = re.compile(
    r"""(?P<key>authorization["']?\s*[:=]\s*["']?)(?:(?:bearer|bot|basic|token)\s+)?[^\s"',;}]+""",
    re.IGNORECASE,
)
# postgresql+psycopg://user:password@host/db
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s]+:)[^@\s]+(?P<tail>@)", re.IGNORECASE)

# Extras whose values are a user's words: logged as their length unless the level is DEBUG.
TEXT_FIELDS = frozenset({"text", "message_text", "question", "body", "content"})

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys() | {"message", "asctime", "taskName"}
)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every token-shaped string, Authorization value, URL password and known secret removed.

    A secret is also found as it appears escaped (`repr()` of an exception message, JSON): a token with a
    line break in it shows as `xoxb-12\\n34…` there, which its plain form would not match.
    """
    for secret in sorted({s for s in secrets if s and len(s) >= MIN_REDACTED_LENGTH}, key=len, reverse=True):
        for form in _forms(secret):
            text = text.replace(form, REDACTED)
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(REDACTED, text)
    text = _AUTHORIZATION.sub(lambda m: m.group("key") + REDACTED, text)
    return _URL_PASSWORD.sub(lambda m: m.group("head") + REDACTED + m.group("tail"), text)


def _forms(secret: str) -> list[str]:
    """The secret as written, and as Python's repr and JSON escape it (when that differs)."""
    escaped = {secret, secret.encode("unicode_escape").decode("ascii"), json.dumps(secret)[1:-1]}
    return sorted(escaped, key=len, reverse=True)


def mask(secret: str | None) -> str:
    """A secret as an operator may see it: at most its last 4 characters."""
    if not secret:
        return "(unset)"
    if len(secret) < 12:
        return "…(set)"
    return "…" + secret[-4:]


class RedactingFilter(logging.Filter):
    """Scrubs a record before any formatter sees it. Attach it to handlers (handler filters also see
    records propagated from library loggers; logger filters would not)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        # Longest first, so a secret that contains another is removed whole.
        self.secrets = tuple(
            sorted({s for s in secrets if s and len(s) >= MIN_REDACTED_LENGTH}, key=len, reverse=True)
        )

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage(), self.secrets)
        record.args = None
        for key, value in list(vars(record).items()):
            if key in _STANDARD_ATTRIBUTES:
                continue
            setattr(record, key, self._scrub(key, value, record.levelno))
        if record.exc_info and not record.exc_text:
            # Format the traceback now so its text is redacted too (exception messages can carry URLs).
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True

    def _scrub(self, key: str, value: object, level: int) -> object:
        if isinstance(value, bytes | bytearray | memoryview):
            return f"<{len(value)} bytes>"
        if isinstance(value, str):
            if key in TEXT_FIELDS and level > logging.DEBUG:
                return f"<{len(value)} chars>"
            return redact(value, self.secrets)
        if isinstance(value, Mapping):
            return {str(k): self._scrub(str(k), v, level) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._scrub(key, v, level) for v in value]
        return value


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRIBUTES and not k.startswith("_")}


def _timestamp(record: logging.LogRecord) -> str:
    return (
        datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


class _EventFormatter(logging.Formatter):
    """The fields of one event: ts, level, logger, event, then the record's extras, then the error."""

    def fields(self, record: logging.LogRecord) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "ts": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key, value in _extras(record).items():
            entry.setdefault(key, value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["error"] = record.exc_text
        return entry


class JsonFormatter(_EventFormatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = self.fields(record)
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, default=str, ensure_ascii=False)


_BARE_VALUE = re.compile(r"^[A-Za-z0-9_.:/@+\-]+$")


def _text_value(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    return text if _BARE_VALUE.match(text) else json.dumps(text, ensure_ascii=False)


class KeyValueFormatter(_EventFormatter):
    """`ts=… level=… logger=… event="…" key=value …` on one line; a traceback is folded into `error=`."""

    def format(self, record: logging.LogRecord) -> str:
        return " ".join(f"{key}={_text_value(value)}" for key, value in self.fields(record).items())


def configure_logging(
    *,
    level: str | int = "INFO",
    fmt: str = "text",
    secrets: Iterable[str | None] = (),
    stream: TextIO | None = None,
) -> logging.Handler:
    """Replaces the root handlers with one redacting handler on `stream` (stderr by default).

    `secrets` are the configured tokens and passwords: they are removed verbatim wherever they appear,
    even when they do not look like a token.
    """
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt.lower() == "json" else KeyValueFormatter())
    handler.addFilter(RedactingFilter(s for s in secrets if s))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    numeric = level if isinstance(level, int) else logging.getLevelNamesMapping().get(level.upper())
    root.setLevel(logging.INFO if numeric is None else numeric)
    if numeric is None:
        logging.getLogger("headshot").warning(
            "HEADSHOT_LOG_LEVEL=%s is not a level (DEBUG, INFO, WARNING, ERROR); using INFO", level
        )
    # One line per HTTP request (or Alembic's notes each time the schema is read) would drown the bot's own
    # events at INFO.
    for chatty in ("aiohttp.access", "alembic.runtime.plugins", "alembic.runtime.migration"):
        logging.getLogger(chatty).setLevel(max(root.level, logging.WARNING))
    return handler


def redirect_logs(path: Path) -> bool:
    """Sends the process's log lines (the handler `configure_logging` installed) to the file `path`,
    appending; False when there is no such handler or the file cannot be opened (then nothing changes)."""
    root = logging.getLogger()
    ours = [h for h in root.handlers if isinstance(h, logging.StreamHandler) and _redacts(h)]
    if not ours:
        return False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        stream = path.open("a", encoding="utf-8")  # closed by logging.shutdown with the handler
    except OSError:
        return False
    for handler in ours:
        handler.setStream(stream)
    return True


def _redacts(handler: logging.Handler) -> bool:
    return any(isinstance(f, RedactingFilter) for f in handler.filters)


@contextmanager
def timed(logger: logging.Logger, event: str, **fields: Any) -> Iterator[dict[str, Any]]:
    """Logs `event` with `latency_ms` when the block ends; the block may add fields to the yielded dict.

    An exception inside the block is logged at ERROR with the same fields and re-raised.
    """
    extra = dict(fields)
    started = time.perf_counter()
    try:
        yield extra
    except Exception:
        extra["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
        logger.exception("%s failed", event, extra=extra)
        raise
    extra["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
    logger.info(event, extra=extra)
