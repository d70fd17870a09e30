"""Photo work under load: how many analyses run at once, and how much decode memory they share.

Every analysis takes a slot (at most `workers`, each with its own face detector: OpenCV's networks are not
thread-safe) and reserves, before decoding, the memory its decode will take from one shared budget. A
picture whose decode alone exceeds the budget is refused before any pixel is decoded; the others wait for
their turn. Peak memory is therefore bounded by the process's base, the budget and a small working set per
slot. A caller that passes `on_queued` hears once when its photo has waited more than `QUEUED_AFTER_S`.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.photo.faces import FaceDetector

DEFAULT_MEMORY_MB = 256
"""Decode memory shared by the analyses running at once: a 24 MP HEIC or a 12 MP WebP fits alone."""
QUEUED_AFTER_S = 2.0
"""A photo that waited this long for a slot or for memory is reported as queued (once)."""


class TooLargeToDecode(Exception):
    """The picture's decode alone needs more memory than the whole budget."""

    def __init__(self, needed: int, budget: int) -> None:
        super().__init__(f"decoding needs {needed} bytes, the budget is {budget}")
        self.needed = needed
        self.budget = budget


class Waiting:
    """One photo's wait: tells its caller at most once that it is queued."""

    def __init__(self, on_queued: Callable[[], None] | None, after: float = QUEUED_AFTER_S) -> None:
        self._on_queued = on_queued
        self._deadline = time.monotonic() + after
        self.told = False

    def until(self, ready: Callable[[float | None], bool]) -> None:
        """Calls `ready(timeout)` until it returns True; past the deadline tells the caller once."""
        if not self.told:
            if ready(max(0.0, self._deadline - time.monotonic())):
                return
            self.told = True
            if self._on_queued is not None:
                self._on_queued()
        while not ready(None):
            pass


class PhotoWork:
    def __init__(self, workers: int | None = None, memory_mb: int | None = None) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.memory_bytes = max(1, memory_mb or DEFAULT_MEMORY_MB) * 1024 * 1024
        self._idle: queue.LifoQueue[FaceDetector | None] = queue.LifoQueue()
        for _ in range(self.workers):
            self._idle.put(None)  # detectors are built on first use: cv2 loads only for photo work
        self._memory = threading.Condition()
        self._used = 0
        self._local = threading.local()
        self._waiting = 0
        self._count_lock = threading.Lock()

    @property
    def queued(self) -> int:
        """Photos waiting for a slot right now (for metrics)."""
        return self._waiting

    @property
    def memory_in_use(self) -> int:
        return self._used

    @contextmanager
    def slot(self, waiting: Waiting | None = None) -> Iterator[FaceDetector]:
        """One of the `workers` analyses; yields its detector. Re-entrant within a thread."""
        held: FaceDetector | None = getattr(self._local, "detector", None)
        if held is not None:
            yield held
            return
        waiting = waiting or Waiting(None)
        box: list[FaceDetector | None] = []

        def ready(timeout: float | None) -> bool:
            try:
                box.append(self._idle.get(timeout=timeout) if timeout != 0 else self._idle.get_nowait())
            except queue.Empty:
                return False
            return True

        with self._count_lock:
            self._waiting += 1
        try:
            waiting.until(ready)
        finally:
            with self._count_lock:
                self._waiting -= 1
        detector = box[0]
        try:
            if detector is None:
                from bot.photo.faces import FaceDetector

                detector = FaceDetector()
            self._local.detector = detector
            yield detector
        finally:
            self._local.detector = None
            self._idle.put(detector)

    @contextmanager
    def memory(self, nbytes: int, waiting: Waiting | None = None) -> Iterator[None]:
        """Holds `nbytes` of the decode budget; raises TooLargeToDecode when it can never fit."""
        if nbytes > self.memory_bytes:
            raise TooLargeToDecode(nbytes, self.memory_bytes)
        waiting = waiting or Waiting(None)

        def ready(timeout: float | None) -> bool:
            with self._memory:
                fits = self._memory.wait_for(lambda: self._used + nbytes <= self.memory_bytes, timeout)
                if fits:
                    self._used += nbytes
                return fits

        waiting.until(ready)
        try:
            yield
        finally:
            with self._memory:
                self._used -= nbytes
                self._memory.notify_all()


_lock = threading.Lock()
_current: PhotoWork | None = None


def configure_photo_work(workers: int | None, memory_mb: int | None) -> PhotoWork:
    """Sets the process's limits (HEADSHOT_PHOTO_WORKERS, HEADSHOT_PHOTO_MEMORY_MB); idempotent."""
    global _current
    wanted = PhotoWork(workers, memory_mb)
    with _lock:
        if (
            _current is None
            or _current.workers != wanted.workers
            or _current.memory_bytes != wanted.memory_bytes
        ):
            _current = wanted
        return _current


def photo_work() -> PhotoWork:
    global _current
    with _lock:
        if _current is None:
            _current = PhotoWork()
        return _current
