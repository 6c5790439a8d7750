"""Answer quality on the development set, measured with `wijkbot eval` (the CLI contract).

Thresholds from the issue: top-1 >= 0.95, out-of-scope rejection >= 0.90, emergency recall 1.0,
false alarms <= 0.03. tests/data/holdout_set.yaml is never tuned on; its numbers are reported in
docs/benchmarks.md, not asserted here (an untuned slice is a measurement, not a target).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.assistant import Assistant
from bot.evaluation import evaluate, load_items
from tests.conftest import ROOT

DEV = ROOT / "tests" / "data" / "dev_set.yaml"
DEV_URGENCY = [ROOT / "tests" / "data" / f for f in ("dev_urgency.yaml", "dev_urgency_2.yaml")]
DEV_2 = ROOT / "tests" / "data" / "dev_set_2.yaml"
DEV_ANONIEM = ROOT / "tests" / "data" / "dev_anoniem.yaml"


async def test_dev_set_meets_the_thresholds(assistant: Assistant) -> None:
    items = load_items(DEV)
    assert len(items) >= 400
    summary = (await evaluate(assistant, items))["summary"]
    assert summary["top1_accuracy"] >= 0.95, summary
    assert summary["out_of_scope_rejection"] >= 0.90, summary
    assert summary["emergency_recall"] == 1.0, summary
    assert summary["false_alarm_rate"] <= 0.03, summary
    assert summary["bel_m_recall"] >= 0.95, summary


@pytest.mark.parametrize("path", DEV_URGENCY, ids=lambda p: p.stem)
async def test_urgency_dev_sets_never_miss_danger(assistant: Assistant, path: Path) -> None:
    summary = (await evaluate(assistant, load_items(path)))["summary"]
    assert summary["emergency_items"] >= 200
    assert summary["emergency_recall"] == 1.0, summary
    assert summary["false_alarm_rate"] <= 0.03, summary


async def test_second_dev_set_keeps_its_gains(assistant: Assistant) -> None:
    # Written without seeing the content's phrasings; untuned it scored top-1 0.821 and
    # rejection 0.646 (see its header). These floors keep what tuning on it won.
    summary = (await evaluate(assistant, load_items(DEV_2)))["summary"]
    assert summary["top1_items"] >= 300
    assert summary["top1_accuracy"] >= 0.95, summary
    assert summary["out_of_scope_rejection"] >= 0.65, summary
    assert summary["false_alarm_rate"] <= 0.03, summary


async def test_anonymous_tips_get_bel_m_and_danger_still_gets_112(assistant: Assistant) -> None:
    summary = (await evaluate(assistant, load_items(DEV_ANONIEM)))["summary"]
    assert summary["emergency_items"] >= 40 and summary["bel_m_items"] >= 150
    assert summary["emergency_recall"] == 1.0, summary
    assert summary["bel_m_recall"] >= 0.95, summary
    assert summary["false_alarm_rate"] <= 0.03, summary


def test_dev_set_has_the_required_mix() -> None:
    items = load_items(DEV)
    per_intent: dict[str, int] = {}
    for item in items:
        if item.intent:
            per_intent[item.intent] = per_intent.get(item.intent, 0) + 1
    # vergeet_mij came after the set was written: a few erase requests were relabelled to it.
    faq_ids = [i for i in per_intent if i not in ("none", "vergeet_mij")]
    assert len(faq_ids) >= 33 and min(per_intent[i] for i in faq_ids) >= 6
    assert sum(i.is_emergency("112") for i in items) >= 60
    assert per_intent["none"] >= 50
    assert sum("0800-7000" in i.lines for i in items) >= 40
    past = [i for i in items if i.alarm is False and "0900-8844" in i.lines]
    assert len(past) >= 40
