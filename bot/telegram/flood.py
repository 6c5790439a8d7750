"""Per-user flood control: more than 20 messages a minute gets one polite notice, then silence.

Telegram itself lets a bot send about one message a second to a chat; a resident (or a script)
sending faster only fills their own chat with answers. Kept in memory on purpose: a restart
forgives everyone.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

Verdict = Literal["ok", "notice", "silent"]


@dataclass
class FloodControl:
    limit: int = 20
    window: float = 60.0
    clock: Callable[[], float] = time.monotonic
    _seen: dict[int, deque[float]] = field(default_factory=dict)
    _muted_until: dict[int, float] = field(default_factory=dict)
    _checks: int = 0

    def check(self, user_id: int) -> Verdict:
        """'ok' to answer, 'notice' once when the limit is passed, then 'silent' for a window."""
        now = self.clock()
        self._prune(now)
        muted = self._muted_until.get(user_id)
        if muted is not None:
            if now < muted:
                return "silent"
            del self._muted_until[user_id]
            self._seen.pop(user_id, None)
        seen = self._seen.setdefault(user_id, deque())
        while seen and seen[0] <= now - self.window:
            seen.popleft()
        seen.append(now)
        if len(seen) > self.limit:
            self._muted_until[user_id] = now + self.window
            return "notice"
        return "ok"

    def _prune(self, now: float) -> None:
        """Every so often, forget users who have been quiet for a window (bounded memory)."""
        self._checks += 1
        if self._checks % 1000:
            return
        stale = [u for u, seen in self._seen.items() if not seen or seen[-1] <= now - self.window]
        for user in stale:
            if self._muted_until.get(user, 0) <= now:
                self._seen.pop(user, None)
                self._muted_until.pop(user, None)
