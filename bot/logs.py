"""Logging for the bot: one setup, a quiet httpx, and the bot token masked everywhere.

Why a mask and not only a quiet httpx: the token is part of every Bot API URL, and URLs turn up in
more places than httpx's request log (python-telegram-bot's debug lines, exception messages of
network errors, tracebacks). The mask runs when a record is created, so every handler sees the
masked record, including handlers added later (pytest's caplog, a syslog handler).

Privacy rule: nothing at the default level logs message text; no log line pairs text with a user id.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable, Iterable
from typing import Any

from bot.config import ENV_LOG_FORMAT

MASK = "<token>"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# A Telegram token looks like "123456789:AA...": mask anything of that shape too, so a token that
# was never configured here (another bot's, a rotated one) cannot leak either.
TOKEN_SHAPE = re.compile(r"\b\d{3,}:[A-Za-z0-9_-]{20,}\b")


class TokenFilter(logging.Filter):
    """Replaces every configured secret (and anything token-shaped) in a record; drops nothing."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return TOKEN_SHAPE.sub(MASK, text)

    def filter(self, record: logging.LogRecord) -> bool:
        self.scrub(record)
        return True

    def scrub(self, record: logging.LogRecord) -> logging.LogRecord:
        """Formats message and traceback once, masked, so no formatter can put the token back."""
        if getattr(record, "_wijkbot_masked", False):
            return record
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the record
            message = f"{record.msg!r} {record.args!r}"
        record.msg = self.mask(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)
        record._wijkbot_masked = True
        return record


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log collectors (WIJKBOT_LOG_FORMAT=json)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def mask_secrets(text: str) -> str:
    """The text with the configured token (if the mask is installed) and token shapes masked."""
    return (_installed or TokenFilter()).mask(text)


_installed: TokenFilter | None = None
_original_factory: Callable[..., logging.LogRecord] | None = None


def install_token_mask(secrets: Iterable[str]) -> TokenFilter:
    """Masks the secrets in every record from now on (idempotent; later calls add secrets)."""
    global _installed, _original_factory
    secrets = tuple(secrets)
    if _installed is not None:
        _installed.secrets = tuple(dict.fromkeys((*_installed.secrets, *secrets)))
        return _installed
    token_filter = TokenFilter(secrets)
    _original_factory = logging.getLogRecordFactory()
    base = _original_factory

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return token_filter.scrub(base(*args, **kwargs))

    logging.setLogRecordFactory(factory)
    _installed = token_filter
    return token_filter


def setup_logging(
    token: str | None = None, *, level: int = logging.INFO, log_format: str | None = None
) -> TokenFilter:
    """basicConfig once, httpx at WARNING, the token mask on; text or JSON lines on stderr."""
    token_filter = install_token_mask([token] if token else [])
    fmt = (log_format or os.environ.get(ENV_LOG_FORMAT) or "text").lower()
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level, format=TEXT_FORMAT)
    root.setLevel(level)
    for handler in root.handlers:
        if token_filter not in handler.filters:
            handler.addFilter(token_filter)
        if fmt == "json":
            handler.setFormatter(JsonFormatter())
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    return token_filter
