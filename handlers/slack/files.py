"""Files people post in Slack, turned into the core's `Attachment`s.

The download itself is the core's `fetch_attachment` (trusted origins, size cap, timeout, no redirects off
them, login-page detection). What is Slack-specific lives here: which hosts may see the bot
token, files that must be looked up with files.info first, deleted files and missing scopes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.attachments import fetch_attachment, not_an_image_problem, trusted_origins
from bot.messages import Attachment

log = logging.getLogger("headshot.slack.files")

SLACK_FILE_HOSTS = ("files.slack.com", "files.slack-gov.com")
"""Where Slack serves `url_private` (https, port 443): the bot token goes there and to SLACK_API_URL's
origin, nowhere else."""

MISSING_SCOPE = "the Slack app is missing a permission ({scope}); ask a workspace admin to reinstall it"
DELETED = "the file was deleted or is no longer available"


def _api_problem(exc: SlackApiError) -> str:
    error = str(exc.response.get("error", "")) if exc.response is not None else ""
    if error == "missing_scope":
        needed = exc.response.get("needed", "files:read") if exc.response is not None else "files:read"
        return MISSING_SCOPE.format(scope=needed)
    if error in ("file_not_found", "file_deleted"):
        return DELETED
    return "Slack would not give me the file; please try again"


async def _file_details(client: AsyncWebClient, file: Mapping[str, Any]) -> Mapping[str, Any] | str:
    """The file object with its download URL, looking it up when the event carried only a stub.

    Returns a problem text instead when Slack says the file is gone or the app may not read it.
    """
    if file.get("mode") == "tombstone":
        return DELETED
    if file.get("url_private_download") or file.get("url_private"):
        return file
    try:
        response = await client.files_info(file=str(file.get("id", "")))
    except SlackApiError as exc:
        return _api_problem(exc)
    details = response.get("file")
    return details if isinstance(details, Mapping) else DELETED


async def download_files(
    client: AsyncWebClient,
    files: Iterable[Mapping[str, Any]],
    *,
    bot_token: str,
    api_url: str,
    timeout_seconds: float = 20.0,
) -> tuple[Attachment, ...]:
    """Downloads the images among `files` (the `files` of a Slack message event)."""
    allowed = trusted_origins(SLACK_FILE_HOSTS, api_url)
    attachments: list[Attachment] = []
    for file in files:
        name = str(file.get("name") or file.get("title") or "photo")
        details = await _file_details(client, file)
        if isinstance(details, str):
            attachments.append(Attachment(filename=name, problem=details))
            continue
        mimetype = str(details.get("mimetype") or "") or None
        filetype = str(details.get("filetype") or "") or None
        not_an_image = not_an_image_problem(name, mimetype, extension=filetype)
        if not_an_image:
            attachments.append(Attachment(filename=name, content_type=mimetype, problem=not_an_image))
            continue
        url = str(details.get("url_private_download") or details.get("url_private"))
        size = details.get("size")
        attachments.append(
            await fetch_attachment(
                url,
                filename=name,
                allowed=allowed,
                headers={"Authorization": f"Bearer {bot_token}"},
                content_type=mimetype,
                declared_size=size if isinstance(size, int) else None,
                timeout_seconds=timeout_seconds,
            )
        )
    return tuple(attachments)
