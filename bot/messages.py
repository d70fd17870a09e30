"""The values that pass between the adapters and the core.

An adapter turns a platform event into an `Incoming` (or an `ActionEvent` for a button), calls the
`Brain`, and renders each returned `Reply` natively (Block Kit, a Discord embed, console text).
Nothing here knows about any platform.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True)
class Conversation:
    """Where a message came from and where its answer goes."""

    platform: str  # "slack", "discord" or "console"
    workspace: str  # Slack team id, Discord guild id ("" for a Discord DM), "local" on the console
    channel: str
    user: str
    thread: str | None = None  # Slack thread_ts, Discord thread id; None outside threads

    def key(self) -> str:
        """Identity of the conversation thread, for short-lived follow-up context."""
        return f"{self.platform}:{self.workspace}:{self.channel}:{self.thread or ''}:{self.user}"


@dataclass(frozen=True)
class Attachment:
    """A file the user posted. The adapter downloads it (with the core's size cap) before calling the core.

    `problem` is set instead of `data` when the adapter could not fetch the file; it is a short,
    human-readable reason ("the file is larger than 20 MB", "Slack did not let me download it").
    """

    filename: str
    content_type: str | None = None
    data: bytes | None = None
    problem: str | None = None


@dataclass(frozen=True)
class Incoming:
    conversation: Conversation
    text: str  # mention of the bot already stripped by the adapter
    attachments: tuple[Attachment, ...] = ()
    direct: bool = False  # a DM or the console
    user_timezone: str | None = None  # IANA name when the platform knows it
    user_is_admin: bool = False  # may change workspace settings (Slack admin, Discord Manage Server)
    user_name: str | None = None


@dataclass(frozen=True)
class ActionEvent:
    """A button press on a reply the bot sent earlier."""

    conversation: Conversation
    action_id: str  # one of ActionId
    value: str
    user_timezone: str | None = None


class ActionId(StrEnum):
    REMIND_IN_A_YEAR = "remind_in_a_year"
    SNOOZE = "snooze"
    DONE = "done"
    CANCEL = "cancel"


class Status(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


class ReplyKind(StrEnum):
    ANSWER = "answer"
    DECLINE = "decline"
    CHECK = "check"
    REMINDER = "reminder"
    HELP = "help"
    ERROR = "error"


@dataclass(frozen=True)
class Section:
    body: str  # plain text; adapters escape it for their markup
    heading: str | None = None
    label: str | None = None  # whose view this is, e.g. "Studio's view (argues for professional photos)"


@dataclass(frozen=True)
class Citation:
    title: str
    doc: str  # document id: its file stem under knowledge/
    quote: str
    perspective: str = ""


@dataclass(frozen=True)
class CheckLine:
    id: str
    status: Status
    message: str


@dataclass(frozen=True)
class Action:
    label: str
    action_id: ActionId
    value: str
    style: str | None = None  # "primary", "danger" or None


@dataclass(frozen=True)
class Image:
    filename: str
    data: bytes
    content_type: str = "image/jpeg"
    alt: str = ""


@dataclass(frozen=True)
class Reply:
    """One message to the user.

    `text` is always a complete plain-text rendering (notifications, screen readers, the console);
    the structured parts let an adapter render the same content natively.
    """

    text: str
    kind: ReplyKind = ReplyKind.ANSWER
    title: str | None = None
    sections: tuple[Section, ...] = ()
    citations: tuple[Citation, ...] = ()
    checks: tuple[CheckLine, ...] = ()
    score: int | None = None
    fixes: tuple[str, ...] = ()
    actions: tuple[Action, ...] = ()
    images: tuple[Image, ...] = ()
    private: bool = False  # ephemeral or in a DM: reminder lists, errors
    extras: dict[str, str] = field(default_factory=dict)
