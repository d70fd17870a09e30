"""The values that pass between the adapters and the core.

An adapter turns a platform event into an `Incoming` (or an `ActionEvent` for a button), calls the
`Brain`, and renders each returned `Reply` natively (Block Kit, a Discord embed, console text).
Nothing here knows about any platform.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar


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


class Origin(StrEnum):
    """How the user reached the bot: it decides who may see the answer (`bot/visibility.py`)."""

    MESSAGE = "message"  # a DM, a mention in a channel, a console line
    SLASH = "slash"  # /headshot …
    SHORTCUT = "shortcut"  # Slack's "Review this photo" on someone's message
    CONTEXT_MENU = "context_menu"  # Discord's "Review photo" (right-click a message → Apps)
    BUTTON = "button"  # a button on an earlier reply, or on the Slack App Home


@dataclass(frozen=True)
class ProfilePhoto:
    """The user's current profile picture, fetched by the adapter for "check my avatar".

    `photo` is None when the user has none of their own (the platform's default avatar); a download
    that failed is a `photo` whose `problem` says why.
    """

    photo: Attachment | None
    where: str = ""  # "your Slack profile", "this server": how the answer names it


@dataclass(frozen=True)
class Incoming:
    conversation: Conversation
    text: str  # mention of the bot already stripped by the adapter
    attachments: tuple[Attachment, ...] = ()
    direct: bool = False  # a DM or the console
    user_timezone: str | None = None  # IANA name when the platform knows it
    user_is_admin: bool = False  # may change workspace settings (Slack admin, Discord Manage Server)
    user_name: str | None = None
    # The user's language and country as the platform reports it ("en-US", "de"): the day/month order of
    # a date like 3/1/2027.
    user_locale: str | None = None
    origin: Origin = Origin.MESSAGE
    # Set only when the core asked for it (`bot.commands.wants_profile_photo`); None where the platform
    # has no profile pictures (the console).
    profile_photo: ProfilePhoto | None = None


@dataclass(frozen=True)
class ActionEvent:
    """A button press on a reply the bot sent earlier."""

    conversation: Conversation
    action_id: str  # one of ActionId
    value: str
    user_timezone: str | None = None
    profile_photo: ProfilePhoto | None = None  # when `bot.commands.action_wants_profile_photo` says so


class ActionId(StrEnum):
    REMIND_IN_A_YEAR = "remind_in_a_year"
    SNOOZE = "snooze"
    DONE = "done"
    CANCEL = "cancel"
    CONFIRM = "confirm"  # value: the question's id ("cancel all?": yes)
    DECLINE = "decline"  # value: the question's id (no)
    UNDO = "undo"  # value: the change's id (only while it is the user's last one)
    REVIEW_PHOTO = "review_photo"  # offered when a new profile photo was noticed
    LIST_REMINDERS = "list_reminders"  # the home view's "My reminders"
    SHOW_HELP = "show_help"  # the home view's "Help"
    ANSWER_GOOD = "answer_good"  # value: the answer's key and best passage ("<key>:<passage id>")
    ANSWER_BAD = "answer_bad"


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
class Citation:
    title: str
    doc: str  # document id: its file stem under knowledge/
    quote: str = ""
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
class File:
    """A file sent to the user (their data export): uploaded on Slack, attached on Discord, saved to disk on
    the console."""

    filename: str
    data: bytes
    content_type: str = "application/json"
    title: str = ""


# --- the parts of a reply, in the order they are shown ------------------------------------------------


@dataclass(frozen=True)
class Title:
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str  # plain text; adapters escape it for their markup
    heading: str | None = None
    label: str | None = None  # whose view this is, e.g. "Studio's view (argues for professional photos)"


@dataclass(frozen=True)
class Quote:
    """Words quoted from a document, with where they come from."""

    text: str
    source: Citation
    heading: str | None = None  # e.g. "The other side"
    label: str | None = None  # whose view the document gives, e.g. "Balanced guide"


@dataclass(frozen=True)
class Checks:
    lines: tuple[CheckLine, ...]


@dataclass(frozen=True)
class Score:
    value: int
    out_of: int = 100


@dataclass(frozen=True)
class Fixes:
    items: tuple[str, ...]
    heading: str = "Top fixes"


@dataclass(frozen=True)
class Sources:
    citations: tuple[Citation, ...]


@dataclass(frozen=True)
class Buttons:
    actions: tuple[Action, ...]


@dataclass(frozen=True)
class Images:
    images: tuple[Image, ...]


@dataclass(frozen=True)
class Files:
    files: tuple[File, ...]


Part = Title | Paragraph | Quote | Checks | Score | Fixes | Sources | Buttons | Images | Files

_P = TypeVar("_P", bound=Part)

STATUS_MARKS = {Status.PASS: "✓", Status.WARN: "!", Status.FAIL: "✗", Status.SKIP: "–"}


def _spaced(check_id: str) -> str:
    return check_id.replace("_", " ")


def source_line(citation: Citation) -> str:
    return citation.title + (f" ({citation.perspective})" if citation.perspective else "")


def part_text(part: Part) -> str:
    """The reference plain-text rendering of one part: what the console prints, what a notification or a
    screen reader gets, and what an adapter shows for a part it has no native form for."""
    match part:
        case Title(text):
            return text
        case Paragraph(text, heading, label):
            return "\n".join([*([heading] if heading else []), *([f"[{label}]"] if label else []), text])
        case Quote(text, source, heading, label):
            quoted = f"“{' '.join(text.split())}”\n— {f'{label}: ' if label else ''}{source.title}"
            return f"{heading}:\n{quoted}" if heading else quoted
        case Checks(lines):
            return "\n".join(f"  {STATUS_MARKS[c.status]} {_spaced(c.id)}: {c.message}" for c in lines)
        case Score(value, out_of):
            return f"Score: {value}/{out_of}"
        case Fixes(items, heading):
            return "\n".join([f"{heading}:", *(f"  {n}. {fix}" for n, fix in enumerate(items, 1))])
        case Sources(citations):
            return "\n".join(["Sources:", *(f"  — {source_line(c)}" for c in citations)])
        case Buttons(actions):
            return "Options: " + " · ".join(a.label for a in actions)
        case Images(images):
            return "\n".join(f"[image: {image.filename}]" for image in images)
        case Files(files):
            return "\n".join(f"[file: {file.filename}]" for file in files)
    raise TypeError(f"not a reply part: {part!r}")


@dataclass(frozen=True)
class Reply:
    """One message to the user: an ordered sequence of typed parts.

    Every adapter renders the parts it knows natively (Block Kit, Discord embeds) and falls back to
    `part_text` for any other, so no renderer decides on its own what to leave out. `text` is the whole
    reply in the reference rendering (console, notifications, screen readers).
    """

    kind: ReplyKind
    parts: tuple[Part, ...]
    private: bool = False  # ephemeral or in a DM: reminder lists, errors
    reminder_id: int | None = None  # the reminder this reply is about, for the adapters' logs and tests

    @classmethod
    def plain(cls, text: str, kind: ReplyKind = ReplyKind.ANSWER, *, private: bool = False) -> Reply:
        return cls(kind, (Paragraph(text),), private=private)

    @property
    def text(self) -> str:
        return "\n\n".join(
            part_text(part) for part in self.parts if not isinstance(part, Images | Buttons | Files)
        )

    def first(self, kind: type[_P]) -> _P | None:
        return next((part for part in self.parts if isinstance(part, kind)), None)

    @property
    def title(self) -> str | None:
        title = self.first(Title)
        return title.text if title else None

    @property
    def actions(self) -> tuple[Action, ...]:
        return tuple(a for part in self.parts if isinstance(part, Buttons) for a in part.actions)

    @property
    def images(self) -> tuple[Image, ...]:
        return tuple(i for part in self.parts if isinstance(part, Images) for i in part.images)

    @property
    def files(self) -> tuple[File, ...]:
        return tuple(f for part in self.parts if isinstance(part, Files) for f in part.files)

    @property
    def checks(self) -> tuple[CheckLine, ...]:
        return tuple(c for part in self.parts if isinstance(part, Checks) for c in part.lines)

    @property
    def score(self) -> int | None:
        score = self.first(Score)
        return score.value if score else None

    @property
    def citations(self) -> tuple[Citation, ...]:
        quoted = [part.source for part in self.parts if isinstance(part, Quote)]
        listed = [c for part in self.parts if isinstance(part, Sources) for c in part.citations]
        return tuple(dict.fromkeys([*listed, *quoted]))
