"""The local console adapter: one message per line on stdin, replies on stdout.

Works from a terminal and through a pipe. `check PATH` (or a line that is only a path to an image) reads a
local photo, `check PATH for linkedin` checks it for that platform; everything else goes to the core exactly
as a chat message would. Buttons become the words to type ("snooze 12"), the suggested crops are written to
a folder and their paths printed, and reminders the scheduler delivers appear between the replies without
breaking the prompt.
"""

from __future__ import annotations

import getpass
import re
import shlex
import sys
import threading
from pathlib import Path
from typing import TextIO

from bot.attachments import IMAGE_EXTENSIONS, too_large_problem
from bot.brain import Brain
from bot.commands import PHOTO_PLATFORMS, typed_form
from bot.messages import Attachment, Buttons, Conversation, Files, Images, Incoming, Reply, part_text
from bot.photo.limits import MAX_UPLOAD_BYTES
from bot.reminders.delivery import Delivery

QUIT_WORDS = {"quit", "exit", ":q", "bye"}
PROMPT = "> "
CROPS_DIR = Path("data") / "crops"
EXPORTS_DIR = Path("data") / "exports"  # "my data" files
_FOR_PLATFORM = re.compile(r"\s+for\s+(" + "|".join(PHOTO_PLATFORMS) + r")\s*$", re.IGNORECASE)


def default_user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "console-user"


def console_conversation(user: str) -> Conversation:
    return Conversation(platform="console", workspace="local", channel="console", user=user)


class ConsoleOutput:
    """The terminal both the chat and the reminder deliveries write to, one writer at a time; on a
    terminal a delivery that arrives while the prompt waits is printed above a fresh prompt."""

    def __init__(self, stream: TextIO | None = None, *, interactive: bool = False) -> None:
        self._stream = stream
        self.interactive = interactive
        self.waiting_for_input = False
        self._lock = threading.Lock()

    @property
    def stream(self) -> TextIO:
        return self._stream or sys.stdout

    def prompt(self) -> None:
        with self._lock:
            self.waiting_for_input = True
            print(PROMPT, end="", file=self.stream, flush=True)

    def reply(self, text: str) -> None:
        with self._lock:
            self.waiting_for_input = False
            print(text, file=self.stream)
            print(file=self.stream, flush=True)

    def interject(self, text: str) -> None:
        """Output that did not come from the line just typed (a delivered reminder)."""
        with self._lock:
            lead = "\n" if self.interactive and self.waiting_for_input else ""
            print(f"{lead}{text}", file=self.stream)
            print(file=self.stream, flush=True)
            if self.interactive and self.waiting_for_input:
                print(PROMPT, end="", file=self.stream, flush=True)


def console_text(reply: Reply, *, crops_dir: Path | None = CROPS_DIR, exports_dir: Path = EXPORTS_DIR) -> str:
    """A reply as the console shows it: every part's reference text, except that buttons become the words
    to type and images are saved to `crops_dir` with their paths printed."""
    lines: list[str] = []
    for part in reply.parts:
        if isinstance(part, Buttons):
            lines.append("Say: " + " · ".join(f"“{typed_form(action)}”" for action in part.actions))
        elif isinstance(part, Images) and crops_dir is not None:
            lines.extend(_saved(part, crops_dir))
        elif isinstance(part, Files):
            lines.extend(_saved_files(part, exports_dir))
        else:
            lines.append(part_text(part))
    return "\n".join(lines)


def _saved_files(files: Files, folder: Path) -> list[str]:
    """A file for the user (their data export), written where only this machine's user can read it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lines = []
        for file in files.files:
            path = folder / Path(file.filename).name
            path.touch(mode=0o600, exist_ok=True)
            path.write_bytes(file.data)
            lines.append(f"[{file.title or 'file'}: saved to {path}]")
        return lines
    except OSError as exc:
        return [f"[the file could not be saved in {folder}: {exc.strerror or exc}]"]


def _saved(images: Images, folder: Path) -> list[str]:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lines = []
        for image in images.images:
            path = folder / Path(image.filename).name
            path.write_bytes(image.data)
            lines.append(f"[{image.alt or 'image'}: saved to {path}]")
        return lines
    except OSError as exc:
        return [f"[the images could not be saved in {folder}: {exc.strerror or exc}]"]


def _path_in(line: str) -> tuple[Path, str] | None:
    """The local file a line points at, and the rest of the line (`check PATH for linkedin`)."""
    words = line.split(maxsplit=1)
    candidate: str | None = None
    if len(words) == 2 and words[0].lower() in {"check", "review"}:
        candidate = words[1]
    elif Path(line).suffix.lower().lstrip(".") in IMAGE_EXTENSIONS:
        candidate = line
    if candidate is None:
        return None
    platform = _FOR_PLATFORM.search(candidate)
    hint = ""
    if platform and not Path(candidate).expanduser().exists():
        hint = f"for {platform.group(1).lower()}"
        candidate = candidate[: platform.start()]
    try:
        parts = shlex.split(candidate)
    except ValueError:
        parts = [candidate]
    path = Path(" ".join(parts)).expanduser()
    if path.suffix.lower().lstrip(".") in IMAGE_EXTENSIONS or path.exists():
        return path, hint
    return None


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
    found = _path_in(line)
    if found is not None:
        path, hint = found
        return Incoming(conversation, text=hint, attachments=(read_local_attachment(path),), direct=True)
    return Incoming(conversation, text=line, direct=True)


def run_console(
    brain: Brain,
    *,
    user: str,
    stdin: TextIO = sys.stdin,
    stdout: TextIO | None = None,
    output: ConsoleOutput | None = None,
    crops_dir: Path | None = None,
) -> int:
    """Chats until `quit` or the end of input. With `crops_dir`, suggested crops are saved there."""
    interactive = stdin.isatty()
    output = output or ConsoleOutput(stdout, interactive=interactive)
    if interactive:
        output.reply("headshot-bot console — ask a question, `check PATH` for a photo, `help`, or `quit`.")
    while True:
        if interactive:
            output.prompt()
        line = stdin.readline()
        if not line:
            return 0
        line = line.rstrip("\r\n")
        if line.strip().lower() in QUIT_WORDS:
            return 0
        for reply in brain.handle(incoming_for(line, user), lambda note: output.reply(console_text(note))):
            output.reply(console_text(reply, crops_dir=crops_dir))


class ConsoleSender:
    """Delivers reminders set on the console by printing them, with the words that snooze or close them."""

    def __init__(self, output: ConsoleOutput | None = None) -> None:
        self.output = output or ConsoleOutput()

    async def deliver(self, delivery: Delivery) -> None:
        self.output.interject(
            f"delivered reminder {delivery.reminder_id} to {delivery.conversation.user}\n"
            + console_text(delivery.reply, crops_dir=None)
        )

    async def user_timezone(self, workspace: str, user: str) -> str | None:
        return None
