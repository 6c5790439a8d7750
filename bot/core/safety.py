"""The safety lines of every reply, in one place: the alarm on top, 113, the specific lines, the
footer with 112 and 0900-8844; what to do now in danger; the fixed replies that never hide 112.

Why one module: "no fallback ever hides 112" is a promise about every reply, so the code that
keeps it must be the only code that builds the end of a reply.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Literal

from bot.content import keys
from bot.core.desk import Answer, Desk
from bot.core.messages import Button, Reply
from bot.core.semantic import Semantic
from bot.core.urgency import Urgency, UrgencyDetector, with_opinion

log = logging.getLogger(__name__)

MODEL_WAIT_WITH_ALARM = 0.3  # seconds the model may add 113 to a rules' alarm
SAFETY_SEEN = 256  # texts whose safety verdict is kept (a resident's text, in memory only)
LINE_NAMED_BONUS = 0.3  # a message naming 144 is probably about what 144 is for
_NUMBER_RE = re.compile(r"\d[\d -]*\d|\d")  # "0900-8844", "0900 8844", "112"
NO_URGENCY = Urgency(alarm=False, anonymous=False, rules=())
EMERGENCY = ("spoed", "geen_spoed")  # in every footer
LANGUAGES = ("nl", "en")  # the languages of the answers


@dataclass
class SafetyCheck:
    """The rules' verdict, with the model's second opinion added when it is loaded."""

    rules: UrgencyDetector
    semantic: Semantic | None
    _seen: OrderedDict[str, Urgency] = field(default_factory=OrderedDict)

    async def check(self, text: str) -> Urgency:
        """Asked twice per message (the Telegram door decides priority with it), so it is kept for
        the last few texts. When the rules already raise the alarm the model gets 0.3 s to add
        113 or Bel M: an alarm must not wait behind a queue of messages to embed. A failing model
        costs its opinion, never the rules' alarm.
        """
        found = self._seen.get(text)
        if found is not None:
            return found
        rules = self.rules.detect(text)
        urgency = rules
        if self.semantic is not None:
            wait = MODEL_WAIT_WITH_ALARM if rules.alarm else None
            try:
                _, opinion = await asyncio.wait_for(self.semantic.opinion(text), wait)
                urgency = with_opinion(rules, opinion)
            except TimeoutError:
                pass
            except Exception as exc:
                log.warning("safety model failed (%s): rules only", type(exc).__name__)
        self._seen[text] = urgency
        while len(self._seen) > SAFETY_SEEN:
            self._seen.popitem(last=False)
        return urgency


def fixed_text(
    desk: Desk, rules: UrgencyDetector, key: str, language: str | None, text: str = ""
) -> Reply:
    """A fixed text (an apology, "I can only read text", …) with the footer, and the alarm
    on top when the resident's text reads as danger: no fallback ever hides 112.

    Rules only: this is also the answer when something else failed, the model included.
    """
    lang = language if language in LANGUAGES else "nl"
    urgency = rules.detect(text) if text else NO_URGENCY
    return finish(desk, Answer(desk.t(key, lang, **desk.numbers())), lang, urgency)


def preferences(desk: Desk, urgency: Urgency, text: str) -> dict[str, float]:
    """FAQ entries the safety rules and the named phone lines point to."""
    prefer = preferred(desk, urgency)
    for entry_id in lines_named(desk, text):
        prefer[entry_id] = max(prefer.get(entry_id, 0.0), LINE_NAMED_BONUS)
    return prefer


def finish(desk: Desk, answer: Answer, language: str, urgency: Urgency = NO_URGENCY) -> Reply:
    """Adds the safety lines, in one place: alarm on top, then 113, specific lines, footer."""
    lines = desk.content.lines
    numbers = desk.numbers()
    body = answer.body
    line_ids = list(answer.line_ids)
    if urgency.anonymous and "bel_m" not in line_ids:
        line_ids.append("bel_m")
        bel_m = lines["bel_m"]
        if answer.intent != keys.BEL_M:
            tip = desk.t("bel_m_regel", language, nummer=bel_m.nummer, web=bel_m.web)
            body = "\n\n".join(p for p in (body, tip) if p)
    if language not in LANGUAGES:  # one line in their own language: we answer in nl and en
        notes = [desk.t("taal_noot", language)]
        if urgency.alarm:
            notes.append(desk.t("app_112", language))
        body = "\n\n".join(p for p in (body, *notes) if p)
    headline = [
        i for i, on in (("spoed", urgency.alarm), ("zelfmoordpreventie", urgency.crisis)) if on
    ]
    specific = [i for i in dict.fromkeys(line_ids) if i not in (*EMERGENCY, *headline)]
    line_texts = tuple(
        desk.t("lijn", language, label=lines[i].label_in(language), nummer=lines[i].nummer)
        for i in specific
    )
    shown = [lines[i].nummer for i in (*headline, *specific, *EMERGENCY)]
    place = answer.place
    return Reply(
        body=body,
        footer=desk.t("footer", language, **numbers),
        alarm_text=desk.t("alarm", language, **numbers) if urgency.alarm else None,
        crisis_text=desk.t("crisis", language, **numbers) if urgency.crisis else None,
        line_texts=line_texts,
        lines=tuple(dict.fromkeys(shown)),
        intent=answer.intent,
        confidence=answer.confidence,
        decision=answer.decision,  # type: ignore[arg-type]
        language=language,
        wijk=place.wijk if place else None,
        buurt=place.buurt if place else None,
        buttons=answer.buttons,
        awaiting=answer.awaiting,
        venue=answer.venue,
        ask_location=answer.ask_location,
        rules=urgency.rules,
        danger=urgency.kind if urgency.alarm or urgency.crisis else None,
        reasons=urgency.reasons,
        forget=answer.forget,
    )


def danger_answer(desk: Desk, answer: Answer, urgency: Urgency, language: str) -> Answer:
    """In danger or crisis the body says what to do now; "bedoelt u…?" would only distract."""
    kind = desk.content.dangers.get(urgency.kind or "") if urgency.alarm or urgency.crisis else None
    if kind is None:
        return answer
    lang: Literal["nl", "en"] = "nl" if language == "nl" else "en"
    guidance = kind.wat_nu[lang]
    keep = answer.decision == "sure" and not urgency.alarm  # a crisis with a real question
    body = "\n\n".join(p for p in (guidance, answer.body if keep else "") if p)
    buttons = danger_buttons(desk, language) if kind.id == "paniek" else ()
    return replace(
        answer,
        body=body,
        buttons=buttons if not keep else answer.buttons,
        line_ids=tuple(dict.fromkeys((*kind.lijnen, *answer.line_ids))),
    )


def danger_buttons(desk: Desk, language: str) -> tuple[Button, ...]:
    """A panic message ("HELP") gets one tap to say what is going on."""
    lang: Literal["nl", "en"] = "nl" if language == "nl" else "en"
    return tuple(
        Button(kind.knop[lang], f"nood:{kind.id}")
        for kind in desk.content.dangers.values()
        if kind.id not in ("crisis",)
    )


def preferred(desk: Desk, urgency: Urgency) -> dict[str, float]:
    """FAQ entries the safety rules point to: an anonymous tip, a crime that is over."""
    preferred = desk.content.urgency.voorkeur
    # A tip about a crime, given anonymously, is about the tip: the anonymous route wins.
    kind: Literal["anoniem", "misdrijf"] | None = (
        "anoniem" if urgency.anonymous else "misdrijf" if urgency.crime else None
    )
    return dict(preferred.get(kind, {})) if kind else {}


def lines_named(desk: Desk, text: str) -> list[str]:
    """Entries explaining a phone line the message names: "wat is 144?" is about 144."""
    named = {re.sub(r"\D", "", n) for n in _NUMBER_RE.findall(text)}
    return [line.faq for line in desk.content.lines.values() if line.faq and line.digits in named]
