"""The running bot's operations side: /healthz and /metrics, the systemd watchdog, readiness.

Started after the start-up chores and stopped at shutdown by the application's hooks. Each part
fails softly: an endpoint that cannot bind is logged, and the bot keeps answering residents.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.ops import watchdog
from bot.ops.state import Ops

if TYPE_CHECKING:  # aiohttp's server is imported only when the endpoint is asked for
    from bot.ops.server import OpsServer

log = logging.getLogger(__name__)


@dataclass
class Running:
    """What operations started, so shutdown can stop exactly that."""

    server: OpsServer | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


async def start(ops: Ops) -> Running:
    running = Running()
    if ops.listen:
        from bot.ops.server import start_ops  # aiohttp's server only when asked for

        try:
            running.server = await start_ops(
                ops.listen,
                ops.health,
                ops.metrics,
                max_update_age=ops.max_update_age,
                max_send_age=ops.max_send_age,
            )
            log.info("operations endpoint on %s (/healthz, /metrics)", ops.listen)
        except OSError as exc:
            log.error("operations endpoint not started on %s: %s", ops.listen, exc)
    interval = watchdog.watchdog_interval()
    if interval is not None:
        task = asyncio.create_task(watchdog.watchdog_loop(ops.healthy, interval), name="watchdog")
        running.tasks.append(task)
    watchdog.ready()
    return running


async def stop(running: Running) -> None:
    watchdog.stopping()
    for task in running.tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    server = running.server
    if server is not None:
        await server.stop()
