"""`wijkbot eval`: runs labelled messages through the core and reports answer quality.

File format (a contract, add fields, never rename): a YAML list of items
`{text, intent?, lines?, alarm?}`. `intent` is an FAQ id, or `none` for a message the bot should
not answer. `lines` are numbers that must be shown. An item is an emergency when `alarm: true`, or
when it has no `alarm` and no `intent` and its `lines` include "112"; `alarm: false` marks a
message that must not raise the alarm.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.core.assistant import Assistant
from bot.core.commands import action_for
from bot.core.messages import Query


@dataclass(frozen=True)
class Item:
    text: str
    intent: str | None = None
    lines: tuple[str, ...] = ()
    alarm: bool | None = None

    def is_emergency(self, emergency_number: str) -> bool:
        if self.alarm is not None:
            return self.alarm
        return self.intent is None and emergency_number in self.lines


def load_items(path: Path) -> list[Item]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of items")
    items = []
    for i, raw in enumerate(data):
        if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
            raise ValueError(f"{path}: item {i + 1} needs a text")
        intent = raw.get("intent")
        items.append(
            Item(
                text=raw["text"],
                intent=None if intent is None else str(intent),
                lines=tuple(str(n) for n in raw.get("lines") or ()),
                alarm=raw.get("alarm"),
            )
        )
    return items


CRISIS = "113"  # 113 Zelfmoordpreventie, a short number like 112


def _share(hits: list[bool]) -> float | None:
    return round(sum(hits) / len(hits), 4) if hits else None


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _query(text: str) -> Query:
    """As the doors send it: a known /command is its action (Telegram and the terminal chat
    never read "/help" as a cry for help)."""
    action = action_for(text) if text.startswith("/") else None
    return Query(action=action) if action else Query(text=text)


async def evaluate(assistant: Assistant, items: list[Item]) -> dict[str, Any]:
    results: list[dict[str, Any]] = []
    for item in items:
        start = time.perf_counter()
        reply = await assistant.reply(_query(item.text))
        ms = (time.perf_counter() - start) * 1000
        results.append(
            {
                "text": item.text,
                "expected_intent": item.intent,
                "intent": reply.intent,
                "confidence": reply.confidence,
                "decision": reply.decision,
                "alarm": reply.alarm,
                "lines": list(reply.lines),
                "wijk": reply.wijk,
                "buurt": reply.buurt,
                "language": reply.language,
                "danger": reply.danger,
                "reasons": list(reply.reasons),
                "ms": round(ms, 3),
            }
        )
    lines = assistant.content.lines
    summary = summarise(items, results, lines["spoed"].nummer, lines["bel_m"].nummer)
    return {"summary": summary, "items": results}


def summarise(
    items: list[Item], results: list[dict[str, Any]], emergency: str, bel_m: str
) -> dict[str, Any]:
    """The numbers come from the line registry, so the metrics follow content/lijnen.yaml."""
    pairs = list(zip(items, results, strict=True))
    in_scope = [r["intent"] == i.intent for i, r in pairs if i.intent not in (None, "none")]
    sure_right = [
        r["intent"] == i.intent and r["decision"] == "sure"
        for i, r in pairs
        if i.intent not in (None, "none")
    ]
    out_scope = [r["decision"] == "not_understood" for i, r in pairs if i.intent == "none"]
    emergencies = [
        r["alarm"] and r["lines"][:1] == [emergency] for i, r in pairs if i.is_emergency(emergency)
    ]
    calm = [r["alarm"] for i, r in pairs if not i.is_emergency(emergency)]
    tips = [bel_m in r["lines"] for i, r in pairs if bel_m in i.lines]
    crisis = [CRISIS in r["lines"] for i, r in pairs if CRISIS in i.lines]
    lines_ok = [all(n in r["lines"] for n in i.lines) for i, r in pairs if i.lines]
    ms = [r["ms"] for r in results]
    return {
        "items": len(items),
        "top1_accuracy": _share(in_scope),
        "top1_items": len(in_scope),
        "sure_and_right": _share(sure_right),
        "out_of_scope_rejection": _share(out_scope),
        "out_of_scope_items": len(out_scope),
        "emergency_recall": _share(emergencies),
        "emergency_items": len(emergencies),
        "false_alarm_rate": _share(calm),
        "non_emergency_items": len(calm),
        "bel_m_recall": _share(tips),
        "bel_m_items": len(tips),
        "crisis_113_recall": _share(crisis),
        "crisis_items": len(crisis),
        "lines_shown": _share(lines_ok),
        "latency_ms_p50": round(statistics.median(ms), 3) if ms else 0.0,
        "latency_ms_p99": round(_percentile(ms, 0.99), 3),
    }


def format_summary(summary: dict[str, Any]) -> str:
    def pct(key: str) -> str:
        value = summary[key]
        return "n/a" if value is None else f"{value * 100:.1f}%"

    return "\n".join(
        [
            f"items: {summary['items']}",
            f"top-1 intent accuracy:   {pct('top1_accuracy')} of {summary['top1_items']}",
            f"sure and right:          {pct('sure_and_right')}",
            f"out-of-scope rejection:  {pct('out_of_scope_rejection')} of "
            f"{summary['out_of_scope_items']}",
            f"emergency recall:        {pct('emergency_recall')} of {summary['emergency_items']}",
            f"false-alarm rate:        {pct('false_alarm_rate')} of "
            f"{summary['non_emergency_items']}",
            f"Bel M recall:            {pct('bel_m_recall')} of {summary['bel_m_items']}",
            f"113 shown (crisis):      {pct('crisis_113_recall')} of {summary['crisis_items']}",
            f"required lines shown:    {pct('lines_shown')}",
            f"latency p50/p99:         {summary['latency_ms_p50']:.2f} / "
            f"{summary['latency_ms_p99']:.2f} ms",
        ]
    )
