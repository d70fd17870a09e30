"""A fake Slack on 127.0.0.1: the Web API methods the adapter calls, file hosting, uploads,
`response_url`s and a Socket Mode WebSocket.

    async with FakeSlackApi() as slack:
        client = AsyncWebClient(token=slack.bot_token, base_url=slack.url)
        ...
        params = await slack.wait_for_call("chat.postMessage")

It answers like Slack does where the adapter depends on it: a wrong token gets `invalid_auth`, a file
fetched without the bot token gets a 200 HTML login page, unknown users and files get Slack's error
codes, and `script()` makes a method fail (429 with Retry-After, `missing_scope`, ...).
Also: `sign_request()` and `post_event()` send correctly signed requests into the bot, as Slack would.

Many workspaces (OAuth): `add_workspace(team)` registers a workspace whose install `code` `oauth.v2.access`
exchanges (with the app's client id and secret, HTTP Basic) for a bot token of its own; every Web API call
and file download is recorded with the token it carried (`tokens_used`), so a test can tell which
workspace's token answered. With `rotating=True` the tokens expire and come with a refresh token.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

import aiohttp
from aiohttp import web

Params = dict[str, Any]

_JSON_FIELDS = ("blocks", "view", "files", "attachments")
_LOGIN_PAGE = "<!DOCTYPE html><html><head><title>Slack</title></head><body>Sign in to Slack</body></html>"


def sign_request(body: str | bytes, secret: str, ts: str | int) -> str:
    """Slack's v0 request signature for `body` sent at unix time `ts`."""
    base = f"v0:{ts}:".encode() + (body.encode() if isinstance(body, str) else body)
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class PostedEvent:
    status: int
    body: str


def encode_payload(payload: Mapping[str, Any]) -> tuple[str, str]:
    """(body, content type) the way Slack sends each kind: events as JSON, slash commands as a form,
    interactivity as a form with one `payload` field holding JSON."""
    if "command" in payload and "type" not in payload:
        return urlencode({k: str(v) for k, v in payload.items()}), "application/x-www-form-urlencoded"
    if payload.get("type") in ("event_callback", "url_verification", "app_rate_limited"):
        return json.dumps(payload), "application/json"
    return urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"


async def post_event(
    url: str,
    payload: Mapping[str, Any],
    secret: str,
    *,
    timestamp: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> PostedEvent:
    """POSTs one Slack request (event, slash command or interaction), signed with `secret`."""
    body, content_type = encode_payload(payload)
    ts = str(int(time.time()) if timestamp is None else timestamp)
    request_headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": sign_request(body, secret, ts),
        **(headers or {}),
    }
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body.encode(), headers=request_headers) as response,
    ):
        return PostedEvent(response.status, await response.text())


@dataclass
class _Scripted:
    status: int
    body: Params
    headers: dict[str, str]


@dataclass
class FakeFile:
    id: str
    name: str
    data: bytes
    mimetype: str
    deleted: bool = False
    info: Params = field(default_factory=dict)


class FakeSlackApi:
    def __init__(
        self,
        *,
        bot_token: str = "xoxb-fake-bot-token",
        app_token: str = "xapp-fake-app-token",
        team_id: str = "T0FAKE",
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
    ) -> None:
        self.bot_token = bot_token
        self.app_token = app_token
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.calls: list[tuple[str, Params]] = []
        self.downloads: list[tuple[str, str | None]] = []  # (path, Authorization header)
        self.uploads: dict[str, bytes] = {}
        self.responses: list[tuple[str, Params]] = []  # POSTs to response_urls
        self.files_read_granted = True  # False: file downloads get the login page, as without files:read
        self.expired_response_urls: set[str] = set()  # keys whose response_url answers 404, as Slack does
        self.users: dict[str, Params] = {}
        self.files: dict[str, FakeFile] = {}
        self.socket_acks: list[Params] = []
        self.connection_acks: list[tuple[int, Params]] = []  # (connection number, ack), in arrival order
        self.avatars: dict[str, bytes] = {}
        self.avatar_downloads: list[tuple[str, str | None]] = []  # (path, Authorization header)
        self.client_id, self.client_secret = "1234.5678", "fake-client-secret"
        self.team_of_token: dict[str, str] = {bot_token: team_id}
        self.install_codes: dict[str, str] = {}  # OAuth code → the team it installs into
        self.refresh_tokens: dict[str, str] = {}  # refresh token → team
        self.rotating = False  # oauth.v2.access issues expiring tokens with a refresh token
        self.tokens_used: list[tuple[str, str]] = []  # (method or file path, bearer token)
        self._token_serial = itertools.count(1)
        self._scripts: dict[str, list[_Scripted]] = {}
        self._changed = asyncio.Condition()
        self._ts = itertools.count(1)
        self._upload_ids = itertools.count(1)
        self._envelope_ids = itertools.count(1)
        self._sockets: list[web.WebSocketResponse] = []
        self._connection_count = itertools.count()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.add_user("U1", name="ada", tz="Europe/Berlin", locale="en-GB")

    # --- lifecycle ----------------------------------------------------------------------------------

    async def __aenter__(self) -> FakeSlackApi:
        app = web.Application(client_max_size=64 * 2**20)
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_get("/files-pri/{key}/{name}", self._file)
        app.router.add_get("/avatars/{key}", self._avatar)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_post("/response/{key}", self._response_url)
        app.router.add_get("/link/", self._socket)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def __aexit__(self, *exc: object) -> None:
        for socket in list(self._sockets):
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The Web API base URL (SLACK_API_URL)."""
        return f"{self.base}/api/"

    def response_url(self, key: str = "r1") -> str:
        return f"{self.base}/response/{key}"

    # --- test set-up --------------------------------------------------------------------------------

    def add_user(self, user_id: str, *, name: str = "user", tz: str | None = "UTC", **extra: Any) -> Params:
        user: Params = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "real_name": name.title(),
            "tz": tz,
            "is_admin": False,
            "is_owner": False,
            "is_bot": False,
            "deleted": False,
            "profile": {"avatar_hash": f"hash-{user_id}", "display_name": name},
            **extra,
        }
        self.users[user_id] = user
        return user

    def set_avatar(self, user_id: str, data: bytes | None) -> None:
        """The user's profile picture: `data` served as Slack serves an uploaded one (public URLs, sizes up
        to image_original), or None for Slack's default avatar (Gravatar URLs, `is_custom_image` false)."""
        profile = self.users[user_id]["profile"]
        sizes = ("24", "32", "48", "72", "192", "512", "1024")
        if data is None:
            default = "https://a.slack-edge.com/df10d/img/avatars/ava_0010"
            profile.update(
                {
                    f"image_{n}": f"https://secure.gravatar.com/avatar/0?s={n}&d={default}-{n}.png"
                    for n in sizes
                }
            )
            profile["is_custom_image"] = False
            profile.pop("image_original", None)
            return
        self.avatars[user_id] = data
        profile.update({f"image_{n}": f"{self.base}/avatars/{user_id}?s={n}" for n in sizes})
        profile["image_original"] = f"{self.base}/avatars/{user_id}"
        profile["is_custom_image"] = True

    def add_workspace(self, team: str) -> str:
        """A workspace the app can be installed in; returns the OAuth code its install redirect carries."""
        code = f"code-{team}"
        self.install_codes[code] = team
        return code

    def tokens_of(self, team: str) -> set[str]:
        return {token for token, owner in self.team_of_token.items() if owner == team}

    def calls_with(self, method: str, team: str) -> list[Params]:
        """The calls of `method` made with one of `team`'s tokens."""
        tokens = self.tokens_of(team)
        return [
            params
            for (name, params), (_, token) in zip(self.calls, self.tokens_used, strict=False)
            if name == method and token in tokens
        ]

    def add_file(
        self, file_id: str, data: bytes, *, name: str, mimetype: str = "image/jpeg", team: str | None = None
    ) -> Params:
        """Hosts a file (in `team`, by default the fake's own) and returns the file object Slack puts in a
        message event's `files`."""
        fake = FakeFile(file_id, name, data, mimetype)
        self.files[file_id] = fake
        url = f"{self.base}/files-pri/{team or self.team_id}-{file_id}/{name}"
        fake.info = {
            "id": file_id,
            "name": name,
            "title": name,
            "mimetype": mimetype,
            "filetype": name.rsplit(".", 1)[-1].lower(),
            "size": len(data),
            "url_private": url,
            "url_private_download": url + "?download=1",
            "mode": "hosted",
        }
        return dict(fake.info)

    def script(
        self,
        method: str,
        *,
        error: str | None = None,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """The next `times` calls of `method` fail with this status / Slack error code."""
        body: Params = {"ok": False, "error": error or ("ratelimited" if status == 429 else "fatal_error")}
        self._scripts.setdefault(method, []).extend(
            _Scripted(status, body, dict(headers or {})) for _ in range(times)
        )

    # --- waiting on what the bot did ----------------------------------------------------------------

    def calls_to(self, method: str) -> list[Params]:
        return [params for name, params in self.calls if name == method]

    async def _wait(self, ready: Callable[[], Any], timeout: float, what: str) -> Any:
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(ready), timeout)
            except TimeoutError:
                seen = [name for name, _ in self.calls]
                raise AssertionError(f"timed out waiting for {what}; calls so far: {seen}") from None
        return ready()

    async def wait_for_call(
        self, method: str, timeout: float = 10, *, where: Callable[[Params], bool] | None = None
    ) -> Params:
        """The first call of `method` (matching `where`), waiting for it if it has not happened yet."""

        def first() -> Params | None:
            return next((p for p in self.calls_to(method) if where is None or where(p)), None)

        found: Params = await self._wait(first, timeout, method)
        return found

    async def wait_for_calls(self, method: str, count: int, timeout: float = 10) -> list[Params]:
        found: list[Params] = await self._wait(
            lambda: self.calls_to(method) if len(self.calls_to(method)) >= count else None,
            timeout,
            f"{count} × {method}",
        )
        return found

    async def wait_for_response(self, timeout: float = 10, *, key: str | None = None) -> Params:
        """The first message the bot POSTed to a response_url (to `response_url(key)` if given)."""
        found: Params = await self._wait(
            lambda: next((body for k, body in self.responses if key is None or k == key), None),
            timeout,
            "a response_url POST",
        )
        return found

    async def _record(self, item: Callable[[], None]) -> None:
        async with self._changed:
            item()
            self._changed.notify_all()

    # --- Socket Mode --------------------------------------------------------------------------------

    async def wait_for_socket(self, timeout: float = 10) -> None:
        await self._wait(lambda: bool(self._sockets) or None, timeout, "a Socket Mode connection")

    async def wait_for_sockets(self, count: int, timeout: float = 10) -> None:
        """Until `count` Socket Mode connections are open at once."""
        await self._wait(
            lambda: len(self._sockets) >= count or None, timeout, f"{count} Socket Mode connections"
        )

    @property
    def open_connections(self) -> int:
        return len(self._sockets)

    def envelope(
        self,
        kind: str,
        payload: Params,
        *,
        accepts_response_payload: bool = False,
        retry_attempt: int = 0,
    ) -> Params:
        """One Socket Mode envelope (`events_api`, `slash_commands`, `interactive`) with a fresh id."""
        return {
            "envelope_id": f"env-{next(self._envelope_ids)}",
            "type": kind,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
            "retry_attempt": retry_attempt,
            "retry_reason": "",
        }

    async def send(self, envelope: Params, *, connection: int = -1) -> str:
        """Sends `envelope` on one open connection (by position among those open: -1 the newest, 0 the
        oldest), as Slack does when it picks a connection; the same envelope may be sent on several."""
        await self._sockets[connection].send_str(json.dumps(envelope))
        return str(envelope["envelope_id"])

    async def send_envelope(
        self, kind: str, payload: Params, *, accepts_response_payload: bool = False, retry_attempt: int = 0
    ) -> str:
        """Sends one Socket Mode envelope on the newest connection; returns its id."""
        envelope = self.envelope(
            kind, payload, accepts_response_payload=accepts_response_payload, retry_attempt=retry_attempt
        )
        return await self.send(envelope)

    async def wait_for_ack(self, envelope_id: str, timeout: float = 10) -> Params:
        found: Params = await self._wait(
            lambda: next((a for a in self.socket_acks if a.get("envelope_id") == envelope_id), None),
            timeout,
            f"the ack of {envelope_id}",
        )
        return found

    async def wait_for_acks(self, envelope_id: str, count: int, timeout: float = 10) -> list[int]:
        """The connection numbers that acknowledged `envelope_id`, once `count` of them have."""

        def acked_on() -> list[int] | None:
            numbers = [n for n, ack in self.connection_acks if ack.get("envelope_id") == envelope_id]
            return numbers if len(numbers) >= count else None

        found: list[int] = await self._wait(acked_on, timeout, f"{count} acks of {envelope_id}")
        return found

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        number = next(self._connection_count)
        await socket.send_str(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": len(self._sockets) + 1,
                    "connection_info": {"app_id": "A0FAKE"},
                }
            )
        )
        await self._record(lambda: self._sockets.append(socket))
        try:
            async for message in socket:
                if message.type == aiohttp.WSMsgType.TEXT:
                    ack: Params = json.loads(message.data)

                    def record(ack: Params = ack) -> None:
                        self.socket_acks.append(ack)
                        self.connection_acks.append((number, ack))

                    await self._record(record)
        finally:
            if socket in self._sockets:
                self._sockets.remove(socket)
        return socket

    # --- HTTP handlers ------------------------------------------------------------------------------

    async def _params(self, request: web.Request) -> Params:
        params: Params = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                params.update(parse_qsl((await request.read()).decode(), keep_blank_values=True))
        for name in _JSON_FIELDS:
            value = params.get(name)
            if isinstance(value, str) and value[:1] in "[{":
                params[name] = json.loads(value)
        return params

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        authorization = request.headers.get("Authorization", "")
        token = authorization.removeprefix("Bearer ").strip()

        def record() -> None:
            self.calls.append((method, params))
            self.tokens_used.append((method, token))

        await self._record(record)
        if method == "oauth.v2.access":
            return web.json_response(self._oauth_v2_access(params, authorization))
        app_level = method == "apps.connections.open"
        if (token != self.app_token) if app_level else (token not in self.team_of_token):
            return web.json_response({"ok": False, "error": "invalid_auth"})
        params = (
            {**params, "_team": self.team_of_token.get(token, self.team_id)}
            if method == "auth.test"
            else params
        )
        scripted = self._scripts.get(method)
        if scripted:
            step = scripted.pop(0)
            return web.json_response(step.body, status=step.status, headers=step.headers)
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        result: Params = handler(params)
        return web.json_response(result)

    def _oauth_v2_access(self, params: Params, authorization: str) -> Params:
        """The code exchange (and, with grant_type=refresh_token, a token refresh), as Slack answers."""
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if authorization != f"Basic {expected}":
            return {"ok": False, "error": "invalid_client_id"}
        if params.get("grant_type") == "refresh_token":
            team = self.refresh_tokens.get(str(params.get("refresh_token", "")))
            if team is None:
                return {"ok": False, "error": "invalid_refresh_token"}
            return self._issue(team, token_type="bot")
        team = self.install_codes.pop(str(params.get("code", "")), None)
        if team is None:
            return {"ok": False, "error": "invalid_code"}
        return self._issue(team, token_type="bot") | {
            "app_id": "A0FAKE",
            "team": {"id": team, "name": f"Team {team}"},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": "UINSTALLER"},
            "bot_user_id": self.bot_user_id,
            "scope": "app_mentions:read,chat:write,commands,files:read,files:write,im:history,im:write,"
            "users:read",
        }

    def _issue(self, team: str, *, token_type: str) -> Params:
        serial = next(self._token_serial)
        token = f"{'xoxe.' if self.rotating else ''}xoxb-{team}-{serial:04d}"
        self.team_of_token[token] = team
        issued: Params = {"ok": True, "access_token": token, "token_type": token_type}
        if self.rotating:
            refresh = f"xoxe-1-{team}-{serial:04d}"
            self.refresh_tokens[refresh] = team
            issued |= {"refresh_token": refresh, "expires_in": 60}  # within Bolt's 2 h: refreshed at once
        return issued

    def _m_auth_test(self, params: Params) -> Params:
        return {
            "ok": True,
            "url": "https://fake.slack.com/",
            "team": "Fake",
            "user": "headshot",
            "team_id": params.get("_team", self.team_id),
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _next_ts(self) -> str:
        return f"{1_700_000_000 + next(self._ts)}.000100"

    def _m_chat_postMessage(self, params: Params) -> Params:
        ts = self._next_ts()
        return {"ok": True, "channel": params.get("channel"), "ts": ts, "message": {"ts": ts}}

    def _m_chat_postEphemeral(self, params: Params) -> Params:
        return {"ok": True, "message_ts": self._next_ts()}

    def _m_chat_update(self, params: Params) -> Params:
        return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}

    def _m_conversations_open(self, params: Params) -> Params:
        user = str(params.get("users", ""))
        known = self.users.get(user)
        if known is None:
            return {"ok": False, "error": "user_not_found"}
        if known.get("deleted"):
            return {"ok": False, "error": "account_inactive"}
        return {"ok": True, "channel": {"id": "D" + user}}

    def _m_users_info(self, params: Params) -> Params:
        user = self.users.get(str(params.get("user", "")))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        if str(params.get("include_locale", "")).lower() not in ("1", "true"):
            user = {key: value for key, value in user.items() if key != "locale"}  # as Slack does
        return {"ok": True, "user": user}

    def _m_users_list(self, params: Params) -> Params:
        members = list(self.users.values())
        start = int(params.get("cursor") or 0)
        limit = int(params.get("limit") or 200)
        page = members[start : start + limit]
        next_cursor = str(start + limit) if start + limit < len(members) else ""
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": next_cursor}}

    def _m_views_publish(self, params: Params) -> Params:
        return {"ok": True, "view": {"id": "V1", **(params.get("view") or {})}}

    def _m_files_info(self, params: Params) -> Params:
        fake = self.files.get(str(params.get("file", "")))
        if fake is None or fake.deleted:
            return {"ok": False, "error": "file_not_found"}
        return {"ok": True, "file": dict(fake.info)}

    def _m_files_getUploadURLExternal(self, params: Params) -> Params:
        file_id = f"FUP{next(self._upload_ids)}"
        return {"ok": True, "upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}

    def _m_files_completeUploadExternal(self, params: Params) -> Params:
        files = params.get("files") or []
        missing = [f["id"] for f in files if f["id"] not in self.uploads]
        if missing:
            return {"ok": False, "error": "file_not_found"}
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title", "")} for f in files]}

    def _m_apps_connections_open(self, params: Params) -> Params:
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/link/?ticket=fake-ticket"}

    async def _file(self, request: web.Request) -> web.StreamResponse:
        authorization = request.headers.get("Authorization")
        await self._record(lambda: self.downloads.append((request.path, authorization)))
        team, file_id = request.match_info["key"].split("-", 1)
        fake = self.files.get(file_id)
        token = (authorization or "").removeprefix("Bearer ")
        if self.team_of_token.get(token) != team or not self.files_read_granted:
            # Real Slack answers a request without the right token with its sign-in page and status 200.
            return web.Response(text=_LOGIN_PAGE, content_type="text/html")
        if fake is None or fake.deleted:
            return web.Response(status=404, text="file not found")
        return web.Response(body=fake.data, content_type=fake.mimetype)

    async def _avatar(self, request: web.Request) -> web.StreamResponse:
        authorization = request.headers.get("Authorization")
        await self._record(lambda: self.avatar_downloads.append((request.path_qs, authorization)))
        data = self.avatars.get(request.match_info["key"])
        if data is None:
            return web.Response(status=404, text="not found")
        return web.Response(body=data, content_type="image/jpeg")

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        data = await request.read()
        await self._record(lambda: self.uploads.__setitem__(file_id, data))
        return web.Response(text=f"OK - {len(data)}")

    async def _response_url(self, request: web.Request) -> web.Response:
        body: Params = await request.json()
        key = request.match_info["key"]
        if key in self.expired_response_urls:
            return web.Response(status=404, text="expired_url")
        await self._record(lambda: self.responses.append((key, body)))
        return web.Response(text="ok")

    sign_request = staticmethod(sign_request)
    post_event = staticmethod(post_event)
