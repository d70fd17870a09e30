"""Every chat command, declared once: how it is recognised, what runs it, its help line, whether it belongs
to the admin area, and its native slash-command form.

The brain routes through `COMMANDS` (first match wins; anything else is a question for the knowledge
base); the help text, README's command table (checked by a test), the Slack manifest's usage hint and the
Discord command tree are all generated from it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from bot.messages import Action, ActionId, Incoming, Paragraph, Reply, ReplyKind, Title
from bot.photo.platforms import PLATFORMS
from bot.reminders import commands as reminder_grammar
from bot.reminders.commands import normalise

if TYPE_CHECKING:
    from bot.brain import Brain

MAX_COMMAND_CHARS = 500
"""Longer messages are never commands (a question may quote one)."""


@dataclass(frozen=True)
class Option:
    """One input of a slash command; `prefix` is written before its value in the chat text it becomes."""

    name: str
    description: str
    kind: Literal["text", "number", "photo", "choice"] = "text"
    required: bool = True
    prefix: str = ""
    choices: tuple[tuple[str, str], ...] = ()  # (label, value)
    autocomplete: Literal["when", "timezone"] | None = None  # what the adapter can suggest as you type
    max_length: int = 1000


@dataclass(frozen=True)
class SlashForm:
    """`/headshot <name> …` (`/headshot <group> <name> …` when grouped): the command in its native form."""

    name: str
    description: str
    words: str  # the chat text it starts with, e.g. "remind me"
    options: tuple[Option, ...] = ()
    private: bool = True  # the answer is visible to the person who asked only
    group: str | None = None
    # Offered where the bot is installed by a user, not a server (Discord DMs, servers without the bot):
    # only what needs neither the server nor the reminder store's workspace.
    user_install: bool = False

    def chat_text(self, values: Mapping[str, object]) -> str:
        """The message a user could have typed for these option values (a photo travels separately)."""
        pieces = [self.words]
        for option in self.options:
            value = values.get(option.name)
            if option.kind != "photo" and value not in (None, ""):
                pieces.append(f"{option.prefix}{value}")
        return " ".join(pieces)


@dataclass(frozen=True)
class Invocation:
    incoming: Incoming
    match: re.Match[str]


Handler = Callable[["Brain", Invocation], list[Reply]]


@dataclass(frozen=True)
class ChatCommand:
    name: str
    pattern: re.Pattern[str]  # matched against the normalised message (`normalise`)
    run: Handler
    usage: str  # how to type it, for the help text and README
    help: str
    admin: bool = False  # workspace settings: listed apart; Discord shows it to Manage Server only
    slash: SlashForm | None = None
    section: str = "Reminders"


def _reminder(name: str) -> Handler:
    rule = reminder_grammar.RULES[name]

    def run(brain: Brain, invocation: Invocation) -> list[Reply]:
        incoming = invocation.incoming
        return brain.reminders.run(rule.build(incoming.text, invocation.match), incoming)

    return run


_ASK_WORD = re.compile(r"^\s*ask\b[\s:]*", re.IGNORECASE)


def _ask(brain: Brain, invocation: Invocation) -> list[Reply]:
    # The question as typed: its case and punctuation help the ranking (the match saw a normalised copy).
    return brain.answer(invocation.incoming, _ASK_WORD.sub("", invocation.incoming.text, count=1))


def _rate(brain: Brain, invocation: Invocation) -> list[Reply]:
    good = invocation.match.group("verdict") in GOOD_WORDS
    return brain.rate_last(invocation.incoming.conversation, "up" if good else "down")


GOOD_WORDS = frozenset({"good", "👍", ":+1:", ":thumbsup:"})
_RATING = re.compile(r"^(?P<verdict>good|bad|👍|👎|:\+1:|:-1:|:thumbsup:|:thumbsdown:)(?: answer)?$")


def _check_without_photo(brain: Brain, invocation: Invocation) -> list[Reply]:
    return [brain.photo_hint()]


def _check_avatar(brain: Brain, invocation: Invocation) -> list[Reply]:
    return brain.check_profile_photo(invocation.incoming, invocation.match.group("platform"))


def _help(brain: Brain, invocation: Invocation) -> list[Reply]:
    return [help_reply()]


PHOTO_PLATFORMS = tuple(name for name in PLATFORMS if name != "generic")
_PLATFORM_WORDS = ", ".join(f"“for {name}”" for name in PHOTO_PLATFORMS)

COMMANDS: tuple[ChatCommand, ...] = (
    ChatCommand(
        "help",
        re.compile(r"^(?:help|commands|what can you do|usage)$"),
        _help,
        "help",
        "this message",
        slash=SlashForm("help", "What the bot can do", "help", user_install=True),
        section="Help",
    ),
    ChatCommand(
        "ask",
        re.compile(r"^ask\b", re.DOTALL),
        _ask,
        "ask a question (or just type it)",
        "e.g. “are AI headshots ok for LinkedIn?”, “how often should I update my photo?”; "
        "the answer quotes and cites its documents",
        slash=SlashForm(
            "ask",
            "Ask a question about headshots; the answer cites its sources",
            "ask",
            (Option("question", "e.g. are AI headshots ok for LinkedIn?"),),
            private=False,
            user_install=True,
        ),
        section="Ask",
    ),
    ChatCommand(
        "good / bad",
        _RATING,
        _rate,
        "good / bad",
        "rate my last answer (the same as its 👍/👎 buttons); a second vote replaces the first",
        section="Ask",
    ),
    ChatCommand(
        "check-avatar",
        re.compile(
            r"^(?:check-avatar|(?:check|review|rate|analy[sz]e|look at)\s+(?:my\s+)?(?:current\s+|live\s+)?"
            r"(?:avatar|pfp|profile\s+(?:photo|picture|pic|image)|current\s+(?:photo|picture)))"
            r"(?:\s+for\s+(?P<platform>" + "|".join(PHOTO_PLATFORMS) + r"))?$"
        ),
        _check_avatar,
        "check my avatar (optionally “for linkedin” …)",
        "I review the profile photo people see on this platform now, at its sizes; only you see the answer",
        slash=SlashForm(
            "check-avatar",
            "Check your current profile photo, as others see it (only you see the answer)",
            "check my avatar",
            (
                Option(
                    "platform",
                    "check it for another platform's sizes",
                    kind="choice",
                    required=False,
                    prefix="for ",
                    choices=tuple((PLATFORMS[name].label, name) for name in PHOTO_PLATFORMS),
                ),
            ),
            user_install=True,
        ),
        section="Photos",
    ),
    ChatCommand(
        "check",
        # Only the bare word (and a platform): longer messages starting with "check" are questions.
        re.compile(r"^(?:check|review|analy[sz]e|rate)(?:\s+\S+){0,3}$"),
        _check_without_photo,
        f"post a photo, optionally with {_PLATFORM_WORDS}",
        "I check face, framing, sharpness, light, background and age, and suggest a square crop",
        slash=SlashForm(
            "check",
            "Check a profile photo: face, framing, light, background, age",
            "check",
            (
                Option("photo", "the photo to check", kind="photo"),
                Option(
                    "platform",
                    "where you will use it",
                    kind="choice",
                    required=False,
                    prefix="for ",
                    choices=tuple((PLATFORMS[name].label, name) for name in (*PHOTO_PLATFORMS, "generic")),
                ),
            ),
        ),
        section="Photos",
    ),
    ChatCommand(
        "remind",
        reminder_grammar.RULES["remind"].pattern,
        _reminder("remind"),
        "remind me in 18 months / on 2027-03-01 / every year",
        "to refresh your headshot",
        slash=SlashForm(
            "remind",
            "Remind me to refresh my headshot",
            "remind me",
            (
                Option(
                    "when",
                    "e.g. in 18 months, next year, on 2027-03-01, every year",
                    max_length=200,
                    autocomplete="when",
                ),
            ),
        ),
    ),
    ChatCommand(
        "reminders",
        reminder_grammar.RULES["reminders"].pattern,
        _reminder("reminders"),
        "reminders",
        "list yours (only you see them)",
        slash=SlashForm("reminders", "List your reminders (only you see them)", "reminders"),
    ),
    ChatCommand(
        "cancel",
        reminder_grammar.RULES["cancel"].pattern,
        _reminder("cancel"),
        "cancel N",
        "cancel reminder N",
        slash=SlashForm(
            "cancel",
            "Cancel one of your reminders",
            "cancel",
            (Option("reminder", "its number", kind="number"),),
        ),
    ),
    ChatCommand(
        "cancel all",
        reminder_grammar.RULES["cancel all"].pattern,
        _reminder("cancel all"),
        "cancel all my reminders",
        "cancel every reminder of yours, once you confirm (a button or “yes”, within 10 minutes)",
        slash=SlashForm("cancel-all", "Cancel all your reminders (asks you to confirm first)", "cancel all"),
    ),
    ChatCommand(
        "yes / no",
        reminder_grammar.RULES["yes / no"].pattern,
        _reminder("yes / no"),
        "yes / no",
        "answer my question (“cancel all 3 of your reminders?”)",
    ),
    ChatCommand(
        "snooze",
        reminder_grammar.RULES["snooze"].pattern,
        _reminder("snooze"),
        "snooze N 1 month",
        "postpone reminder N",
        slash=SlashForm(
            "snooze",
            "Snooze one of your reminders (from now)",
            "snooze",
            (
                Option("reminder", "its number", kind="number"),
                Option("duration", "e.g. 1 month, 2 weeks (default a month)", required=False, max_length=200),
            ),
        ),
    ),
    ChatCommand(
        "postpone",
        reminder_grammar.RULES["postpone"].pattern,
        _reminder("postpone"),
        "push reminder N back a month / postpone N by 2 weeks",
        "postpone reminder N from when it is due (never earlier); default a month",
        slash=SlashForm(
            "postpone",
            "Postpone one of your reminders (never earlier)",
            "postpone",
            (
                Option("reminder", "its number", kind="number"),
                Option("by", "e.g. a month, 2 weeks, until next friday", required=False, max_length=200),
            ),
        ),
    ),
    ChatCommand(
        "move",
        reminder_grammar.RULES["move"].pattern,
        _reminder("move"),
        "move N to next spring / change reminder N to 15 january",
        "a new time for reminder N, earlier or later",
        slash=SlashForm(
            "move",
            "Give one of your reminders a new time, earlier or later",
            "move",
            (
                Option("reminder", "its number", kind="number"),
                Option(
                    "when",
                    "e.g. next spring, 15 january, tomorrow at 10am",
                    prefix="to ",
                    max_length=200,
                    autocomplete="when",
                ),
            ),
        ),
    ),
    ChatCommand(
        "done",
        reminder_grammar.RULES["done"].pattern,
        _reminder("done"),
        "done",
        "you updated your photo: I close your pending refresh reminders and remind you again in a year "
        "or two",
        slash=SlashForm(
            "done", "I updated my photo: close my refresh reminders, remind me again later", "done"
        ),
    ),
    ChatCommand(
        "undo",
        reminder_grammar.RULES["undo"].pattern,
        _reminder("undo"),
        "undo",
        "take back your last change to your reminders (set, cancel, cancel all, move, snooze, postpone, "
        "done), once, within a day",
        slash=SlashForm("undo", "Take back your last change to your reminders", "undo"),
    ),
    ChatCommand(
        "opt",
        reminder_grammar.RULES["opt"].pattern,
        _reminder("opt"),
        "suggestions on / suggestions off (or opt in / opt out)",
        "allow (or stop) messages I send unasked: a refresh suggestion when your photo gets old, an offer to "
        "review a new one; off until you turn them on",
        slash=SlashForm(
            "opt",
            "Allow (in) or stop (out) photo-refresh suggestions; off until you opt in",
            "opt",
            (
                Option(
                    "direction",
                    "out: no more suggestions; in: allow them",
                    kind="choice",
                    choices=(("out (no suggestions)", "out"), ("in (allow suggestions)", "in")),
                ),
            ),
        ),
    ),
    ChatCommand(
        "my data",
        reminder_grammar.RULES["my data"].pattern,
        _reminder("my data"),
        "my data",
        "everything I store about you, sent to you privately as a JSON file (PRIVACY.md)",
        slash=SlashForm("my-data", "Get everything the bot stores about you, as a JSON file", "my data"),
        section="Privacy",
    ),
    ChatCommand(
        "forget me",
        reminder_grammar.RULES["forget me"].pattern,
        _reminder("forget me"),
        "forget me",
        "delete everything I store about you here, once you confirm (a button or “yes”, within 10 minutes)",
        slash=SlashForm("forget-me", "Delete everything the bot stores about you (asks first)", "forget me"),
        section="Privacy",
    ),
    ChatCommand(
        "timezone",
        reminder_grammar.RULES["timezone"].pattern,
        _reminder("timezone"),
        "timezone Europe/Berlin",
        "the zone whose daytime reminders arrive in",
        slash=SlashForm(
            "timezone",
            "Set the time zone your reminders arrive in (daytime there)",
            "timezone",
            (Option("zone", "e.g. Europe/Berlin, New York, PST", max_length=100, autocomplete="timezone"),),
        ),
    ),
    ChatCommand(
        "refresh interval",
        reminder_grammar.RULES["refresh interval"].pattern,
        _reminder("refresh interval"),
        "refresh interval 18 months",
        "how long after “done” your next reminder comes",
        slash=SlashForm(
            "refresh-interval",
            "How long after “done” your next refresh reminder comes",
            "refresh interval",
            (Option("interval", "e.g. 18 months, 2 years", max_length=100),),
        ),
    ),
    ChatCommand(
        "admin track-photos",
        reminder_grammar.RULES["admin track-photos"].pattern,
        _reminder("admin track-photos"),
        "admin track-photos on/off",
        "suggest a refresh to people whose profile photo has not changed in a long time",
        admin=True,
        slash=SlashForm(
            "track-photos",
            "Suggest photo refreshes when members' avatars have not changed in a long time",
            "admin track-photos",
            (Option("state", "on or off", kind="choice", choices=(("on", "on"), ("off", "off"))),),
            group="admin",
        ),
        section="Admin",
    ),
    ChatCommand(
        "admin report",
        reminder_grammar.RULES["admin report"].pattern,
        _reminder("admin report"),
        "admin report",
        "an anonymous photo-health count for the workspace: photos older than the refresh interval, "
        "never names",
        admin=True,
        slash=SlashForm(
            "report", "Anonymous photo-health counts for this workspace", "admin report", group="admin"
        ),
        section="Admin",
    ),
    ChatCommand(
        "admin refresh-interval",
        reminder_grammar.RULES["admin refresh-interval"].pattern,
        _reminder("admin refresh-interval"),
        "admin refresh-interval 2 years",
        "how long a photo may stay unchanged before a suggestion",
        admin=True,
        slash=SlashForm(
            "refresh-interval",
            "How long a member's photo may stay unchanged before a refresh suggestion",
            "admin refresh-interval",
            (Option("interval", "e.g. 2 years, 18 months", max_length=100),),
            group="admin",
        ),
        section="Admin",
    ),
)


@dataclass(frozen=True)
class Matched:
    command: ChatCommand
    invocation: Invocation


def match_command(incoming: Incoming, commands: tuple[ChatCommand, ...] = COMMANDS) -> Matched | None:
    """The command this message is, or None when it is a question."""
    cleaned = normalise(incoming.text)
    if not cleaned or len(cleaned) > MAX_COMMAND_CHARS:
        return None
    for command in commands:
        if match := command.pattern.match(cleaned):
            return Matched(command, Invocation(incoming, match))
    return None


def typed_form(action: Action) -> str:
    """What a person types on a platform without buttons (the console) to do what `action`'s button does."""
    reminder, _, duration = action.value.partition(":")
    match action.action_id:
        case ActionId.REMIND_IN_A_YEAR:
            return f"remind me in {action.value or '12 months'}"
        case ActionId.SNOOZE:
            return f"snooze {reminder} {duration}".strip()
        case ActionId.DONE:
            return "done"
        case ActionId.CANCEL:
            return f"cancel {reminder}"
        case ActionId.CONFIRM:
            return "yes"
        case ActionId.DECLINE:
            return "no"
        case ActionId.UNDO:
            return "undo"
        case ActionId.REVIEW_PHOTO:
            return "check my avatar"
        case ActionId.LIST_REMINDERS:
            return "reminders"
        case ActionId.SHOW_HELP:
            return "help"
        case ActionId.ANSWER_GOOD:
            return "good"
        case ActionId.ANSWER_BAD:
            return "bad"
    return action.label


TYPED_ACTIONS = frozenset({ActionId.REVIEW_PHOTO, ActionId.LIST_REMINDERS, ActionId.SHOW_HELP})
"""Buttons that do exactly what their typed form does (the brain runs that text)."""


def home_actions() -> tuple[Action, ...]:
    """The buttons of a home view (Slack App Home): the common actions, one press each."""
    return (
        Action("Check my current photo", ActionId.REVIEW_PHOTO, "home", style="primary"),
        Action("My reminders", ActionId.LIST_REMINDERS, "home"),
        Action("Help", ActionId.SHOW_HELP, "home"),
    )


def wants_profile_photo(incoming: Incoming) -> bool:
    """True when answering this message needs the user's current profile photo: the adapter then fetches
    it (`Incoming.profile_photo`) before calling the brain. Regex only, so it costs nothing."""
    if incoming.attachments:
        return False
    matched = match_command(incoming)
    return matched is not None and matched.command.name == "check-avatar"


def action_wants_profile_photo(action_id: str) -> bool:
    """The same for a button press (`ActionEvent.profile_photo`)."""
    return action_id == ActionId.REVIEW_PHOTO


def command_named(name: str) -> ChatCommand:
    return next(command for command in COMMANDS if command.name == name)


# --- what is generated from the registry ---------------------------------------------------------------

HELP_INTRO = "I give profile-photo advice. You can:"
SECTIONS = ("Ask", "Photos", "Reminders", "Privacy", "Admin", "Help")


def help_lines() -> list[str]:
    ordered = sorted(COMMANDS, key=lambda c: SECTIONS.index(c.section))
    return [f"{c.usage} — {c.help}" + (" (admins)" if c.admin else "") for c in ordered]


def help_reply() -> Reply:
    lines = [f"• {line}" for line in help_lines()]
    return Reply(
        ReplyKind.HELP, (Title("How I can help"), Paragraph(HELP_INTRO), Paragraph("\n".join(lines)))
    )


def commands_markdown() -> str:
    """README's table of chat commands (a test checks README carries exactly this)."""
    rows = ["| you type | what happens |", "| --- | --- |"]
    ordered = sorted(COMMANDS, key=lambda c: SECTIONS.index(c.section))
    rows += [f"| {c.usage} | {c.help}{' (admins)' if c.admin else ''} |" for c in ordered]
    return "\n".join(rows)


def slack_usage_hint() -> str:
    """The `/headshot` usage hint in slack-manifest.yml."""
    ordered = sorted(COMMANDS, key=lambda c: SECTIONS.index(c.section))
    forms = [c.slash for c in ordered if c.slash is not None and not c.admin]
    return " | ".join(
        form.words
        + (" …" if form.options and form.options[0].kind != "photo" and form.options[0].required else "")
        for form in forms
    )


def slash_commands() -> list[ChatCommand]:
    """The commands with a native slash form, in registry order."""
    return [c for c in COMMANDS if c.slash is not None]
