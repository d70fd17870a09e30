"""HTTP mode's gate: a request is verified on its raw bytes before anything parses it.

Slack signs `v0:{timestamp}:{body}` with the signing secret (HMAC-SHA256) and sends the timestamp and the
signature in headers. Bolt verifies too, but only after it has parsed the body, so a malformed body (or a
timestamp that is not a whole number) raised inside Bolt and came back as a 500 with an ERROR traceback.
Here the checks run first, on the bytes: unsigned, stale or wrongly signed → 401; signed but not a Slack
payload (not UTF-8, not a JSON object, a form whose `payload` is not a JSON object) → 400. Neither is an
error of ours, so both are logged at WARNING, without a traceback and without the body.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

MAX_CLOCK_SKEW_SECONDS = 5 * 60  # Slack's own rule: a request older (or newer) than this is a replay
_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")
_SIGNATURE = re.compile(r"^v0=[0-9a-f]{64}$")


@dataclass(frozen=True)
class Refusal:
    status: int  # 401: not from Slack (as far as we can tell); 400: from Slack's key holder, but malformed
    reason: str  # for the log: never the body, never a header's value


def signature_refusal(
    body: bytes, headers: Mapping[str, str], signing_secret: str, *, now: float
) -> Refusal | None:
    """None when Slack signed exactly these bytes within the last five minutes."""
    timestamp = headers.get("X-Slack-Request-Timestamp") or headers.get("x-slack-request-timestamp")
    signature = headers.get("X-Slack-Signature") or headers.get("x-slack-signature")
    if not timestamp or not signature:
        return Refusal(401, "unsigned request")
    if not _TIMESTAMP.match(timestamp):
        return Refusal(401, "request timestamp is not a whole number of seconds")
    if abs(now - int(timestamp)) > MAX_CLOCK_SKEW_SECONDS:
        return Refusal(401, "stale request timestamp")
    if not _SIGNATURE.match(signature):
        return Refusal(401, "malformed request signature")
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return Refusal(401, "wrong request signature")
    return None


def payload_refusal(body: bytes, content_type: str | None) -> Refusal | None:
    """None when Bolt can read the (already verified) body as one Slack payload.

    Mirrors Bolt's own reading (slack_bolt.request.internals.parse_body): JSON when the content type says so
    or the body starts with "{", else a form, whose `payload` field (interactivity) holds JSON.
    """
    if not body:
        return Refusal(400, "empty body")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return Refusal(400, "body is not UTF-8")
    kind = (content_type or "").split(";")[0].strip().lower()
    parsed: Any
    if kind == "application/json" or text.startswith("{"):
        parsed = _json(text)
    elif "payload" in text:
        fields = dict(parse_qsl(text, keep_blank_values=True))
        parsed = _json(fields["payload"]) if "payload" in fields else {}
    else:
        return None  # a slash command's form: any form parses
    if not isinstance(parsed, dict):
        return Refusal(400, "body is not a JSON object")
    return None


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None
