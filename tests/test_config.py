"""Settings: every variable checked in one place; a bad value is one clear line, never a default
that destroys data (WIJKBOT_RETENTION_DAYS=-5 once purged every row)."""

from __future__ import annotations

import pytest

from bot.cli import main
from bot.config import Settings

BAD = [
    ("WIJKBOT_RETENTION_DAYS", "-5"),
    ("WIJKBOT_RETENTION_DAYS", "90d"),
    ("WIJKBOT_RETENTION_DAYS", "0"),
    ("WIJKBOT_ADMIN_IDS", "123;456"),
    ("WIJKBOT_ADMIN_IDS", "123,abc"),
    ("WIJKBOT_LOG_FORMAT", "jsno"),
    ("WIJKBOT_OFFLINE", "misschien"),
    ("WIJKBOT_LEARN", "2"),
    ("WIJKBOT_PDOK_URL", "api.pdok.nl/search"),
    ("TELEGRAM_API_BASE_URL", "http//127.0.0.1:8081/bot"),
    ("WIJKBOT_EMBEDDING_CONTEXTS", "0"),
    ("WIJKBOT_EMBEDDING_CONTEXTS", "twee"),
    ("WIJKBOT_OPS_LISTEN", "127.0.0.1:99999"),
    ("WIJKBOT_HEALTH_MAX_UPDATE_AGE", "0"),
]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith(("WIJKBOT_", "TELEGRAM_")):
            monkeypatch.delenv(name)


@pytest.mark.parametrize(("name", "value"), BAD)
def test_a_bad_value_is_one_line_naming_the_variable_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    assert main(["check"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"wijkbot: {name}={value!r}: ")


def test_good_values_are_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIJKBOT_ADMIN_IDS", " 123, 456 ")
    monkeypatch.setenv("WIJKBOT_RETENTION_DAYS", "30")
    monkeypatch.setenv("WIJKBOT_LOG_FORMAT", "JSON")
    monkeypatch.setenv("WIJKBOT_OFFLINE", "ja")
    monkeypatch.setenv("WIJKBOT_LEARN", "0")
    settings = Settings.from_env()
    assert settings.admin_ids == frozenset({123, 456})
    assert settings.retention_days == 30
    assert settings.log_format == "json"
    assert settings.offline is True and settings.learn is False


def test_empty_values_mean_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WIJKBOT_RETENTION_DAYS", "WIJKBOT_ADMIN_IDS", "WIJKBOT_LOG_FORMAT"):
        monkeypatch.setenv(name, "")
    settings = Settings.from_env()
    assert (settings.retention_days, settings.admin_ids, settings.log_format) == (
        90,
        frozenset(),
        "text",
    )
