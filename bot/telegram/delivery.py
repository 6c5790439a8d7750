"""Delivery with a deadline, never a downgrade: every send is paced, retried and given time.

Why: about 3 s of Telegram errors used to replace the 112 alarm by "probeer het later nog eens",
and a slow answer made the bot send the alarm two or three times. Now:
- a reply that carries the alarm is retried until it is delivered or ten minutes have passed; any
  other reply for a minute (`Deadlines`);
- a 429 waits out its `retry_after` for that chat only (bot/telegram/pacing.py), and is retried;
- a failure that proves nothing was delivered (no connection, a 5xx, a reset before an answer) is
  retried for every reply; a read timeout may come after Telegram delivered, so only an alarm is
  sent again then: a possible duplicate alarm is better than a lost one, and no other reply is
  ever sent twice;
- a BadRequest (our fault) is never retried.
The handlers mark an alarm with `rate_limit_args={"alarm": True}` (bot/telegram/handlers/common.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import BaseRateLimiter

from bot.ops.state import Ops
from bot.telegram.pacing import Pacer, Rates

log = logging.getLogger(__name__)

PACED_PREFIXES = ("send", "edit", "copy", "forward")  # messages that count against the limits


@dataclass(frozen=True)
class Deadlines:
    """How long a reply is retried, and how the waits between tries grow (tests shorten them)."""

    alarm: float = 600.0  # seconds an alarm reply is retried
    other: float = 60.0
    bookkeeping: float = 10.0  # getMe, setWebhook, the command menu: a bad start fails fast
    first_wait: float = 0.2
    longest_wait: float = 5.0


@dataclass
class DeliveryCounts:
    """What delivery went through, for /metrics and the benchmarks (never about anyone)."""

    sent: int = 0
    retries: int = 0
    too_many: int = 0  # 429s
    given_up: int = 0
    ambiguous: int = 0  # read timeouts: delivered or not, nobody knows


def _is_alarm(rate_limit_args: Any) -> bool:
    return isinstance(rate_limit_args, dict) and bool(rate_limit_args.get("alarm"))


def _chat_of(data: dict[str, Any]) -> tuple[int | str | None, bool]:
    chat = data.get("chat_id")
    group = (isinstance(chat, int) and chat < 0) or isinstance(chat, str)  # @channel names
    return chat, group


class DeliveryLimiter(BaseRateLimiter[dict[str, Any]]):
    """PTB's rate-limiter hook: pacing (bot/telegram/pacing.py), retries and deadlines for every
    call."""

    def __init__(
        self,
        rates: Rates | None = None,
        deadlines: Deadlines | None = None,
        clock: Callable[[], float] = time.monotonic,
        ops: Ops | None = None,
    ) -> None:
        self.ops = ops
        self.pacer = Pacer(rates, clock)
        self.deadlines = deadlines or Deadlines()
        self.clock = clock
        self.counts = DeliveryCounts()

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        await self.pacer.close()

    def _deadline(self, alarm: bool, paced: bool) -> float:
        """Seconds a call may keep trying: ten minutes for an alarm, a minute for other replies."""
        if alarm:
            return self.deadlines.alarm
        return self.deadlines.other if paced else self.deadlines.bookkeeping

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict[str, Any] | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        alarm = _is_alarm(rate_limit_args)
        paced = endpoint.startswith(PACED_PREFIXES)
        chat, group = _chat_of(data)
        deadline = self.clock() + self._deadline(alarm, paced)
        backoff = self.deadlines.first_wait
        while True:
            turn = await self.pacer.acquire(chat, group=group, alarm=alarm) if paced else None
            try:
                if self.ops is not None:
                    self.ops.sending(endpoint)
                result = await callback(*args, **kwargs)
                self.counts.sent += paced
                if self.ops is not None:
                    self.ops.sent(endpoint)
                return result
            except RetryAfter as exc:
                self.counts.too_many += 1
                wait = _seconds(exc.retry_after)
                if chat is not None:
                    self.pacer.pause(chat, wait)
                error: Exception = exc
            except (BadRequest, Forbidden, InvalidToken):
                raise  # our request is wrong, or the chat is gone: trying again changes nothing
            except TimedOut as exc:
                self.counts.ambiguous += 1
                if not alarm and paced:
                    # Telegram may have delivered it: a duplicate answer confuses; give up.
                    log.warning("%s timed out; not sent again (it may have arrived)", endpoint)
                    raise
                wait, error = backoff, exc
            except NetworkError as exc:
                wait, error = backoff, exc
            finally:
                if turn is not None:
                    self.pacer.answered(turn)
            if self.clock() + wait > deadline:
                self.counts.given_up += 1
                log.error(
                    "%s not delivered before its deadline: %s", endpoint, type(error).__name__
                )
                raise error
            self.counts.retries += 1
            if self.ops is not None:
                self.ops.retried(endpoint, isinstance(error, RetryAfter))
            log.warning("%s failed (%s), retrying in %.1f s", endpoint, type(error).__name__, wait)
            if not (paced and isinstance(error, RetryAfter)):  # the pacer waits out a 429
                await asyncio.sleep(wait)
            backoff = min(self.deadlines.longest_wait, backoff * 2)


def _seconds(value: Any) -> float:
    """retry_after is an int today and a timedelta in later python-telegram-bot versions."""
    return float(value.total_seconds()) if hasattr(value, "total_seconds") else float(value)
