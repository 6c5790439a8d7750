"""Send pacing within Telegram's limits: about 30 messages a second overall, about one a second
per private chat (short bursts allowed), 20 a minute per group; alarms first.

Why not python-telegram-bot's AIORateLimiter: its leaky bucket lets 30 go at once and then 30/s
(63 in one second were measured), private chats get no pacing at all, and a 429 pauses every chat.
Here the overall rate is even (one slot every 1/30 s), each chat has its own token bucket, a
message waiting for its chat does not hold an overall slot, and a 429 pauses only its own chat.

`PacingState` is the whole decision, with the clock passed in, so its contract is tested with a
fake clock (tests/test_pacing.py); `Pacer` runs it on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.config import Rates  # a setting; the pacer enforces it

ALARM, NORMAL = 0, 1  # priorities: lower goes first
IN_FLIGHT_POLL = 0.05  # seconds: look again while the window waits for an answer (it kicks too)
FORGET_UNANSWERED = 60.0  # seconds: a send still unanswered (a lost path) no longer holds a slot
MAX_WINDOW = 10_000  # above this rate (tests, benchmarks) no one-second window is kept


UNLIMITED = Rates(overall=1e9, private=1e9, private_burst=10**6, group=1e9, group_burst=10**6)


@dataclass
class _Bucket:
    tokens: float
    updated: float
    paused_until: float = 0.0


@dataclass(order=True)
class _Waiting:
    priority: int
    seq: int
    chat: int | str | None = field(compare=False)
    group: bool = field(compare=False)


class PacingState:
    """Who may send next, and when to look again. Pure: every method takes `now`."""

    def __init__(self, rates: Rates) -> None:
        self.rates = rates
        self.next_overall = 0.0
        self._window = int(rates.overall) if rates.overall <= MAX_WINDOW else 0
        # seq -> (when it left, when it was answered: inf while in flight)
        self._marks: dict[int, tuple[float, float]] = {}
        self._buckets: dict[int | str, _Bucket] = {}
        self._waiting: list[_Waiting] = []
        self._seq = itertools.count()

    def add(self, chat: int | str | None, *, group: bool, priority: int = NORMAL) -> _Waiting:
        item = _Waiting(priority, next(self._seq), chat, group)
        heapq.heappush(self._waiting, item)
        return item

    def cancel(self, item: _Waiting) -> None:
        if item in self._waiting:
            self._waiting.remove(item)
            heapq.heapify(self._waiting)

    def pause(self, chat: int | str, until: float) -> None:
        """A 429 for this chat: nothing goes to it before `until`; other chats go on."""
        bucket = self._bucket(chat, False, until)
        bucket.paused_until = max(bucket.paused_until, until)

    def release(self, now: float) -> tuple[_Waiting | None, float | None]:
        """The request that may send now (its tokens taken), else when to look again."""
        if not self._waiting:
            return None, None
        ready_at = [(self._ready_at(w, now), w) for w in self._waiting]
        eligible = [w for at, w in ready_at if at <= now]
        if not eligible:
            return None, min(at for at, _ in ready_at)
        if now < self.next_overall:
            return None, self.next_overall
        busy_until = self._window_full_until(now)
        if busy_until is not None:
            return None, busy_until
        chosen = min(eligible)  # priority, then arrival
        self._waiting.remove(chosen)
        heapq.heapify(self._waiting)
        if chosen.chat is not None:
            self._take(chosen.chat, chosen.group, now)
        # The next slot follows the schedule, not this send: a wake-up a few milliseconds late
        # (the loop was busy) costs no slot, or 200 sends take 7 s instead of 6.6 (measured).
        # After idle time only one slot is made up; the window above holds every second to the
        # rate. A hair over 1/rate, so that float rounding never fits one more.
        interval = 1.0 / self.rates.overall + 1e-9
        self.next_overall = max(self.next_overall, now - interval) + interval
        if self._window:
            self._marks[chosen.seq] = (now, math.inf)
        return chosen, None

    def _window_full_until(self, now: float) -> float | None:
        """Never rate + 1 sends within one second, as Telegram counts them: on arrival. A send
        arrives after it left and before its answer came back, so a new send (arriving after
        `now`) may go while fewer than `rate` sends were answered after now - 1 or are still on
        their way; no assumption about the network's jitter is needed."""
        if not self._window:
            return None
        for seq, (left, mark) in list(self._marks.items()):
            if mark < now - 1.0 or left < now - FORGET_UNANSWERED:
                del self._marks[seq]
        if len(self._marks) < self._window:
            return None
        marks = sorted(mark for _, mark in self._marks.values())
        first_free = marks[len(marks) - self._window]
        if first_free == math.inf:  # waiting for an answer: answered() looks again at once
            return now + IN_FLIGHT_POLL
        return first_free + 1.0 + 1e-9

    def answered(self, seq: int, now: float) -> None:
        """Telegram answered this send (or we gave up on it): it was counted by `now`.

        On a fast connection (answers in 2 ms) the overall rate reaches 29.9/s; a fixed margin
        for jitter capped it at 30 / 1.03 = 29.1/s and still let 31 arrive in a second when the
        machine was busy and a request left late.
        """
        if seq in self._marks:
            left, mark = self._marks[seq]
            self._marks[seq] = (left, min(mark, now))

    def _rate(self, group: bool) -> tuple[float, int]:
        r = self.rates
        return (r.group, r.group_burst) if group else (r.private, r.private_burst)

    def _bucket(self, chat: int | str, group: bool, now: float) -> _Bucket:
        bucket = self._buckets.get(chat)
        if bucket is None:
            bucket = self._buckets[chat] = _Bucket(float(self._rate(group)[1]), now)
        return bucket

    def _ready_at(self, item: _Waiting, now: float) -> float:
        if item.chat is None:
            return now
        bucket = self._bucket(item.chat, item.group, now)
        rate, burst = self._rate(item.group)
        tokens = min(burst, bucket.tokens + (now - bucket.updated) * rate)
        at = now if tokens >= 1 else now + (1 - tokens) / rate
        return max(at, bucket.paused_until)

    def _take(self, chat: int | str, group: bool, now: float) -> None:
        bucket = self._bucket(chat, group, now)
        rate, burst = self._rate(group)
        bucket.tokens = min(burst, bucket.tokens + (now - bucket.updated) * rate) - 1
        bucket.updated = now

    def forget_idle(self, now: float) -> None:
        """Buckets that are full again hold nothing worth keeping (memory stays bounded)."""
        waiting = {w.chat for w in self._waiting}
        for chat in [c for c, b in self._buckets.items() if c not in waiting]:
            bucket = self._buckets[chat]
            rate, burst = self._rate(False)
            full = bucket.tokens + (now - bucket.updated) * rate >= burst
            if full and bucket.paused_until <= now:
                del self._buckets[chat]


class Pacer:
    """PacingState on the event loop: `await acquire(chat)` returns when this send may go."""

    def __init__(self, rates: Rates | None = None, clock: Callable[[], float] = time.monotonic):
        self.state = PacingState(rates or Rates())
        self.clock = clock
        self._futures: dict[int, asyncio.Future[None]] = {}
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    async def acquire(self, chat: int | str | None, *, group: bool, alarm: bool = False) -> int:
        """Wait for this send's turn; the number returned goes to `answered` afterwards."""
        item = self.state.add(chat, group=group, priority=ALARM if alarm else NORMAL)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._futures[item.seq] = future
        self._kick()
        try:
            await future
        except asyncio.CancelledError:
            self.state.cancel(item)
            self.state.answered(item.seq, self.clock())  # released but never sent: free its slot
            raise
        finally:
            self._futures.pop(item.seq, None)
        return item.seq

    def answered(self, seq: int) -> None:
        self.state.answered(seq, self.clock())
        self._kick()

    def pause(self, chat: int | str, seconds: float) -> None:
        self.state.pause(chat, self.clock() + seconds)
        self._kick()

    def _kick(self) -> None:
        if self._wake is None:
            self._wake = asyncio.Event()
        self._wake.set()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="pacer")

    async def _run(self) -> None:
        assert self._wake is not None
        handled = 0
        while True:
            self._wake.clear()
            item, wake_at = self.state.release(self.clock())
            if item is not None:
                future = self._futures.get(item.seq)
                if future is not None and not future.done():
                    future.set_result(None)
                handled += 1
                if handled % 1000 == 0:
                    self.state.forget_idle(self.clock())
                continue
            if wake_at is None:
                await self._wake.wait()
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), max(0.0, wake_at - self.clock()))

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
