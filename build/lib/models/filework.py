"""Reading users' files off the event loop, in a pool of their own: at most two at a time in the process,
the rest queued, so a burst of large or hostile files never takes the threads that exports, charts and
other users' work run on. A read that overruns its time is abandoned (the reader itself stops at the same
deadline, so its thread comes back)."""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from models.sheets import FileProblem

WORKERS = 2
SECONDS = 60.0
T = TypeVar("T")

_executor = ThreadPoolExecutor(WORKERS, thread_name_prefix="files")
_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


def _slot() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    slot = _slots.get(loop)
    if slot is None:
        slot = _slots[loop] = asyncio.Semaphore(WORKERS)
    return slot


def busy() -> bool:
    """Whether a file sent now would wait for another to finish."""
    return _slot().locked()


async def run(
    work: Callable[[float], T],
    *,
    seconds: float | None = None,
    waiting: Callable[[], Awaitable[object]] | None = None,
) -> T:
    """`work(deadline)` in the file pool; `waiting` is awaited first when the pool is full. The deadline
    starts once the work does, so a queued file is not charged for its wait. Raises FileProblem("too_slow")
    when the work does not finish in time."""
    seconds = SECONDS if seconds is None else seconds
    slot = _slot()
    if slot.locked() and waiting is not None:
        await waiting()
    async with slot:
        deadline = time.monotonic() + seconds
        future = asyncio.get_running_loop().run_in_executor(_executor, work, deadline)
        try:
            # The reader checks the same deadline; the grace lets it stop by itself and free its thread.
            return await asyncio.wait_for(asyncio.shield(future), seconds + min(seconds, 2.0))
        except TimeoutError:
            raise FileProblem("too_slow") from None
