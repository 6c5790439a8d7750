"""Live content reload: validate a content directory first, swap the assistant only if it is sound.

Used by `/herlaad` (admins) and SIGHUP in the Telegram application. The new Assistant is built
completely (all indexes) before it replaces the old one, and the swap is one attribute assignment,
so a message is always answered by either the old or the new content, never by half of each.
On any error the old assistant keeps answering and the caller gets the errors with file and line.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.assemble import rebuild
from bot.content.load import load_content
from bot.content.model import Content, ContentErrors
from bot.content.yaml_lines import ContentError
from bot.core.assistant import Assistant

log = logging.getLogger(__name__)

MAX_ERRORS_SHOWN = 10  # a Telegram message holds 4,096 characters; the rest is in `wijkbot check`


@dataclass(frozen=True)
class ReloadResult:
    """Either a new assistant (errors None) or the reasons the content was refused."""

    assistant: Assistant | None
    errors: ContentErrors | None = None

    @property
    def ok(self) -> bool:
        return self.assistant is not None

    def error_lines(self, limit: int = MAX_ERRORS_SHOWN) -> list[str]:
        """One "file:line [field]: message" per problem, as `wijkbot check` prints them."""
        if self.errors is None:
            return []
        lines = [str(e) for e in self.errors.errors]
        if len(lines) > limit:
            lines = [*lines[:limit], f"… +{len(lines) - limit} (wijkbot check)"]
        return lines


def load_assistant(
    directory: Path,
    *,
    previous: Assistant | None = None,
    build: Callable[[Content], Assistant] | None = None,
) -> ReloadResult:
    """Loads, validates and indexes `directory`; never raises for bad content.

    The new assistant keeps the previous one's memory, live lookup and clock, so a reload does
    not forget residents' wijken or switch live data on or off.
    """
    try:
        content = load_content(Path(directory))
        if build is not None:
            assistant = build(content)
        elif previous is not None:
            assistant = rebuild(content, previous)
        else:
            assistant = Assistant(content)
    except ContentErrors as exc:
        return ReloadResult(None, exc)
    except Exception as exc:  # a content state the validator missed must not take the bot down
        log.exception("content reload failed while building the assistant")
        error = ContentError(str(directory), None, "", f"{type(exc).__name__}: {exc}")
        return ReloadResult(None, ContentErrors([error]))
    return ReloadResult(assistant)


class LiveAssistant:
    """Holds the assistant that answers now; `reload()` replaces it only with valid content.

    Handlers read `.current` once per update and use that object for the whole reply.
    """

    def __init__(self, assistant: Assistant, directory: Path) -> None:
        self.current = assistant
        self.directory = Path(directory)
        self.loaded_at = dt.datetime.now(dt.UTC)
        self._lock = threading.Lock()  # two reloads at once (SIGHUP + /herlaad) run one by one

    def reload(self) -> ReloadResult:
        with self._lock:
            result = load_assistant(self.directory, previous=self.current)
            if result.assistant is not None:
                self.current = result.assistant
                self.loaded_at = dt.datetime.now(dt.UTC)
                log.info("content reloaded: version %s", result.assistant.content.version)
            else:
                log.warning("content reload refused: %d error(s)", len(result.error_lines(1000)))
            return result


def reload_text(result: ReloadResult, current: Assistant, language: str = "nl") -> str:
    """The admin's answer to /herlaad, worded by content/teksten.yaml (beheer_herlaad_*).

    `current` is the assistant that answers after the attempt: the new one, or the old one.
    """
    content = current.content
    if result.ok:
        return content.text(
            "beheer_herlaad_gelukt", language, versie=content.version, vragen=len(content.faq)
        )
    return content.text(
        "beheer_herlaad_mislukt",
        language,
        versie=content.version,
        fouten="\n".join(result.error_lines()),
    )
