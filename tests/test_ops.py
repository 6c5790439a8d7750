"""The ops package: health checks, the /healthz and /metrics server, and the systemd notify
protocol, on real sockets (127.0.0.1 and a unix datagram socket standing in for systemd)."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest
from prometheus_client import CONTENT_TYPE_LATEST

from bot.ops import watchdog
from bot.ops.health import Health, check
from bot.ops.metrics import Metrics, new_metrics, render
from bot.ops.server import OpsServer, parse_listen, start_ops
from bot.ops.watchdog import notify, ready, stopping, watchdog_interval, watchdog_loop

MAX_UPDATE = 60.0
MAX_SEND = 120.0


def healthy_facts(storage: Path, now: float = 1000.0) -> Health:
    """Facts of a bot that works: recent updates, content loaded, a writable data directory."""
    health = Health(content_loaded=True, content_version="v1", storage_dir=storage)
    health.updates_ok(now=now)
    return health


def verdict(health: Health, now: float) -> tuple[bool, dict[str, str]]:
    return check(health, max_update_age=MAX_UPDATE, max_send_age=MAX_SEND, now=now)


# --- health checks -------------------------------------------------------------------------------


def test_all_checks_pass_for_a_working_bot(tmp_path: Path) -> None:
    health = healthy_facts(tmp_path)
    health.sending(now=1001.0)
    health.sent_ok(now=1002.0)
    assert verdict(health, now=1010.0) == (
        True,
        {"updates": "ok", "sending": "ok", "content": "ok", "storage": "ok"},
    )


def test_a_fresh_health_fails_with_reasons() -> None:
    healthy, checks = verdict(Health(), now=5.0)
    assert not healthy
    assert checks["updates"] == "no successful getUpdates yet"
    assert checks["content"] == "content not loaded"
    assert checks["storage"] == "no data directory"
    assert checks["sending"] == "ok"  # nothing was ever attempted


def test_updates_fail_when_older_than_max_age(tmp_path: Path) -> None:
    health = healthy_facts(tmp_path, now=1000.0)
    assert verdict(health, now=1000.0 + MAX_UPDATE)[1]["updates"] == "ok"
    healthy, checks = verdict(health, now=1000.0 + MAX_UPDATE + 1)
    assert not healthy
    assert checks["updates"] == "last successful getUpdates 61 s ago (max 60 s)"
    health.updates_ok(now=1100.0)
    assert verdict(health, now=1101.0)[0]


def test_a_quiet_bot_is_healthy(tmp_path: Path) -> None:
    """Nothing to send for a day is no failure: neither after one send nor after none at all."""
    never_sent = healthy_facts(tmp_path)
    sent_long_ago = healthy_facts(tmp_path)
    sent_long_ago.sending(now=10.0)
    sent_long_ago.sent_ok(now=11.0)
    for health in (never_sent, sent_long_ago):
        health.updates_ok(now=86_400.0)
        healthy, checks = verdict(health, now=86_400.0)
        assert healthy, checks
        assert checks["sending"] == "ok"


def test_sending_fails_when_attempts_get_no_success_for_max_age(tmp_path: Path) -> None:
    health = healthy_facts(tmp_path, now=0.0)
    health.sent_ok(now=0.0)
    health.sending(now=500.0)  # the first attempt after a quiet spell, and then retries
    health.sending(now=550.0)
    health.sending(now=600.0)
    for now in (500.0, 500.0 + MAX_SEND):
        health.updates_ok(now=now)
        assert verdict(health, now=now)[1]["sending"] == "ok", now  # still within max_send_age
    health.updates_ok(now=621.0)
    healthy, checks = verdict(health, now=621.0)
    assert not healthy
    assert checks["sending"] == "no successful sendMessage for 621 s while sending (max 120 s)"
    health.sent_ok(now=622.0)
    assert verdict(health, now=622.0)[0]


def test_sending_fails_when_no_send_ever_succeeded(tmp_path: Path) -> None:
    health = healthy_facts(tmp_path, now=200.0)
    health.sending(now=10.0)
    health.sending(now=150.0)
    healthy, checks = verdict(health, now=200.0)
    assert not healthy
    assert checks["sending"] == "no successful sendMessage yet, sends failing for 190 s"


def test_sending_check_works_on_fields_set_directly(tmp_path: Path) -> None:
    """A bot that assigns the timestamps instead of calling the methods gets the same verdict."""
    health = healthy_facts(tmp_path, now=400.0)
    health.last_send_ok = 100.0
    health.last_send_attempt = 300.0
    assert verdict(health, now=400.0)[1]["sending"].startswith("no successful sendMessage for")
    health.last_send_ok = 350.0
    assert verdict(health, now=400.0)[1]["sending"] == "ok"


def test_content_check_follows_the_flag(tmp_path: Path) -> None:
    health = healthy_facts(tmp_path)
    health.content_loaded = False
    assert verdict(health, now=1000.0) == (
        False,
        {"updates": "ok", "sending": "ok", "content": "content not loaded", "storage": "ok"},
    )


def test_storage_check_leaves_no_file_behind(tmp_path: Path) -> None:
    (tmp_path / "inbox.sqlite").write_bytes(b"")
    assert verdict(healthy_facts(tmp_path), now=1000.0)[1]["storage"] == "ok"
    assert [p.name for p in tmp_path.iterdir()] == ["inbox.sqlite"]


def test_storage_check_fails_for_a_missing_directory(tmp_path: Path) -> None:
    healthy, checks = verdict(healthy_facts(tmp_path / "gone"), now=1000.0)
    assert not healthy
    assert "does not exist" in checks["storage"]
    assert str(tmp_path / "gone") in checks["storage"]


def test_storage_check_fails_for_a_regular_file(tmp_path: Path) -> None:
    """A path that is no directory fails for root too (root writes to a read-only directory)."""
    storage = tmp_path / "not-a-dir"
    storage.write_text("x")
    healthy, checks = verdict(healthy_facts(storage), now=1000.0)
    assert not healthy
    assert checks["storage"] == f"data directory {storage} does not exist or is not a directory"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to a 0o500 directory")
def test_storage_check_fails_for_a_read_only_directory(tmp_path: Path) -> None:
    storage = tmp_path / "read-only"
    storage.mkdir()
    storage.chmod(0o500)
    try:
        checks = verdict(healthy_facts(storage), now=1000.0)[1]
    finally:
        storage.chmod(0o700)
    assert checks["storage"].startswith(f"data directory {storage} not writable")


# --- metrics and the server ----------------------------------------------------------------------


def test_each_bot_gets_its_own_registry() -> None:
    first, second = new_metrics(), new_metrics()  # the global registry would raise here
    first.replies_total.labels(decision="answered", language="nl").inc()
    assert b'wijkbot_replies_total{decision="answered",language="nl"} 1.0' in render(first)[0]
    assert b"wijkbot_replies_total{" not in render(second)[0]
    assert render(first)[1] == CONTENT_TYPE_LATEST


@pytest.fixture
def health(tmp_path: Path) -> Health:
    health = Health(content_loaded=True, content_version="v1", storage_dir=tmp_path)
    health.updates_ok()
    return health


@pytest.fixture
def metrics() -> Metrics:
    return new_metrics()


@pytest.fixture
async def server(health: Health, metrics: Metrics) -> AsyncIterator[OpsServer]:
    ops = await start_ops(
        "127.0.0.1:0", health, metrics, max_update_age=MAX_UPDATE, max_send_age=MAX_SEND
    )
    yield ops
    await ops.stop()


async def get(server: OpsServer, path: str) -> tuple[int, str, str]:
    """(status, content type header, body) of a real GET on the server's bound port."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{server.port}{path}") as response,
    ):
        return response.status, response.headers["Content-Type"], await response.text()


async def test_server_binds_a_real_port(server: OpsServer) -> None:
    assert server.host == "127.0.0.1"
    assert 0 < server.port <= 65535
    with socket.create_connection(("127.0.0.1", server.port), timeout=2):
        pass


async def test_healthz_ok(server: OpsServer, metrics: Metrics) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{server.port}/healthz") as response,
    ):
        assert response.status == 200
        assert response.content_type == "application/json"
        assert await response.json() == {
            "status": "ok",
            "checks": {"updates": "ok", "sending": "ok", "content": "ok", "storage": "ok"},
        }
    assert metrics.registry.get_sample_value("wijkbot_healthy") == 1.0


async def test_healthz_failing_names_the_check(
    server: OpsServer, health: Health, metrics: Metrics
) -> None:
    health.content_loaded = False
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{server.port}/healthz") as response,
    ):
        assert response.status == 503
        body = await response.json()
    assert body["status"] == "failing"
    assert body["failed"] == ["content"]
    assert body["checks"]["content"] == "content not loaded"
    assert body["checks"]["updates"] == "ok"
    assert metrics.registry.get_sample_value("wijkbot_healthy") == 0.0


async def test_metrics_page(server: OpsServer, metrics: Metrics) -> None:
    metrics.replies_total.labels(decision="answered", language="nl").inc()
    metrics.replies_total.labels(decision="answered", language="nl").inc()
    metrics.content_info.info({"version": "v1"})
    status, content_type, text = await get(server, "/metrics")
    assert status == 200
    assert content_type == CONTENT_TYPE_LATEST
    assert 'wijkbot_replies_total{decision="answered",language="nl"} 2.0' in text
    assert 'wijkbot_content_info{version="v1"} 1.0' in text
    assert "wijkbot_healthy 1.0" in text  # refreshed by the scrape itself
    assert "wijkbot_reply_seconds_bucket" in text


@pytest.mark.parametrize("path", ["/", "/health", "/metrics/x", "/healthz/"])
async def test_unknown_path_is_404(server: OpsServer, path: str) -> None:
    assert (await get(server, path))[0] == 404


async def test_stop_closes_the_port(health: Health, metrics: Metrics) -> None:
    ops = await start_ops(":0", health, metrics, max_update_age=MAX_UPDATE, max_send_age=MAX_SEND)
    await ops.stop()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", ops.port), timeout=2).close()


async def test_start_ops_rejects_a_bad_listen(health: Health, metrics: Metrics) -> None:
    with pytest.raises(ValueError, match="port"):
        await start_ops("127.0.0.1:http", health, metrics, max_update_age=1, max_send_age=1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("127.0.0.1:9810", ("127.0.0.1", 9810)),
        ("0.0.0.0:80", ("0.0.0.0", 80)),
        (":9810", ("127.0.0.1", 9810)),
        ("9810", ("127.0.0.1", 9810)),
        (" 9810 ", ("127.0.0.1", 9810)),
        ("localhost:0", ("localhost", 0)),
        ("[::1]:9810", ("::1", 9810)),
        ("[::]:65535", ("::", 65535)),
        ("ops.example.org:9810", ("ops.example.org", 9810)),
    ],
)
def test_parse_listen(value: str, expected: tuple[str, int]) -> None:
    assert parse_listen(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "port must be a number"),
        ("127.0.0.1", "port must be a number"),
        ("127.0.0.1:", "port must be a number"),
        ("host:65536", "0 to 65535"),
        ("host:-1", "port must be a number"),
        ("host:http", "port must be a number"),
        ("host:123456", "port must be a number"),
        ("::1:9810", "in brackets"),
        ("[::1]", "port must be a number"),
        ("[not-ipv6]:9810", "not an IPv6 address"),
        ("bad host:9810", "not a host name"),
    ],
)
def test_parse_listen_rejects(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_listen(value)


# --- systemd notify and watchdog -----------------------------------------------------------------


@pytest.fixture
def systemd(tmp_path: Path) -> Iterator[tuple[str, socket.socket]]:
    """A unix datagram socket where systemd's would be: (its path, the receiving socket)."""
    path = str(tmp_path / "notify")
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind(path)
    receiver.setblocking(False)
    yield path, receiver
    receiver.close()


def received(receiver: socket.socket) -> list[bytes]:
    """Every datagram waiting on `receiver`."""
    datagrams = []
    while True:
        try:
            datagrams.append(receiver.recv(4096))
        except BlockingIOError:
            return datagrams


def test_notify_without_systemd_is_a_no_op(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert notify("READY=1") is False
    assert ready() is False


def test_notify_uses_the_environment(
    systemd: tuple[str, socket.socket], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, receiver = systemd
    monkeypatch.setenv("NOTIFY_SOCKET", path)
    assert ready() is True
    assert stopping() is True
    assert notify("STATUS=answering") is True
    assert received(receiver) == [b"READY=1", b"STOPPING=1", b"STATUS=answering"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="abstract sockets are Linux's")
def test_notify_abstract_namespace() -> None:
    name = f"wijkbot-test-{uuid.uuid4().hex}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as receiver:
        receiver.bind("\0" + name)
        receiver.setblocking(False)
        assert notify("READY=1", socket_path="@" + name) is True
        assert received(receiver) == [b"READY=1"]


def test_notify_to_a_broken_socket_warns_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(watchdog, "_warned", False)  # a fresh process, as far as warnings go
    missing = str(tmp_path / "no-such-socket")
    with caplog.at_level(logging.DEBUG, logger="wijkbot.ops"):
        assert notify("WATCHDOG=1", socket_path=missing) is False
        assert notify("WATCHDOG=1", socket_path=missing) is False
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert missing in warnings[0].getMessage()


async def test_watchdog_pings_only_while_healthy(systemd: tuple[str, socket.socket]) -> None:
    path, receiver = systemd
    answers = iter([True, True, True, False, False, False, False])
    calls = 0

    def is_healthy() -> bool:
        nonlocal calls
        calls += 1
        return next(answers, False)

    task = asyncio.create_task(watchdog_loop(is_healthy, 0.005, socket_path=path))
    for _ in range(400):
        if calls >= 8:
            break
        await asyncio.sleep(0.005)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert calls >= 8  # the loop kept checking after the bot turned unhealthy ...
    assert received(receiver) == [b"WATCHDOG=1"] * 3  # ... but pinged only while healthy


async def test_watchdog_resumes_and_survives_a_failing_check(
    systemd: tuple[str, socket.socket],
) -> None:
    path, receiver = systemd
    answers: list[bool | None] = [True, None, False, True]  # None: the check raises
    done = asyncio.Event()

    def is_healthy() -> bool:
        answer = answers.pop(0) if answers else False
        if not answers:
            done.set()
        if answer is None:
            raise RuntimeError("state unreadable")
        return answer

    task = asyncio.create_task(watchdog_loop(is_healthy, 0.005, socket_path=path))
    await asyncio.wait_for(done.wait(), timeout=5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert received(receiver) == [b"WATCHDOG=1", b"WATCHDOG=1"]


async def test_watchdog_rejects_a_non_positive_interval() -> None:
    with pytest.raises(ValueError, match="positive"):
        await watchdog_loop(lambda: True, 0)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"WATCHDOG_USEC": "2000000"}, 1.0),
        ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid())}, 15.0),
        ({"WATCHDOG_USEC": "2000000", "WATCHDOG_PID": str(os.getpid() + 1)}, None),
        ({"WATCHDOG_USEC": "2000000", "WATCHDOG_PID": "systemd"}, None),
        ({}, None),
        ({"WATCHDOG_PID": str(os.getpid())}, None),
        ({"WATCHDOG_USEC": "0"}, None),
        ({"WATCHDOG_USEC": "-5"}, None),
        ({"WATCHDOG_USEC": "2s"}, None),
    ],
)
def test_watchdog_interval(env: dict[str, str], expected: float | None) -> None:
    assert watchdog_interval(env) == expected
