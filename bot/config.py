"""Settings from environment variables, with defaults that work on a laptop.

The names are a contract (README, deploy docs, CI): add new ones, never rename.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

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

DEFAULT_PDOK_URL = "https://api.pdok.nl/bzk/locatieserver/search/v3_1"
DEFAULT_POLITIE_URL = "https://api.politie.nl/v4"


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


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "wijkbot"


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() not in ("0", "false", "no", "nee", "off")


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

    @classmethod
    def from_env(cls, content: str | None = None) -> Settings:
        admins = frozenset(
            int(part)
            for part in os.environ.get(ENV_ADMINS, "").split(",")
            if part.strip().isdigit()
        )
        return cls(
            content_dir=content_dir(content),
            data_dir=Path(os.environ.get(ENV_DATA_DIR) or default_data_dir()),
            offline=_flag(ENV_OFFLINE, False),
            pdok_url=os.environ.get(ENV_PDOK_URL) or DEFAULT_PDOK_URL,
            politie_url=os.environ.get(ENV_POLITIE_URL) or DEFAULT_POLITIE_URL,
            token=os.environ.get(ENV_TOKEN) or None,
            api_base_url=os.environ.get(ENV_API_BASE) or None,
            admin_ids=admins,
            retention_days=int(os.environ.get(ENV_RETENTION) or 90),
            learn=_flag(ENV_LEARN, True),
            log_format=os.environ.get(ENV_LOG_FORMAT) or "text",
        )

    def ensure_data_dir(self) -> Path:
        """The data directory, private to this user (0700): it may hold pseudonymous state."""
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.data_dir.chmod(0o700)
        return self.data_dir
