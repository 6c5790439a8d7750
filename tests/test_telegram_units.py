"""Rendering, flood control and log masking on their own (no network)."""

from __future__ import annotations

import dataclasses
import json
import logging

import pytest
from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup

from bot.content.model import Content
from bot.core.messages import Button, Reply
from bot.logs import MASK, JsonFormatter, TokenFilter
from bot.telegram.flood import FloodControl
from bot.telegram.render import (
    MAX_TEXT,
    label_actions,
    main_menu,
    render,
    split_paragraphs,
    tg_len,
    without_feedback,
)
from standins.botapi import parse_html


def test_everything_is_escaped_and_the_alarm_is_bold_on_top(content: Content) -> None:
    reply = Reply(body="<b>fiets</b> & *snel* _nu_", footer="Spoed? Bel 112", alarm_text="🚨 112!")
    [out] = render(reply, content)
    assert out.text.startswith("<b>🚨 112!</b>\n\n")
    plain, errors = parse_html(out.text)
    assert errors == []
    assert plain == "🚨 112!\n\n<b>fiets</b> & *snel* _nu_\n\nSpoed? Bel 112"


def test_long_replies_split_at_paragraphs_with_the_keyboard_last(content: Content) -> None:
    paragraph = "Een zin over veiligheid in de wijk. " * 40  # ~1,400 characters
    body = "\n\n".join([paragraph.strip()] * 7)
    reply = Reply(body=body, footer="Spoed? Bel 112", buttons=(Button("Meer", "faq:x"),))
    parts = render(reply, content)
    assert len(parts) >= 3
    assert all(tg_len(parse_html(p.text)[0]) <= MAX_TEXT for p in parts)
    assert all(p.text.endswith(".") or "112" in p.text for p in parts)  # no cut mid-sentence
    assert [p.reply_markup is not None for p in parts] == [False] * (len(parts) - 1) + [True]
    assert isinstance(parts[-1].reply_markup, InlineKeyboardMarkup)
    assert "112" in parts[-1].text


def test_a_single_huge_paragraph_is_cut_on_words_and_counts_utf16() -> None:
    chunks = split_paragraphs(["🚨 woord " * 1500])
    assert len(chunks) > 1
    assert all(tg_len("\n\n".join(c)) <= MAX_TEXT for c in chunks)


def test_callback_data_over_64_bytes_is_refused(content: Content) -> None:
    reply = Reply(body="x", footer="y", buttons=(Button("te lang", "faq:" + "x" * 61),))
    with pytest.raises(AssertionError):
        render(reply, content)


def test_location_button_only_in_private_chats(content: Content) -> None:
    reply = Reply(body="Waar woont u?", footer="112", ask_location=True)
    [private] = render(reply, content, private=True)
    [group] = render(reply, content, private=False)
    assert isinstance(private.reply_markup, ReplyKeyboardMarkup)
    assert any(b.request_location for row in private.reply_markup.keyboard for b in row)
    assert group.reply_markup is None
    assert main_menu(content, "nl", private=False) is None


def test_menu_labels_map_to_core_actions_in_both_languages(content: Content) -> None:
    actions = label_actions(content)
    assert actions["wie is mijn wijkagent?"] == "menu:wijkagent"
    assert actions["emergency"] == "menu:spoed"
    assert actions["anoniem melden"] == "menu:anoniem"
    assert actions["vraag stellen"] == "menu:vraag"


def test_flood_control_notices_once_then_is_silent_for_a_minute() -> None:
    now = [0.0]
    flood = FloodControl(limit=20, window=60, clock=lambda: now[0])
    verdicts = []
    for _ in range(23):
        verdicts.append(flood.check(1))
        now[0] += 1
    assert verdicts[:20] == ["ok"] * 20
    assert verdicts[20:] == ["notice", "silent", "silent"]
    assert flood.check(2) == "ok"  # others are not affected
    now[0] += 60
    assert flood.check(1) == "ok"


def _record(msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("httpx", logging.INFO, __file__, 1, msg, args, None)


def test_token_is_masked_in_message_args_and_tracebacks() -> None:
    token = "123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOpp"
    mask = TokenFilter([token])
    record = _record("POST https://api.telegram.org/bot%s/getMe %s", token, "ok")
    assert mask.filter(record)
    assert token not in record.getMessage() and MASK in record.getMessage()
    try:
        raise RuntimeError(f"failed https://api.telegram.org/bot{token}/sendMessage")
    except RuntimeError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom", None, sys.exc_info())
    mask.filter(record)
    assert token not in logging.Formatter().format(record)
    # a token-shaped string that was never configured is masked as well
    other = _record("other bot 987654321:ZZyyXXwwVVuuTTssRRqqPPooNNmm here")
    TokenFilter().filter(other)
    assert "987654321:" not in other.getMessage()


def test_json_format_is_one_object_per_line() -> None:
    line = JsonFormatter().format(_record("started %s", "polling"))
    entry = json.loads(line)
    assert entry["message"] == "started polling" and entry["level"] == "INFO"


def test_feedback_row_joins_the_core_buttons_in_one_inline_keyboard(content: Content) -> None:
    reply = Reply(
        body="Antwoord",
        footer="Spoed? Bel 112",
        decision="sure",
        intent="fietsdiefstal",
        buttons=(Button("Aangifte doen", "faq:aangifte_doen"),),
    )
    [out] = render(reply, content, feedback=True)
    assert out.text.endswith("Was dit nuttig?")
    assert isinstance(out.reply_markup, InlineKeyboardMarkup)
    rows = [[b.callback_data for b in row] for row in out.reply_markup.inline_keyboard]
    assert rows == [["faq:aangifte_doen"], ["fb:+:fietsdiefstal", "fb:-:fietsdiefstal"]]
    assert without_feedback(out.reply_markup).inline_keyboard[0][0].callback_data == (
        "faq:aangifte_doen"
    )
    # no feedback without the flag, under an alarm, in groups, or where the menu keyboard is due
    assert render(reply, content)[0].reply_markup.inline_keyboard[-1][0].callback_data == (
        "faq:aangifte_doen"
    )
    for other, private in (
        (dataclasses.replace(reply, alarm_text="🚨 112"), True),
        (reply, False),
        (dataclasses.replace(reply, buttons=(), ask_location=True), True),
        (dataclasses.replace(reply, decision="ambiguous"), True),
    ):
        [out] = render(other, content, private=private, feedback=True)
        assert "nuttig" not in out.text
        markup = out.reply_markup
        if isinstance(markup, InlineKeyboardMarkup):
            assert all(not str(b.callback_data).startswith("fb:")
                       for row in markup.inline_keyboard for b in row)  # fmt: skip
