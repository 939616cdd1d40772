import asyncio

from jobs import sender
from jobs.sender import RateLimiter


async def test_limiter_spaces_sends_overall_and_per_chat(monkeypatch):
    now = [100.0]
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(round(seconds, 3))

    monkeypatch.setattr(sender.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(asyncio, "sleep", fake_sleep)
    limiter = RateLimiter(rate=10, chat_interval=1.0)
    await limiter.wait(1)  # first send: no wait
    await limiter.wait(2)  # another chat: ~0.1 s after the first (10/s overall, with a 2% margin)
    await limiter.wait(1)  # same chat again: one second after its last send
    assert slept == [0.102, 1.0]
    limiter.pause(5)  # a 429 holds everyone
    await limiter.wait(3)
    assert slept[-1] == 5.0
