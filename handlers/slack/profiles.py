"""What the bot needs to know about a Slack user (time zone, locale, admin flag, name, their current
profile photo), from users.info.

Cached for a few minutes and shared by the listeners and the reminder sender, so a burst of messages
or of due reminders for one person costs one users.info call.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.attachments import fetch_attachment, host_of, trusted_origins
from bot.messages import Attachment, ProfilePhoto

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


SLACK_AVATAR_HOSTS = ("avatars.slack-edge.com",)
"""Where Slack serves the pictures people uploaded (https, port 443). They are public: no token goes there."""

PHOTO_FIELDS = ("image_original", "image_1024", "image_512", "image_192", "image_72", "image_48", "image_32")
"""users.info's `profile` picture URLs, largest first (`image_original` only for an uploaded picture)."""

_DEFAULT_AVATAR_HOSTS = ("secure.gravatar.com", "a.slack-edge.com")
"""Where the default avatars live: Slack's initials-on-colour pictures, served through Gravatar."""


def photo_url(profile: Mapping[str, Any]) -> str | None:
    """The largest picture of the user's own, or None when they show Slack's default avatar."""
    if profile.get("is_custom_image") is False:
        return None
    for name in PHOTO_FIELDS:
        url = profile.get(name)
        if isinstance(url, str) and url:
            return None if host_of(url) in _DEFAULT_AVATAR_HOSTS else url
    return None


async def fetch_profile_photo(
    client: AsyncWebClient, user_id: str, *, api_url: str, timeout_seconds: float = 20.0
) -> ProfilePhoto:
    """The user's current profile picture as Slack shows it (users.info, never the cache: it is the live
    photo that is asked for), downloaded through the trusted-origin rule without the bot token."""
    where = "in Slack"
    try:
        response = await client.users_info(user=user_id)
    except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
        log.warning("users.info failed for a photo check", extra={"error_type": type(exc).__name__})
        problem = "Slack would not show me your profile; please try again"
        return ProfilePhoto(Attachment("your profile photo", problem=problem), where)
    profile = (response.get("user") or {}).get("profile") or {}
    url = photo_url(profile)
    if url is None:
        return ProfilePhoto(None, where)
    photo = await fetch_attachment(
        url,
        filename="slack-avatar.jpg",
        allowed=trusted_origins(SLACK_AVATAR_HOSTS, api_url),
        timeout_seconds=timeout_seconds,
    )
    return ProfilePhoto(photo, where)
