"""The console adapter end to end: lines in, rendered replies out, through the real brain."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from bot.brain import Brain
from bot.config import Config
from bot.messages import Incoming
from bot.reminders.delivery import SenderRegistry
from bot.reminders.scheduler import Scheduler
from handlers.console import ConsoleOutput, ConsoleSender, console_conversation, run_console
from tests.conftest import data_path


def chat(config: Config, *lines: str, crops: Path | None = None) -> str:
    stdout = io.StringIO()
    stdin = io.StringIO("\n".join(lines) + "\n")
    code = run_console(Brain(config), user="alice", stdin=stdin, stdout=stdout, crops_dir=crops)
    assert code == 0
    return stdout.getvalue()


def test_a_question_is_answered_with_its_sources(config: Config) -> None:
    out = chat(config, "how much do these ai pic things cost")
    assert "under $50" in out
    assert "Sources:" in out


def test_a_photo_review_lists_each_check_once_with_score_and_crop(config: Config) -> None:
    photo = data_path("photos", "biden_official_portrait.jpg")
    out = chat(config, f"check {photo}")
    assert out.count("Score: ") == 1
    assert out.count("face count:") == 1
    assert "-generic-crop.jpg" in out
    assert "Say: “remind me in 12 months”" in out  # a button becomes the words to type


def test_a_picture_without_a_face_offers_no_refresh_reminder(config: Config) -> None:
    out = chat(config, f"check {data_path('photos', 'sand_dunes.jpg')}")
    assert "couldn't find a face" in out
    assert "remind me in 12 months" not in out


def test_bad_input_gets_friendly_replies_and_the_chat_goes_on(config: Config, tmp_path: Path) -> None:
    notes = tmp_path / "notes.jpg"
    notes.write_text("not a picture at all")
    out = chat(
        config,
        "",
        "check /no/such/photo.jpg",
        f"check {notes}",
        "remind me on flurbsday",
        "x" * 10_000,
        "help",
    )
    assert "Traceback" not in out
    assert "there is no file at /no/such/photo.jpg" in out
    assert "not an image" in out
    assert "flurbsday" in out
    assert "How I can help" in out  # the last line was still answered


def test_check_path_for_a_platform_saves_the_crops_and_prints_where(config: Config, tmp_path: Path) -> None:
    photo = data_path("photos", "biden_official_portrait.jpg")
    out = chat(config, f"check {photo} for linkedin", crops=tmp_path / "crops")
    assert "Photo check for LinkedIn" in out
    saved = sorted(p.name for p in (tmp_path / "crops").iterdir())
    assert saved and all("linkedin" in name for name in saved[:1])
    for name in saved:
        assert f"saved to {tmp_path / 'crops' / name}" in out
    with Image.open(tmp_path / "crops" / saved[0]) as crop:
        assert crop.size[0] == crop.size[1]  # the square crop


async def test_a_delivered_reminder_shows_its_text_and_the_words_that_snooze_or_close_it(
    config: Config, tmp_path: Path
) -> None:
    brain = Brain(config)
    [reply] = brain.handle(Incoming(console_conversation("alice"), "remind me in 1 minute to smile"))
    assert reply.reminder_id is not None
    stdout = io.StringIO()
    senders = SenderRegistry()
    senders.register("console", ConsoleSender(ConsoleOutput(stdout)))
    later = datetime.now(UTC) + timedelta(minutes=2)
    delivered = await Scheduler(brain.reminders, senders).run_due(later)
    brain.close()
    assert delivered == 1
    out = stdout.getvalue()
    assert f"delivered reminder {reply.reminder_id} to alice" in out
    assert "smile" in out
    assert f"“snooze {reply.reminder_id}”" in out and "“done”" in out


def test_a_delivery_while_the_prompt_waits_is_printed_above_a_fresh_prompt() -> None:
    stdout = io.StringIO()
    output = ConsoleOutput(stdout, interactive=True)
    output.prompt()
    output.interject("delivered reminder 3 to alice")
    assert stdout.getvalue() == "> \ndelivered reminder 3 to alice\n\n> "


@pytest.mark.slow  # starts `headshot chat` in a process
def test_headshot_chat_writes_the_crops_to_data_crops_and_prints_the_path(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from tests.conftest import PROJECT_ROOT

    photo = data_path("photos", "interfaces_050_man_glasses_grey_background_256px.jpg")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "HEADSHOT_"))}
    env |= {"PYTHONPATH": str(PROJECT_ROOT), "HEADSHOT_DATABASE_URL": f"sqlite:///{tmp_path / 'h.db'}"}
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from handlers.cli import main; sys.exit(main(['chat']))"],
        input=f"check {photo} for linkedin\ncheck my avatar\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    saved = sorted((tmp_path / "data" / "crops").iterdir())
    assert saved and all(f"saved to {Path('data') / 'crops' / p.name}" in done.stdout for p in saved)
    assert "LinkedIn" in done.stdout
    assert "I can’t see a profile photo here" in done.stdout  # the console has no avatars
