"""`headshot doctor`'s Discord row: does Discord accept the bot token (`GET /users/@me`), within a timeout."""

from __future__ import annotations

import urllib.request

from bot.adapters import FAIL, OK, SKIP, WARN, DoctorCheck
from bot.config import malformed_secret
from bot.doctor import request_json, unreachable
from bot.logs import mask
from handlers.discord.settings import DEFAULT_API_URL, DiscordSettings


def check_token(settings: DiscordSettings, timeout: float) -> list[DoctorCheck]:
    token = settings.token
    if not token:
        return []
    if token.lower().startswith("bot "):
        return [
            DoctorCheck(
                "discord token",
                FAIL,
                "DISCORD_TOKEN starts with 'Bot '",
                "Put only the token in DISCORD_TOKEN; the bot adds the 'Bot ' prefix itself",
            )
        ]
    if malformed_secret(token):
        return [
            DoctorCheck("discord token", SKIP, "not sent to Discord: it is malformed (see the secrets row)")
        ]
    base = (settings.api_url or DEFAULT_API_URL).rstrip("/")
    url = f"{base}/users/@me"
    request = urllib.request.Request(
        url,
        headers={"Authorization": f"Bot {token}", "User-Agent": "DiscordBot (headshot-bot doctor, 0.1)"},
    )
    try:
        status, body = request_json(request, timeout)
    except OSError as exc:
        fix = "Check the network or proxy"
        if settings.api_url:
            fix += f", and DISCORD_API_URL ({settings.api_url})"
        return [DoctorCheck("discord token", FAIL, unreachable("Discord", url, exc), fix)]
    if status == 200 and isinstance(body, dict):
        name = body.get("username", "?")
        if body.get("discriminator") not in (None, "0", "0000"):
            name = f"{name}#{body['discriminator']}"
        return [
            DoctorCheck(
                "discord token",
                OK,
                f"accepted ({mask(token)}): logged in as {name} (id {body.get('id', '?')})",
            )
        ]
    if status == 401:
        return [
            DoctorCheck(
                "discord token",
                FAIL,
                f"rejected ({mask(token)}): 401 Unauthorized",
                "Reset the token on your application's Bot page (Developer Portal); put it in DISCORD_TOKEN",
            )
        ]
    if status == 429:
        return [DoctorCheck("discord token", WARN, "rate limited by Discord", "Run doctor again in a minute")]
    return [DoctorCheck("discord token", FAIL, f"/users/@me answered HTTP {status}", "Check DISCORD_API_URL")]
