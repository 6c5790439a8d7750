"""What "healthy" means for a running bot, decided from facts the bot records as it works.

The bot only writes timestamps into a `Health` (cheap, no I/O on the hot path); `check` turns them
into a verdict when someone asks (/healthz, the systemd watchdog). Times are `time.monotonic()`
so that a wall-clock jump (NTP, DST) neither hides a stall nor invents one.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

OK = "ok"


@dataclass
class Health:
    """The facts a health check needs, updated by the running bot.

    `unsent_since` is the first send attempt after the last successful send (None when nothing is
    waiting): it lets `check` tell "sends have been failing for minutes" from "a bot that was quiet
    for an hour has just started a send". `sending()` and `sent_ok()` keep it up to date.
    """

    last_update_ok: float | None = None
    last_send_ok: float | None = None
    last_send_attempt: float | None = None
    content_loaded: bool = False
    content_version: str = ""
    storage_dir: Path | None = None
    unsent_since: float | None = None

    def updates_ok(self, now: float | None = None) -> None:
        """Record a successful getUpdates call or a received webhook update."""
        self.last_update_ok = time.monotonic() if now is None else now

    def sent_ok(self, now: float | None = None) -> None:
        """Record a successful sendMessage: nothing is waiting any more."""
        self.last_send_ok = time.monotonic() if now is None else now
        self.unsent_since = None

    def sending(self, now: float | None = None) -> None:
        """Record a send attempt, before the request goes out."""
        at = time.monotonic() if now is None else now
        self.last_send_attempt = at
        if self.unsent_since is None:
            self.unsent_since = at


def check(
    health: Health, *, max_update_age: float, max_send_age: float, now: float | None = None
) -> tuple[bool, dict[str, str]]:
    """Decide whether the bot works: (healthy, {check name: "ok" or a short reason}).

    Every check must pass. The reasons are for the operator reading /healthz or the journal, so
    they say what is wrong rather than just "failed". Writes (and removes) one small temp file in
    the storage directory, so call it from a thread when a hanging disk must not stall the loop.
    """
    at = time.monotonic() if now is None else now
    checks = {
        "updates": _updates(health, max_update_age, at),
        "sending": _sending(health, max_send_age, at),
        "content": OK if health.content_loaded else "content not loaded",
        "storage": _storage(health.storage_dir),
    }
    return all(reason == OK for reason in checks.values()), checks


def _updates(health: Health, max_age: float, now: float) -> str:
    """Updates must keep arriving: a bot that cannot reach Telegram answers nobody."""
    if health.last_update_ok is None:
        return "no successful getUpdates yet"
    age = now - health.last_update_ok
    if age > max_age:
        return f"last successful getUpdates {age:.0f} s ago (max {max_age:g} s)"
    return OK


def _sending(health: Health, max_age: float, now: float) -> str:
    """Fail only when sends have been attempted and none succeeded for longer than `max_age`.

    Why not simply "the last successful send is recent": a quiet bot has nothing to send, and
    restarting it for that would be wrong. Why not "an attempt since the last success and that
    success is old" alone: after a quiet hour the very first attempt would fail the check while
    its request is still in flight. So the clock starts at the first unanswered attempt.
    """
    attempt, ok = health.last_send_attempt, health.last_send_ok
    if attempt is None or (ok is not None and ok >= attempt):
        return OK  # nothing waiting to be sent: a quiet bot is a healthy bot
    since = health.unsent_since
    if since is None or (ok is not None and since < ok):
        since = attempt if ok is None else ok  # fields set directly, not through sending()
    waiting = now - since
    if waiting <= max_age:
        return OK
    if ok is None:
        return f"no successful sendMessage yet, sends failing for {waiting:.0f} s"
    return f"no successful sendMessage for {now - ok:.0f} s while sending (max {max_age:g} s)"


def _storage(directory: Path | None) -> str:
    """The data directory must take writes: the inbox and memory live there.

    Checked by creating a real file rather than with os.access, which says yes for root on a
    read-only mount and knows nothing about a full disk or a directory that was removed.
    """
    if directory is None:
        return "no data directory"
    if not directory.is_dir():
        return f"data directory {directory} does not exist or is not a directory"
    try:
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".healthz-") as probe:
            probe.write(b"ok")
            probe.flush()
    except OSError as exc:
        return f"data directory {directory} not writable: {exc.strerror or exc}"
    return OK
