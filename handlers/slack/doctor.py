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
