"""The documentation stays usable: no dead relative link, README short enough to read, every command's
`--help` with a description and an example."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.cli import build_parser, commands_of
from handlers import cli as cli_module
from handlers import doctor
from handlers.cli import main as cli_main
from tests.conftest import PROJECT_ROOT

DOCUMENTS = [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").glob("*.md"))]
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    headings = re.findall(r"^#+\s+(.+)$", markdown, flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-") for h in headings}


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_relative_links_point_at_files_and_headings_that_exist(document: Path) -> None:
    text = document.read_text(encoding="utf-8")
    dead = []
    for target in _LINK.findall(text):
        if re.match(r"^[a-z]+:", target):
            continue  # https:, mailto:
        path_part, _, anchor = target.partition("#")
        linked = (document.parent / path_part).resolve() if path_part else document
        if not linked.exists() or (
            anchor and linked.suffix == ".md" and anchor not in _anchors(linked.read_text(encoding="utf-8"))
        ):
            dead.append(target)
    assert dead == []


def test_readme_is_short_enough_to_read() -> None:
    assert len((PROJECT_ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 350


def _all_commands() -> list[str]:
    return [path for path, _ in commands_of(build_parser(_ADAPTER_COMMANDS)) if path]


_ADAPTER_COMMANDS = (cli_module._register_serve, cli_module._register_chat, doctor.register)


def test_the_adapter_commands_are_in_the_walk() -> None:
    assert {"serve", "chat", "doctor", "ask", "check", "kb build"} <= set(_all_commands())


@pytest.mark.parametrize("command", _all_commands())
def test_every_help_has_a_description_and_an_example(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli_main([*command.split(), "--help"])
    assert exited.value.code == 0
    text = capsys.readouterr().out
    usage, _, rest = text.partition("\n\n")
    assert usage.startswith(f"usage: headshot {command}")
    description = rest.split("\n\n")[0].strip()
    assert description and not description.startswith(("options:", "positional arguments:")), text
    examples = text.split("\nexamples:\n", 1)[1]
    assert f"headshot {command.split()[0]}" in examples, text
