"""Downloading a file a user posted, safely, for every adapter.

The adapters give the URL, the hosts they trust for it, and the headers (the bot token for Slack's
`url_private`). The download never leaves the trusted hosts (no redirect to elsewhere carries the
token), stops at the size cap, gives up after a timeout, and recognises the HTML login page some
platforms return instead of the file. Every failure becomes an `Attachment` with a friendly `problem`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import mimetypes
from collections.abc import Iterable, Mapping
from pathlib import PurePath
from urllib.parse import urljoin, urlsplit

import aiohttp

from bot.messages import Attachment
from bot.photo.limits import MAX_UPLOAD_BYTES

log = logging.getLogger("headshot.attachments")

DEFAULT_TIMEOUT_SECONDS = 20.0
_MAX_REDIRECTS = 3
_CHUNK = 64 * 1024


IMAGE_EXTENSIONS = frozenset({"jpg", "jpeg", "png", "gif", "webp", "heic", "heif", "bmp", "tif", "tiff"})
"""The file types the photo check reads (see bot/photo/loading.py)."""

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def trusted_hosts(
    platform_hosts: Iterable[str], api_url: str | None, *, any_loopback_name: bool = False
) -> tuple[str, ...]:
    """Where a platform's files may be downloaded from: its own file hosts plus the host of the
    configured API base URL (an enterprise proxy, or a local fake). `any_loopback_name` also accepts the
    other names of loopback when that host is loopback; only for downloads that carry no token."""
    hosts = list(platform_hosts)
    api_host = host_of(api_url) if api_url else ""
    if any_loopback_name and api_host in LOOPBACK_HOSTS:
        hosts.extend(LOOPBACK_HOSTS)
    elif api_host:
        hosts.append(api_host)
    return tuple(hosts)


def not_an_image_problem(
    filename: str, content_type: str | None, *, extension: str | None = None
) -> str | None:
    """Why a posted file will not be checked as a photo, judged before downloading it from what the
    platform says (its MIME type, its file type, else its name); None when it may be a photo. A file
    nothing is known about is downloaded, and the photo loader gives the verdict."""
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind.startswith("image/"):
        return None
    suffix = (extension or PurePath(filename).suffix).lower().lstrip(".")
    if suffix in IMAGE_EXTENSIONS:
        return None
    kind = kind or (mimetypes.guess_type(filename)[0] or "").lower()
    if not kind:
        return None
    return f"it isn’t an image ({kind}). Send a photo: JPEG, PNG, WebP or HEIC"


def is_trusted_url(url: str, allowed_hosts: Iterable[str]) -> bool:
    """True when the URL points at one of the allowed hosts (an entry starting with "." allows subdomains).

    Plain http is accepted only for loopback hosts (local fakes in tests); everything else needs https.
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host:
        return False
    if parts.scheme == "http":
        if not _is_loopback(host):
            return False
    elif parts.scheme != "https":
        return False
    for allowed in allowed_hosts:
        allowed = allowed.lower()
        if allowed.startswith("."):
            if host.endswith(allowed) or host == allowed[1:]:
                return True
        elif host == allowed:
            return True
    return False


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def too_large_problem(size: int, max_bytes: int = MAX_UPLOAD_BYTES) -> str:
    return f"the file is {size / 2**20:.1f} MB; the most I accept is {max_bytes // 2**20} MB"


async def fetch_attachment(
    url: str,
    *,
    filename: str,
    allowed_hosts: Iterable[str],
    headers: Mapping[str, str] | None = None,
    content_type: str | None = None,
    declared_size: int | None = None,
    max_bytes: int = MAX_UPLOAD_BYTES,
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    session: aiohttp.ClientSession | None = None,
) -> Attachment:
    """Downloads one posted file; never raises for a problem the user should hear about."""
    allowed = tuple(allowed_hosts)

    def problem(text: str) -> Attachment:
        return Attachment(filename=filename, content_type=content_type, problem=text)

    if declared_size is not None and declared_size > max_bytes:
        return problem(too_large_problem(declared_size, max_bytes))
    if not is_trusted_url(url, allowed):
        log.warning("refused download from an untrusted host", extra={"host": host_of(url)})
        return problem("it isn’t hosted where I can safely download files from")

    own_session = session is None
    client = session or aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_seconds))
    try:
        async with asyncio.timeout(timeout_seconds):
            return await _download(client, url, filename, content_type, allowed, headers or {}, max_bytes)
    except TimeoutError:
        return problem("the download took too long; please try again")
    except aiohttp.ClientError as exc:
        log.warning("download failed", extra={"host": host_of(url), "error_type": type(exc).__name__})
        return problem("I couldn’t download it; please try again")
    finally:
        if own_session:
            await client.close()


async def _download(
    client: aiohttp.ClientSession,
    url: str,
    filename: str,
    content_type: str | None,
    allowed: tuple[str, ...],
    headers: Mapping[str, str],
    max_bytes: int,
) -> Attachment:
    def problem(text: str) -> Attachment:
        return Attachment(filename=filename, content_type=content_type, problem=text)

    for _ in range(_MAX_REDIRECTS + 1):
        async with client.get(url, headers=dict(headers), allow_redirects=False) as response:
            if response.status in (301, 302, 303, 307, 308):
                target = urljoin(url, response.headers.get("Location", ""))
                if not is_trusted_url(target, allowed):
                    # The token must never follow a redirect off the trusted hosts.
                    return problem("the file link redirected somewhere I don’t download from")
                url = target
                continue
            if response.status in (404, 410):
                return problem("the file was deleted or is no longer available")
            if response.status in (401, 403):
                return problem("I’m not allowed to download it (the bot may be missing a permission)")
            if response.status >= 400:
                return problem(f"the download failed (HTTP {response.status}); please try again")
            length = response.content_length
            if length is not None and length > max_bytes:
                return problem(too_large_problem(length, max_bytes))
            body = bytearray()
            async for chunk in response.content.iter_chunked(_CHUNK):
                body.extend(chunk)
                if len(body) > max_bytes:
                    return problem(too_large_problem(len(body), max_bytes))
            served_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if served_type == "text/html" or _looks_like_html(bytes(body[:512])):
                return problem(
                    "I got a login page instead of the file "
                    "(the bot may be missing the permission to read files)"
                )
            return Attachment(
                filename=filename, content_type=content_type or served_type or None, data=bytes(body)
            )
    return problem("the file link redirected too many times")


def _looks_like_html(head: bytes) -> bool:
    start = head.lstrip().lower()
    return start.startswith((b"<!doctype html", b"<html"))
