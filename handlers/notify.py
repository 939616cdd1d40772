"""Deliver the notices an action just queued, before the handler returns: on this messenger at once,
through the jobs' sender the runtime was wired with (the tick's pacing), or, in an instance that does not
drain the outbox (several instances on PostgreSQL), by the drainer within seconds. A recipient linked only
on the other messenger gets theirs from that messenger's sender; whatever fails stays queued."""

from __future__ import annotations

import logging

from handlers.context import BotContext

log = logging.getLogger(__name__)


async def deliver(context: BotContext, entity: str, record_id: int) -> None:
    """The notices queued about one record (keys notice:<entity>:<id>:…)."""
    send = context.rt.send_outbox
    if send is None:
        return
    try:
        await send(f"notice:{entity}:{record_id}:")
    except Exception:  # they stay queued: the tick sends them
        log.exception("delivering notices failed; the next tick retries")
