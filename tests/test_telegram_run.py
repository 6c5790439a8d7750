"""`wijkbot run` as a process: token checks, long polling against a local Bot API, clean stop."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bot.config import default_content_dir
from standins.botapi import BotApiStandIn, text_update

TOKEN = "123456:TEST"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WIJKBOT_"))}
    env.update(WIJKBOT_DATA_DIR=str(tmp_path / "data"), WIJKBOT_OFFLINE="1", **extra)
    return env


@pytest.mark.parametrize("token", [None, "not-a-token", "123 456:abc"])
def test_missing_or_malformed_token_is_one_line_and_exit_2(tmp_path: Path, token) -> None:
    extra = {} if token is None else {"TELEGRAM_BOT_TOKEN": token}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        env=_env(tmp_path, **extra),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "TELEGRAM_BOT_TOKEN" in result.stderr


def test_run_polls_a_local_bot_api_answers_and_stops_cleanly(tmp_path: Path) -> None:
    standin = BotApiStandIn(token=TOKEN).start()
    env = _env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=standin.base_url)
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while standin.first_get_updates is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert standin.first_get_updates is not None, "never polled"
        startup = standin.first_get_updates - started
        standin.push(text_update(77, "/spoed"))
        while not standin.replies(77) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert "112" in standin.replies(77)[0].plain_text
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        _cleanup(process, standin)
    assert process.returncode == 0, err
    assert TOKEN not in out + err
    assert standin.invalid == []
    assert startup < 10  # generous; the benchmark measures it properly


FIETS = "mijn fiets is gestolen"


def _interrupt(process: subprocess.Popen) -> None:
    """Ctrl-C, as an operator stops the bot; it must shut down cleanly (exit 0)."""
    process.send_signal(signal.SIGINT)
    process.wait(timeout=30)


def _cleanup(process: subprocess.Popen, standin: BotApiStandIn) -> None:
    if process.poll() is None:
        process.kill()
    standin.stop()


def _wait(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def _ask(standin: BotApiStandIn, user: int, text: str) -> str:
    before = len(standin.replies(user))
    standin.push(text_update(user, text))
    _wait(lambda: len(standin.replies(user)) > before)
    return standin.replies(user)[before].plain_text


def test_sighup_reloads_content_and_never_kills_the_process(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(default_content_dir(), content)
    faq = content / "faq.yaml"
    original = faq.read_text(encoding="utf-8")
    broken_line = original.splitlines().index("  - id: fietsdiefstal") + 1
    standin = BotApiStandIn(token=TOKEN).start()
    env = _env(
        tmp_path,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=standin.base_url,
        WIJKBOT_CONTENT_DIR=str(content),
    )
    log_file = tmp_path / "bot.log"
    with log_file.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    logged = lambda: log_file.read_text(encoding="utf-8")  # noqa: E731
    try:
        _wait(lambda: standin.first_get_updates is not None)
        before = _ask(standin, 81, FIETS)

        faq.write_text(original.replace("  - id: fietsdiefstal", "  - id: Fiets Diefstal"))
        process.send_signal(signal.SIGHUP)
        _wait(lambda: "SIGHUP: content refused" in logged())
        assert f"faq.yaml:{broken_line}" in logged()
        assert process.poll() is None
        assert _ask(standin, 81, FIETS) == before

        assert "Kijk eerst of de gemeente" in original
        marker = "Kijk eerst (NIEUW) of de gemeente"
        faq.write_text(original.replace("Kijk eerst of de gemeente", marker))
        process.send_signal(signal.SIGHUP)
        _wait(lambda: "SIGHUP: content reloaded" in logged())
        assert marker in _ask(standin, 81, FIETS)

        _interrupt(process)
    finally:
        _cleanup(process, standin)
    assert process.returncode == 0, logged()
    assert TOKEN not in logged()
    assert standin.invalid == []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_webhook_mode_sets_a_secret_and_rejects_wrong_tokens(tmp_path: Path) -> None:
    standin = BotApiStandIn(token=TOKEN).start()
    port = _free_port()
    url = f"http://127.0.0.1:{port}/hook"
    env = _env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=standin.base_url)
    log_file = tmp_path / "bot.log"
    with log_file.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--webhook", url, "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait(lambda: "setWebhook" in standin.methods())
        [call] = [c for c in standin.calls if c.method == "setWebhook"]
        assert call.value("url") == url
        secret = call.params["secret_token"]
        assert re.fullmatch(r"[A-Za-z0-9_-]{32,256}", secret)

        def post(user: int, token: str | None) -> int:
            headers = {} if token is None else {"X-Telegram-Bot-Api-Secret-Token": token}
            update = {"update_id": user, **text_update(user, "/spoed")}
            for _ in range(100):  # the listener may still be starting
                try:
                    return httpx.post(url, json=update, headers=headers, timeout=5).status_code
                except httpx.TransportError:
                    time.sleep(0.05)
            raise AssertionError("webhook listener never answered")

        assert post(91, secret) == 200
        _wait(lambda: bool(standin.replies(91)))
        assert "112" in standin.replies(91)[0].plain_text
        assert post(92, "wrong-" + secret) == 403
        assert post(93, None) == 403
        time.sleep(0.3)
        assert standin.replies(92) == [] and standin.replies(93) == []
        assert "getUpdates" not in standin.methods()

        _interrupt(process)
    finally:
        _cleanup(process, standin)
    logged = log_file.read_text(encoding="utf-8")
    assert process.returncode == 0, logged
    assert TOKEN not in logged and secret not in logged
    assert standin.invalid == []


SECRET_TOKEN = "987654:SECRETabcdefghijklmnopqrstuvwx"


@pytest.mark.parametrize("where", ["rejected", "unreachable", "malformed"])
def test_start_up_failures_never_print_the_token(tmp_path: Path, where: str) -> None:
    """PTB's own message is "The token `…` was rejected": it must reach no output unmasked."""
    standin = BotApiStandIn(token=TOKEN).start()
    # "malformed": no /bot path, so PTB glues the token to the port: http://127.0.0.1:1987654:…
    bases = {"rejected": standin.base_url, "unreachable": "http://127.0.0.1:1/bot"}
    base = bases.get(where, "http://127.0.0.1:1")
    env = _env(tmp_path, TELEGRAM_BOT_TOKEN=SECRET_TOKEN, TELEGRAM_API_BASE_URL=base)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "bot", "run"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        standin.stop()
    output = result.stdout + result.stderr
    assert result.returncode == 1
    assert SECRET_TOKEN not in output and SECRET_TOKEN.split(":")[1] not in output
    expected = "rejected the bot token" if where == "rejected" else "TELEGRAM_API_BASE_URL"
    assert expected in result.stderr.strip().splitlines()[-1]
