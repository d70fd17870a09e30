"""`headshot doctor`: checks the configuration without changing anything, and says how to fix it.

What it checks: which adapters `serve` will start and in which mode; that Slack accepts the bot token
(`auth.test`) and Discord the bot token (`GET /users/@me`), each with a short timeout; that the store
is reachable and at the newest migration (read-only: a missing SQLite file is not created); and that
the knowledge base loads. It prints one table row per check and exits 0 when every required check
passes, 1 otherwise. Secrets are shown as their last 4 characters at most.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import sys
import textwrap
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from bot.cli import Runtime
from bot.config import DEFAULT_SLACK_API_URL, Config
from bot.logs import mask, redact
from handlers.serve import plan_for

DEFAULT_DISCORD_API_URL = "https://discord.com/api/v10"
DEFAULT_TIMEOUT_SECONDS = 5.0

OK, WARN, FAIL, SKIP, UNKNOWN = "ok", "warn", "FAIL", "skip", "unknown"


@dataclass(frozen=True)
class Check:
    check: str
    status: str  # ok, warn, FAIL, skip, unknown: only FAIL makes doctor exit 1
    detail: str
    fix: str = ""


# --- adapters -------------------------------------------------------------------------------------


def check_adapters(config: Config) -> list[Check]:
    plan = plan_for(config)
    rows: list[Check] = []
    if plan.slack_mode == "socket":
        detail = f"Socket Mode (app token {mask(config.slack_app_token)})"
        if config.slack_signing_secret:
            detail += "; SLACK_SIGNING_SECRET is ignored while SLACK_APP_TOKEN is set"
        rows.append(Check("slack adapter", OK, detail))
    elif plan.slack_mode == "http":
        rows.append(
            Check("slack adapter", OK, f"HTTP mode on port {config.port}: events at /slack/events, /healthz")
        )
    for note in plan.notes:
        rows.append(
            Check(
                "slack adapter",
                FAIL,
                note,
                "Set SLACK_BOT_TOKEN plus SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode), "
                "or unset the Slack variables",
            )
        )
    if plan.discord:
        shards = config.discord_shards
        mode = f"auto-sharded ({shards} shards)" if shards else "gateway, one connection"
        if shards == "auto":
            mode = "auto-sharded (shard count from Discord)"
        where = f", API {config.discord_api_url}" if config.discord_api_url else ""
        guild = (
            f", slash commands synced to guild {config.discord_guild_id}" if config.discord_guild_id else ""
        )
        rows.append(Check("discord adapter", OK, f"{mode}{where}{guild}"))
        if shards and shards != "auto" and not (shards.isdigit() and int(shards) > 0):
            rows.append(
                Check(
                    "discord adapter", FAIL, f"DISCORD_SHARDS={shards!r}", "Use `auto` or a positive number"
                )
            )
    if plan.console:
        rows.append(
            Check(
                "adapters",
                WARN,
                "no platform configured: `headshot serve` opens the console chat",
                "Set SLACK_BOT_TOKEN with SLACK_APP_TOKEN or SLACK_SIGNING_SECRET, and/or DISCORD_TOKEN",
            )
        )
    return rows


# --- tokens ---------------------------------------------------------------------------------------


def _request_json(request: urllib.request.Request, timeout: float) -> tuple[int, Any]:
    """(HTTP status, decoded JSON body or None). Network failures raise OSError."""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read()
    try:
        return status, json.loads(body)
    except ValueError:
        return status, None


def _unreachable(what: str, url: str, exc: BaseException) -> str:
    reason = getattr(exc, "reason", None) or exc
    return redact(f"could not reach {what} at {url}: {reason}")


_SLACK_TOKEN_FIXES = {
    "invalid_auth": "Copy the Bot User OAuth Token (xoxb-…) from your app's OAuth & Permissions page",
    "not_authed": "Set SLACK_BOT_TOKEN to the Bot User OAuth Token (xoxb-…)",
    "token_revoked": "Reinstall the app to the workspace and copy the new Bot User OAuth Token",
    "account_inactive": "Reinstall the app to the workspace and copy the new Bot User OAuth Token",
    "token_expired": "Turn off token rotation or refresh the token; then copy the new one",
}


def check_slack_token(config: Config, timeout: float) -> list[Check]:
    if not config.slack_configured or not config.slack_bot_token:
        return []
    token = config.slack_bot_token
    rows: list[Check] = []
    if not token.startswith("xoxb-"):
        rows.append(
            Check(
                "slack token",
                WARN,
                f"SLACK_BOT_TOKEN ({mask(token)}) does not start with xoxb-",
                "Use the Bot User OAuth Token, not a user (xoxp-) or app-level (xapp-) token",
            )
        )
    if config.slack_app_token and not config.slack_app_token.startswith("xapp-"):
        rows.append(
            Check(
                "slack app token",
                FAIL,
                f"SLACK_APP_TOKEN ({mask(config.slack_app_token)}) does not start with xapp-",
                "Generate an app-level token with the connections:write scope (Basic Information page)",
            )
        )
    url = config.slack_api_url.rstrip("/") + "/auth.test"
    request = urllib.request.Request(
        url,
        data=b"",
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    try:
        status, body = _request_json(request, timeout)
    except OSError as exc:
        fix = "Check the network or proxy"
        if config.slack_api_url != DEFAULT_SLACK_API_URL:
            fix += f", and SLACK_API_URL ({config.slack_api_url})"
        return [*rows, Check("slack token", FAIL, _unreachable("Slack", url, exc), fix)]
    if not isinstance(body, dict):
        return [
            *rows,
            Check(
                "slack token", FAIL, f"auth.test answered HTTP {status} without JSON", "Check SLACK_API_URL"
            ),
        ]
    if body.get("ok"):
        team = body.get("team") or body.get("team_id") or "?"
        detail = (
            f"accepted ({mask(token)}): team {team} ({body.get('team_id', '?')}), "
            f"bot user {body.get('user_id', '?')}"
        )
        return [*rows, Check("slack token", OK, detail)]
    error = str(body.get("error") or f"HTTP {status}")
    if status == 429 or error == "ratelimited":
        return [
            *rows,
            Check("slack token", WARN, "auth.test was rate limited", "Run doctor again in a minute"),
        ]
    fix = _SLACK_TOKEN_FIXES.get(error, "Check SLACK_BOT_TOKEN")
    return [*rows, Check("slack token", FAIL, f"rejected ({mask(token)}): {redact(error)}", fix)]


def check_discord_token(config: Config, timeout: float) -> list[Check]:
    if not config.discord_configured or not config.discord_token:
        return []
    token = config.discord_token
    if token.lower().startswith("bot "):
        return [
            Check(
                "discord token",
                FAIL,
                "DISCORD_TOKEN starts with 'Bot '",
                "Put only the token in DISCORD_TOKEN; the bot adds the 'Bot ' prefix itself",
            )
        ]
    base = (config.discord_api_url or DEFAULT_DISCORD_API_URL).rstrip("/")
    url = f"{base}/users/@me"
    request = urllib.request.Request(
        url,
        headers={"Authorization": f"Bot {token}", "User-Agent": "DiscordBot (headshot-bot doctor, 0.1)"},
    )
    try:
        status, body = _request_json(request, timeout)
    except OSError as exc:
        fix = "Check the network or proxy"
        if config.discord_api_url:
            fix += f", and DISCORD_API_URL ({config.discord_api_url})"
        return [Check("discord token", FAIL, _unreachable("Discord", url, exc), fix)]
    if status == 200 and isinstance(body, dict):
        name = body.get("username", "?")
        if body.get("discriminator") not in (None, "0", "0000"):
            name = f"{name}#{body['discriminator']}"
        return [
            Check(
                "discord token",
                OK,
                f"accepted ({mask(token)}): logged in as {name} (id {body.get('id', '?')})",
            )
        ]
    if status == 401:
        return [
            Check(
                "discord token",
                FAIL,
                f"rejected ({mask(token)}): 401 Unauthorized",
                "Reset the token on your application's Bot page (Developer Portal); put it in DISCORD_TOKEN",
            )
        ]
    if status == 429:
        return [Check("discord token", WARN, "rate limited by Discord", "Run doctor again in a minute")]
    return [Check("discord token", FAIL, f"/users/@me answered HTTP {status}", "Check DISCORD_API_URL")]


# --- store ----------------------------------------------------------------------------------------


def _migrations_head() -> tuple[set[str] | None, str]:
    """The package's newest revision(s), or None with the reason when that cannot be known."""
    try:
        from alembic.script import ScriptDirectory

        from bot.reminders.database import MIGRATIONS_DIR
    except ImportError as exc:
        return None, f"migrations not available ({exc})"
    if not (MIGRATIONS_DIR / "versions").is_dir():
        return None, "the package ships no migrations"
    try:
        return set(ScriptDirectory(str(MIGRATIONS_DIR)).get_heads()), ""
    except Exception as exc:
        return None, f"migrations unreadable ({type(exc).__name__}: {exc})"


def check_database(config: Config, timeout: float) -> list[Check]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    try:
        try:
            from bot.reminders.database import normalise_url

            url = normalise_url(config.database_url)
        except ImportError:
            url = make_url(config.database_url)
    except ArgumentError as exc:
        return [
            Check(
                "database",
                FAIL,
                redact(f"HEADSHOT_DATABASE_URL is not a database URL: {exc}"),
                "Use sqlite:///path/to/file.db or postgresql+psycopg://user:password@host:5432/db",
            )
        ]
    shown = url.render_as_string(hide_password=True)
    head, head_problem = _migrations_head()

    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database in {"", ":memory:"}:
            return [
                Check(
                    "database",
                    WARN,
                    f"{shown}: in memory, reminders are lost on restart",
                    "Set HEADSHOT_DATABASE_URL to a file, e.g. sqlite:///data/headshot.db",
                )
            ]
        path = Path(database).expanduser()
        if not path.exists():
            parent = next((p for p in (path.parent, *path.parent.parents) if p.exists()), Path("/"))
            if not _writable(parent):
                return [
                    Check(
                        "database",
                        FAIL,
                        f"{shown}: does not exist and {parent} is not writable",
                        f"Make {path.parent} writable by this user (in Docker: the /app/data volume)",
                    )
                ]
            return [
                Check(
                    "database",
                    WARN,
                    f"{shown}: not created yet",
                    "`headshot serve` creates and migrates it on first start",
                )
            ]
        # Doctor must never create, write or migrate the store. mode=ro alone still leaves -wal/-shm files
        # beside a WAL database nobody has open; with no -wal present no process is writing, so the file
        # can be read as immutable. While the bot runs (-wal present) a plain read-only open is right.
        flags = "mode=ro" if Path(f"{path}-wal").exists() else "mode=ro&immutable=1"
        engine = create_engine(
            "sqlite://",
            creator=lambda: sqlite3.connect(f"file:{quote(str(path))}?{flags}", uri=True, timeout=timeout),
        )
        if not _writable(path):
            problem = Check(
                "database", FAIL, f"{path} is read-only for this user", f"Fix the permissions of {path}"
            )
        else:
            problem = None
    else:
        connect_args: dict[str, Any] = {}
        if url.get_backend_name() == "postgresql":
            connect_args["connect_timeout"] = max(1, int(timeout))
        engine = create_engine(url, connect_args=connect_args, poolclass=_null_pool())
        problem = None

    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = _current_revisions(connection)
    except SQLAlchemyError as exc:
        message = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return [
            Check(
                "database",
                FAIL,
                redact(f"{shown}: cannot connect: {message}"),
                "Check HEADSHOT_DATABASE_URL, that the server runs and accepts this user",
            )
        ]
    finally:
        engine.dispose()

    rows = [Check("database", OK, f"{shown}: reachable")]
    if problem:
        rows.append(problem)
    rows.append(_migration_row(current, head, head_problem))
    return rows


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK)


def _null_pool() -> Any:
    from sqlalchemy.pool import NullPool

    return NullPool


def _current_revisions(connection: Any) -> set[str]:
    from alembic.runtime.migration import MigrationContext

    return set(MigrationContext.configure(connection).get_current_heads())


def _migration_row(current: set[str], head: set[str] | None, head_problem: str) -> Check:
    current_text = ", ".join(sorted(current)) or "none"
    if head is None:
        return Check("migrations", UNKNOWN, f"database at {current_text}; {head_problem}")
    head_text = ", ".join(sorted(head))
    if current == head:
        return Check("migrations", OK, f"at the newest revision ({head_text})")
    if not current:
        return Check(
            "migrations",
            WARN,
            f"empty store (package head {head_text})",
            "`headshot serve` migrates it on start",
        )
    try:
        from alembic.script import ScriptDirectory

        from bot.reminders.database import MIGRATIONS_DIR

        script = ScriptDirectory(str(MIGRATIONS_DIR))
        known = all(script.get_revision(revision) is not None for revision in current)
    except Exception:
        known = False
    if not known:
        return Check(
            "migrations",
            FAIL,
            f"database at {current_text}, unknown to this version (head {head_text})",
            "The store was migrated by a newer headshot-bot: run that version, or restore a backup",
        )
    return Check(
        "migrations",
        WARN,
        f"database at {current_text}, package head {head_text}",
        "`headshot serve` upgrades it on start (back the store up first)",
    )


# --- knowledge ------------------------------------------------------------------------------------


def check_knowledge(config: Config) -> list[Check]:
    from bot.knowledge import KnowledgeBase

    directory = config.knowledge_dir
    if not directory.is_dir():
        return [
            Check(
                "knowledge base",
                FAIL,
                f"{directory} is not a folder",
                "Set HEADSHOT_KNOWLEDGE_DIR to the documents folder, or unset it for the bundled one",
            )
        ]
    try:
        knowledge = KnowledgeBase.load(directory)
    except Exception as exc:
        return [
            Check(
                "knowledge base",
                FAIL,
                f"{directory}: {type(exc).__name__}: {exc}",
                "Fix the file named above (documents are .md/.txt, metadata in metadata.json)",
            )
        ]
    passages = list(knowledge.passages)
    documents = {getattr(passage, "doc", None) for passage in passages}
    if not passages:
        return [Check("knowledge base", FAIL, f"{directory}: no passages", "Add .md or .txt documents to it")]
    return [
        Check("knowledge base", OK, f"{len(documents)} documents, {len(passages)} passages from {directory}")
    ]


def check_logging(config: Config) -> list[Check]:
    rows: list[Check] = []
    if config.log_format not in {"text", "json"}:
        rows.append(
            Check(
                "logs",
                WARN,
                f"HEADSHOT_LOG_FORMAT={config.log_format!r}: key=value text is used",
                "Use text or json",
            )
        )
    if config.log_level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        rows.append(
            Check(
                "logs",
                WARN,
                f"HEADSHOT_LOG_LEVEL={config.log_level!r}: INFO is used",
                "Use DEBUG, INFO, WARNING or ERROR",
            )
        )
    if config.log_level == "DEBUG":
        rows.append(Check("logs", WARN, "DEBUG logs users' message text", "Use INFO outside debugging"))
    return rows or [Check("logs", OK, f"{config.log_format} lines at {config.log_level}, secrets redacted")]


def check_scheduler() -> list[Check]:
    import importlib.util

    if importlib.util.find_spec("bot.reminders.scheduler") is None:
        return [Check("reminder scheduler", UNKNOWN, "not part of this installation yet")]
    return [Check("reminder scheduler", OK, "runs inside `headshot serve`")]


# --- running and printing -------------------------------------------------------------------------


def run_checks(config: Config, *, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> list[Check]:
    rows: list[Check] = [Check("configuration", OK, "read from the environment and .env")]
    steps: Sequence[Callable[[], list[Check]]] = (
        lambda: check_adapters(config),
        lambda: check_slack_token(config, timeout),
        lambda: check_discord_token(config, timeout),
        lambda: check_database(config, timeout),
        lambda: check_knowledge(config),
        check_scheduler,
        lambda: check_logging(config),
    )
    for step in steps:
        try:
            rows.extend(step())
        except Exception as exc:  # one broken check must not hide the others
            rows.append(
                Check(
                    "doctor",
                    FAIL,
                    redact(f"a check crashed: {type(exc).__name__}: {exc}"),
                    "Please report this",
                )
            )
    secrets = [
        s
        for s in (
            config.slack_bot_token,
            config.slack_app_token,
            config.slack_signing_secret,
            config.discord_token,
        )
        if s
    ]
    return [Check(r.check, r.status, redact(r.detail, secrets), redact(r.fix, secrets)) for r in rows]


def format_table(rows: Sequence[Check], width: int) -> str:
    headers = ("CHECK", "STATUS", "DETAIL", "FIX")
    check_w = max(len(headers[0]), *(len(r.check) for r in rows))
    status_w = max(len(headers[1]), *(len(r.status) for r in rows))
    rest = max(40, width - check_w - status_w - 6)
    detail_w = max(20, rest * 11 // 20)
    fix_w = max(20, rest - detail_w - 2)
    lines = [f"{headers[0]:<{check_w}}  {headers[1]:<{status_w}}  {headers[2]:<{detail_w}}  {headers[3]}"]
    for row in rows:
        detail = textwrap.wrap(row.detail, detail_w) or [""]
        fix = textwrap.wrap(row.fix, fix_w) or [""]
        for index in range(max(len(detail), len(fix))):
            first = index == 0
            lines.append(
                f"{(row.check if first else ''):<{check_w}}  {(row.status if first else ''):<{status_w}}  "
                f"{(detail[index] if index < len(detail) else ''):<{detail_w}}  "
                f"{fix[index] if index < len(fix) else ''}".rstrip()
            )
    return "\n".join(lines)


def doctor(config: Config, *, out: TextIO, timeout: float, as_json: bool = False) -> int:
    rows = run_checks(config, timeout=timeout)
    failed = [row for row in rows if row.status == FAIL]
    if as_json:
        print(json.dumps({"ok": not failed, "checks": [asdict(row) for row in rows]}), file=out)
    else:
        print(format_table(rows, shutil.get_terminal_size((120, 24)).columns), file=out)
        print(file=out)
        print(f"{len(failed)} problem(s) to fix." if failed else "All required checks passed.", file=out)
    return 1 if failed else 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "doctor", help="check the configuration, tokens, store and knowledge base without changing anything"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    parser.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT_SECONDS, help="seconds per network check (default 5)"
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace, runtime: Runtime) -> int:
    return doctor(runtime.config, out=sys.stdout, timeout=args.timeout, as_json=args.json)
