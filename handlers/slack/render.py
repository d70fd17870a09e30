"""The core's `Reply` as Slack Block Kit, within Slack's limits.

Pure functions (no Slack SDK), so the rendering is testable on its own. Limits, from Slack's
Block Kit reference: 50 blocks in a message, 100 in a Home tab, 3000 characters in a section's text,
150 in a header, 75 in a button label, 2000 in a button value, 10 elements in a context block,
and action ids unique within one actions block.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from bot.messages import (
    STATUS_MARKS,
    Action,
    Buttons,
    Checks,
    Citation,
    Files,
    Fixes,
    Images,
    Paragraph,
    Part,
    Quote,
    Reply,
    Score,
    Sources,
    Title,
    part_text,
)
from bot.render_text import markdown_quote, split_text, truncate

Block = dict[str, Any]

MAX_MESSAGE_BLOCKS = 50
MAX_HOME_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_CONTEXT_ELEMENTS = 10
MAX_BUTTONS_PER_BLOCK = 25
MAX_FALLBACK_TEXT = 39_000  # chat.postMessage truncates `text` beyond 40,000 characters

_SHORTENED_NOTE = "_(shortened to fit Slack; the full text is in the notification)_"


def escape_mrkdwn(text: str) -> str:
    """User and document text shown as mrkdwn: Slack's three control characters escaped.

    Without this a `<!channel>` or `<https://evil|bank>` inside a quoted passage or an echoed question
    would become a real ping or a disguised link.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _sections(mrkdwn: str) -> list[Block]:
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": piece}}
        for piece in split_text(mrkdwn, MAX_SECTION_TEXT)
    ]


def _header(title: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": truncate(title, MAX_HEADER_TEXT)}}


def _citation_element(citation: Citation) -> dict[str, str]:
    source = f"*{escape_mrkdwn(citation.title)}*"
    if citation.perspective:
        source += f" ({escape_mrkdwn(citation.perspective)})"
    return {"type": "mrkdwn", "text": truncate(source, MAX_SECTION_TEXT)}


def _citation_blocks(citations: Sequence[Citation]) -> list[Block]:
    elements: list[dict[str, str]] = [{"type": "mrkdwn", "text": "*Sources*"}]
    elements.extend(_citation_element(c) for c in citations)
    return [
        {"type": "context", "elements": elements[start : start + MAX_CONTEXT_ELEMENTS]}
        for start in range(0, len(elements), MAX_CONTEXT_ELEMENTS)
    ]


def button(action: Action) -> Block:
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": truncate(action.label, MAX_BUTTON_TEXT)},
        "action_id": action.action_id.value,
        "value": action.value[:MAX_BUTTON_VALUE],
    }
    if action.style in ("primary", "danger"):
        element["style"] = action.style
    return element


def _action_blocks(actions: Sequence[Action]) -> list[Block]:
    """Buttons, grouped so that no actions block holds the same action_id twice (Slack rejects that)."""
    blocks: list[Block] = []
    current: list[Block] = []
    seen: set[str] = set()
    for action in actions:
        if action.action_id.value in seen or len(current) >= MAX_BUTTONS_PER_BLOCK:
            blocks.append({"type": "actions", "elements": current})
            current, seen = [], set()
        current.append(button(action))
        seen.add(action.action_id.value)
    if current:
        blocks.append({"type": "actions", "elements": current})
    return blocks


def _paragraph(heading: str | None, label: str | None, body: str) -> list[Block]:
    lines: list[str] = []
    if heading:
        lines.append(f"*{escape_mrkdwn(heading)}*")
    if label:
        lines.append(f"_{escape_mrkdwn(label)}_")
    lines.append(body)
    return _sections("\n".join(lines))


def part_blocks(part: Part) -> list[Block]:
    """One part of a reply in Block Kit; a part with no Block Kit form gets its reference text."""
    match part:
        case Title(text):
            return [_header(text)]
        case Paragraph(text, heading, label):
            return _paragraph(heading, label, escape_mrkdwn(text))
        case Quote(heading=heading):
            return _paragraph(heading, None, markdown_quote(part, escape=escape_mrkdwn, emphasis="_"))
        case Score(value, out_of):
            return [{"type": "section", "text": {"type": "mrkdwn", "text": f"*Score:* {value}/{out_of}"}}]
        case Checks(lines):
            return _sections(
                "\n".join(
                    f"{STATUS_MARKS[check.status]}  *{escape_mrkdwn(check.id.replace('_', ' '))}*: "
                    f"{escape_mrkdwn(check.message)}"
                    for check in lines
                )
            )
        case Fixes(items, heading):
            return _sections(
                "\n".join([f"*{heading}*", *(f"{n}. {escape_mrkdwn(fix)}" for n, fix in enumerate(items, 1))])
            )
        case Sources(citations):
            return _citation_blocks(citations)
        case Buttons(actions):
            return _action_blocks(actions)
        case Images() | Files():
            return []  # uploaded as files beside the message
    return _sections(escape_mrkdwn(part_text(part)))


def reply_blocks(reply: Reply) -> list[Block]:
    """All blocks for one reply, before the per-surface block limit is applied."""
    return [block for part in reply.parts for block in part_blocks(part)]


def _fit(blocks: list[Block], limit: int) -> list[Block]:
    if len(blocks) <= limit:
        return blocks
    # Keep the buttons: a reply cut short must still offer its actions.
    trailing_actions: list[Block] = []
    while blocks and blocks[-1]["type"] == "actions" and len(trailing_actions) < limit // 2:
        trailing_actions.insert(0, blocks.pop())
    room = limit - len(trailing_actions) - 1
    note: Block = {"type": "context", "elements": [{"type": "mrkdwn", "text": _SHORTENED_NOTE}]}
    return [*blocks[:room], note, *trailing_actions]


def fallback_text(reply: Reply) -> str:
    """The notification and screen-reader text: the core's full plain text, escaped, within Slack's cap."""
    return truncate(escape_mrkdwn(reply.text), MAX_FALLBACK_TEXT) or " "


def message_payload(reply: Reply) -> dict[str, Any]:
    """Keyword arguments for chat.postMessage / chat.postEphemeral / respond: `text` and `blocks`."""
    return {"text": fallback_text(reply), "blocks": _fit(reply_blocks(reply), MAX_MESSAGE_BLOCKS)}


def home_view(replies: Iterable[Reply]) -> dict[str, Any]:
    """The App Home tab: each reply in turn, separated by dividers."""
    blocks: list[Block] = []
    for reply in replies:
        if blocks:
            blocks.append({"type": "divider"})
        blocks.extend(reply_blocks(reply))
    if not blocks:
        blocks = _sections("Ask me anything about headshots, or post a photo to check.")
    return {"type": "home", "blocks": _fit(blocks, MAX_HOME_BLOCKS)}
