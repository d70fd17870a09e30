"""The command registry: every command is routed as declared, and what is generated from it (help, the
Slack manifest's usage hint, README's table) stays in step."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from bot.brain import Brain
from bot.commands import COMMANDS, commands_markdown, help_reply, match_command, slack_usage_hint, typed_form
from bot.config import Config
from bot.messages import Action, ActionId, Conversation, Incoming, ReplyKind
from tests.conftest import PROJECT_ROOT

# One message a person would type for each command.
EXAMPLES = {
    "help": "Help!",
    "ask": "ask: how much does a studio session cost?",
    "good / bad": "Good!",
    "check": "check for linkedin",
    "check-avatar": "Check my current profile photo for LinkedIn",
    "remind": "please remind me in 18 months to update my photo",
    "reminders": "show my reminders",
    "cancel": "cancel 3",
    "cancel all": "cancel all my reminders",
    "yes / no": "yes",
    "snooze": "snooze 3 1 month",
    "postpone": "push reminder 5 back a month",
    "move": "move 3 to next spring",
    "done": "I've updated my photo",
    "undo": "undo",
    "opt": "suggestions on",
    "my data": "show me my data",
    "forget me": "please forget me",
    "admin report": "admin report",
    "timezone": "timezone New York",
    "refresh interval": "refresh interval 18 months",
    "admin track-photos": "admin track-photos on",
    "admin refresh-interval": "admin refresh-interval 2 years",
}
ALICE = Conversation("console", "local", "console", "alice")


def test_every_command_has_an_example_that_routes_to_it() -> None:
    assert set(EXAMPLES) == {command.name for command in COMMANDS}
    for name, text in EXAMPLES.items():
        matched = match_command(Incoming(ALICE, text))
        assert matched is not None and matched.command.name == name, text


@pytest.mark.parametrize(
    "text",
    [
        "how often should I update my headshot?",
        "check whether AI headshots are allowed on LinkedIn for a nurse",  # a question that starts with check
        "what is a reminder",
        "cancelled",
        "remind" * 200,
    ],
)
def test_questions_are_not_commands(text: str) -> None:
    assert match_command(Incoming(ALICE, text)) is None


def test_ask_keeps_the_question_as_typed(config: Config) -> None:
    [reply] = Brain(config).handle(Incoming(ALICE, "ASK: How often should I update my headshot?"))
    assert reply.kind is ReplyKind.ANSWER


def test_the_help_text_lists_every_command_once() -> None:
    text = help_reply().text
    for command in COMMANDS:
        assert text.count(f"• {command.usage} — ") == 1, command.name


def _manifest() -> dict[str, Any]:
    manifest: dict[str, Any] = yaml.safe_load((PROJECT_ROOT / "slack-manifest.yml").read_text())
    return manifest


def test_the_slack_manifest_usage_hint_is_generated_from_the_registry() -> None:
    [command] = _manifest()["features"]["slash_commands"]
    assert command["usage_hint"] == slack_usage_hint()


def test_readme_carries_the_generated_command_table() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert commands_markdown() in readme, "regenerate README's command table from bot.commands"


@pytest.mark.parametrize(
    ("action", "command"),
    [
        (Action("Yes, cancel all 3", ActionId.CONFIRM, "4"), "yes / no"),
        (Action("No, keep them", ActionId.DECLINE, "4"), "yes / no"),
        (Action("Undo", ActionId.UNDO, "9"), "undo"),
        (Action("Review my new photo", ActionId.REVIEW_PHOTO, "12"), "check-avatar"),
        (Action("Cancel #3", ActionId.CANCEL, "3"), "cancel"),
        (Action("My reminders", ActionId.LIST_REMINDERS, "home"), "reminders"),
        (Action("Help", ActionId.SHOW_HELP, "home"), "help"),
    ],
)
def test_every_button_has_a_typed_form_for_the_console(action: Action, command: str) -> None:
    matched = match_command(Incoming(ALICE, typed_form(action)))
    assert matched is not None and matched.command.name == command


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("cancel", {"reminder": 3}),
        ("cancel all", {}),
        ("postpone", {"reminder": 5, "by": "a month"}),
        ("postpone", {"reminder": 5}),
        ("move", {"reminder": 3, "when": "next spring"}),
        ("undo", {}),
        ("check-avatar", {}),
        ("check-avatar", {"platform": "linkedin"}),
        ("snooze", {"reminder": 4}),
        ("snooze", {"reminder": 4, "duration": "2 weeks"}),
        ("done", {}),
        ("opt", {"direction": "out"}),
        ("opt", {"direction": "in"}),
        ("timezone", {"zone": "Europe/Berlin"}),
        ("timezone", {"zone": "New York"}),
        ("refresh interval", {"interval": "18 months"}),
        ("admin refresh-interval", {"interval": "2 years"}),
    ],
)
def test_a_slash_form_becomes_text_its_command_reads(name: str, values: dict[str, object]) -> None:
    command = next(c for c in COMMANDS if c.name == name)
    assert command.slash is not None
    matched = match_command(Incoming(ALICE, command.slash.chat_text(values)))
    assert matched is not None and matched.command.name == name


def test_every_slash_form_of_a_chat_command_exists_on_discord_and_slack() -> None:
    """The chat commands people use day to day all have a native form (yes / no answers the bot's question
    and good / bad rates its last answer: both have buttons on the message itself)."""
    without = {c.name for c in COMMANDS if c.slash is None}
    assert without == {"yes / no", "good / bad"}
