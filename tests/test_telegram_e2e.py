"""The real Telegram Application against a local Bot API stand-in: every scenario a resident meets.

Every test ends with "zero invalid Bot API calls": the stand-in checks each call against the
Bot API spec (fields, types, Telegram HTML, lengths, callback_data) the way Telegram would.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import pytest

from bot.core.assistant import Assistant
from bot.logs import setup_logging
from standins.botapi import (
    BOT_USER,
    callback_update,
    group_chat,
    location_update,
    message,
    text_message,
    text_update,
)
from tests.telegram_harness import TOKEN, assert_valid, offline_assistant, running_bot, texts

USER = 4242
NUMBERS = ("112", "0900-8844")


@pytest.fixture(scope="module")
def assistant() -> Assistant:
    return offline_assistant()


async def test_every_command_answers_and_the_menu_is_set(tmp_path: Path, assistant) -> None:
    async with running_bot(tmp_path, assistant) as bot:
        start = await bot.exchange(text_update(USER, "/start"), USER)
        assert "Welkom bij wijkbot" in texts(start)[0]
        keyboard = start[0].value("reply_markup")["keyboard"]
        labels = [button["text"] for row in keyboard for button in row]
        assert labels[:4] == ["Wie is mijn wijkagent?", "Spoed", "Anoniem melden", "Vraag stellen"]
        assert any(button.get("request_location") for row in keyboard for button in row)

        expected = {
            "/help": "wijkbot",
            "/wijkagent": "Waar woont u?",
            "/spoed": "112",
            "/anoniem": "0800-7000",
            "/privacy": "bewaar",
            "/vergeet": "gewist",
            "/start wijkagent": "Waar woont u?",
            "/bestaatniet": "Dat commando ken ik niet",
        }
        for command, needle in expected.items():
            answer = "\n".join(texts(await bot.exchange(text_update(USER, command), USER)))
            assert needle.lower() in answer.lower(), (command, answer)
            assert all(number in answer for number in NUMBERS), command

        menus = [c for c in bot.standin.calls if c.method == "setMyCommands"]
        assert sorted(str(c.params.get("language_code")) for c in menus) == ["None", "en", "nl"]
        assert all("vergeet" in c.params["commands"] for c in menus)
        assert_valid(bot)


async def test_menu_keyboard_labels_route_as_actions(tmp_path: Path, assistant) -> None:
    async with running_bot(tmp_path, assistant) as bot:
        answer = texts(await bot.exchange(text_update(USER, "Wie is mijn wijkagent?"), USER))
        assert "Waar woont u?" in answer[0]
        spoed = texts(await bot.exchange(text_update(USER, "Spoed"), USER))
        assert "112" in spoed[0]
        english = texts(await bot.exchange(text_update(USER, "Report anonymously"), USER))
        assert "0800-7000" in "\n".join(english)
        assert_valid(bot)


async def test_wijkagent_dialogue_by_postcode(tmp_path: Path, assistant) -> None:
    async with running_bot(tmp_path, assistant) as bot:
        ask = await bot.exchange(text_update(USER, "wie is mijn wijkagent?"), USER)
        assert "Waar woont u?" in texts(ask)[0]
        # ask_location: the main menu with the location button rides along (private chat)
        assert "keyboard" in ask[-1].value("reply_markup")
        answer = "\n".join(texts(await bot.exchange(text_update(USER, "7419"), USER)))
        assert "De Hoven" in answer
        assert "0900-8844" in answer
        assert_valid(bot)


async def test_wijkagent_by_postcode_choice_button_and_location(tmp_path: Path, assistant) -> None:
    async with running_bot(tmp_path, assistant) as bot:
        await bot.exchange(text_update(USER, "wie is mijn wijkagent?"), USER)
        choose = await bot.exchange(text_update(USER, "7415"), USER)
        buttons = choose[-1].value("reply_markup")["inline_keyboard"]
        payload = buttons[0][0]["callback_data"]
        assert payload.startswith("wijk:")
        sent = bot.standin.sent[max(bot.standin.sent)]
        pressed = await bot.exchange(callback_update(USER, payload, sent), USER)
        assert "U woont in" in texts(pressed)[0]
        methods = bot.standin.methods()
        assert "answerCallbackQuery" in methods
        assert "editMessageReplyMarkup" in methods

        located = await bot.exchange(location_update(USER, 52.2515, 6.1937), USER)
        assert "U woont in de buurt" in texts(located)[0]
        assert_valid(bot)


async def test_emergency_puts_the_112_alarm_on_top(tmp_path: Path, assistant) -> None:
    async with running_bot(tmp_path, assistant) as bot:
        calls = await bot.exchange(text_update(USER, "er wordt nu ingebroken bij de buren"), USER)
        first = calls[0]
        assert first.params["text"].startswith("<b>🚨")
        assert first.plain_text.split("\n")[0].endswith("112.")
        assert_valid(bot)


async def test_anonymous_tip_gets_bel_m(tmp_path: Path, assistant) -> None:
    async with running_bot(tmp_path, assistant) as bot:
        calls = await bot.exchange(text_update(USER, "ik wil anoniem iets melden over drugs"), USER)
        assert "0800-7000" in "\n".join(texts(calls))
        assert_valid(bot)


async def test_police_station_comes_as_a_venue_after_the_text(tmp_path: Path, assistant) -> None:
    async with running_bot(tmp_path, assistant) as bot:
        calls = await bot.exchange(text_update(USER, "waar is het politiebureau?"), USER)
        assert [c.method for c in calls] == ["sendMessage", "sendVenue"]
        assert "Storminkstraat" in calls[1].params["address"]
        assert_valid(bot)


KINDS = {
    "sticker": {"sticker": {"file_id": "s1", "file_unique_id": "s1u", "type": "regular",
                            "width": 512, "height": 512, "is_animated": False, "is_video": False}},
    "photo": {"photo": [{"file_id": "p1", "file_unique_id": "p1u", "width": 90, "height": 90}]},
    "voice": {"voice": {"file_id": "v1", "file_unique_id": "v1u", "duration": 3}},
    "document": {"document": {"file_id": "d1", "file_unique_id": "d1u"}},
    "contact": {"contact": {"phone_number": "+31600000000", "first_name": "Buur"}},
}  # fmt: skip


async def test_other_kinds_get_a_kind_reply_with_the_lines(tmp_path: Path, assistant) -> None:
    async with running_bot(tmp_path, assistant) as bot:
        for kind, body in KINDS.items():
            answer = texts(await bot.exchange({"message": message(USER, **body)}, USER))
            assert len(answer) == 1, kind
            assert "alleen tekst" in answer[0], kind
            assert all(number in answer[0] for number in NUMBERS), kind
        edited = text_message(USER, "mijn fiets is gestolen", edit_date=int(time.time()))
        answer = texts(await bot.exchange({"edited_message": edited}, USER))
        assert "aangepast" in answer[0] and "112" in answer[0]
        assert_valid(bot)


async def test_service_messages_and_channel_posts_get_silence(tmp_path: Path, assistant) -> None:
    async with running_bot(tmp_path, assistant) as bot:
        group = group_chat()
        joined = message(USER, chat=group, new_chat_members=[BOT_USER])
        assert await bot.silence({"message": joined}, group["id"]) == []
        channel = {"id": -1009999, "type": "channel", "title": "Nieuws"}
        post = {"message_id": 5, "date": int(time.time()), "chat": channel, "text": "hallo"}
        assert await bot.silence({"channel_post": post}, channel["id"]) == []
        # and the bot is still answering
        assert texts(await bot.exchange(text_update(USER, "/help"), USER))
        assert_valid(bot)


async def test_long_and_markup_laden_messages(tmp_path: Path, assistant) -> None:
    async with running_bot(tmp_path, assistant) as bot:
        long_text = ("Mijn fiets is gestolen bij het station. " * 120)[:4096]
        assert len(long_text) == 4096
        answer = texts(await bot.exchange(text_update(USER, long_text), USER))
        assert answer and all(len(t) <= 4096 for t in answer)
        for tricky in ("<b>fiets</b> gestolen & *snel* _nu_", "a < b > c && d", "</i><i>"):
            assert texts(await bot.exchange(text_update(USER, tricky), USER))
        assert_valid(bot)


async def test_groups_answer_only_mentions_replies_and_commands(tmp_path: Path, assistant) -> None:
    async with running_bot(tmp_path, assistant) as bot:
        group = group_chat()
        chat = group["id"]
        quiet = text_update(USER, "wie is mijn wijkagent?", chat=group)
        assert await bot.silence(quiet, chat) == []
        other_bot = text_update(USER, "/help@anderebot", chat=group)
        assert await bot.silence(other_bot, chat) == []
        mention = text_update(USER, "@wijkbot_test_bot waar is het politiebureau?", chat=group)
        calls = await bot.exchange(mention, chat)
        assert "Storminkstraat" in texts(calls)[0]
        assert calls[0].value("reply_parameters")["message_id"] == mention["message"]["message_id"]
        command = await bot.exchange(text_update(USER, "/spoed", chat=group), chat)
        assert "112" in texts(command)[0]
        # no reply keyboard (and no location button) in groups
        assert all("keyboard" not in (c.value("reply_markup") or {}) for c in bot.standin.calls
                   if c.method == "sendMessage" and c.chat_id == chat)  # fmt: skip
        bot_message = bot.standin.sent[max(bot.standin.sent)]
        reply = text_update(USER, "en de wijkagent?", chat=group, reply_to_message=bot_message)
        assert texts(await bot.exchange(reply, chat))
        assert_valid(bot)


async def test_buttons_are_always_answered_even_stale_ones(tmp_path: Path, assistant) -> None:
    async with running_bot(tmp_path, assistant) as bot:
        await bot.exchange(text_update(USER, "/help"), USER)
        sent = bot.standin.sent[max(bot.standin.sent)]
        payload = sent["reply_markup"]["inline_keyboard"][1][0]["callback_data"]
        pressed = texts(await bot.exchange(callback_update(USER, payload, sent), USER))
        assert "112" in pressed[0]
        for stale in ("faq:bestaat_niet", "oud:formaat", "remember:BU99999999"):
            answer = texts(await bot.exchange(callback_update(USER, stale), USER))
            assert "verlopen" in answer[0], stale
        answered = [c for c in bot.standin.calls if c.method == "answerCallbackQuery"]
        assert len(answered) == 4
        assert_valid(bot)


async def test_429_and_502_delay_but_never_lose_a_reply(tmp_path: Path, assistant) -> None:
    async with running_bot(tmp_path, assistant) as bot:
        bot.standin.fail("sendMessage", 429, retry_after=1)
        calls = await bot.exchange(text_update(USER, "/spoed"), USER)
        assert "112" in texts(calls)[0]
        bot.standin.fail("sendMessage", 502, times=2)
        assert "112" in texts(await bot.exchange(text_update(USER, "/spoed"), USER))[0]
        bot.standin.fail("getUpdates", 502)
        bot.standin.fail("getUpdates", 429, retry_after=1)
        await asyncio.sleep(0.1)
        assert "112" in texts(await bot.exchange(text_update(USER, "/spoed"), USER))[0]
        statuses = [c.status for c in bot.standin.calls if c.method == "sendMessage"]
        assert statuses.count(429) == 1 and statuses.count(502) == 2
        assert statuses.count(200) == 3
        assert_valid(bot)


async def test_a_failing_call_gets_an_apology_with_the_lines(tmp_path: Path, assistant) -> None:
    async with running_bot(tmp_path, assistant) as bot:
        bot.standin.fail("sendMessage", 400)  # e.g. Telegram rejects the answer
        answer = texts(await bot.exchange(text_update(USER, "/privacy"), USER))
        assert "Sorry, er ging bij mij iets mis" in answer[0]
        assert all(number in answer[0] for number in NUMBERS)
        assert texts(await bot.exchange(text_update(USER, "/help"), USER))  # still running
        assert_valid(bot)


async def test_200_messages_from_50_users_all_answered_once(tmp_path: Path, assistant) -> None:
    async with running_bot(tmp_path, assistant) as bot:
        users = range(10_000, 10_050)
        for round_ in range(4):
            for user_id in users:
                bot.standin.push(text_update(user_id, f"/spoed {round_}"))
        total = lambda: len(bot.standin.replies())  # noqa: E731
        await asyncio.wait_for(_until(lambda: total() >= 200), timeout=30)
        await bot.settled(None, 0, settle=0.3)
        for user_id in users:
            assert len(bot.standin.replies(user_id)) == 4, user_id
        assert total() == 200
        assert_valid(bot)


async def _until(predicate) -> None:
    while not predicate():
        await asyncio.sleep(0.02)


async def test_flood_gets_one_notice_then_silence(tmp_path: Path, assistant) -> None:
    async with running_bot(tmp_path, assistant) as bot:
        for i in range(25):
            bot.standin.push(text_update(USER, f"/spoed {i}"))
        await asyncio.wait_for(_until(lambda: len(bot.standin.replies(USER)) >= 21), timeout=10)
        answers = texts(await bot.settled(USER, 0, settle=0.4))
        assert len(answers) == 21
        assert sum("veel berichten" in a for a in answers) == 1
        assert "veel berichten" in answers[-1]
        assert_valid(bot)


async def test_token_never_in_logs_and_no_message_text_at_info(
    tmp_path: Path, assistant, caplog: pytest.LogCaptureFixture, capsys
) -> None:
    setup_logging(TOKEN, level=logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    try:
        async with running_bot(tmp_path, assistant) as bot:
            bot.standin.fail("sendMessage", 502)
            bot.standin.fail("getUpdates", 502)
            bot.standin.fail("sendMessage", 400)
            await bot.exchange(text_update(USER, "geheimezin mijn fiets"), USER)
            await bot.exchange(text_update(USER, "/spoed"), USER)
            assert_valid(bot)
    finally:
        logging.getLogger().setLevel(logging.WARNING)
    out, err = capsys.readouterr()
    logged = caplog.text + out + err
    assert "Bot API" in logged or "sendMessage" in logged  # the log did see the calls
    assert TOKEN not in logged
    assert TOKEN.split(":")[1] not in logged
    info_and_up = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    assert "geheimezin" not in info_and_up


async def test_an_update_the_library_cannot_read_is_logged_once_by_id_and_skipped(
    tmp_path: Path, assistant, caplog: pytest.LogCaptureFixture
) -> None:
    """One such update once made polling fetch the same batch forever, logging every text."""
    caplog.set_level(logging.DEBUG)
    async with running_bot(tmp_path, assistant) as bot:
        broken = text_update(USER, "geheime tekst van Jan Jansen")
        broken["message"]["date"] = "gisteren"  # no number: PTB cannot build the Message
        broken_id = bot.standin.push(broken)
        calls = await bot.exchange(text_update(USER, "/spoed"), USER)
        assert "112" in texts(calls)[0]
        await asyncio.sleep(0.3)
        polls = bot.standin.methods().count("getUpdates")
        assert bot.standin.updates_confirmed(broken_id)
    assert polls < 20  # not a retry loop
    mentions = [r for r in caplog.records if str(broken_id) in r.getMessage()]
    assert len([r for r in mentions if r.levelno >= logging.WARNING]) == 1
    assert "geheime" not in caplog.text and "Jansen" not in caplog.text  # at any level
    info = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    assert str(USER) not in info
