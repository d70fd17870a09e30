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

from bot.messages import Action, ActionId, Image, Reply, ReplyKind
from bot.render_text import STATUS_MARKS, split_text, truncate

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

    def files(self) -> list[discord.File]:
        # discord.File is consumed by a send, so each send builds fresh ones.
        return [
            discord.File(
                io.BytesIO(image.data), filename=attachment_name(image), description=image.alt or None
            )
            for image in self.images
        ]

    def send_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {}
        if self.content:
            kwargs["content"] = self.content
        if self.embeds:
            kwargs["embeds"] = self.embeds
        if self.images:
            kwargs["files"] = self.files()
        view = build_view(self.actions)
        if view is not None:
            kwargs["view"] = view
        return kwargs


def attachment_name(image: Image) -> str:
    """A file name `attachment://` references can use (Discord replaces other characters)."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", image.filename).strip("._") or "image"
    return cleaned[:100]


def _has_structure(reply: Reply) -> bool:
    return bool(reply.title or reply.sections or reply.citations or reply.checks or reply.fixes) or (
        reply.score is not None
    )


def _description(reply: Reply) -> str:
    parts: list[str] = []
    for section in reply.sections:
        lines = []
        if section.heading:
            lines.append(f"**{discord.utils.escape_markdown(section.heading)}**")
        if section.label:
            lines.append(f"*{discord.utils.escape_markdown(section.label)}*")
        lines.append(discord.utils.escape_markdown(section.body))
        parts.append("\n".join(lines))
    if not reply.sections and not reply.checks:
        parts.append(discord.utils.escape_markdown(reply.text))
    if reply.checks:
        parts.append(
            "\n".join(
                f"{STATUS_MARKS[check.status]} **{check.id.replace('_', ' ')}** — "
                f"{discord.utils.escape_markdown(check.message)}"
                for check in reply.checks
            )
        )
    return "\n\n".join(p for p in parts if p.strip())


def _fields(reply: Reply) -> list[tuple[str, str, bool]]:
    fields: list[tuple[str, str, bool]] = []
    if reply.score is not None:
        fields.append(("Score", f"**{reply.score}**/100", True))
    if reply.fixes:
        numbered = "\n".join(
            f"{n}. {discord.utils.escape_markdown(fix)}" for n, fix in enumerate(reply.fixes, 1)
        )
        for n, chunk in enumerate(split_text(numbered, FIELD_VALUE_LIMIT)):
            fields.append(("Top fixes" if n == 0 else "Top fixes (continued)", chunk, False))
    for citation in reply.citations:
        name = f"Source: {citation.title}"
        if citation.perspective:
            name += f" ({citation.perspective})"
        quote = truncate(" ".join(citation.quote.split()), QUOTE_PREVIEW)
        value = f"> {discord.utils.escape_markdown(quote)}\n`{citation.doc}`"
        fields.append((truncate(name, FIELD_NAME_LIMIT), truncate(value, FIELD_VALUE_LIMIT), False))
    return fields


def _footer(reply: Reply) -> str | None:
    if not reply.citations:
        return None
    docs = ", ".join(dict.fromkeys(c.doc for c in reply.citations))
    return truncate(f"Sources: {docs}", FOOTER_LIMIT)


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
    if _has_structure(reply):
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
        text = discord.utils.escape_markdown(reply.text)
        messages = [OutgoingMessage(content=chunk) for chunk in split_text(text, CONTENT_LIMIT)]
    if not messages:
        messages = [OutgoingMessage(content="…")]
    messages[0].images = reply.images
    messages[-1].actions = reply.actions
    return messages
