"""Settings from environment variables, parsed and validated in one place.

The names are a contract (README, deploy docs, CI): add new ones, never rename. A bad value stops
the program with one line naming the variable (`SettingsError`), never a traceback and never a
silent default: `WIJKBOT_RETENTION_DAYS=-5` once purged every row, `WIJKBOT_ADMIN_IDS="1;2"`
silently gave no admins.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlparse

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ENV_CONTENT_DIR = "WIJKBOT_CONTENT_DIR"
ENV_DATA_DIR = "WIJKBOT_DATA_DIR"
ENV_OFFLINE = "WIJKBOT_OFFLINE"
ENV_PDOK_URL = "WIJKBOT_PDOK_URL"
ENV_POLITIE_URL = "WIJKBOT_POLITIE_API_URL"
ENV_TOKEN = "TELEGRAM_BOT_TOKEN"
ENV_API_BASE = "TELEGRAM_API_BASE_URL"
ENV_ADMINS = "WIJKBOT_ADMIN_IDS"
ENV_RETENTION = "WIJKBOT_RETENTION_DAYS"
ENV_LEARN = "WIJKBOT_LEARN"
ENV_LOG_FORMAT = "WIJKBOT_LOG_FORMAT"
ENV_SEMANTIC = "WIJKBOT_SEMANTIC"
ENV_SEND_RATE = "WIJKBOT_SEND_RATE"  # messages per second overall (Telegram: about 30)
ENV_CHAT_RATE = "WIJKBOT_CHAT_RATE"  # messages per second per private chat (about 1)
ENV_CHAT_BURST = "WIJKBOT_CHAT_BURST"  # messages a private chat may get at once
ENV_GROUP_RATE = "WIJKBOT_GROUP_RATE"  # messages per minute per group (Telegram: 20)
ENV_EMBEDDING_CONTEXTS = "WIJKBOT_EMBEDDING_CONTEXTS"  # model contexts: messages embedded at once
ENV_OPS_LISTEN = "WIJKBOT_OPS_LISTEN"  # host:port of /healthz and /metrics (off when unset)
ENV_HEALTH_UPDATES = "WIJKBOT_HEALTH_MAX_UPDATE_AGE"  # s since the last good getUpdates/update
ENV_HEALTH_SENDS = "WIJKBOT_HEALTH_MAX_SEND_AGE"  # s a send may keep failing before unhealthy

DEFAULT_PDOK_URL = "https://api.pdok.nl/bzk/locatieserver/search/v3_1"
DEFAULT_POLITIE_URL = "https://api.politie.nl/v4"
LOG_FORMATS = ("text", "json")
SEMANTIC_MODES = ("auto", "char", "off")  # the model if it loads / n-grams only / rules only
MAX_RETENTION_DAYS = 3650
_TRUE = ("1", "true", "yes", "ja", "on")
_FALSE = ("0", "false", "no", "nee", "off")


@dataclass(frozen=True)
class Rates:
    """Telegram's send limits (WIJKBOT_SEND_RATE, …), settings so tests can run them faster."""

    overall: float = 30.0  # sends per second, evenly spaced
    private: float = 1.0  # sends per second per private chat …
    private_burst: int = 3  # … with this many at once (a two-message reply is not held back)
    group: float = 20 / 60  # sends per second per group …
    group_burst: int = 3


class SettingsError(ValueError):
    """A setting that cannot be used; str() is one line for the operator."""


def default_content_dir() -> Path:
    """A checkout's content/ when running from one, else the copy shipped inside the wheel."""
    package = Path(__file__).resolve().parent
    checkout = package.parent / "content"
    return checkout if checkout.is_dir() else package / "_content"


def content_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    if explicit:
        return Path(explicit)
    env = os.environ.get(ENV_CONTENT_DIR)
    return Path(env) if env else default_content_dir()


def _advice(exc: OSError) -> str:
    if exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        return "the disk is full; free some space or choose another folder"
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return "it is read-only for this user; make it writable or choose another folder"
    return f"{exc.strerror or type(exc).__name__}; choose another folder"


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "wijkbot"


def _blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


class _Environment(BaseSettings):
    """The environment, every variable parsed and checked; Settings is what the code uses."""

    model_config = SettingsConfigDict(case_sensitive=True, extra="ignore")

    data_dir: str | None = Field(None, validation_alias=ENV_DATA_DIR)
    offline: bool = Field(False, validation_alias=ENV_OFFLINE)
    pdok_url: str = Field(DEFAULT_PDOK_URL, validation_alias=ENV_PDOK_URL)
    politie_url: str = Field(DEFAULT_POLITIE_URL, validation_alias=ENV_POLITIE_URL)
    token: str | None = Field(None, validation_alias=ENV_TOKEN)
    api_base_url: str | None = Field(None, validation_alias=ENV_API_BASE)
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(frozenset(), validation_alias=ENV_ADMINS)
    retention_days: int = Field(90, validation_alias=ENV_RETENTION)
    learn: bool = Field(True, validation_alias=ENV_LEARN)
    log_format: str = Field("text", validation_alias=ENV_LOG_FORMAT)
    semantic: str = Field("auto", validation_alias=ENV_SEMANTIC)
    send_rate: float = Field(30.0, validation_alias=ENV_SEND_RATE)
    chat_rate: float = Field(1.0, validation_alias=ENV_CHAT_RATE)
    chat_burst: int = Field(3, validation_alias=ENV_CHAT_BURST)
    group_rate: float = Field(20.0, validation_alias=ENV_GROUP_RATE)
    embedding_contexts: int = Field(1, validation_alias=ENV_EMBEDDING_CONTEXTS)
    ops_listen: str | None = Field(None, validation_alias=ENV_OPS_LISTEN)
    health_max_update_age: float = Field(120.0, validation_alias=ENV_HEALTH_UPDATES)
    health_max_send_age: float = Field(300.0, validation_alias=ENV_HEALTH_SENDS)

    @model_validator(mode="before")
    @classmethod
    def _blanks_are_unset(cls, data: Any) -> Any:
        """An empty variable means "not set": the default applies."""
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if _blank_to_none(v) is not None}
        return data

    @field_validator("offline", "learn", mode="before")
    @classmethod
    def _flag(cls, value: Any) -> Any:
        word = str(value).strip().lower()
        if word not in _TRUE + _FALSE:
            raise ValueError("use 1 or 0 (or true/false)")
        return word in _TRUE

    @field_validator("retention_days", mode="before")
    @classmethod
    def _days(cls, value: Any) -> int:
        text = str(value).strip()
        if not text.isdigit() or not 1 <= int(text) <= MAX_RETENTION_DAYS:
            raise ValueError(f"must be a whole number of days from 1 to {MAX_RETENTION_DAYS}")
        return int(text)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _admins(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        parts = [p.strip() for p in value.split(",")]
        if not all(p.isdigit() for p in parts):
            raise ValueError("must be Telegram user ids separated by commas, e.g. 123,456")
        return frozenset(int(p) for p in parts)

    @field_validator("log_format", mode="before")
    @classmethod
    def _format(cls, value: Any) -> str:
        return _choice(value, LOG_FORMATS)

    @field_validator("send_rate", "chat_rate", "group_rate", mode="before")
    @classmethod
    def _rate(cls, value: Any) -> float:
        return _number(value, 1e-9, 10_000, "must be a positive number of messages")

    @field_validator("ops_listen")
    @classmethod
    def _listen(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from bot.ops.server import parse_listen  # aiohttp only when the endpoint is asked for

        parse_listen(value)
        return value.strip()

    @field_validator("health_max_update_age", "health_max_send_age", mode="before")
    @classmethod
    def _age(cls, value: Any) -> float:
        return _number(value, 1, 86_400, "must be a number of seconds from 1 to 86400")

    @field_validator("embedding_contexts", mode="before")
    @classmethod
    def _contexts(cls, value: Any) -> int:
        return int(_number(value, 1, 8, "must be a whole number from 1 to 8"))

    @field_validator("chat_burst", mode="before")
    @classmethod
    def _burst(cls, value: Any) -> int:
        text = str(value).strip()
        if not text.isdigit() or not 1 <= int(text) <= 1000:
            raise ValueError("must be a whole number from 1 to 1000")
        return int(text)

    @field_validator("semantic", mode="before")
    @classmethod
    def _semantic(cls, value: Any) -> str:
        return _choice(value, SEMANTIC_MODES)

    @field_validator("pdok_url", "politie_url", "api_base_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parsed = urlparse(value.strip())
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError("must be a web address such as https://host/path")
        return value.strip()


def _choice(value: Any, options: tuple[str, ...]) -> str:
    word = str(value).strip().lower()
    if word not in options:
        raise ValueError(f"must be one of {', '.join(options)}")
    return word


def _number(value: Any, low: float, high: float, problem: str) -> float:
    try:
        number = float(str(value).strip())
    except ValueError:
        number = float("nan")
    if not low <= number <= high:  # NaN fails too
        raise ValueError(problem)
    return number


def _environment() -> _Environment:
    try:
        return _Environment()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else "environment"
        message = str(first["msg"]).removeprefix("Value error, ")
        shown = first.get("input")
        # Never echo the token, even a malformed one.
        value = "…" if name == ENV_TOKEN else repr(shown)
        raise SettingsError(f"{name}={value}: {message}") from None


@dataclass(frozen=True)
class Settings:
    content_dir: Path
    data_dir: Path
    offline: bool
    pdok_url: str
    politie_url: str
    token: str | None
    api_base_url: str | None
    admin_ids: frozenset[int]
    retention_days: int
    learn: bool
    log_format: str
    semantic: str = "auto"
    rates: Rates = field(default_factory=Rates)
    embedding_contexts: int = 1  # 1: ~60 messages/s on both cores; 2: ~65/s, one core each, +10 MB
    ops_listen: str | None = None  # /healthz and /metrics; off unless set
    health_max_update_age: float = 120.0
    health_max_send_age: float = 300.0

    @classmethod
    def from_env(cls, content: str | None = None) -> Settings:
        """The settings of this process; raises SettingsError naming the first bad variable."""
        env = _environment()
        return cls(
            content_dir=content_dir(content),
            data_dir=Path(env.data_dir) if env.data_dir else default_data_dir(),
            offline=env.offline,
            pdok_url=env.pdok_url,
            politie_url=env.politie_url,
            token=env.token,
            api_base_url=env.api_base_url,
            admin_ids=env.admin_ids,
            retention_days=env.retention_days,
            learn=env.learn,
            log_format=env.log_format,
            semantic=env.semantic,
            rates=Rates(
                overall=env.send_rate,
                private=env.chat_rate,
                private_burst=env.chat_burst,
                group=env.group_rate / 60,
            ),
            embedding_contexts=env.embedding_contexts,
            ops_listen=env.ops_listen,
            health_max_update_age=env.health_max_update_age,
            health_max_send_age=env.health_max_send_age,
        )

    def data_dir_problem(self) -> str | None:
        """Why the data directory cannot be used, in one line with what to do; None if it can.

        Checked once at start-up, by writing a probe file, so a file in its place, a read-only
        mount or a full disk is one clear line instead of a traceback later.
        """
        path = self.data_dir
        if path.exists() and not path.is_dir():
            return f"{ENV_DATA_DIR} {path} is a file, not a folder: move it or choose a folder"
        try:
            self.ensure_data_dir()
            probe = path / ".write-test"
            probe.write_bytes(b"0" * 4096)
            probe.unlink()
        except OSError as exc:
            return f"{ENV_DATA_DIR} {path} cannot be used: {_advice(exc)}"
        return None

    def ensure_data_dir(self) -> Path:
        """The data directory, private to this user (0700): it may hold pseudonymous state."""
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.data_dir.chmod(0o700)
        return self.data_dir
