"""`headshot doctor` against the loopback Slack and Discord fakes and real SQLite stores."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from bot.adapters import FAIL, OK, UNKNOWN, WARN
from bot.adapters import DoctorCheck as Check
from bot.config import Config
from bot.reminders.database import create_store_engine, migrate
from handlers.doctor import doctor, format_table, run_checks
from tests.conftest import PROJECT_ROOT, with_settings
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.slack_api import FakeSlackApi

SLACK_TOKEN = "xoxb-1111111111-2222222222-DoctorTokenSecretWxyz"
DISCORD_TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAw.GdOcTr.doctor-token-secret-value-0123456789"
SIGNING_SECRET = "0123456789abcdef0123456789abcdef"


def _rows(checks: list[Check], name: str) -> list[Check]:
    return [c for c in checks if c.check == name]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _migrated_sqlite(path: Path) -> str:
    url = f"sqlite:///{path}"
    engine = create_store_engine(url)
    migrate(engine)
    engine.dispose()
    return url


async def test_accepted_tokens_migrated_store_and_knowledge_pass(config: Config, tmp_path: Path) -> None:
    url = _migrated_sqlite(tmp_path / "store.db")
    async with (
        FakeSlackApi(bot_token=SLACK_TOKEN) as slack,
        FakeDiscord(token=DISCORD_TOKEN) as discord,
    ):
        configured = with_settings(
            replace(config, database_url=url),
            SLACK_BOT_TOKEN=SLACK_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=slack.url,
            PORT="3456",
            DISCORD_TOKEN=DISCORD_TOKEN,
            DISCORD_API_URL=discord.api_url,
        )
        checks = await asyncio.to_thread(run_checks, configured, timeout=3)

        assert slack.calls_to("auth.test") == [{}]
        assert [r.method for r in discord.requests] == ["GET"]
        assert discord.requests[0].path.endswith("/users/@me")

    statuses = {c.check: c.status for c in checks}
    assert statuses == {
        "configuration": OK,
        "slack adapter": OK,
        "discord adapter": OK,
        "slack token": OK,
        "discord token": OK,
        "database": OK,
        "migrations": OK,
        "knowledge base": OK,
        "reminder scheduler": OK,
        "logs": OK,
    }
    assert "HTTP mode on port 3456" in _rows(checks, "slack adapter")[0].detail
    assert "team Fake (T0FAKE), bot user UBOT" in _rows(checks, "slack token")[0].detail
    assert "…Wxyz" in _rows(checks, "slack token")[0].detail
    assert "logged in as" in _rows(checks, "discord token")[0].detail
    knowledge = _rows(checks, "knowledge base")[0].detail
    assert knowledge.startswith("2 documents, ") and "passages" in knowledge
    text = json.dumps([c.__dict__ for c in checks])
    for secret in (SLACK_TOKEN, DISCORD_TOKEN, SIGNING_SECRET):
        assert secret not in text and secret[:-4] not in text


async def test_rejected_tokens_fail_with_a_fix_and_exit_1(config: Config, tmp_path: Path) -> None:
    async with FakeSlackApi(bot_token="xoxb-the-right-one") as slack, FakeDiscord(token="right") as discord:
        configured = with_settings(
            config,
            SLACK_BOT_TOKEN=SLACK_TOKEN,
            SLACK_APP_TOKEN="xapp-1-A0-123-abcdef",
            SLACK_API_URL=slack.url,
            DISCORD_TOKEN=DISCORD_TOKEN,
            DISCORD_API_URL=discord.api_url,
        )
        out = tmp_path / "out.txt"
        with out.open("w") as stream:
            code = await asyncio.to_thread(doctor, configured, out=stream, timeout=3)
        checks = await asyncio.to_thread(run_checks, configured, timeout=3)

    assert code == 1
    slack_row = _rows(checks, "slack token")[0]
    assert (slack_row.status, slack_row.detail) == (FAIL, "rejected (…Wxyz): invalid_auth")
    assert "Bot User OAuth Token" in slack_row.fix
    discord_row = _rows(checks, "discord token")[0]
    assert discord_row.status == FAIL and "401" in discord_row.detail and "DISCORD_TOKEN" in discord_row.fix
    assert "Socket Mode" in _rows(checks, "slack adapter")[0].detail
    printed = out.read_text()
    assert printed.splitlines()[0].split() == ["CHECK", "STATUS", "DETAIL", "FIX"]
    assert "2 problem(s) to fix." in printed
    assert SLACK_TOKEN not in printed and DISCORD_TOKEN not in printed


def test_unreachable_apis_fail_quickly_and_say_where(config: Config) -> None:
    port = _free_port()  # nothing listens there
    configured = with_settings(
        config,
        SLACK_BOT_TOKEN=SLACK_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=f"http://127.0.0.1:{port}/api/",
        DISCORD_TOKEN=DISCORD_TOKEN,
        DISCORD_API_URL=f"http://127.0.0.1:{port}/api/v10",
    )
    checks = run_checks(configured, timeout=2)
    slack_row, discord_row = _rows(checks, "slack token")[0], _rows(checks, "discord token")[0]
    assert slack_row.status == FAIL and f"127.0.0.1:{port}/api/auth.test" in slack_row.detail
    assert "SLACK_API_URL" in slack_row.fix
    assert discord_row.status == FAIL and "could not reach Discord" in discord_row.detail
    assert "DISCORD_API_URL" in discord_row.fix


def test_half_configured_slack_and_bad_discord_token_prefix_fail(config: Config) -> None:
    configured = with_settings(config, SLACK_BOT_TOKEN=SLACK_TOKEN, DISCORD_TOKEN="Bot " + DISCORD_TOKEN)
    checks = run_checks(configured, timeout=1)
    slack_rows = _rows(checks, "slack adapter")
    assert [r.status for r in slack_rows] == [FAIL]
    assert "SLACK_SIGNING_SECRET" in slack_rows[0].detail
    assert _rows(checks, "slack token") == []  # Slack will not start, so its token is not tried
    discord_row = _rows(checks, "discord token")[0]
    assert discord_row.status == FAIL and "'Bot '" in discord_row.detail


def test_nothing_configured_is_console_only_and_passes(config: Config) -> None:
    checks = run_checks(config)
    assert _rows(checks, "adapters")[0].status == WARN
    assert "console chat" in _rows(checks, "adapters")[0].detail
    assert not [c for c in checks if c.status == FAIL]


def test_missing_sqlite_file_is_not_created(config: Config, tmp_path: Path) -> None:
    path = tmp_path / "data" / "headshot.db"
    checks = run_checks(replace(config, database_url=f"sqlite:///{path}"))
    row = _rows(checks, "database")[0]
    assert row.status == WARN and "not created yet" in row.detail
    assert not path.exists() and not path.parent.exists()


def test_existing_store_is_read_without_being_changed(config: Config, tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    url = _migrated_sqlite(path)
    before = (path.read_bytes(), path.stat().st_mtime_ns, sorted(os.listdir(tmp_path)))
    checks = run_checks(replace(config, database_url=url))
    assert _rows(checks, "migrations")[0].status == OK
    assert (path.read_bytes(), path.stat().st_mtime_ns, sorted(os.listdir(tmp_path))) == before


def test_unmigrated_behind_and_foreign_revisions(config: Config, tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    row = _rows(run_checks(replace(config, database_url=f"sqlite:///{empty}")), "migrations")[0]
    assert row.status == WARN and "empty store" in row.detail and "migrates it on start" in row.fix

    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        connection.execute("INSERT INTO alembic_version VALUES ('zz9999_from_the_future')")
    row = _rows(run_checks(replace(config, database_url=f"sqlite:///{foreign}")), "migrations")[0]
    assert row.status == FAIL and "zz9999_from_the_future" in row.detail and "newer" in row.fix


def test_unreachable_postgres_fails_without_showing_the_password(config: Config) -> None:
    url = f"postgresql+psycopg://headshot:pw-s3cret-123@127.0.0.1:{_free_port()}/headshot"
    checks = run_checks(replace(config, database_url=url), timeout=2)
    row = _rows(checks, "database")[0]
    assert row.status == FAIL and "cannot connect" in row.detail
    assert "pw-s3cret-123" not in row.detail and "headshot:[redacted]@127.0.0.1" in row.detail
    assert _rows(checks, "migrations") == []


def test_missing_knowledge_folder_fails(config: Config, tmp_path: Path) -> None:
    checks = run_checks(replace(config, knowledge_dir=tmp_path / "nowhere"))
    row = _rows(checks, "knowledge base")[0]
    assert row.status == FAIL and "HEADSHOT_KNOWLEDGE_DIR" in row.fix


def test_table_wraps_long_cells_under_their_columns() -> None:
    rows = [Check("database", WARN, "word " * 30, "fix " * 20), Check("migrations", UNKNOWN, "short")]
    lines = format_table(rows, width=100).splitlines()
    assert all(len(line) <= 100 for line in lines)
    detail_column = lines[0].index("DETAIL")
    assert lines[2][:detail_column].strip() == ""  # a continuation line leaves check and status empty
    assert lines[2][detail_column:].startswith("word")
    assert lines[-1].split() == ["migrations", "unknown", "short"]


def test_cli_doctor_json(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "HEADSHOT_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
        "DISCORD_TOKEN": DISCORD_TOKEN,
        "DISCORD_API_URL": f"http://127.0.0.1:{_free_port()}/api/v10",
    }
    result = subprocess.run(
        [sys.executable, "-m", "handlers.cli", "doctor", "--json", "--timeout", "2"],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=env,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert {"check": "discord token", "status": FAIL}.items() <= next(
        c for c in report["checks"] if c["check"] == "discord token"
    ).items()
    assert DISCORD_TOKEN not in result.stdout + result.stderr


def test_log_settings_are_checked(config: Config) -> None:
    rows = _rows(run_checks(replace(config, log_format="xml", log_level="LOUD")), "logs")
    assert [r.status for r in rows] == [WARN, WARN]
    assert "HEADSHOT_LOG_FORMAT='xml'" in rows[0].detail and "HEADSHOT_LOG_LEVEL='LOUD'" in rows[1].detail
    debug = _rows(run_checks(replace(config, log_level="DEBUG")), "logs")
    assert [r.status for r in debug] == [WARN] and "message text" in debug[0].detail
