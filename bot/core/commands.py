"""Slash commands as button actions, shared by the Telegram handlers and the terminal chat."""

from __future__ import annotations

from bot.content import keys

# command -> Query.action; /start and /help show the bot's menu entry.
COMMAND_ACTIONS: dict[str, str] = {
    "start": f"faq:{keys.ABOUT}",
    "help": f"faq:{keys.ABOUT}",
    "wijkagent": "menu:wijkagent",
    "spoed": "menu:spoed",
    "anoniem": "menu:anoniem",
    "privacy": f"faq:{keys.PRIVACY}",
    "vergeet": "vergeet",
}

# /start deep links (t.me/<bot>?start=wijkagent) -> action
START_PARAMETERS: dict[str, str] = {
    "wijkagent": "menu:wijkagent",
    "spoed": "menu:spoed",
    "anoniem": "menu:anoniem",
    "privacy": f"faq:{keys.PRIVACY}",
}


def action_for(command_line: str) -> str | None:
    """'/wijkagent' or '/start wijkagent' -> the action, or None for an unknown command."""
    parts = command_line.strip().lstrip("/").split()
    if not parts:
        return None
    name = parts[0].split("@", 1)[0].lower()
    if name == "start" and len(parts) > 1:
        return START_PARAMETERS.get(parts[1].lower(), COMMAND_ACTIONS["start"])
    return COMMAND_ACTIONS.get(name)
