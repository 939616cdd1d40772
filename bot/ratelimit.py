"""PTB's AIORateLimiter, plus the 429s that carry no retry_after (Bale sends them; PTB raises them as a
NetworkError, which AIORateLimiter does not retry): wait 2, 4, 8 seconds and try again."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import NetworkError
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)


def is_rate_limited(exc: NetworkError) -> bool:
    text = exc.message.lower()
    return "(429)" in text or "too many requests" in text or "limit exceed" in text


class BackoffRateLimiter(AIORateLimiter):
    backoff: tuple[float, ...] = (2.0, 4.0, 8.0)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        for attempt in range(len(self.backoff) + 1):
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
            except NetworkError as exc:
                if not is_rate_limited(exc) or attempt == len(self.backoff):
                    raise
                log.info("%s: rate limited without retry_after; waiting %ss", endpoint, self.backoff[attempt])
                await asyncio.sleep(self.backoff[attempt])
        raise AssertionError("unreachable")
