"""`wijkbot run` as a process: token checks, long polling against a local Bot API, clean stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.botapi_standin import BotApiStandIn, text_update

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
        if process.poll() is None:
            process.kill()
        standin.stop()
    assert process.returncode == 0, err
    assert TOKEN not in out + err
    assert standin.invalid == []
    assert startup < 10  # generous; the benchmark measures it properly
