"""Reminder delivery to Slack: a DM with the reminder and its snooze / done buttons.

Rate limits are retried inside slack_sdk (the client carries `AsyncRateLimitErrorRetryHandler`, which
honours Retry-After); a 429 that is still there afterwards becomes a `TransientDeliveryError` carrying
Slack's Retry-After, so the scheduler tries again later. Errors that will never go away (user left,
account deactivated, DMs with the bot impossible) become `PermanentDeliveryError`, so the reminder ends
as failed instead of being retried forever.
"""

from __future__ import annotations

import logging

import aiohttp
from slack_sdk.errors import SlackApiError, SlackTokenRotationError
from slack_sdk.web.async_client import AsyncWebClient

from bot.reminders.delivery import (
    Delivery,
    PermanentDeliveryError,
    TransientDeliveryError,
    WorkspaceGoneError,
)
from handlers.slack.installations import WorkspaceClients
from handlers.slack.profiles import SlackProfiles
from handlers.slack.render import message_payload

log = logging.getLogger("headshot.slack.sender")

# Only errors about this user or this message: an app-wide problem (revoked token, missing scope) is
# the operator's to fix, and failing every pending reminder for it would lose them all.
PERMANENT_ERRORS = frozenset(
    {
        "user_not_found",
        "users_not_found",
        "user_not_visible",
        "account_inactive",
        "user_disabled",
        "cannot_dm_bot",
        "channel_not_found",
        "is_archived",
        "not_in_channel",
        "messages_tab_disabled",
        "invalid_blocks",
        "msg_too_long",
    }
)


# The bot is out of the workspace (uninstalled, token revoked): nothing will be delivered there again.
# Not `invalid_auth`: a mistyped SLACK_BOT_TOKEN gives it too, and must never lead to deleting data; it
# fails the delivery (retried, then failed) and `headshot doctor` names it.
WORKSPACE_GONE_ERRORS = frozenset({"token_revoked", "team_not_found"})


def _retry_after(exc: SlackApiError) -> float | None:
    headers = getattr(exc.response, "headers", None) or {}
    for name, value in headers.items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) else value
            try:
                return float(raw)
            except (TypeError, ValueError):
                return None
    return None


def delivery_error(
    exc: SlackApiError,
) -> TransientDeliveryError | PermanentDeliveryError | WorkspaceGoneError:
    """What a Slack API failure means for a reminder."""
    error = str(exc.response.get("error", "")) if exc.response is not None else ""
    if error in WORKSPACE_GONE_ERRORS:
        return WorkspaceGoneError(f"Slack: {error}")
    status = getattr(exc.response, "status_code", None)
    if status == 429 or error == "ratelimited":
        return TransientDeliveryError("Slack rate limit", retry_after=_retry_after(exc))
    if error in PERMANENT_ERRORS:
        return PermanentDeliveryError(f"Slack refused the DM: {error}")
    return TransientDeliveryError(f"Slack error: {error or status}")


class SlackSender:
    """The `Sender` registered for the "slack" platform.

    `clients`: the one workspace's client, or `WorkspaceClients` (many workspaces), which gives the client
    of the workspace the reminder was set in (its `workspace` is the Slack team id).
    """

    def __init__(
        self, clients: AsyncWebClient | WorkspaceClients, profiles: SlackProfiles | None = None
    ) -> None:
        self.clients = clients if isinstance(clients, WorkspaceClients) else WorkspaceClients(single=clients)
        self.profiles = profiles or SlackProfiles(self.clients.single or AsyncWebClient())

    async def _client(self, workspace: str) -> AsyncWebClient:
        client = await self.clients.client_for(workspace)
        if client is None:
            raise PermanentDeliveryError(f"the Slack app is no longer installed in workspace {workspace}")
        assert isinstance(client, AsyncWebClient)
        return client

    async def deliver(self, delivery: Delivery) -> None:
        user = delivery.conversation.user
        try:
            client = await self._client(delivery.conversation.workspace)
            opened = await client.conversations_open(users=user)
            channel = opened["channel"]["id"]
            await client.chat_postMessage(channel=channel, **message_payload(delivery.reply))
        except SlackApiError as exc:
            raise delivery_error(exc) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise TransientDeliveryError(f"network error: {type(exc).__name__}") from exc
        except SlackTokenRotationError as exc:
            raise TransientDeliveryError("refreshing the workspace's token failed") from exc
        log.info("delivered reminder %s over Slack", delivery.reminder_id)

    async def user_timezone(self, workspace: str, user: str) -> str | None:
        try:
            client = await self._client(workspace)
        except PermanentDeliveryError:
            return None
        return (await self.profiles.get(user, client=client)).tz
