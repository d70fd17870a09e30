"""The held-back check, through the real `headshot` entry point: data set in the console chat, exported
with `headshot privacy export --json`, forgotten with `headshot privacy forget --yes`, and the whole store
searched for the user afterwards (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, select

from bot.reminders.models import Base

USER = "zq_ana_77"
OTHER = "zq_bob_88"
HEADSHOT = str(Path(sys.executable).with_name("headshot"))


def _run(database_url: str, cwd: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HEADSHOT_DATABASE_URL": database_url, "HEADSHOT_LOG_LEVEL": "WARNING"}
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "DISCORD_TOKEN"):
        env.pop(name, None)
    return subprocess.run(
        [HEADSHOT, *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )


def _store_text(database_url: str) -> str:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return "\n".join(
                repr(tuple(row))
                for table in Base.metadata.sorted_tables
                for row in connection.execute(select(table))
            )
    finally:
        engine.dispose()


def test_chat_export_forget_and_search_the_store(database_url: str, tmp_path: Path) -> None:
    chat = "\n".join(
        [
            "remind me in 3 months to retake the zq-badge photo",
            "timezone Tokyo",
            "suggestions on",
            "cancel all",
            "my data",
            "",
        ]
    )
    for user in (USER, OTHER):
        done = _run(database_url, tmp_path, "chat", "--user", user, stdin=chat)
        assert done.returncode == 0, done.stderr
    saved = [line for line in done.stdout.splitlines() if "saved to" in line]
    assert saved and "data/exports/" in saved[0]
    export_file = tmp_path / saved[-1].split("saved to ", 1)[1].rstrip("]")
    assert json.loads(export_file.read_text())["user"] == OTHER

    exported = _run(
        database_url,
        tmp_path,
        "privacy",
        "export",
        "--platform",
        "console",
        "--workspace",
        "local",
        "--user",
        USER,
        "--json",
    )
    assert exported.returncode == 0, exported.stderr
    data = json.loads(exported.stdout)
    tables = data["tables"]
    assert tables["reminders"][0]["text"] == "retake the zq-badge photo"
    assert tables["user_preferences"][0]["timezone"] == "Asia/Tokyo"
    assert tables["user_preferences"][0]["suggestions_opted_in"] is True
    assert tables["reminder_changes"] and tables["confirmations"]

    refused = _run(
        database_url,
        tmp_path,
        "privacy",
        "forget",
        "--platform",
        "console",
        "--workspace",
        "local",
        "--user",
        USER,
    )
    assert refused.returncode == 2 and "--yes" in refused.stderr
    assert USER in _store_text(database_url)

    other_before = [line for line in _store_text(database_url).splitlines() if OTHER in line]
    forgot = _run(
        database_url,
        tmp_path,
        "privacy",
        "forget",
        "--platform",
        "console",
        "--workspace",
        "local",
        "--user",
        USER,
        "--yes",
    )
    assert forgot.returncode == 0 and f"forgot {USER}" in forgot.stdout
    store = _store_text(database_url)
    assert USER not in store
    assert [line for line in store.splitlines() if OTHER in line] == other_before
    again = _run(
        database_url,
        tmp_path,
        "privacy",
        "export",
        "--platform",
        "console",
        "--workspace",
        "local",
        "--user",
        USER,
        "--json",
    )
    assert all(rows == [] for rows in json.loads(again.stdout)["tables"].values())
