"""Photo work under load: many analyses at once, a bounded number running, hostile files refused before
decoding, and a decode-memory budget shared by the analyses running at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from PIL import ImageFile

from bot.config import ConfigError, load_config
from bot.photo import work
from bot.photo.review import analyze_bytes
from bot.photo.work import PhotoWork, TooLargeToDecode, Waiting, configure_photo_work, photo_work
from tests.conftest import data_path
from tests.photo.helpers import good_headshots, photo_bytes

NOW = datetime(2026, 11, 22, tzinfo=UTC)
HOSTILE = ["lossless_7745px.webp", "flat_7745px.avif", "flat_7745px.heic", "rgba_7745px.png"]


@pytest.fixture
def limits() -> Iterator[None]:
    """Each test sets its own limits; the process's own come back afterwards."""
    before = work._current
    yield
    work._current = before


def _summary(name: str) -> tuple[int, int, list[tuple[str, str]]]:
    result = analyze_bytes(photo_bytes(name), filename=name, platform="generic", now=NOW)
    assert result.analysis is not None, result.error
    return (
        len(result.analysis.faces),
        result.analysis.score,
        [(c.id, str(c.status)) for c in result.analysis.checks],
    )


def test_sixteen_analyses_at_once_all_succeed_with_the_same_results(limits: None) -> None:
    configure_photo_work(2, 256)
    extra = [
        "office_meeting_group.jpg",
        "sand_dunes.jpg",
        "obama_biden_side_by_side.jpg",
        "santa_costume_glasses.jpg",
    ]
    names = [*good_headshots(), *extra][:16]
    assert len(names) == 16
    alone = [_summary(name) for name in names]
    with ThreadPoolExecutor(max_workers=16) as pool:
        together = list(pool.map(_summary, names))
    assert together == alone


def test_at_most_n_run_at_once_and_a_waiting_photo_is_told_once(
    limits: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(work, "QUEUED_AFTER_S", 0.2)
    pool = configure_photo_work(1, 256)
    told: list[str] = []
    entered = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with pool.slot():
            entered.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    assert entered.wait(5)
    waiter = threading.Thread(
        target=analyze_bytes,
        kwargs={
            "data": photo_bytes("biden_official_portrait.jpg"),
            "filename": "x.jpg",
            "platform": "generic",
            "now": NOW,
            "on_queued": lambda: told.append("queued"),
        },
    )
    waiter.start()
    deadline = time.monotonic() + 5
    while not told and time.monotonic() < deadline:
        time.sleep(0.05)
    assert told == ["queued"] and pool.queued == 1  # told while still waiting for the only slot
    release.set()
    holder.join(5)
    waiter.join(30)
    assert told == ["queued"] and pool.queued == 0


@pytest.mark.parametrize("name", HOSTILE)
def test_decompression_heavy_files_are_refused_before_decoding(
    name: str, limits: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure_photo_work(2, 200)
    decoded: list[str] = []
    original_load = ImageFile.ImageFile.load

    def spy(self: ImageFile.ImageFile) -> object:
        decoded.append(name)
        return original_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy)
    data = data_path("photos", "hostile", name).read_bytes()
    result = analyze_bytes(data, filename=name, platform="generic", now=NOW)
    assert result.analysis is None and result.error is not None
    assert "too large for me to open safely" in result.error and "MB" in result.error
    assert decoded == []


def test_the_budget_is_shared_by_the_analyses_running_at_once() -> None:
    budget = PhotoWork(4, 100)
    megabyte = 1024 * 1024
    with pytest.raises(TooLargeToDecode), budget.memory(101 * megabyte):
        pass
    order: list[str] = []
    first_in = threading.Event()

    def first() -> None:
        with budget.memory(70 * megabyte):
            first_in.set()
            time.sleep(0.3)
            order.append("first done")

    def second() -> None:
        first_in.wait(5)
        with budget.memory(40 * megabyte):  # 70 + 40 > 100: waits for the first
            order.append("second in")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert order == ["first done", "second in"] and budget.memory_in_use == 0


def test_a_wait_is_reported_at_most_once() -> None:
    told: list[int] = []
    waiting = Waiting(lambda: told.append(1), after=0.0)
    attempts = iter([False, False, True, False, True])
    waiting.until(lambda timeout: next(attempts))
    waiting.until(lambda timeout: next(attempts))
    assert told == [1]


def test_the_two_settings_are_read_and_checked() -> None:
    config = load_config({"HEADSHOT_PHOTO_WORKERS": "3", "HEADSHOT_PHOTO_MEMORY_MB": "512"})
    assert (config.photo_workers, config.photo_memory_mb) == (3, 512)
    assert load_config({}).photo_workers is None
    with pytest.raises(ConfigError, match="HEADSHOT_PHOTO_WORKERS"):
        load_config({"HEADSHOT_PHOTO_WORKERS": "0"})
    with pytest.raises(ConfigError, match="HEADSHOT_PHOTO_MEMORY_MB"):
        load_config({"HEADSHOT_PHOTO_MEMORY_MB": "lots"})
    pool = PhotoWork(None, None)
    assert pool.workers >= 1 and pool.memory_bytes == work.DEFAULT_MEMORY_MB * 1024 * 1024
    assert photo_work() is photo_work()
