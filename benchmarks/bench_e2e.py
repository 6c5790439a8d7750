"""End-to-end benchmark: the real bot process against the local Bot API stand-in.

Usage:
    python benchmarks/bench_e2e.py [--quick] [--json]

The bot runs as its own process (as in production), the stand-in and the load generator in this
one, so the bot's memory is measured alone and the stand-in's work does not share the bot's CPU.
Measured:
  - start-up: `wijkbot run` spawned -> first getUpdates
  - sustained replies per second, with the rate limiter (Telegram's 30/s) and without it
  - p50 / p99 update-to-reply latency at 30 messages a second (with the rate limiter)
  - RSS of the bot process after 10,000 messages
Latency is measured by the stand-in: from the moment an update is queued to the moment the
sendMessage for it arrives (each question below gets exactly one message).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.botapi_standin import BotApiStandIn, text_update  # noqa: E402

TOKEN = "123456:BENCH"
QUESTIONS = ("/spoed", "/privacy", "mijn fiets is gestolen", "wanneer bel ik 112")
CHILD = """
import logging, sys
from bot.cli import build_assistant
from bot.config import Settings
from bot.logs import setup_logging
from bot.telegram_app import ALLOWED_UPDATES, build_application
settings = Settings.from_env()
setup_logging(settings.token, level=logging.WARNING)
assistant = build_assistant(settings, live=True)
app = build_application(settings, assistant, rate_limited=sys.argv[1] == "1")
app.run_polling(allowed_updates=ALLOWED_UPDATES, poll_interval=0.0)
"""


class Bot:
    """A bot process polling a fresh stand-in."""

    def __init__(self, *, rate_limited: bool, command: list[str] | None = None) -> None:
        self.standin = BotApiStandIn(token=TOKEN).start()
        self.data = tempfile.TemporaryDirectory()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WIJKBOT_"))}
        env.update(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=self.standin.base_url,
            WIJKBOT_DATA_DIR=self.data.name,
            WIJKBOT_OFFLINE="1",
        )
        argv = command or [sys.executable, "-c", CHILD, "1" if rate_limited else "0"]
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )

    def wait_ready(self, timeout: float = 30) -> float:
        deadline = time.monotonic() + timeout
        while self.standin.first_get_updates is None:
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("bot did not start: " + self._stderr())
            time.sleep(0.002)
        return self.standin.first_get_updates - self.started

    def _stderr(self) -> str:
        if self.process.poll() is None:
            return ""
        return self.process.stderr.read().decode() if self.process.stderr else ""

    def rss_mb(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        line = next(x for x in status.splitlines() if x.startswith("VmRSS:"))
        return int(line.split()[1]) / 1024

    def wait_replies(self, count: int, timeout: float = 600) -> None:
        deadline = time.monotonic() + timeout
        while self.standin.delivered < count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {self.standin.delivered} of {count} replies")
            time.sleep(0.005)

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.standin.stop()
        self.data.cleanup()
        assert not self.standin.invalid, [c.errors for c in self.standin.invalid[:3]]


def push_burst(bot: Bot, messages: int, users: int, first_user: int = 1) -> list[tuple[int, float]]:
    pushed = []
    for i in range(messages):
        user = first_user + i % users
        bot.standin.push(text_update(user, QUESTIONS[i % len(QUESTIONS)]))
        pushed.append((user, time.perf_counter()))
    return pushed


def throughput(rate_limited: bool, messages: int, users: int) -> float:
    bot = Bot(rate_limited=rate_limited)
    try:
        bot.wait_ready()
        push_burst(bot, 50, 50, first_user=900_000)  # warm up
        bot.wait_replies(50)
        start = time.perf_counter()
        push_burst(bot, messages, users)
        bot.wait_replies(50 + messages)
        return messages / (time.perf_counter() - start)
    finally:
        bot.close()


def latency(rate: float, seconds: float, users: int) -> dict[str, float]:
    bot = Bot(rate_limited=True)
    try:
        bot.wait_ready()
        push_burst(bot, 20, 20, first_user=900_000)
        bot.wait_replies(20)
        time.sleep(1.2)  # let the limiter's bucket drain, as in steady traffic
        count = int(rate * seconds)
        pushed: list[tuple[int, float]] = []
        start = time.perf_counter()
        for i in range(count):
            target = start + i / rate
            while (now := time.perf_counter()) < target:
                time.sleep(min(0.001, target - now))
            user = 1 + i % users
            bot.standin.push(text_update(user, QUESTIONS[i % len(QUESTIONS)]))
            pushed.append((user, time.perf_counter()))
        bot.wait_replies(20 + count)
        replies: dict[int, list[float]] = {}
        for call in bot.standin.replies(method="sendMessage"):
            replies.setdefault(call.chat_id or 0, []).append(call.at)
        waits = []
        seen: dict[int, int] = {}
        for user, at in pushed:
            k = seen.get(user, 0)
            seen[user] = k + 1
            waits.append((replies[user][k] - at) * 1000)
        waits.sort()
        return {
            "messages": count,
            "p50_ms": statistics.median(waits),
            "p99_ms": waits[min(len(waits) - 1, round(0.99 * (len(waits) - 1)))],
            "max_ms": waits[-1],
        }
    finally:
        bot.close()


def memory(messages: int, users: int) -> dict[str, float]:
    bot = Bot(rate_limited=False)
    try:
        bot.wait_ready()
        bot.standin.record_calls = False
        before = bot.rss_mb()
        sent = 0
        while sent < messages:  # in waves, as traffic comes
            batch = min(1000, messages - sent)
            push_burst(bot, batch, min(users, batch), first_user=1 + sent % users)
            sent += batch
            bot.wait_replies(sent)
        time.sleep(0.5)
        return {"messages": messages, "rss_start_mb": before, "rss_after_mb": bot.rss_mb()}
    finally:
        bot.close()


def startup(runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        bot = Bot(rate_limited=True, command=[sys.executable, "-m", "bot", "run"])
        try:
            times.append(bot.wait_ready())
        finally:
            bot.close()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    scale = 0.2 if args.quick else 1.0
    results = {
        "startup_s": startup(),
        "replies_per_s_no_limiter": throughput(False, int(3000 * scale), 300),
        "replies_per_s_limiter": throughput(True, int(600 * scale), 200),
        "latency_at_30_per_s": latency(30, 20 * scale, 200),
        "memory": memory(int(10_000 * scale), 2000),
    }
    if args.json:
        print(json.dumps(results, indent=1))
        return
    print(table(results))


def table(results: dict) -> str:
    """The Markdown table for docs/benchmarks.md."""
    lat, mem = results["latency_at_30_per_s"], results["memory"]
    rows = [
        ("start-up to first getUpdates (`wijkbot run`)", f"{results['startup_s']:.2f} s", "<= 2 s"),
        ("replies/s without rate limiter", f"{results['replies_per_s_no_limiter']:.0f}", ">= 300"),
        ("replies/s with rate limiter", f"{results['replies_per_s_limiter']:.1f}", "30 (cap)"),
        (f"p50 update-to-reply, 30 msg/s ({lat['messages']} msgs)", f"{lat['p50_ms']:.1f} ms", ""),
        ("p99 update-to-reply at 30 msg/s", f"{lat['p99_ms']:.1f} ms", "<= 100 ms"),
        (
            f"RSS after {mem['messages']:,} messages",
            f"{mem['rss_after_mb']:.0f} MB (at start {mem['rss_start_mb']:.0f} MB)",
            "<= 150 MB",
        ),
    ]
    lines = ["| measure | result | target |", "|---|---|---|"]
    return "\n".join([*lines, *(f"| {a} | {b} | {c} |" for a, b, c in rows)])


if __name__ == "__main__":
    main()
