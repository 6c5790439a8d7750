"""The `wijkbot` command through real subprocesses, as a newcomer or an operator runs it.

Both entry points are exercised (`python -m bot` and the installed console script), offline and
with a private data directory, so nothing here depends on the network or the user's home.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.content.model import Content

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).with_name("wijkbot")
ENTRY_POINTS = {
    "python -m bot": [sys.executable, "-m", "bot"],
    "wijkbot": [str(SCRIPT if SCRIPT.exists() else shutil.which("wijkbot") or "wijkbot")],
}
JSON_FIELDS = {"text", "intent", "confidence", "alarm", "lines", "wijk", "buurt", "buttons"}
EVAL_FIELDS = {
    "text",
    "expected_intent",
    "intent",
    "confidence",
    "decision",
    "alarm",
    "lines",
    "wijk",
    "buurt",
    "ms",
}


@pytest.fixture(params=list(ENTRY_POINTS), ids=list(ENTRY_POINTS))
def command(request: pytest.FixtureRequest) -> list[str]:
    return ENTRY_POINTS[request.param]


def run(
    command: list[str],
    *args: str,
    tmp_path: Path,
    stdin: str = "",
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("WIJKBOT_")}
    environment.update(WIJKBOT_OFFLINE="1", WIJKBOT_DATA_DIR=str(tmp_path / "data"))
    environment.pop("TELEGRAM_BOT_TOKEN", None)
    environment.update(env or {})
    return subprocess.run(
        [*command, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,  # not the checkout: the command must find its content on its own
        timeout=120,
    )


def ask(command: list[str], text: str, tmp_path: Path) -> dict:
    result = run(command, "ask", "--json", text, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# -- ask -------------------------------------------------------------------------------------


def test_ask_json_has_the_documented_fields(command: list[str], tmp_path: Path) -> None:
    answer = ask(command, "mijn fiets is gestolen", tmp_path)
    assert set(answer) >= JSON_FIELDS
    assert isinstance(answer["text"], str) and answer["text"]
    assert isinstance(answer["confidence"], float | int)
    assert isinstance(answer["alarm"], bool)
    assert answer["lines"][-2:] == ["112", "0900-8844"]
    assert all({"label", "payload"} <= set(b) for b in answer["buttons"])


def test_ask_postcode_finds_de_hoven(command: list[str], tmp_path: Path) -> None:
    answer = ask(command, "wie is de wijkagent in 7419", tmp_path)
    assert answer["wijk"] == "WK015002"
    assert answer["intent"] == "wijkagent_wie"
    assert answer["alarm"] is False


def test_ask_buurt_name_finds_tuindorp(command: list[str], tmp_path: Path) -> None:
    answer = ask(command, "wie is de wijkagent in Tuindorp", tmp_path)
    assert answer["wijk"] == "WK015006"
    assert answer["buurt"] is not None and answer["buurt"].startswith("BU015006")


def test_ask_burglary_now_raises_the_alarm(command: list[str], tmp_path: Path) -> None:
    answer = ask(command, "Er wordt nu ingebroken bij de buren!", tmp_path)
    assert answer["alarm"] is True
    assert answer["lines"][0] == "112"
    assert "112" in answer["text"].splitlines()[0]


def test_ask_anonymous_report_shows_bel_m(command: list[str], tmp_path: Path) -> None:
    answer = ask(command, "ik wil anoniem iets melden over drugshandel", tmp_path)
    assert "0800-7000" in answer["lines"]
    assert "0800-7000" in answer["text"]
    assert answer["alarm"] is False


def test_ask_without_json_prints_text(command: list[str], tmp_path: Path) -> None:
    result = run(command, "ask", "wanneer bel ik 112?", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "0900-8844" in result.stdout
    assert not result.stdout.lstrip().startswith("{")


# -- chat ------------------------------------------------------------------------------------


def test_piped_hallo_gets_a_reply(command: list[str], tmp_path: Path) -> None:
    result = run(command, "chat", tmp_path=tmp_path, stdin="hallo\n")
    assert result.returncode == 0, result.stderr
    assert "112" in result.stdout and "0900-8844" in result.stdout
    assert len(result.stdout.strip()) > 40


def test_piped_chat_picks_a_numbered_button_and_stops(
    command: list[str], tmp_path: Path, content: Content
) -> None:
    stdin = "hallo\n3\n/stop\nwie is mijn wijkagent\n"
    result = run(command, "chat", tmp_path=tmp_path, stdin=stdin)
    assert result.returncode == 0, result.stderr
    option = re.search(r"^  \[3\] (.+)$", result.stdout, re.M)  # the greeting's third button
    assert option, result.stdout
    chosen = next(e for e in content.faq if e.titel == option.group(1))
    after = result.stdout[option.end() :]
    assert chosen.antwoord.splitlines()[0] in after
    # /stop ends the conversation: the question after it is never answered.
    assert content.text("wijkagent_vraag_plaats") not in result.stdout


def test_chat_ends_at_end_of_input_without_a_trailing_newline(
    command: list[str], tmp_path: Path
) -> None:
    result = run(command, "chat", tmp_path=tmp_path, stdin="fiets gestolen")
    assert result.returncode == 0, result.stderr
    assert "0900-8844" in result.stdout


# -- check -----------------------------------------------------------------------------------


def test_check_passes_on_the_shipped_content(command: list[str], tmp_path: Path) -> None:
    result = run(command, "check", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "content OK" in result.stdout


def _with_duplicate_id(content_copy: Path) -> int:
    faq = content_copy / "faq.yaml"
    text = faq.read_text()
    assert text.count("  - id: inbraak\n") == 1
    faq.write_text(text.replace("  - id: inbraak\n", "  - id: fietsdiefstal\n"))
    lines = faq.read_text().splitlines()
    return [n for n, t in enumerate(lines, 1) if t == "  - id: fietsdiefstal"][1]


def test_check_fails_naming_file_and_line_with_content_option(
    command: list[str], tmp_path: Path, content_copy: Path
) -> None:
    line = _with_duplicate_id(content_copy)
    result = run(command, "--content", str(content_copy), "check", tmp_path=tmp_path)
    assert result.returncode != 0
    assert f"faq.yaml:{line}" in result.stderr
    assert "duplicate id 'fietsdiefstal'" in result.stderr


def test_content_option_also_works_after_the_sub_command(
    tmp_path: Path, content_copy: Path
) -> None:
    line = _with_duplicate_id(content_copy)
    result = run(
        ENTRY_POINTS["wijkbot"], "check", "--content", str(content_copy), tmp_path=tmp_path
    )
    assert result.returncode != 0
    assert f"faq.yaml:{line}" in result.stderr


def test_check_fails_naming_file_and_line_with_env_var(
    command: list[str], tmp_path: Path, content_copy: Path
) -> None:
    line = _with_duplicate_id(content_copy)
    env = {"WIJKBOT_CONTENT_DIR": str(content_copy)}
    result = run(command, "check", tmp_path=tmp_path, env=env)
    assert result.returncode != 0
    assert f"faq.yaml:{line}" in result.stderr


def test_ask_refuses_broken_content(command: list[str], tmp_path: Path, content_copy: Path) -> None:
    """Broken content must never reach a resident: every command stops on it."""
    _with_duplicate_id(content_copy)
    result = run(command, "--content", str(content_copy), "ask", "hallo", tmp_path=tmp_path)
    assert result.returncode != 0
    assert "faq.yaml:" in result.stderr


# -- eval ------------------------------------------------------------------------------------


def test_eval_json_reports_items_in_input_order(command: list[str], tmp_path: Path) -> None:
    items = [
        {"text": "mijn fiets is gestolen", "intent": "fietsdiefstal"},
        {"text": "Er wordt nu ingebroken bij de buren!", "lines": ["112"]},
        {"text": "wie is de wijkagent in 7419", "intent": "wijkagent_wie"},
        {"text": "wat wordt het weer morgen", "intent": "none"},
    ]
    file = tmp_path / "set.yaml"
    file.write_text(yaml.safe_dump(items, allow_unicode=True))
    result = run(command, "eval", str(file), "--json", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["summary"]["items"] == 4
    assert [i["text"] for i in report["items"]] == [i["text"] for i in items]
    for item in report["items"]:
        assert set(item) >= EVAL_FIELDS
        assert item["ms"] >= 0
    assert [i["expected_intent"] for i in report["items"]] == [
        "fietsdiefstal",
        None,
        "wijkagent_wie",
        "none",
    ]
    burglary = report["items"][1]
    assert burglary["alarm"] is True and burglary["lines"][0] == "112"
    assert report["items"][2]["wijk"] == "WK015002"
    assert report["summary"]["emergency_items"] == 1


def test_eval_on_the_dev_set_runs(tmp_path: Path) -> None:
    result = run(
        ENTRY_POINTS["wijkbot"], "eval", str(ROOT / "tests/data/dev_set.yaml"), tmp_path=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "top-1 intent accuracy" in result.stdout
