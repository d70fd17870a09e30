"""A way for the brain to say something before its answer is ready ("your photo is queued").

The brain runs in a worker thread; an adapter hands it a `Notify` that schedules the sending on the
adapter's own event loop, so the interim message goes out while the work goes on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot.messages import Reply

log = logging.getLogger("headshot.notify")

Notify = Callable[[Reply], None]


def on_loop(loop: asyncio.AbstractEventLoop, send: Callable[[Reply], Awaitable[None]]) -> Notify:
    """A `Notify` callable from any thread: `send(reply)` runs on `loop`; a failure is logged, not raised."""

    def notify(reply: Reply) -> None:
        future = asyncio.run_coroutine_threadsafe(_sent(send, reply), loop)
        future.add_done_callback(lambda done: done.exception())  # retrieved: never "never retrieved"

    return notify


async def _sent(send: Callable[[Reply], Awaitable[None]], reply: Reply) -> None:
    try:
        await send(reply)
    except Exception as exc:  # an interim note that did not go out must not disturb the answer
        log.warning("an interim message could not be sent", extra={"error_type": type(exc).__name__})
