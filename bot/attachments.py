"""Downloading a file a user posted, safely, for every adapter.

The adapters give the URL, the origins they trust for it (scheme, host and port), and the headers (the bot
token for Slack's `url_private`). The download never leaves the trusted origins: a URL with credentials,
another port or another scheme is refused, and so is a redirect anywhere else, so the token goes nowhere
but where the platform serves its files. It stops at the size cap, gives up after a timeout, and recognises
the HTML login page some platforms return instead of the file. Every failure becomes an `Attachment` with a
friendly `problem`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import mimetypes
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Origin:
    """Where a download may go: scheme, host and port, all three (a token must not reach another port
    of a trusted host: another service may listen there)."""

    scheme: str
    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"


class UntrustedUrl(ValueError):
    """Why a URL is not downloaded from, in words for the user."""


def origin_of(url: str) -> Origin:
    """The URL's origin; raises `UntrustedUrl` when it has none we would ever download from: not http(s),
    no host, a port that is not a port, or a user name or password in it (aiohttp would send those as
    Basic credentials beside, or instead of, the platform's token)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise UntrustedUrl("the file link is malformed") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise UntrustedUrl("the file link isn’t a web address I download from")
    if parts.username is not None or parts.password is not None:
        raise UntrustedUrl("the file link carries a user name or password, which I never follow")
    host = (parts.hostname or "").lower()
    if not host:
        raise UntrustedUrl("the file link is malformed")
    return Origin(scheme, host, port if port is not None else _DEFAULT_PORTS[scheme])


def host_of(url: str) -> str:
    """The host of a URL for the logs; "" when it has none (a log line must never raise)."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def trusted_origins(
    platform_hosts: Iterable[str], api_url: str | None, *, any_loopback_name: bool = False
) -> tuple[Origin, ...]:
    """Where a platform's files may be downloaded from: its own file hosts over https (port 443), plus the
    origin of the configured API base URL (an enterprise proxy, or a local fake) exactly. With
    `any_loopback_name`, a loopback API origin also admits the other names of loopback on the same scheme and
    port; only for downloads that carry no token."""
    origins = [Origin("https", host.lower(), 443) for host in platform_hosts]
    if api_url:
        try:
            api = origin_of(api_url)
        except UntrustedUrl:
            return tuple(origins)
        origins.append(api)
        if any_loopback_name and api.host in LOOPBACK_HOSTS:
            origins.extend(Origin(api.scheme, name, api.port) for name in LOOPBACK_HOSTS if name != api.host)
    return tuple(origins)


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


def url_problem(url: str, allowed: Iterable[Origin]) -> str | None:
    """Why `url` must not be downloaded from (for the user); None when its origin is one of `allowed`.

    Plain http is accepted only for loopback hosts (local fakes in tests); everything else needs https.
    """
    try:
        origin = origin_of(url)
    except UntrustedUrl as exc:
        return str(exc)
    if origin.scheme == "http" and not _is_loopback(origin.host):
        return UNTRUSTED_HOST
    if origin not in set(allowed):
        return UNTRUSTED_HOST
    return None


def is_trusted_url(url: str, allowed: Iterable[Origin]) -> bool:
    return url_problem(url, allowed) is None


UNTRUSTED_HOST = "it isn’t hosted where I can safely download files from"


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
    allowed: Iterable[Origin],
    headers: Mapping[str, str] | None = None,
    content_type: str | None = None,
    declared_size: int | None = None,
    max_bytes: int = MAX_UPLOAD_BYTES,
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    session: aiohttp.ClientSession | None = None,
) -> Attachment:
    """Downloads one posted file; never raises for a problem the user should hear about."""
    allowed = tuple(allowed)

    def problem(text: str) -> Attachment:
        return Attachment(filename=filename, content_type=content_type, problem=text)

    if declared_size is not None and declared_size > max_bytes:
        return problem(too_large_problem(declared_size, max_bytes))
    refused = url_problem(url, allowed)
    if refused is not None:
        log.warning("refused a download", extra={"host": host_of(url), "reason": refused})
        return problem(refused)

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
    allowed: tuple[Origin, ...],
    headers: Mapping[str, str],
    max_bytes: int,
) -> Attachment:
    def problem(text: str) -> Attachment:
        return Attachment(filename=filename, content_type=content_type, problem=text)

    for _ in range(_MAX_REDIRECTS + 1):
        async with client.get(url, headers=dict(headers), allow_redirects=False) as response:
            if response.status in (301, 302, 303, 307, 308):
                target = urljoin(url, response.headers.get("Location", ""))
                if url_problem(target, allowed) is not None:
                    # The token must never follow a redirect off the trusted origins.
                    log.warning("refused a redirect", extra={"host": host_of(target)})
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
