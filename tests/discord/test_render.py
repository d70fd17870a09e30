"""Reply → Discord messages: every message within Discord's limits, nothing lost when splitting."""

from __future__ import annotations

import discord

from bot.messages import (
    STATUS_MARKS,
    Action,
    ActionId,
    Buttons,
    CheckLine,
    Checks,
    Citation,
    Fixes,
    Image,
    Images,
    Paragraph,
    Quote,
    Reply,
    ReplyKind,
    Score,
    Sources,
    Status,
    Title,
)
from bot.render_text import split_text
from handlers.discord.render import (
    CONTENT_LIMIT,
    DESCRIPTION_LIMIT,
    EMBED_TOTAL_LIMIT,
    EMBEDS_PER_MESSAGE,
    FIELD_VALUE_LIMIT,
    FIELDS_PER_EMBED,
    OutgoingMessage,
    render_reply,
)


def _assert_within_limits(messages: list[OutgoingMessage]) -> None:
    for message in messages:
        assert len(message.content or "") <= CONTENT_LIMIT
        assert len(message.embeds) <= EMBEDS_PER_MESSAGE
        assert sum(len(embed) for embed in message.embeds) <= EMBED_TOTAL_LIMIT
        for embed in message.embeds:
            assert len(embed.description or "") <= DESCRIPTION_LIMIT
            assert len(embed.fields) <= FIELDS_PER_EMBED
            assert all(len(field.value or "") <= FIELD_VALUE_LIMIT for field in embed.fields)


def test_split_text_cuts_at_line_breaks_and_loses_no_words() -> None:
    text = "\n".join(f"line {n} " + "word " * 30 for n in range(200))
    pieces = split_text(text, 1000)
    assert all(len(piece) <= 1000 for piece in pieces)
    assert " ".join(pieces).split() == text.split()
    assert all(piece.startswith("line ") for piece in pieces)
    assert split_text("x" * 2500, 1000) == ["x" * 1000, "x" * 1000, "x" * 500]


def test_a_very_long_answer_is_split_over_embeds_and_messages() -> None:
    paragraphs = tuple(Paragraph("A sentence about headshots. " * 150, heading=f"Part {n}") for n in range(8))
    citations = tuple(Citation(f"Doc {n}", f"doc-{n}", perspective="Balanced guide") for n in range(30))
    quotes = tuple(Quote("A quoted passage. " * 40, c) for c in citations)
    reply = Reply(ReplyKind.ANSWER, (Title("From the documents"), *paragraphs, *quotes, Sources(citations)))
    messages = render_reply(reply)
    _assert_within_limits(messages)
    assert len(messages) > 1
    embeds = [embed for message in messages for embed in message.embeds]
    described = " ".join(embed.description or "" for embed in embeds)
    assert described.split().count("headshots.") == 8 * 150
    assert described.split().count("passage.") == 30 * 40
    assert embeds[0].title == "From the documents"
    assert embeds[-1].footer.text and embeds[-1].footer.text.startswith("Sources: Doc 0 · Doc 1")


def test_long_plain_text_becomes_several_messages_with_buttons_on_the_last() -> None:
    reply = Reply(
        ReplyKind.REMINDER, (Paragraph("word " * 1000), Buttons((Action("Done", ActionId.DONE, "3"),)))
    )
    messages = render_reply(reply)
    _assert_within_limits(messages)
    assert len(messages) == 3
    assert all(not m.embeds for m in messages)
    assert [bool(m.actions) for m in messages] == [False, False, True]


def test_a_photo_check_shows_marks_score_fixes_and_the_crop() -> None:
    reply = Reply(
        ReplyKind.CHECK,
        (
            Title("Photo check for LinkedIn: 64/100"),
            Checks(
                (
                    CheckLine("face_count", Status.PASS, "one face"),
                    CheckLine("sharpness", Status.WARN, "a little soft"),
                    CheckLine("photo_age", Status.FAIL, "taken in 2015"),
                    CheckLine("ai_provenance", Status.SKIP, "no metadata"),
                )
            ),
            Score(64),
            Fixes(("Use a sharper photo", "Take a new photo")),
            Images((Image("me linkedin crop.jpg", b"\xff\xd8\xff"), Image("me-round.png", b"\x89PNG"))),
            Buttons((Action("Remind me in a year", ActionId.REMIND_IN_A_YEAR, "12 months"),)),
        ),
    )
    (message,) = render_reply(reply)
    (embed,) = message.embeds
    assert embed.description is not None
    for check, mark in (("face count", Status.PASS), ("sharpness", Status.WARN), ("photo age", Status.FAIL)):
        assert f"{STATUS_MARKS[mark]} **{check}**" in embed.description
    assert embed.colour == discord.Colour.orange()
    fields = {field.name: field.value for field in embed.fields}
    assert fields["Score"] == "**64**/100"
    assert fields["Top fixes"] == "1. Use a sharper photo\n2. Take a new photo"
    assert embed.image.url == "attachment://me_linkedin_crop.jpg"
    assert embed.thumbnail.url == "attachment://me-round.png"

    kwargs = message.send_kwargs()
    assert [f.filename for f in kwargs["files"]] == ["me_linkedin_crop.jpg", "me-round.png"]
    view = kwargs["view"]
    assert view.timeout is None  # persistent
    (button,) = view.children
    assert button.custom_id == "headshot:remind_in_a_year:12 months"
    assert message.files()[0].fp.read() == b"\xff\xd8\xff"  # fresh files for every send


def test_a_button_whose_value_does_not_fit_a_custom_id_is_left_out() -> None:
    reply = Reply(
        ReplyKind.REMINDER,
        (Buttons((Action("Snooze", ActionId.SNOOZE, "9" * 120), Action("Done", ActionId.DONE, "1"))),),
    )
    (message,) = render_reply(reply)
    view = message.send_kwargs()["view"]
    assert [item.custom_id for item in view.children] == ["headshot:done:1"]


def test_user_text_cannot_inject_markdown_or_mentions() -> None:
    (message,) = render_reply(Reply.plain("**bold** @everyone"))
    assert message.content == "\\*\\*bold\\*\\* @everyone"  # allowed_mentions=none stops the ping itself
