"""A small HTTP server for operators: /healthz for probes and /metrics for Prometheus.

Separate from the webhook server on purpose: it listens on localhost by default (metrics say how
busy the bot is and which content it serves, nothing a stranger needs), works the same in polling
mode, and a probe never competes with Telegram's updates for the same listener.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
from dataclasses import dataclass

from aiohttp import web

from bot.ops.health import Health, check
from bot.ops.metrics import Metrics, render

DEFAULT_HOST = "127.0.0.1"
_PORT = re.compile(r"[0-9]{1,5}")
_HOSTNAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?")


def parse_listen(value: str) -> tuple[str, int]:
    """Parse "host:port", ":port", "port" or "[ipv6]:port" into (host, port).

    Without a host it is 127.0.0.1: exposing the server to the network must be a decision, never
    the result of leaving something out. Port 0 (any free port) is allowed, for tests.
    """
    text = value.strip()
    host, sep, port = text.rpartition(":")
    if not sep:
        host, port = "", text
    if not _PORT.fullmatch(port) or int(port) > 65535:
        raise ValueError(f"listen {value!r}: the port must be a number from 0 to 65535")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise ValueError(f"listen {value!r}: {host!r} is not an IPv6 address") from None
    elif ":" in host or "[" in host or "]" in host:
        raise ValueError(f"listen {value!r}: write an IPv6 address in brackets, as [::1]:9810")
    elif host and not _HOSTNAME.fullmatch(host):
        raise ValueError(f"listen {value!r}: {host!r} is not a host name or IP address")
    return host or DEFAULT_HOST, int(port)


def ops_app(
    health: Health, metrics: Metrics, *, max_update_age: float, max_send_age: float
) -> web.Application:
    """The app: GET /healthz (200 or 503, JSON) and GET /metrics; every other path is a 404.

    Both routes refresh the `healthy` gauge, so Prometheus sees the current verdict even when
    nothing probes /healthz. The check runs in a thread: it writes a file in the data directory,
    and a hanging disk must not stall the bot's event loop along with the probe.
    """

    async def verdict() -> tuple[bool, dict[str, str]]:
        healthy, checks = await asyncio.to_thread(
            check, health, max_update_age=max_update_age, max_send_age=max_send_age
        )
        metrics.healthy.set(1 if healthy else 0)
        return healthy, checks

    async def healthz(request: web.Request) -> web.Response:
        healthy, checks = await verdict()
        if healthy:
            return web.json_response({"status": "ok", "checks": checks})
        failed = [name for name, reason in checks.items() if reason != "ok"]
        body = {"status": "failing", "failed": failed, "checks": checks}
        return web.json_response(body, status=503)

    async def metrics_page(request: web.Request) -> web.Response:
        await verdict()
        body, content_type = render(metrics)
        # Set as a header: aiohttp refuses a content_type argument that carries a charset.
        return web.Response(body=body, headers={"Content-Type": content_type})

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_page)
    return app


@dataclass
class OpsServer:
    """A started ops server: where it listens, and how to stop it."""

    runner: web.AppRunner
    host: str
    port: int

    async def stop(self) -> None:
        """Close the listener and the open connections."""
        await self.runner.cleanup()


async def start_ops(
    listen: str,
    health: Health,
    metrics: Metrics,
    *,
    max_update_age: float,
    max_send_age: float,
) -> OpsServer:
    """Start serving `ops_app` on `listen` (see `parse_listen`); the port is read back from the
    bound socket, so "127.0.0.1:0" works and the caller learns which port it got."""
    host, port = parse_listen(listen)
    app = ops_app(health, metrics, max_update_age=max_update_age, max_send_age=max_send_age)
    runner = web.AppRunner(app, access_log=None)  # a probe every few seconds is no news
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except BaseException:
        await runner.cleanup()
        raise
    bound_port = int(runner.addresses[0][1])
    return OpsServer(runner=runner, host=host, port=bound_port)
