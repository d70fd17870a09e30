"""Reminder text is stored and echoed without the invisible characters that change how it reads."""

from __future__ import annotations

import pytest

from bot.messages import Conversation, Incoming, ReplyKind
from bot.reminders.service import ReminderService, clean_text

ALICE = Conversation(platform="slack", workspace="T1", channel="C1", user="alice")


@pytest.mark.parametrize(
    "control",
    [
        "\u202e",
        "\u202d",
        "\u202a",
        "\u2066",
        "\u2067",
        "\u2068",
        "\u2069",
        "\u200e",
        "\u200f",
        "\u061c",
        "\x85",
    ],
)
def test_bidirectional_and_c1_controls_are_dropped(control: str) -> None:
    assert clean_text(f"update my {control}photo") == "update my photo"


def test_a_right_to_left_override_is_neither_stored_nor_echoed(service: ReminderService) -> None:
    [reply] = service.handle(Incoming(ALICE, "remind me in 2 years to check \u202egpj.exe photo")) or []
    assert reply.kind is ReplyKind.REMINDER
    assert "\u202e" not in reply.text
    assert reply.reminder_id is not None
    record = service.store.get(reply.reminder_id)
    assert record is not None and record.text == "check gpj.exe photo"
    [listed] = service.handle(Incoming(ALICE, "reminders")) or []
    assert "\u202e" not in listed.text


def test_letters_of_right_to_left_scripts_and_emoji_joiners_stay() -> None:
    assert clean_text("עדכון תמונה") == "עדכון תמונה"
    assert (
        clean_text("new photo 👩\u200d💻") == "new photo 👩\u200d💻"
    )  # the zero-width joiner builds the emoji
