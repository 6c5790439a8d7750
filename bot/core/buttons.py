"""The buttons and commands a resident taps: an FAQ entry, a wijk, remember or not, something
else, forget me, a kind of danger under a panic alarm, the menu. Each action is a short function
in one visible table (ACTIONS)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from bot.content import keys
from bot.core import faq_answers, safety, wijkagent
from bot.core.desk import Answer, Desk
from bot.core.matcher import Match
from bot.core.messages import Query, Reply
from bot.core.urgency import Urgency


async def on_action(desk: Desk, query: Query, language: str) -> Reply:
    kind, _, value = (query.action or "").partition(":")
    if kind == "nood":  # carries its own safety lines
        return await on_danger_button(desk, value, query, language)
    handler = ACTIONS.get(kind)
    if handler is None:
        return safety.finish(desk, Answer(desk.t("verlopen_knop", language)), language)
    return safety.finish(desk, await handler(desk, value, query, language), language)


async def on_faq_button(desk: Desk, value: str, query: Query, language: str) -> Answer:
    entry = desk.content.entry(value)
    if entry is None:
        return Answer(desk.t("verlopen_knop", language))
    if entry.actie == "wijkagent":
        return await wijkagent.ask_or_recall_place(
            desk, query, language, Match("sure", (), language)
        )
    return await faq_answers.entry_reply(desk, entry, query, language)


async def on_place_button(desk: Desk, value: str, query: Query, language: str) -> Answer:
    place = desk.districts.by_code(value)
    if place is None:
        return Answer(desk.t("verlopen_knop", language))
    return await wijkagent.wijkagent_answer(desk, place, query, language)


async def on_remember(desk: Desk, value: str, query: Query, language: str) -> Answer:
    place = desk.districts.by_code(value)
    if place is None or not query.user or not query.private:
        return Answer(desk.t("verlopen_knop", language))
    try:
        desk.memory.remember(query.user, value, desk.today().isoformat())
    except Exception:  # storage is best-effort; say so rather than pretend
        return Answer(desk.t("opslag_fout", language))
    wijk = desk.districts.wijken[place.wijk or ""].naam
    return Answer(desk.t("onthouden_gedaan", language, wijk=wijk), place=place)


async def on_remember_no(desk: Desk, value: str, query: Query, language: str) -> Answer:
    return Answer(desk.t("niet_onthouden", language))


async def on_other(desk: Desk, value: str, query: Query, language: str) -> Answer:
    return Answer(desk.t("iets_anders_antwoord", language, **desk.numbers()))


async def on_forget(desk: Desk, value: str, query: Query, language: str) -> Answer:
    if query.user:
        try:
            desk.memory.forget(query.user)
        except Exception:  # not erased: the resident must not be told it was
            return Answer(desk.t("opslag_fout", language), intent="privacy")
    return Answer(desk.t("vergeten_gedaan", language), intent="privacy", forget=True)


async def on_danger_button(desk: Desk, value: str, query: Query, language: str) -> Reply:
    """A kind chosen under a panic alarm: the alarm again, with what to do for that kind."""
    kind = desk.content.dangers.get(value)
    if kind is None:
        return safety.finish(desk, Answer(desk.t("verlopen_knop", language)), language)
    urgency = Urgency(
        alarm=kind.alarm,
        anonymous=False,
        rules=(),
        kind=kind.id,
        crisis=kind.id in ("crisis", "crisis_acuut"),
        reasons=(f"button:{kind.id}",),
    )
    answer = safety.danger_answer(desk, Answer("", decision="action"), urgency, language)
    return safety.finish(desk, replace(answer, buttons=()), language, urgency)


async def on_menu(desk: Desk, value: str, query: Query, language: str) -> Answer:
    if value in keys.MENU_TARGETS:
        return await on_faq_button(desk, keys.MENU_TARGETS[value], query, language)
    return Answer(
        desk.t("vraag_stellen", language),
        buttons=faq_answers.faq_buttons(desk, keys.MENU, language),
    )


Action = Callable[[Desk, str, Query, str], Awaitable[Answer]]
ACTIONS: dict[str, Action] = {
    "faq": on_faq_button,
    "wijk": on_place_button,
    "remember": on_remember,
    "remember_no": on_remember_no,
    "other": on_other,
    "vergeet": on_forget,
    "menu": on_menu,
}
