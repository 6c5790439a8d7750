"""The systemd notify protocol (READY=1, WATCHDOG=1, STOPPING=1) without the systemd library.

The protocol is one datagram to the unix socket named in $NOTIFY_SOCKET, so a dependency (and a C
library) is not worth it. Under systemd with WatchdogSec=, `watchdog_loop` pings only while the
bot reports itself healthy: systemd then restarts a bot that stopped working, not only one that
exited. Outside systemd every call is a cheap no-op.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable, Mapping

log = logging.getLogger("wijkbot.ops")

_warned = False  # one warning per process: a broken socket would otherwise log every ping


def notify(message: str, socket_path: str | None = None) -> bool:
    """Send `message` to systemd; True when it was sent, False when not under systemd or on error.

    Never raises: the bot must keep answering residents even when the notify socket is broken.
    The socket is non-blocking so the event loop never waits on systemd; a datagram that would
    block is dropped and reported like any other error.
    """
    global _warned
    path = socket_path if socket_path is not None else os.environ.get("NOTIFY_SOCKET", "")
    if not path:
        return False
    address = "\0" + path[1:] if path.startswith("@") else path  # "@": the abstract namespace
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.setblocking(False)
            sock.sendto(message.encode(), address)
    except OSError as exc:
        if not _warned:
            _warned = True
            log.warning("systemd notify to %s failed (warning only once): %s", path, exc)
        else:
            log.debug("systemd notify to %s failed: %s", path, exc)
        return False
    return True


def ready(socket_path: str | None = None) -> bool:
    """Tell systemd the bot has started (Type=notify waits for this before "active")."""
    return notify("READY=1", socket_path)


def stopping(socket_path: str | None = None) -> bool:
    """Tell systemd the bot is shutting down, so a slow stop is not mistaken for a hang."""
    return notify("STOPPING=1", socket_path)


def watchdog_interval(env: Mapping[str, str] = os.environ) -> float | None:
    """Seconds between pings: half of systemd's WatchdogSec (from $WATCHDOG_USEC), or None.

    Half, as sd_watchdog_enabled(3) advises, so one late ping does not cost a restart. None when
    the watchdog is off, the value is invalid, or $WATCHDOG_PID names another process (the
    variables were inherited from a parent that systemd watches, not meant for us).
    """
    usec = _int(env.get("WATCHDOG_USEC"))
    pid = env.get("WATCHDOG_PID")
    if usec is None or usec <= 0 or (pid is not None and _int(pid) != os.getpid()):
        return None
    return usec / 2_000_000


def _int(text: str | None) -> int | None:
    """`text` as an int, or None when it is missing or not a number."""
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        return None


async def watchdog_loop(
    is_healthy: Callable[[], bool], interval: float, *, socket_path: str | None = None
) -> None:
    """Send WATCHDOG=1 every `interval` seconds while `is_healthy()`; run until cancelled.

    An unhealthy bot is not pinged, so systemd restarts it after WatchdogSec. A check that raises
    counts as unhealthy: better a restart than pinging for a bot whose state nobody can read.
    """
    if interval <= 0:
        raise ValueError(f"watchdog interval must be positive, not {interval}")
    was_healthy = True
    while True:
        try:
            healthy = bool(is_healthy())
        except Exception:
            log.exception("health check for the systemd watchdog failed")
            healthy = False
        if healthy:
            notify("WATCHDOG=1", socket_path)
        if healthy != was_healthy:
            if healthy:
                log.info("healthy again: pinging the systemd watchdog")
            else:
                log.warning("unhealthy: no more systemd watchdog pings until it recovers")
            was_healthy = healthy
        await asyncio.sleep(interval)
