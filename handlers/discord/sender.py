"""Delivers due reminders as Discord DMs (the sender registered for "discord")."""

from __future__ import annotations

import logging
from collections.abc import Callable

import aiohttp
import discord

from bot.reminders.delivery import Delivery, PermanentDeliveryError, TransientDeliveryError
from handlers.discord.render import render_reply

log = logging.getLogger("headshot.discord")

CANNOT_MESSAGE_USER = 50007  # the user closed DMs from server members, or blocked the bot
UNKNOWN_USER = 10013


class DiscordSender:
    """Rate limits are left to discord.py, which waits out every 429 itself."""

    def __init__(self, current_client: Callable[[], discord.Client | None]) -> None:
        self._current_client = current_client

    @property
    def client(self) -> discord.Client | None:
        """The connection deliveries go through (a new one after a reconnect without privileged intents)."""
        return self._current_client()

    async def deliver(self, delivery: Delivery) -> None:
        client = self._current_client()
        if client is None or client.is_closed() or client.user is None:
            raise TransientDeliveryError("the bot is not connected to Discord yet")
        try:
            user_id = int(delivery.conversation.user)
        except ValueError:
            raise PermanentDeliveryError(f"{delivery.conversation.user!r} is not a Discord user id") from None
        try:
            channel = await client.create_dm(discord.Object(id=user_id))
            for outgoing in render_reply(delivery.reply):
                await channel.send(**outgoing.send_kwargs())
        except discord.Forbidden as exc:
            if exc.code == CANNOT_MESSAGE_USER:
                raise PermanentDeliveryError(
                    f"Discord refused the DM: the user does not accept direct messages from the bot "
                    f"({exc.code} {exc.text})"
                ) from None
            raise PermanentDeliveryError(
                f"Discord refused the DM ({exc.status} {exc.code} {exc.text})"
            ) from None
        except discord.NotFound as exc:
            raise PermanentDeliveryError(
                f"the Discord user no longer exists ({exc.code} {exc.text})"
            ) from None
        except discord.RateLimited as exc:
            raise TransientDeliveryError("Discord rate limit", retry_after=exc.retry_after) from None
        except discord.DiscordServerError as exc:
            raise TransientDeliveryError(f"Discord is having trouble ({exc.status})") from None
        except discord.HTTPException as exc:
            if exc.status == 429:  # only when discord.py itself gave up waiting (e.g. a Cloudflare block)
                raise TransientDeliveryError("Discord rate limit", retry_after=60.0) from None
            if exc.code == CANNOT_MESSAGE_USER:
                raise PermanentDeliveryError(f"Discord refused the DM ({exc.code} {exc.text})") from None
            raise PermanentDeliveryError(
                f"Discord rejected the message ({exc.status} {exc.code} {exc.text})"
            ) from None
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise TransientDeliveryError(f"could not reach Discord ({type(exc).__name__})") from None
        log.info("reminder delivered", extra={"platform": "discord", "reminder_id": delivery.reminder_id})

    async def user_timezone(self, workspace: str, user: str) -> str | None:
        return None  # Discord does not tell bots a user's time zone
