"""A photo that has to wait for a free analysis slot: the sender hears once that it is queued, then gets the
review."""

from __future__ import annotations

import threading
from dataclasses import replace

from bot.brain import Brain
from bot.config import Config
from bot.messages import Attachment, Conversation, Incoming, Reply, ReplyKind
from bot.photo.work import QUEUED_AFTER_S, configure_photo_work
from tests.conftest import data_path

ALICE = Conversation("console", "local", "console", "alice")


def test_a_photo_that_waits_for_a_slot_is_told_once_that_it_is_queued(config: Config) -> None:
    brain = Brain(replace(config, photo_workers=1))
    work = configure_photo_work(1, None)
    holding, release = threading.Event(), threading.Event()

    def busy_elsewhere() -> None:
        with work.slot():
            holding.set()
            release.wait(30)

    other = threading.Thread(target=busy_elsewhere)
    other.start()
    holding.wait(10)
    notes: list[Reply] = []
    photo = data_path("photos", "biden_official_portrait.jpg").read_bytes()
    releaser = threading.Timer(QUEUED_AFTER_S + 0.5, release.set)
    releaser.start()
    try:
        replies = brain.handle(
            Incoming(ALICE, "", attachments=(Attachment("me.jpg", data=photo),)), notes.append
        )
    finally:
        release.set()
        other.join()
        releaser.cancel()
    assert [note.text for note in notes] == [
        "Many photos are being checked right now: your photo is in the queue, and I’ll review it in a moment."
    ]
    assert replies[0].kind is ReplyKind.CHECK


def test_a_photo_with_a_free_slot_hears_nothing_but_its_review(config: Config) -> None:
    brain = Brain(replace(config, photo_workers=2))
    notes: list[Reply] = []
    photo = data_path("photos", "biden_official_portrait.jpg").read_bytes()
    replies = brain.handle(Incoming(ALICE, "", attachments=(Attachment("me.jpg", data=photo),)), notes.append)
    assert notes == [] and replies[0].kind is ReplyKind.CHECK
