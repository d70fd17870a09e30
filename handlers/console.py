"""The local console adapter: one message per line on stdin, replies on stdout.

Works from a terminal and through a pipe. `check PATH` (or a line that is only a path to an image)
reads a local photo; everything else goes to the core exactly as a chat message would.
"""

from __future__ import annotations

import getpass
import shlex
import sys
from pathlib import Path
from typing import TextIO

from bot.attachments import IMAGE_EXTENSIONS, too_large_problem
from bot.brain import Brain
from bot.messages import Attachment, Conversation, Incoming
from bot.photo.limits import MAX_UPLOAD_BYTES
from bot.reminders.delivery import Delivery
from bot.render_text import render_text

QUIT_WORDS = {"quit", "exit", ":q", "bye"}


def default_user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "console-user"


def console_conversation(user: str) -> Conversation:
    return Conversation(platform="console", workspace="local", channel="console", user=user)


def _path_in(line: str) -> Path | None:
    """The local file a line points at: `check PATH`, or a line that is only a path to an image."""
    words = line.split(maxsplit=1)
    candidate: str | None = None
    if len(words) == 2 and words[0].lower() in {"check", "review"}:
        candidate = words[1]
    elif Path(line).suffix.lower().lstrip(".") in IMAGE_EXTENSIONS:
        candidate = line
    if candidate is None:
        return None
    try:
        parts = shlex.split(candidate)
    except ValueError:
        parts = [candidate]
    path = Path(" ".join(parts)).expanduser()
    return path if (path.suffix.lower().lstrip(".") in IMAGE_EXTENSIONS or path.exists()) else None


def read_local_attachment(path: Path) -> Attachment:
    try:
        size = path.stat().st_size
        if size > MAX_UPLOAD_BYTES:
            return Attachment(path.name, problem=too_large_problem(size))
        return Attachment(path.name, data=path.read_bytes())
    except FileNotFoundError:
        return Attachment(path.name, problem=f"there is no file at {path}")
    except IsADirectoryError:
        return Attachment(path.name, problem=f"{path} is a folder, not a photo")
    except OSError as exc:
        return Attachment(
            path.name, problem=f"the file could not be read ({exc.strerror or 'unknown error'})"
        )


def incoming_for(line: str, user: str) -> Incoming:
    conversation = console_conversation(user)
    path = _path_in(line)
    if path is not None:
        return Incoming(conversation, text="", attachments=(read_local_attachment(path),), direct=True)
    return Incoming(conversation, text=line, direct=True)


def run_console(brain: Brain, *, user: str, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    interactive = stdin.isatty()
    if interactive:
        print(
            "headshot-bot console — ask a question, `check PATH` for a photo, `help`, or `quit`.", file=stdout
        )
    while True:
        if interactive:
            print("> ", end="", file=stdout, flush=True)
        line = stdin.readline()
        if not line:
            return 0
        line = line.rstrip("\r\n")
        if line.strip().lower() in QUIT_WORDS:
            return 0
        for reply in brain.handle(incoming_for(line, user)):
            print(render_text(reply), file=stdout)
            print(file=stdout, flush=True)


class ConsoleSender:
    """Delivers reminders set on the console by printing them."""

    def __init__(self, stdout: TextIO | None = None) -> None:
        self._stdout = stdout

    async def deliver(self, delivery: Delivery) -> None:
        out = self._stdout or sys.stdout
        print(
            f"delivered reminder {delivery.reminder_id} to {delivery.conversation.user}", file=out, flush=True
        )

    async def user_timezone(self, workspace: str, user: str) -> str | None:
        return None
