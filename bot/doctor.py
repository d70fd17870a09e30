"""The core's `headshot doctor` checks: the store (reachable, at the newest migration), the knowledge
base, the scheduler and the log settings. Read-only: a missing SQLite file is not created, nothing is
migrated. The adapters add their own rows (`Adapter.doctor_checks`); `handlers/doctor.py` runs them all.
"""

from __future__ import annotations

import json
import os
import sqlite3
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bot.adapters import FAIL, OK, UNKNOWN, WARN, DoctorCheck
from bot.config import Config
from bot.logs import redact

# --- helpers for the network checks of the adapters -------------------------------------------------


def request_json(request: urllib.request.Request, timeout: float) -> tuple[int, Any]:
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


def unreachable(what: str, url: str, exc: BaseException) -> str:
    reason = getattr(exc, "reason", None) or exc
    return redact(f"could not reach {what} at {url}: {reason}")


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


def check_database(config: Config, timeout: float) -> list[DoctorCheck]:
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
            DoctorCheck(
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
                DoctorCheck(
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
                    DoctorCheck(
                        "database",
                        FAIL,
                        f"{shown}: does not exist and {parent} is not writable",
                        f"Make {path.parent} writable by this user (in Docker: the /app/data volume)",
                    )
                ]
            return [
                DoctorCheck(
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
            problem = DoctorCheck(
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
            DoctorCheck(
                "database",
                FAIL,
                redact(f"{shown}: cannot connect: {message}"),
                "Check HEADSHOT_DATABASE_URL, that the server runs and accepts this user",
            )
        ]
    finally:
        engine.dispose()

    rows = [DoctorCheck("database", OK, f"{shown}: reachable")]
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


def _migration_row(current: set[str], head: set[str] | None, head_problem: str) -> DoctorCheck:
    current_text = ", ".join(sorted(current)) or "none"
    if head is None:
        return DoctorCheck("migrations", UNKNOWN, f"database at {current_text}; {head_problem}")
    head_text = ", ".join(sorted(head))
    if current == head:
        return DoctorCheck("migrations", OK, f"at the newest revision ({head_text})")
    if not current:
        return DoctorCheck(
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
        return DoctorCheck(
            "migrations",
            FAIL,
            f"database at {current_text}, unknown to this version (head {head_text})",
            "The store was migrated by a newer headshot-bot: run that version, or restore a backup",
        )
    return DoctorCheck(
        "migrations",
        WARN,
        f"database at {current_text}, package head {head_text}",
        "`headshot serve` upgrades it on start (back the store up first)",
    )


# --- knowledge ------------------------------------------------------------------------------------


def check_knowledge(config: Config) -> list[DoctorCheck]:
    from bot.knowledge import KnowledgeBase

    directory = config.knowledge_dir
    if not directory.is_dir():
        return [
            DoctorCheck(
                "knowledge base",
                FAIL,
                f"{directory} is not a folder",
                "Set HEADSHOT_KNOWLEDGE_DIR to the documents folder, or unset it for the bundled one",
            )
        ]
    try:
        knowledge = KnowledgeBase.load(directory, cache_dir=config.cache_dir)
    except Exception as exc:
        return [
            DoctorCheck(
                "knowledge base",
                FAIL,
                f"{directory}: {type(exc).__name__}: {exc}",
                "Fix the file named above (documents are .md/.txt, metadata in metadata.json)",
            )
        ]
    passages = list(knowledge.passages)
    documents = {getattr(passage, "doc", None) for passage in passages}
    if not passages:
        return [
            DoctorCheck(
                "knowledge base", FAIL, f"{directory}: no passages", "Add .md or .txt documents to it"
            )
        ]
    return [
        DoctorCheck(
            "knowledge base", OK, f"{len(documents)} documents, {len(passages)} passages from {directory}"
        )
    ]


def check_logging(config: Config) -> list[DoctorCheck]:
    rows: list[DoctorCheck] = []
    if config.log_format not in {"text", "json"}:
        rows.append(
            DoctorCheck(
                "logs",
                WARN,
                f"HEADSHOT_LOG_FORMAT={config.log_format!r}: key=value text is used",
                "Use text or json",
            )
        )
    if config.log_level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        rows.append(
            DoctorCheck(
                "logs",
                WARN,
                f"HEADSHOT_LOG_LEVEL={config.log_level!r}: INFO is used",
                "Use DEBUG, INFO, WARNING or ERROR",
            )
        )
    if config.log_level == "DEBUG":
        rows.append(DoctorCheck("logs", WARN, "DEBUG logs users' message text", "Use INFO outside debugging"))
    return rows or [
        DoctorCheck("logs", OK, f"{config.log_format} lines at {config.log_level}, secrets redacted")
    ]


def check_scheduler() -> list[DoctorCheck]:
    import importlib.util

    if importlib.util.find_spec("bot.reminders.scheduler") is None:
        return [DoctorCheck("reminder scheduler", UNKNOWN, "not part of this installation yet")]
    return [DoctorCheck("reminder scheduler", OK, "runs inside `headshot serve`")]


def core_steps(config: Config, timeout: float) -> list[Callable[[], list[DoctorCheck]]]:
    """The core's checks, each run on its own so that one crashing check cannot hide the others."""
    return [
        lambda: check_database(config, timeout),
        lambda: check_knowledge(config),
        check_scheduler,
        lambda: check_logging(config),
    ]
