"""What the bot needs to know about a Slack user (time zone, locale, admin flag, name), from users.info.

Cached for a few minutes and shared by the listeners and the reminder sender, so a burst of messages
or of due reminders for one person costs one users.info call.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger("headshot.slack.profiles")

USER_CACHE_SECONDS = 600.0


@dataclass(frozen=True)
class SlackUser:
    tz: str | None = None
    is_admin: bool = False
    name: str | None = None
    locale: str | None = None  # "en-US": the day/month order of a date like 3/1/2027


class SlackProfiles:
    def __init__(self, client: AsyncWebClient, *, ttl_seconds: float = USER_CACHE_SECONDS) -> None:
        self.client = client
        self.ttl_seconds = ttl_seconds
        self._cache: dict[str, tuple[float, SlackUser]] = {}

    async def get(self, user_id: str, *, client: AsyncWebClient | None = None) -> SlackUser:
        """The user's profile; an empty one (no time zone, not an admin) when Slack cannot say.

        `client`: the user's workspace's (many workspaces); by default the one given at construction.
        Slack user ids are unique across workspaces, so the cache is keyed by the id alone.
        """
        cached = self._cache.get(user_id)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        try:
            # Slack leaves the locale out unless asked for it.
            response = await (client or self.client).users_info(user=user_id, include_locale=True)
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            log.warning(
                "users.info failed; no time zone or admin flag", extra={"error_type": type(exc).__name__}
            )
            return SlackUser()
        data = response.get("user") or {}
        tz = data.get("tz")
        locale = data.get("locale")
        profile = SlackUser(
            tz=tz if isinstance(tz, str) and tz else None,
            is_admin=bool(data.get("is_admin") or data.get("is_owner") or data.get("is_primary_owner")),
            name=(data.get("profile") or {}).get("display_name") or data.get("real_name") or data.get("name"),
            locale=locale if isinstance(locale, str) and locale else None,
        )
        self._cache[user_id] = (time.monotonic() + self.ttl_seconds, profile)
        return profile

    def forget(self, user_id: str) -> None:
        """Drops a cached profile (it changed: a new time zone, say)."""
        self._cache.pop(user_id, None)
