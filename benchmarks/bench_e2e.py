"""End-to-end benchmark: the real bot process against the local Bot API stand-in.

Usage:
    python benchmarks/bench_e2e.py [--quick] [--json] [--only NAME[,NAME...]]

The bot runs as its own process (`wijkbot run`, as in production, at Telegram's real rates and
retry waits), the stand-in and the load generator in this one, so the bot's memory is measured
alone and the stand-in's work does not share the bot's CPU. Scenarios:
  startup   `wijkbot run` spawned -> first getUpdates: lexical only, with the semantic layer, after
            a content edit (first start builds, second start loads), next to a bare
            python-telegram-bot echo bot
  throughput  sustained replies per second, with Telegram's pacing and without it
  latency   p50 / p99 update-to-reply at 30 messages a second (Telegram's cap) and the send rate
            meanwhile; the alarms' p99 when 1 in 20 is an emergency; p99 at 29 a second
  memory    RSS after 10,000 varied messages (each with a typo and a made-up word), lexical and
            with the semantic layer
  burst     50 chats x 4 messages right after three 502s on getUpdates: every reply, the most
            sends in any one second (overall and per chat), total time against 200/30 s
  alarms    1,000 messages at once, 50 emergencies among them: how long the alarms took
  faults    an emergency and a question during 500 x12, 502 x12, reset x12, 429 x6, a 10 s stall
  kill      400 queued (60 emergencies), SIGKILL a second in, restart: answered, lost, twice
Latency is measured by the stand-in, from the moment an update is queued to the moment the
sendMessage for it arrives (each message below gets exactly one message).
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from standins.botapi import BotApiStandIn, text_update  # noqa: E402

TOKEN = "123456:BENCH"
RUN = [sys.executable, "-m", "bot", "run"]
QUESTIONS = ("/spoed", "/privacy", "mijn fiets is gestolen", "wanneer bel ik 112")
TEXTS = (
    "mijn fiets is gestolen bij het station",
    "hoe doe ik aangifte van een inbraak",
    "wie is de wijkagent in de binnenstad",
    "er hangen elke avond jongeren rond bij de speeltuin",
    "waar kan ik een gevonden portemonnee inleveren",
    "kan ik anoniem iets melden over drugshandel",
    "wat is het telefoonnummer van de politie zonder spoed",
    "mijn buren maken steeds lawaai tot laat in de nacht",
)
EMERGENCY = "HELP er wordt nu ingebroken bij de buren!"
QUESTION = "hoe doe ik aangifte van fietsdiefstal"
CHILD = """
import logging, sys
from bot.assemble import build_assistant
from bot.config import Settings
from bot.logs import setup_logging
from bot.telegram.app import ALLOWED_UPDATES, build_application
settings = Settings.from_env()
setup_logging(settings.token, level=logging.WARNING)
assistant = build_assistant(settings, live_data=True, remember=True)
app = build_application(settings, assistant, rate_limited=sys.argv[1] == "1")
app.run_polling(allowed_updates=ALLOWED_UPDATES, poll_interval=0.0)
"""
ECHO = """
from telegram.ext import ApplicationBuilder, MessageHandler, filters
import os
async def echo(update, context):
    await update.message.reply_text(update.message.text)
app = (ApplicationBuilder().token(os.environ["TELEGRAM_BOT_TOKEN"])
       .base_url(os.environ["TELEGRAM_API_BASE_URL"]).build())
app.add_handler(MessageHandler(filters.TEXT, echo))
app.run_polling()
"""


class Bot:
    """A bot process polling a fresh stand-in (or the one given, after a restart)."""

    def __init__(
        self,
        *,
        command: list[str] | None = None,
        env: dict[str, str] | None = None,
        data_dir: Path | None = None,
        standin: BotApiStandIn | None = None,
    ) -> None:
        self.own_standin = standin is None
        self.standin = standin or BotApiStandIn(token=TOKEN).start()
        self._tmp = None if data_dir else tempfile.TemporaryDirectory()
        data = str(data_dir) if data_dir else self._tmp.name  # type: ignore[union-attr]
        base = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WIJKBOT_"))}
        base.update(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=self.standin.base_url,
            WIJKBOT_DATA_DIR=data,
            WIJKBOT_OFFLINE="1",
            **(env or {}),
        )
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            command or RUN, env=base, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )

    def wait_ready(self, timeout: float = 60) -> float:
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

    def stop(self, sig: int = signal.SIGTERM) -> None:
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stderr:
            self.process.stderr.close()

    def close(self) -> None:
        if self.process.poll() is None:
            self.stop()
        if self.own_standin:
            self.standin.stop()
        if self._tmp is not None:
            self._tmp.cleanup()
        assert not self.standin.invalid, [c.errors for c in self.standin.invalid[:3]]


def varied(i: int) -> str:
    """A resident's question with a typo and a word nobody used before (new cache entries)."""
    rng = random.Random(i)
    words = TEXTS[i % len(TEXTS)].split()
    k = rng.randrange(len(words))
    w = words[k]
    if len(w) > 3:
        j = rng.randrange(1, len(w) - 1)
        words[k] = w[:j] + rng.choice("aeioulnrst") + w[j + 1 :]
    made_up = "".join(rng.choice("bdfgklmnprstvz") + rng.choice("aeiou") for _ in range(4))
    words.insert(rng.randrange(len(words) + 1), made_up)
    return " ".join(words)


def push_burst(
    bot: Bot,
    messages: int,
    users: int,
    first_user: int = 1,
    text: Callable[[int], str] | None = None,
) -> list[tuple[int, float]]:
    pushed = []
    for i in range(messages):
        user = first_user + i % users
        body = text(i) if text else QUESTIONS[i % len(QUESTIONS)]
        bot.standin.push(text_update(user, body))
        pushed.append((user, time.perf_counter()))
    return pushed


def most_in_a_second(times: list[float]) -> int:
    """The most events in any half-open one-second window."""
    times = sorted(times)
    return max((bisect.bisect_left(times, t + 1.0) - i for i, t in enumerate(times)), default=0)


# -- scenarios ----------------------------------------------------------------------------------


def startup(runs: int) -> dict[str, float]:
    def median_start(command: list[str] | None = None, **env: str) -> float:
        times = []
        for _ in range(runs):
            bot = Bot(command=command, env=env)
            try:
                times.append(bot.wait_ready())
            finally:
                bot.close()
        return statistics.median(times)

    result = {
        "echo_bot_s": median_start([sys.executable, "-c", ECHO]),
        "lexical_s": median_start(WIJKBOT_SEMANTIC="off"),
        "semantic_s": median_start(WIJKBOT_SEMANTIC="auto"),
    }
    result.update(after_an_edit())
    return result


def after_an_edit() -> dict[str, float]:
    """A FAQ phrasing added: the first start builds what changed, the second loads it."""
    with tempfile.TemporaryDirectory() as tmp:
        content = Path(tmp) / "content"
        shutil.copytree(ROOT / "content", content)
        faq = content / "faq.yaml"
        text = faq.read_text(encoding="utf-8")
        marker = "    vragen:\n"  # the first entry's phrasings
        at = text.index(marker) + len(marker)
        added = "      - wie is de wijkagent van de benchmark\n"
        faq.write_text(text[:at] + added + text[at:], encoding="utf-8")
        data = Path(tmp) / "data"
        times = []
        for _ in range(2):
            bot = Bot(env={"WIJKBOT_CONTENT_DIR": str(content)}, data_dir=data)
            try:
                times.append(bot.wait_ready(timeout=300))
            finally:
                bot.close()
    return {"edited_first_start_s": times[0], "edited_second_start_s": times[1]}


def throughput(rate_limited: bool, messages: int, users: int) -> float:
    bot = Bot(command=[sys.executable, "-c", CHILD, "1" if rate_limited else "0"])
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


def latency(rate: float, seconds: float, users: int, emergency_every: int = 0) -> dict[str, float]:
    """Update-to-reply at a steady rate; with `emergency_every`, every so many messages is an
    emergency from a chat of its own, and the alarms' p99 is reported apart."""
    bot = Bot()
    try:
        bot.wait_ready()
        push_burst(bot, 20, 20, first_user=900_000)
        bot.wait_replies(20)
        time.sleep(1.2)  # let the pacer's buckets fill, as in steady traffic
        count = int(rate * seconds)
        pushed: list[tuple[int, float]] = []
        urgent: dict[int, float] = {}
        start = time.perf_counter()
        for i in range(count):
            target = start + i / rate
            while (now := time.perf_counter()) < target:
                time.sleep(min(0.001, target - now))
            if emergency_every and i % emergency_every == emergency_every - 1:
                bot.standin.push(text_update(800_000 + i, EMERGENCY))
                urgent[800_000 + i] = time.perf_counter()
                continue
            user = 1 + i % users
            bot.standin.push(text_update(user, QUESTIONS[i % len(QUESTIONS)]))
            pushed.append((user, time.perf_counter()))
        bot.wait_replies(20 + count)
        waits = sorted(_waits(bot, pushed))
        result = {
            "messages": count,
            "p50_ms": statistics.median(waits),
            "p99_ms": _p99(waits),
            "max_ms": waits[-1],
            "sent_per_s": _send_rate(bot, start),
        }
        if urgent:
            first = _first_reply_at(bot)
            alarm_waits = sorted((first[c] - at) * 1000 for c, at in urgent.items())
            result["alarm_p99_ms"] = _p99(alarm_waits)
        return result
    finally:
        bot.close()


def _first_reply_at(bot: Bot) -> dict[int | None, float]:
    """When each chat's first message arrived: an alarm is the first thing a chat gets."""
    return {c.chat_id: c.at for c in reversed(bot.standin.replies(method="sendMessage"))}


def _p99(values: list[float]) -> float:
    return values[min(len(values) - 1, round(0.99 * (len(values) - 1)))]


def _send_rate(bot: Bot, start: float) -> float:
    """Replies per second while a queue waited (from the first second on): the pacer's capacity
    when the input is at or above it."""
    times = sorted(c.at for c in bot.standin.replies(method="sendMessage") if c.at >= start + 1)
    return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0


def _waits(bot: Bot, pushed: list[tuple[int, float]]) -> list[float]:
    replies: dict[int, list[float]] = {}
    for call in bot.standin.replies(method="sendMessage"):
        replies.setdefault(call.chat_id or 0, []).append(call.at)
    seen: dict[int, int] = {}
    waits = []
    for user, at in pushed:
        k = seen.get(user, 0)
        seen[user] = k + 1
        waits.append((replies[user][k] - at) * 1000)
    return waits


def memory(messages: int, users: int, semantic: str) -> dict[str, float]:
    bot = Bot(command=[sys.executable, "-c", CHILD, "0"], env={"WIJKBOT_SEMANTIC": semantic})
    try:
        bot.wait_ready()
        bot.standin.record_calls = False
        before = bot.rss_mb()
        sent = 0
        while sent < messages:  # in waves, as traffic comes
            batch = min(500, messages - sent)
            texts = [varied(sent + i) for i in range(batch)]
            push_burst(bot, batch, min(users, batch), 1 + sent % users, texts.__getitem__)
            sent += batch
            bot.wait_replies(sent)
        time.sleep(0.5)
        return {"messages": messages, "rss_start_mb": before, "rss_after_mb": bot.rss_mb()}
    finally:
        bot.close()


def burst() -> dict[str, float]:
    bot = Bot()
    try:
        bot.wait_ready()
        bot.standin.push(text_update(999_999, "hallo"))
        bot.wait_replies(1)
        bot.standin.fail("getUpdates", 502, times=3)
        bot.standin.push(text_update(999_998, "hallo"))  # ends the long poll; the next three fail
        while not any(c.method == "getUpdates" and c.status == 502 for c in bot.standin.calls):
            time.sleep(0.001)
        start = time.perf_counter()
        chats = list(range(1, 51))
        for _ in range(4):
            for chat in chats:
                bot.standin.push(text_update(chat, QUESTIONS[chat % len(QUESTIONS)]))
        bot.wait_replies(2 + 200, timeout=120)
        sends = bot.standin.replies(method="sendMessage")
        per_chat = {c: [s.at for s in sends if s.chat_id == c] for c in chats}
        last = max(t for ts in per_chat.values() for t in ts)
        return {
            "replies": sum(len(v) for v in per_chat.values()),
            "most_sends_in_a_second": most_in_a_second([s.at for s in sends]),
            "most_per_chat_in_a_second": max(most_in_a_second(v) for v in per_chat.values()),
            "total_s": last - start,
            "ideal_s": 200 / 30,
            "too_many_requests": sum(c.status == 429 for c in bot.standin.calls),
        }
    finally:
        bot.close()


def alarms(messages: int = 1000, every: int = 20) -> dict[str, float]:
    bot = Bot()
    try:
        bot.wait_ready()
        pushed = {}
        for n in range(messages):
            chat = 10_000 + n
            urgent = n % every == every - 1
            bot.standin.push(text_update(chat, EMERGENCY if urgent else QUESTION))
            if urgent:
                pushed[chat] = time.perf_counter()
        bot.wait_replies(messages, timeout=300)
        first = _first_reply_at(bot)
        waits = sorted(first[c] - at for c, at in pushed.items())
        all_done = max(first.values()) - min(pushed.values())
        return {
            "messages": messages,
            "emergencies": len(pushed),
            "alarm_p50_s": statistics.median(waits),
            "alarm_max_s": waits[-1],
            "all_answered_s": all_done,
        }
    finally:
        bot.close()


FAULTS = {
    "500 x12": {"status": 500, "times": 12},
    "502 x12": {"status": 502, "times": 12},
    "reset x12": {"status": "reset", "times": 12},
    "429 x6 (retry_after 1)": {"status": 429, "times": 6, "retry_after": 1},
    "10 s stall": {"status": "stall", "times": 1, "seconds": 10.0},
}


def faults() -> dict[str, dict[str, float]]:
    results = {}
    for name, fault in FAULTS.items():
        bot = Bot()
        try:
            bot.wait_ready()
            bot.standin.fail("sendMessage", **fault)
            start = time.perf_counter()
            bot.standin.push(text_update(101, EMERGENCY))
            bot.standin.push(text_update(202, QUESTION))
            deadline = time.monotonic() + 300
            while not (bot.standin.replies(101, "sendMessage") and _settled(bot, 202, name)):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name}: no answer")
                time.sleep(0.01)
            time.sleep(11 if "stall" in name else 1)
            alarm = bot.standin.replies(101, "sendMessage")
            results[name] = {
                "alarm_after_s": alarm[0].at - start,
                "alarm_delivered": len(alarm),
                "question_delivered": len(bot.standin.replies(202, "sendMessage")),
            }
        finally:
            bot.close()
    return results


def _settled(bot: Bot, chat: int, name: str) -> bool:
    return bool(bot.standin.replies(chat, "sendMessage")) or "stall" in name


def kill(queued: int = 400) -> dict[str, float]:
    standin = BotApiStandIn(token=TOKEN).start()
    chats = list(range(50_000, 50_000 + queued))
    for n, chat in enumerate(chats):
        standin.push(text_update(chat, EMERGENCY if n % 20 < 3 else QUESTION))
    with tempfile.TemporaryDirectory() as tmp:
        first = Bot(standin=standin, data_dir=Path(tmp))
        while not standin.replies():
            time.sleep(0.01)
        time.sleep(1.0)
        first.stop(signal.SIGKILL)
        answered_before = len({c.chat_id for c in standin.replies()})
        restarted = time.perf_counter()
        second = Bot(standin=standin, data_dir=Path(tmp))
        while not all(standin.replies(chat, "sendMessage") for chat in chats):
            time.sleep(0.05)
        done = time.perf_counter() - restarted
        time.sleep(1.0)
        second.close()
    standin.stop()
    counts = [len(standin.replies(chat, "sendMessage")) for chat in chats]
    return {
        "queued": queued,
        "answered_before_kill": answered_before,
        "lost": sum(n == 0 for n in counts),
        "answered_twice": sum(n > 1 for n in counts),
        "rest_answered_after_restart_s": done,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--only", help="comma-separated scenarios (default: all)")
    args = parser.parse_args()
    scale = 0.2 if args.quick else 1.0
    scenarios: dict[str, Callable[[], Any]] = {
        "startup": lambda: startup(runs=3 if args.quick else 5),
        "throughput": lambda: {
            "no_pacing": throughput(False, int(3000 * scale), 300),
            "paced": throughput(True, int(600 * scale), 200),
        },
        "latency": lambda: {
            **latency(30, 20 * scale, 200),
            "with_alarms": latency(30, 20 * scale, 200, emergency_every=20),
            "below_cap": latency(29, 20 * scale, 200),
        },
        "memory": lambda: {
            "lexical": memory(int(10_000 * scale), 2000, "off"),
            "semantic": memory(int(10_000 * scale), 2000, "auto"),
        },
        "burst": burst,
        "alarms": alarms,
        "faults": faults,
        "kill": kill,
    }
    chosen = args.only.split(",") if args.only else list(scenarios)
    results = {name: scenarios[name]() for name in chosen}
    print(json.dumps(results, indent=1) if args.json else table(results))


def table(results: dict[str, Any]) -> str:
    """The Markdown tables for docs/benchmarks.md."""
    rows: list[tuple[str, str, str]] = []
    if s := results.get("startup"):
        rows += [
            ("start-up, bare python-telegram-bot echo bot", f"{s['echo_bot_s']:.2f} s", ""),
            ("start-up, lexical (`WIJKBOT_SEMANTIC=off`)", f"{s['lexical_s']:.2f} s", "<= 1.3 s"),
            ("start-up, with the semantic layer", f"{s['semantic_s']:.2f} s", "<= 1.6 s"),
            ("start-up after a FAQ edit: first start", f"{s['edited_first_start_s']:.2f} s", ""),
            ("start-up after a FAQ edit: second start", f"{s['edited_second_start_s']:.2f} s", ""),
        ]
    if t := results.get("throughput"):
        rows += [
            ("replies/s without pacing", f"{t['no_pacing']:.0f}", ""),
            ("replies/s with Telegram's pacing", f"{t['paced']:.1f}", "30 (cap)"),
        ]
    if lat := results.get("latency"):
        rows += [
            (f"p50 update-to-reply at 30 msg/s ({lat['messages']})", f"{lat['p50_ms']:.1f} ms", ""),
            ("p99 update-to-reply at 30 msg/s", f"{lat['p99_ms']:.1f} ms", "<= 100 ms"),
            ("replies/s sent meanwhile (the pacer's capacity)", f"{lat['sent_per_s']:.2f}", "30"),
        ]
        if mixed := lat.get("with_alarms"):
            rows += [
                (
                    "p99 of alarms at 30 msg/s (1 in 20 an emergency)",
                    f"{mixed['alarm_p99_ms']:.1f} ms",
                    "",
                ),
                ("p99 of the other replies meanwhile", f"{mixed['p99_ms']:.1f} ms", ""),
            ]
        if below := lat.get("below_cap"):
            rows.append(("p99 update-to-reply at 29 msg/s", f"{below['p99_ms']:.1f} ms", ""))
    for layer, target in (("lexical", "<= 150 MB"), ("semantic", "<= 250 MB")):
        if m := results.get("memory", {}).get(layer):
            rows.append(
                (
                    f"RSS after {m['messages']:,} varied messages, {layer}",
                    f"{m['rss_after_mb']:.0f} MB (at start {m['rss_start_mb']:.0f} MB)",
                    target,
                )
            )
    if b := results.get("burst"):
        rows += [
            ("burst 50 chats x 4 after three 502s: replies", f"{b['replies']}", "200"),
            ("... most sends in any second", f"{b['most_sends_in_a_second']}", "<= 30"),
            ("... most sends to one chat in a second", f"{b['most_per_chat_in_a_second']}", "<= 3"),
            ("... total time", f"{b['total_s']:.2f} s", f"<= {1.15 * b['ideal_s']:.2f} s"),
            ("... 429s", f"{b['too_many_requests']}", "0"),
        ]
    if a := results.get("alarms"):
        rows += [
            (
                f"{a['messages']} at once, {a['emergencies']} alarms: p50",
                f"{a['alarm_p50_s']:.2f} s",
                "",
            ),
            ("... slowest alarm", f"{a['alarm_max_s']:.2f} s", "<= 3 s"),
            ("... all answered", f"{a['all_answered_s']:.1f} s", ""),
        ]
    for name, f in results.get("faults", {}).items():
        rows.append(
            (
                f"fault {name}: alarm after / alarms / question replies",
                f"{f['alarm_after_s']:.1f} s / {f['alarm_delivered']} / {f['question_delivered']}",
                "alarm delivered; question once",
            )
        )
    if k := results.get("kill"):
        rows.append(
            (
                f"SIGKILL with {k['queued']} queued ({k['answered_before_kill']} answered before)",
                f"lost {k['lost']}, twice {k['answered_twice']}, rest in "
                f"{k['rest_answered_after_restart_s']:.1f} s",
                "lost 0, twice <= 1",
            )
        )
    lines = ["| measure | result | target |", "|---|---|---|"]
    return "\n".join([*lines, *(f"| {a} | {b} | {c} |" for a, b, c in rows)])


if __name__ == "__main__":
    main()
