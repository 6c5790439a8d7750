"""`wijkbot`: chat, ask, check, eval and run, all on the same core.

Usage:
    wijkbot chat                      talk to the bot in the terminal (no token needed)
    wijkbot ask "wie is mijn wijkagent in 7419" [--json] [--location LAT,LON]
    wijkbot check                     validate content/ (exit 1 on any error)
    wijkbot eval tests/data/dev_set.yaml [--json]
    wijkbot run [--webhook URL]       run the Telegram bot (needs TELEGRAM_BOT_TOKEN)
    wijkbot report [--days N] [--html FILE]   unanswered questions and numbers, for operators
    wijkbot backup DIR                a consistent copy of the data directory (SQLite backup API)
    wijkbot --version                 package, content and model version
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from bot.assemble import build_assistant
from bot.config import Settings, SettingsError
from bot.content.load import load_content
from bot.content.model import Content, ContentErrors
from bot.core.assistant import Assistant
from bot.core.commands import action_for
from bot.core.messages import Query, Reply
from bot.logs import mask_secrets

LOCAL_USER = "terminal"


def reply_json(reply: Reply) -> dict[str, Any]:
    return {
        "text": reply.text,
        "intent": reply.intent,
        "confidence": round(reply.confidence, 4),
        "decision": reply.decision,
        "alarm": reply.alarm,
        "lines": list(reply.lines),
        "wijk": reply.wijk,
        "buurt": reply.buurt,
        "buttons": [{"label": b.label, "payload": b.payload} for b in reply.buttons],
        "awaiting": reply.awaiting,
        "language": reply.language,
        "danger": reply.danger,
        "crisis": reply.crisis_text is not None,
        "reasons": list(reply.reasons),
        "venue": None
        if reply.venue is None
        else {
            "title": reply.venue.title,
            "address": reply.venue.address,
            "lat": reply.venue.lat,
            "lon": reply.venue.lon,
        },
    }


def _parse_location(value: str) -> tuple[float, float]:
    try:
        lat, lon = (float(part) for part in value.split(","))
    except ValueError as exc:
        raise argparse.ArgumentTypeError("use LAT,LON, e.g. 52.2515,6.1937") from exc
    return lat, lon


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    assistant = build_assistant(settings, live_data=True, remember=True)
    query = Query(text=args.text, location=args.location, language=args.language)
    reply = asyncio.run(assistant.reply(query))
    if args.json:
        print(json.dumps(reply_json(reply), ensure_ascii=False))
    else:
        print(_plain(reply))
    return 0


def _plain(reply: Reply) -> str:
    options = [f"  [{i}] {b.label}" for i, b in enumerate(reply.buttons, start=1)]
    return "\n".join([reply.text, *options])


def cmd_chat(args: argparse.Namespace, settings: Settings, stdin: TextIO = sys.stdin) -> int:
    assistant = build_assistant(settings, live_data=True, remember=True)
    interactive = stdin.isatty()
    if interactive:
        print(assistant.content.text("chat_welkom") + "\n")
    asyncio.run(_chat_loop(assistant, stdin, interactive))
    return 0


async def _chat_loop(assistant: Assistant, stdin: TextIO, interactive: bool) -> None:
    reply: Reply | None = None
    while True:
        if interactive:
            print("> ", end="", flush=True)
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            return
        text = line.strip()
        if text in ("/stop", "/quit", "/exit"):
            return
        query = _chat_query(text, reply)
        reply = await assistant.reply(query)
        print(_plain(reply), end="\n\n", flush=True)


def _chat_query(text: str, previous: Reply | None) -> Query:
    """Turns a typed line into a query: a number picks a shown button, /commands are actions."""
    awaiting = previous.awaiting if previous else None
    if previous and text.isdigit() and 1 <= int(text) <= len(previous.buttons):
        return Query(action=previous.buttons[int(text) - 1].payload, user=LOCAL_USER)
    if text.startswith("/"):
        action = action_for(text)
        if action:
            return Query(action=action, user=LOCAL_USER)
    return Query(text=text, user=LOCAL_USER, awaiting=awaiting)


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    try:
        content = load_content(settings.content_dir)
    except ContentErrors as exc:
        for error in exc.errors:
            print(error, file=sys.stderr)
        print(f"{len(exc.errors)} error(s) in {settings.content_dir}", file=sys.stderr)
        return 1
    print(
        f"content OK: {len(content.faq)} entries, {len(content.lines)} lines, "
        f"{len(content.districts.wijken)} wijken, "
        f"{sum(len(w.buurten) for w in content.districts.wijken)} buurten "
        f"(version {content.version})"
    )
    from bot.core.embeddings import status

    print(status(settings.semantic))
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from bot.operators.evaluation import evaluate, format_summary, load_items

    assistant = build_assistant(settings, live_data=False, remember=False)
    result = asyncio.run(evaluate(assistant, load_items(Path(args.file))))
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(format_summary(result["summary"]))
    return 0


def cmd_prebuild(args: argparse.Namespace, settings: Settings) -> int:
    """For developers: ship the vectors and the safety model of content/ inside the package."""
    import shutil

    from bot.content.load import PARSED
    from bot.core.embeddings import load_embedder
    from bot.core.semantic import prebuild

    shutil.rmtree(PARSED, ignore_errors=True)  # only the parses of exactly this content ship
    content = load_content(settings.content_dir, cache=PARSED)
    print(f"wrote {prebuild_index(content)} (matcher)")
    for mode in ("auto", "char"):
        embedder = load_embedder(mode)
        for path in prebuild(content, embedder):
            print(f"wrote {path} ({embedder.name})")
    return 0


def prebuild_index(content: Content) -> Path:
    from bot.core.build_cache import PREBUILT, load, save
    from bot.core.matcher import INDEX_FILE, build_index, index_key
    from bot.core.text import Normaliser

    key = index_key(content)
    if load(INDEX_FILE, key) is not None:  # up to date: not rewritten (a pickle of sets
        return PREBUILT / INDEX_FILE  # differs byte for byte between runs)
    index = build_index(content, Normaliser.from_content(content.language))
    return save(index, INDEX_FILE, key, PREBUILT)


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    from bot.operators import report  # the operators' report needs more than chat, ask or run

    return report.cmd_report(args, settings)


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.telegram.app import run

    return run(settings, webhook_url=args.webhook, listen=args.listen, port=args.port)


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    """A consistent copy of the data directory while the bot may be running (SQLite's backup)."""
    from bot.ops.backup import backup

    try:
        copied = backup(settings.data_dir, Path(args.target))
    except (ValueError, OSError) as exc:
        print(f"wijkbot backup: {exc}", file=sys.stderr)
        return 1
    print(f"{len(copied)} file(s) copied from {settings.data_dir} to {args.target}")
    return 0


def version_line(settings: Settings | None = None) -> str:
    """Package, content and model version: what an eval number or a bug report belongs to."""
    from importlib.metadata import PackageNotFoundError, version

    from bot.core.embeddings import status

    try:
        package = version("wijkbot")
    except PackageNotFoundError:
        package = "unknown (not installed)"
    try:
        settings = settings or Settings.from_env()
        content = load_content(settings.content_dir).version
        model = status(settings.semantic).removeprefix("semantic layer: ")
    except (SettingsError, ContentErrors) as exc:
        content, model = f"not loaded ({type(exc).__name__})", "unknown"
    return f"wijkbot {package}\ncontent {content}\nmodel {model}"


class _Version(argparse.Action):
    def __call__(self, parser: argparse.ArgumentParser, *_: object, **__: object) -> None:
        print(version_line())
        parser.exit()


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="wijkbot", description="Telegram assistant for Deventer residents."
    )
    p.add_argument("--version", action=_Version, nargs=0, help="package, content and model version")
    p.add_argument(
        "--content", help="content directory (default: WIJKBOT_CONTENT_DIR or the shipped content)"
    )
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("chat", help="talk to the bot in the terminal")
    ask = sub.add_parser("ask", help="one answer")
    ask.add_argument("text", nargs="?", default="")
    ask.add_argument("--json", action="store_true")
    ask.add_argument("--location", type=_parse_location, metavar="LAT,LON")
    ask.add_argument("--language", choices=["nl", "en"], default=None)
    sub.add_parser("check", help="validate the content")
    sub.add_parser("prebuild", help="for developers: prebuild the semantic layer of content/")
    ev = sub.add_parser("eval", help="measure answer quality on a labelled file")
    ev.add_argument("file")
    ev.add_argument("--json", action="store_true")
    run = sub.add_parser("run", help="run the Telegram bot")
    run.add_argument("--webhook", metavar="URL", help="webhook mode with this public URL")
    run.add_argument("--listen", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8443)
    rep = sub.add_parser("report", help="what was asked, answered and not understood")
    rep.add_argument("--days", type=int, help="how many days back (default 30)")
    rep.add_argument("--html", metavar="FILE", help="also write a self-contained HTML page")
    bak = sub.add_parser("backup", help="a consistent copy of the data directory")
    bak.add_argument("target", help="an empty or new folder outside the data directory")
    # `--content DIR` works before and after the sub-command (`wijkbot check --content DIR`).
    for command in sub.choices.values():
        command.add_argument("--content", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return p


COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
    "chat": cmd_chat,
    "ask": cmd_ask,
    "check": cmd_check,
    "eval": cmd_eval,
    "run": cmd_run,
    "prebuild": cmd_prebuild,
    "report": cmd_report,
    "backup": cmd_backup,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = Settings.from_env(args.content)
    except SettingsError as exc:
        print(f"wijkbot: {mask_secrets(str(exc))}", file=sys.stderr)
        return 2
    try:
        return COMMANDS[args.command](args, settings)
    except ContentErrors as exc:
        print(f"content error:\n{exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `wijkbot chat | head`: the reader left, nothing to report
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
