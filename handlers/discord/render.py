"""A core `Reply` as Discord messages: embeds, attached images and persistent buttons, within limits.

Buttons are `ActionButton`s: a `DynamicItem` whose custom id carries the whole action
(`headshot:<action_id>:<value>`), so a click is understood from the id alone — also on a message sent
before a restart, and without keeping any view in memory.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import discord

from bot.messages import (
    STATUS_MARKS,
    Action,
    ActionId,
    Buttons,
    Checks,
    File,
    Files,
    Fixes,
    Image,
    Images,
    Paragraph,
    Part,
    Quote,
    Reply,
    ReplyKind,
    Score,
    Sources,
    Title,
    part_text,
)
from bot.render_text import markdown_quote, split_text, truncate

log = logging.getLogger("headshot.discord")

# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELDS_PER_EMBED = 25
FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000  # per message, summed over all its embeds
EMBEDS_PER_MESSAGE = 10
CUSTOM_ID_LIMIT = 100
BUTTON_LABEL_LIMIT = 80
BUTTONS_PER_MESSAGE = 25
QUOTE_PREVIEW = 300

CUSTOM_ID_PREFIX = "headshot"
CUSTOM_ID_TEMPLATE = r"headshot:(?P<action>[a-z_]+):(?P<value>.*)"

_COLOURS = {
    ReplyKind.ANSWER: discord.Colour.blurple(),
    ReplyKind.DECLINE: discord.Colour.light_grey(),
    ReplyKind.HELP: discord.Colour.blurple(),
    ReplyKind.REMINDER: discord.Colour.gold(),
    ReplyKind.ERROR: discord.Colour.red(),
}
_BUTTON_STYLES = {"primary": discord.ButtonStyle.primary, "danger": discord.ButtonStyle.danger}


@runtime_checkable
class ButtonHandler(Protocol):
    """What the client behind a button click provides (the adapter sets it on its client)."""

    async def handle_button(
        self, interaction: discord.Interaction[Any], action_id: str, value: str
    ) -> None: ...


class ActionButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=CUSTOM_ID_TEMPLATE,
):
    def __init__(self, action_id: str, value: str, *, label: str = "…", style: str | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=label[:BUTTON_LABEL_LIMIT],
                style=_BUTTON_STYLES.get(style or "", discord.ButtonStyle.secondary),
                custom_id=custom_id_for(action_id, value),
            )
        )
        self.action_id = action_id
        self.value = value

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ActionButton:
        label = getattr(item, "label", None) or "…"
        return cls(match["action"], match["value"], label=label)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        handler = getattr(interaction.client, "headshot_adapter", None)
        if isinstance(handler, ButtonHandler):
            await handler.handle_button(interaction, self.action_id, self.value)


def custom_id_for(action_id: str, value: str) -> str:
    return f"{CUSTOM_ID_PREFIX}:{action_id}:{value}"


def build_view(actions: Iterable[Action]) -> discord.ui.View | None:
    view = discord.ui.View(timeout=None)
    for action in list(actions)[:BUTTONS_PER_MESSAGE]:
        action_id = (
            action.action_id.value if isinstance(action.action_id, ActionId) else str(action.action_id)
        )
        if len(custom_id_for(action_id, action.value)) > CUSTOM_ID_LIMIT:
            # A truncated id would act on the wrong value; leaving the button out is the safe choice.
            log.warning("button left out: its value is too long for a custom id", extra={"action": action_id})
            continue
        view.add_item(ActionButton(action_id, action.value, label=action.label, style=action.style))
    return view if view.children else None


@dataclass
class OutgoingMessage:
    """One Discord message: plain content or embeds, with the reply's images and buttons."""

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)
    images: tuple[Image, ...] = ()
    actions: tuple[Action, ...] = ()
    attachments: tuple[File, ...] = ()  # other files (a data export), attached as they are

    def files(self) -> list[discord.File]:
        # discord.File is consumed by a send, so each send builds fresh ones.
        return [
            discord.File(
                io.BytesIO(image.data), filename=attachment_name(image), description=image.alt or None
            )
            for image in self.images
        ] + [
            discord.File(
                io.BytesIO(file.data), filename=_file_name(file.filename), description=file.title or None
            )
            for file in self.attachments
        ]

    def send_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {}
        if self.content:
            kwargs["content"] = self.content
        if self.embeds:
            kwargs["embeds"] = self.embeds
        if self.images or self.attachments:
            kwargs["files"] = self.files()
        view = build_view(self.actions)
        if view is not None:
            kwargs["view"] = view
        return kwargs


def _file_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "file"


def attachment_name(image: Image) -> str:
    """A file name `attachment://` references can use (Discord replaces other characters)."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", image.filename).strip("._") or "image"
    return cleaned[:100]


def _is_plain(reply: Reply) -> bool:
    """Only unheaded paragraphs (and buttons): sent as message content, like a person's message."""
    return all(
        isinstance(part, Buttons) or (isinstance(part, Paragraph) and not part.heading and not part.label)
        for part in reply.parts
    )


def _escape(text: str) -> str:
    return discord.utils.escape_markdown(text)


def _headed(heading: str | None, label: str | None, body: str) -> str:
    lines = [f"**{_escape(heading)}**"] if heading else []
    if label:
        lines.append(f"*{_escape(label)}*")
    return "\n".join([*lines, body])


def _description_piece(part: Part) -> str | None:
    """A part's text in the embed description; None for the parts shown elsewhere in the embed."""
    match part:
        case Title() | Score() | Fixes() | Sources() | Buttons() | Images() | Files():
            return None
        case Paragraph(text, heading, label):
            return _headed(heading, label, _escape(text))
        case Quote(heading=heading):
            return _headed(heading, None, markdown_quote(part, escape=_escape, emphasis="*"))
        case Checks(lines):
            return "\n".join(
                f"{STATUS_MARKS[check.status]} **{check.id.replace('_', ' ')}** — {_escape(check.message)}"
                for check in lines
            )
    return _escape(part_text(part))


def _description(reply: Reply) -> str:
    pieces = (_description_piece(part) for part in reply.parts)
    return "\n\n".join(piece for piece in pieces if piece and piece.strip())


def _fields(reply: Reply) -> list[tuple[str, str, bool]]:
    fields: list[tuple[str, str, bool]] = []
    for part in reply.parts:
        if isinstance(part, Score):
            fields.append(("Score", f"**{part.value}**/{part.out_of}", True))
        elif isinstance(part, Fixes):
            numbered = "\n".join(f"{n}. {_escape(fix)}" for n, fix in enumerate(part.items, 1))
            for n, chunk in enumerate(split_text(numbered, FIELD_VALUE_LIMIT)):
                fields.append((part.heading if n == 0 else f"{part.heading} (continued)", chunk, False))
    return fields


def _footer(reply: Reply) -> str | None:
    titles = [c.title for part in reply.parts if isinstance(part, Sources) for c in part.citations]
    return truncate("Sources: " + " · ".join(dict.fromkeys(titles)), FOOTER_LIMIT) if titles else None


def _embeds(reply: Reply) -> list[discord.Embed]:
    colour = _COLOURS.get(reply.kind, discord.Colour.blurple())
    if reply.kind is ReplyKind.CHECK and reply.score is not None:
        colour = (
            discord.Colour.green()
            if reply.score >= 80
            else discord.Colour.orange()
            if reply.score >= 50
            else discord.Colour.red()
        )
    chunks = split_text(_description(reply), DESCRIPTION_LIMIT) or [""]
    first = discord.Embed(
        title=truncate(reply.title, TITLE_LIMIT) if reply.title else None,
        description=chunks[0] or None,
        colour=colour,
    )
    images = [attachment_name(image) for image in reply.images]
    if images:
        first.set_image(url=f"attachment://{images[0]}")
    if len(images) > 1:
        first.set_thumbnail(url=f"attachment://{images[1]}")
    embeds = [first] + [discord.Embed(description=chunk, colour=colour) for chunk in chunks[1:]]

    footer = _footer(reply)
    reserve = len(footer or "")
    for name, value, inline in _fields(reply):
        last = embeds[-1]
        if (
            len(last.fields) >= FIELDS_PER_EMBED
            or len(last) + len(name) + len(value) + reserve > EMBED_TOTAL_LIMIT
        ):
            last = discord.Embed(colour=colour)
            embeds.append(last)
        last.add_field(name=name, value=value, inline=inline)
    if footer:
        embeds[-1].set_footer(text=footer)
    return embeds


def render_reply(reply: Reply) -> list[OutgoingMessage]:
    """The messages that show one reply; images go with the first, buttons with the last."""
    messages: list[OutgoingMessage] = []
    if not _is_plain(reply):
        for embed in _embeds(reply):
            current = messages[-1] if messages else None
            if (
                current is None
                or len(current.embeds) >= EMBEDS_PER_MESSAGE
                or sum(len(e) for e in current.embeds) + len(embed) > EMBED_TOTAL_LIMIT
            ):
                current = OutgoingMessage()
                messages.append(current)
            current.embeds.append(embed)
    else:
        text = _escape(reply.text)
        messages = [OutgoingMessage(content=chunk) for chunk in split_text(text, CONTENT_LIMIT)]
    if not messages:
        messages = [OutgoingMessage(content="…")]
    messages[0].images = reply.images
    messages[0].attachments = reply.files
    messages[-1].actions = reply.actions
    return messages
