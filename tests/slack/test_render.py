"""Reply → Block Kit: escaping, the parts of a reply, and Slack's limits."""

from __future__ import annotations

from typing import Any

from bot.commands import help_reply
from bot.messages import (
    STATUS_MARKS,
    Action,
    ActionId,
    Buttons,
    CheckLine,
    Checks,
    Citation,
    Fixes,
    Paragraph,
    Quote,
    Reply,
    ReplyKind,
    Score,
    Sources,
    Status,
    Title,
)
from handlers.slack.app import plain_text_of
from handlers.slack.render import (
    MAX_HOME_BLOCKS,
    MAX_MESSAGE_BLOCKS,
    MAX_SECTION_TEXT,
    escape_mrkdwn,
    home_view,
    message_payload,
)


def _texts(blocks: list[dict[str, Any]]) -> list[str]:
    found: list[str] = []
    for block in blocks:
        if isinstance(block.get("text"), dict):
            found.append(block["text"]["text"])
        for element in block.get("elements", []):
            text = element.get("text")
            found.append(text["text"] if isinstance(text, dict) else text)
    return found


def test_user_and_document_text_cannot_ping_or_disguise_links() -> None:
    assert escape_mrkdwn("<!channel> & <https://evil.example|bank>") == (
        "&lt;!channel&gt; &amp; &lt;https://evil.example|bank&gt;"
    )
    source = Citation("A <b> & C", "doc-1", "", "studio")
    reply = Reply(
        ReplyKind.ANSWER,
        (Paragraph("<!here> see <http://x|y>"), Quote("quote with <!everyone>", source), Sources((source,))),
    )
    payload = message_payload(reply)
    assert "<" not in payload["text"]
    assert all("<" not in text for text in _texts(payload["blocks"]))


def test_a_photo_check_renders_score_marks_fixes_citation_and_button() -> None:
    guide = Citation("Refresh guide", "doc-2", perspective="neutral")
    reply = Reply(
        ReplyKind.CHECK,
        (
            Title("Photo check for LinkedIn: 71/100"),
            Score(71),
            Checks(
                (
                    CheckLine("face_count", Status.PASS, "one face"),
                    CheckLine("sharpness", Status.WARN, "a bit soft"),
                    CheckLine("photo_age", Status.FAIL, "taken in 2019"),
                    CheckLine("ai_provenance", Status.SKIP, "no metadata"),
                )
            ),
            Fixes(("Retake in daylight", "Crop closer")),
            Sources((guide,)),
            Buttons((Action("Remind me in a year", ActionId.REMIND_IN_A_YEAR, "12 months", "primary"),)),
        ),
    )
    blocks = message_payload(reply)["blocks"]
    assert [b["type"] for b in blocks] == ["header", "section", "section", "section", "context", "actions"]
    assert blocks[1]["text"]["text"] == "*Score:* 71/100"
    check_lines = blocks[2]["text"]["text"].splitlines()
    assert check_lines == [
        f"{STATUS_MARKS[Status.PASS]}  *face count*: one face",
        f"{STATUS_MARKS[Status.WARN]}  *sharpness*: a bit soft",
        f"{STATUS_MARKS[Status.FAIL]}  *photo age*: taken in 2019",
        f"{STATUS_MARKS[Status.SKIP]}  *ai provenance*: no metadata",
    ]
    assert blocks[3]["text"]["text"] == "*Top fixes*\n1. Retake in daylight\n2. Crop closer"
    assert blocks[4]["elements"][1]["text"] == "*Refresh guide* (neutral)"
    assert blocks[5]["elements"] == [
        {
            "type": "button",
            "text": {"type": "plain_text", "text": "Remind me in a year"},
            "action_id": "remind_in_a_year",
            "value": "12 months",
            "style": "primary",
        }
    ]
    notification = message_payload(reply)["text"]
    assert notification.startswith("Photo check for LinkedIn: 71/100\n\nScore: 71/100")
    assert "sharpness: a bit soft" in notification and "Remind me" not in notification


def test_paragraphs_show_heading_and_label() -> None:
    reply = Reply(
        ReplyKind.ANSWER,
        (Paragraph("Pros outweigh cost.", heading="Cost", label="Studio's view (argues for professional)"),),
    )
    [block] = message_payload(reply)["blocks"]
    assert block["text"]["text"] == "*Cost*\n_Studio's view (argues for professional)_\nPros outweigh cost."


def test_long_text_is_split_into_sections_within_the_limit_without_losing_words() -> None:
    body = "\n".join(f"line {n} " + "word " * 40 for n in range(200))
    blocks = message_payload(Reply.plain(body))["blocks"]
    assert all(len(b["text"]["text"]) <= MAX_SECTION_TEXT for b in blocks)
    assert len(blocks) > 1
    assert "\n".join(b["text"]["text"] for b in blocks).split() == body.split()


def test_too_many_blocks_are_cut_to_slacks_limit_keeping_the_buttons() -> None:
    reply = Reply(
        ReplyKind.REMINDER,
        (
            *(Paragraph(f"part {n}") for n in range(80)),
            Buttons((Action("Cancel 1", ActionId.CANCEL, "1"), Action("Cancel 2", ActionId.CANCEL, "2"))),
        ),
    )
    blocks = message_payload(reply)["blocks"]
    assert len(blocks) == MAX_MESSAGE_BLOCKS
    assert [b["type"] for b in blocks[-3:]] == ["context", "actions", "actions"]
    assert "shortened" in blocks[-3]["elements"][0]["text"]


def test_the_same_action_id_never_repeats_within_one_actions_block() -> None:
    reply = Reply(
        ReplyKind.REMINDER,
        (
            Paragraph("Your reminders"),
            Buttons(
                (
                    Action("Cancel 1", ActionId.CANCEL, "1"),
                    Action("Snooze 1", ActionId.SNOOZE, "1"),
                    Action("Cancel 2", ActionId.CANCEL, "2"),
                )
            ),
        ),
    )
    action_blocks = [b for b in message_payload(reply)["blocks"] if b["type"] == "actions"]
    for block in action_blocks:
        ids = [e["action_id"] for e in block["elements"]]
        assert len(ids) == len(set(ids))
    assert [e["value"] for b in action_blocks for e in b["elements"]] == ["1", "1", "2"]


def test_the_header_and_button_labels_fit_slacks_limits() -> None:
    reply = Reply(
        ReplyKind.REMINDER, (Title("T" * 400), Buttons((Action("L" * 200, ActionId.DONE, "v" * 3000),)))
    )
    blocks = message_payload(reply)["blocks"]
    assert len(blocks[0]["text"]["text"]) == 150
    button = blocks[-1]["elements"][0]
    assert len(button["text"]["text"]) == 75
    assert len(button["value"]) == 2000


def test_home_view_stacks_replies_within_the_home_limit() -> None:
    reminders = Reply.plain("You have no reminders.", ReplyKind.REMINDER, private=True)
    view = home_view([reminders, help_reply()])
    assert view["type"] == "home"
    types = [b["type"] for b in view["blocks"]]
    assert types[0] == "section" and "divider" in types and "header" in types
    many = [Reply.plain(f"r{n}") for n in range(120)]
    assert len(home_view(many)["blocks"]) == MAX_HOME_BLOCKS


def test_slack_markup_becomes_plain_text_for_the_core() -> None:
    text = "<@UBOT> is <https://example.com|this> ok &amp; &lt;fine&gt; for <#C1|general>, <@U2>? <!here>"
    assert plain_text_of(text, "UBOT") == "is this ok & <fine> for #general, @U2? @here"
    assert plain_text_of("<@UBOT|headshot>   remind me  in 1 year", "UBOT") == "remind me in 1 year"
