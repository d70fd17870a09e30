"""`headshot doctor`'s Slack rows: does Slack accept the bot token (`auth.test`), within a timeout."""

from __future__ import annotations

import urllib.request

from bot.adapters import FAIL, OK, SKIP, WARN, DoctorCheck
from bot.config import malformed_secret
from bot.doctor import request_json, unreachable
from bot.logs import mask, redact
from handlers.slack.settings import DEFAULT_API_URL, SlackSettings

_SLACK_TOKEN_FIXES = {
    "invalid_auth": "Copy the Bot User OAuth Token (xoxb-…) from your app's OAuth & Permissions page",
    "not_authed": "Set SLACK_BOT_TOKEN to the Bot User OAuth Token (xoxb-…)",
    "token_revoked": "Reinstall the app to the workspace and copy the new Bot User OAuth Token",
    "account_inactive": "Reinstall the app to the workspace and copy the new Bot User OAuth Token",
    "token_expired": "Turn off token rotation or refresh the token; then copy the new one",
}


def check_token(settings: SlackSettings, timeout: float) -> list[DoctorCheck]:
    token = settings.bot_token
    if not token:
        return []
    if malformed_secret(token) or (settings.app_token and malformed_secret(settings.app_token)):
        return [DoctorCheck("slack token", SKIP, "not sent to Slack: it is malformed (see the secrets row)")]
    rows: list[DoctorCheck] = []
    if not token.startswith("xoxb-"):
        rows.append(
            DoctorCheck(
                "slack token",
                WARN,
                f"SLACK_BOT_TOKEN ({mask(token)}) does not start with xoxb-",
                "Use the Bot User OAuth Token, not a user (xoxp-) or app-level (xapp-) token",
            )
        )
    if settings.app_token and not settings.app_token.startswith("xapp-"):
        rows.append(
            DoctorCheck(
                "slack app token",
                FAIL,
                f"SLACK_APP_TOKEN ({mask(settings.app_token)}) does not start with xapp-",
                "Generate an app-level token with the connections:write scope (Basic Information page)",
            )
        )
    url = settings.api_url.rstrip("/") + "/auth.test"
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
        status, body = request_json(request, timeout)
    except OSError as exc:
        fix = "Check the network or proxy"
        if settings.api_url != DEFAULT_API_URL:
            fix += f", and SLACK_API_URL ({settings.api_url})"
        return [*rows, DoctorCheck("slack token", FAIL, unreachable("Slack", url, exc), fix)]
    if not isinstance(body, dict):
        return [
            *rows,
            DoctorCheck(
                "slack token", FAIL, f"auth.test answered HTTP {status} without JSON", "Check SLACK_API_URL"
            ),
        ]
    if body.get("ok"):
        team = body.get("team") or body.get("team_id") or "?"
        detail = (
            f"accepted ({mask(token)}): team {team} ({body.get('team_id', '?')}), "
            f"bot user {body.get('user_id', '?')}"
        )
        return [*rows, DoctorCheck("slack token", OK, detail)]
    error = str(body.get("error") or f"HTTP {status}")
    if status == 429 or error == "ratelimited":
        return [
            *rows,
            DoctorCheck("slack token", WARN, "auth.test was rate limited", "Run doctor again in a minute"),
        ]
    fix = _SLACK_TOKEN_FIXES.get(error, "Check SLACK_BOT_TOKEN")
    return [*rows, DoctorCheck("slack token", FAIL, f"rejected ({mask(token)}): {redact(error)}", fix)]


def check_installations(settings: SlackSettings) -> list[DoctorCheck]:
    """OAuth mode: how many workspaces the app is installed in (read from the store, nothing changed)."""
    from sqlalchemy import inspect, text

    from bot.reminders.database import create_store_engine, read_transaction

    client_id = settings.client_id or ""
    try:
        engine = create_store_engine(settings.database_url)
    except Exception as exc:  # a bad URL: the store's own doctor row says what is wrong with it
        return [DoctorCheck("slack installations", SKIP, f"store not readable ({type(exc).__name__})")]
    try:
        if "slack_bots" not in inspect(engine).get_table_names():
            return [
                DoctorCheck(
                    "slack installations",
                    WARN,
                    "none yet: the store has no installation tables (`headshot serve` creates them)",
                    "Start `headshot serve`, then open https://YOUR-HOST/slack/install to install the app",
                )
            ]
        with read_transaction(engine) as connection:
            count = connection.execute(
                text(
                    "SELECT COUNT(DISTINCT team_id) FROM slack_bots WHERE client_id = :client "
                    "AND team_id IS NOT NULL AND bot_token IS NOT NULL"
                ),
                {"client": client_id},
            ).scalar_one()
    except Exception as exc:
        return [DoctorCheck("slack installations", FAIL, f"cannot be read ({type(exc).__name__})")]
    finally:
        engine.dispose()
    if not count:
        return [
            DoctorCheck(
                "slack installations",
                WARN,
                f"many workspaces (OAuth, client {client_id}): no workspace has installed the app yet",
                "Open https://YOUR-HOST/slack/install in a browser signed in to the workspace",
            )
        ]
    return [
        DoctorCheck(
            "slack installations",
            OK,
            f"many workspaces (OAuth, client {client_id}): installed in {count} "
            f"workspace{'s' if count != 1 else ''}",
        )
    ]
