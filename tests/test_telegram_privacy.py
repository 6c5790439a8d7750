"""Issue 7's acceptance: after a real session, nothing in the data directory identifies anyone.

Residents send phone numbers, e-mail addresses and street + house number (some understood, some
not), rate answers, let the bot remember their wijk, write in a group; then every file in the data
directory (the SQLite file with its write-ahead log and shared memory, the secret) is searched for
those strings, the users' ids and the chat ids: while the bot runs, and after it closed the file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import stat
from pathlib import Path

from bot.assemble import build_assistant
from bot.config import Settings
from bot.operators import learning
from bot.storage import DATABASE_FILE, Database
from standins.botapi import callback_update, group_chat, text_update
from tests.telegram_harness import running_bot, texts, wait_until

ALICE = 718293645
BOB = 829304756
GROUP = group_chat(-1009182736455)

SESSION = [
    (ALICE, "bel me terug op 06-12345678 over die kwestie"),  # not understood
    (ALICE, "mijn buurman op Brink 12 maakt herrie, mail mij op jan.jansen@example.nl"),
    (BOB, "de kat van Brink 12 zit vast, jan@voorbeeld.nl"),
    (BOB, "mijn fiets is gestolen, bel me op 06-12345678"),  # answered, then rated 👎
    (BOB, "zitten er gnomen in het park bij Brink 12? 0612345678"),
]
SECRETS = (
    "06-12345678",
    "0612345678",
    "12345678",
    "jan.jansen@example.nl",
    "jan@voorbeeld.nl",
    "voorbeeld.nl",
    "example.nl",
    "Brink 12",
    "Brink",
)


def forbidden() -> list[bytes]:
    """The strings, and each id as text and as a binary integer (pickle and SQLite store those
    little- and big-endian)."""
    ids = [ALICE, BOB, GROUP["id"]]
    words = [*SECRETS, *(str(i) for i in ids), *(f"Inwoner{i}" for i in ids)]
    binary = [
        i.to_bytes(size, order, signed=True)
        for i in ids
        for size in (4, 6, 8)  # SQLite and pickle use the shortest of these that fits
        if size * 8 > i.bit_length()
        for order in ("little", "big")
    ]
    return [w.encode() for w in words] + [w.lower().encode() for w in words] + binary


def leaks(data_dir: Path) -> list[tuple[str, str]]:
    found = []
    files = [p for p in data_dir.rglob("*") if p.is_file()]
    assert files, "nothing written at all"
    for path in files:
        content = path.read_bytes()
        found += [(path.name, repr(w)) for w in forbidden() if w in content]
    return found


async def test_nothing_in_the_data_directory_identifies_anyone(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    settings = dataclasses.replace(Settings.from_env(), offline=True, data_dir=data_dir)
    assistant = build_assistant(
        settings, live_data=True, remember=True
    )  # with the SQLite wijk memory
    async with running_bot(data_dir, assistant) as bot:
        for user, text in SESSION:
            await bot.exchange(text_update(user, text), user)
        answer = next(m for m in reversed(bot.standin.sent.values()) if m["chat"]["id"] == BOB
                      and "fietsdiefstal" in str(m.get("reply_markup")))  # fmt: skip
        bot.standin.push(callback_update(BOB, "fb:-:fietsdiefstal", answer))
        await wait_until(lambda: "answerCallbackQuery" in bot.standin.methods())

        # the wijk dialogue, with "onthoud mijn wijk" and the conversation state in between
        await bot.exchange(text_update(ALICE, "wie is mijn wijkagent?"), ALICE)
        calls = await bot.exchange(text_update(ALICE, "7419"), ALICE)
        buttons = [b["callback_data"] for row in calls[-1].value("reply_markup")["inline_keyboard"]
                   for b in row]  # fmt: skip
        remember = next(p for p in buttons if p.startswith("remember:"))
        shown = bot.standin.sent[max(bot.standin.sent)]
        await bot.exchange(callback_update(ALICE, remember, shown), ALICE)
        await bot.exchange(text_update(BOB, "wie is mijn wijkagent?"), BOB)  # BOB stays awaited

        mention = text_update(BOB, "@wijkbot_test_bot bel 06-12345678, Brink 12", chat=GROUP)
        await bot.exchange(mention, GROUP["id"])
        assert bot.standin.invalid == []

        assert leaks(data_dir) == []  # while running: the WAL and SHM files included
        assert any(p.name.endswith("-wal") for p in data_dir.iterdir())

    assert leaks(data_dir) == []  # closed: everything checkpointed into the main file
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700

    # not vacuous: the session did write, scrubbed
    database = Database(data_dir / DATABASE_FILE)
    store = learning.SqliteLearningStore(database)
    logged = store.messages(dt.date.today().isoformat())
    assert len(logged) >= 5
    assert any("[telefoon]" in m.text for m in logged)
    assert any("[email]" in m.text for m in logged)
    assert any("[adres]" in m.text for m in logged)
    assert any(m.decision == learning.THUMBS_DOWN for m in logged)
    with database.cursor("learning_log") as cur:
        tables = {r[0] for r in cur.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert cur.execute("SELECT count(*) FROM wijk_memory").fetchone() == (1,)
        assert cur.execute("SELECT count(*) FROM conversation_state").fetchone() == (1,)
    assert {"wijk_memory", "conversation_state", "learning_log"} <= tables
    database.close()


async def test_a_group_never_hears_what_the_bot_remembers_about_someone(tmp_path: Path) -> None:
    """ "@bot wie is mijn wijkagent?" in a group once answered "U woont volgens mij in …"."""
    data_dir = tmp_path / "data"
    settings = dataclasses.replace(Settings.from_env(), offline=True, data_dir=data_dir)
    async with running_bot(
        data_dir, build_assistant(settings, live_data=True, remember=True)
    ) as bot:
        await bot.exchange(text_update(ALICE, "wie is mijn wijkagent?"), ALICE)
        calls = await bot.exchange(text_update(ALICE, "7419"), ALICE)
        buttons = [b["callback_data"] for row in calls[-1].value("reply_markup")["inline_keyboard"]
                   for b in row]  # fmt: skip
        remember = next(p for p in buttons if p.startswith("remember:"))
        shown = bot.standin.sent[max(bot.standin.sent)]
        await bot.exchange(callback_update(ALICE, remember, shown), ALICE)
        private = texts(await bot.exchange(text_update(ALICE, "wie is mijn wijkagent?"), ALICE))
        assert "De Hoven" in private[0]  # remembered, and said in the private chat

        ask = text_update(ALICE, "@wijkbot_test_bot wie is mijn wijkagent?", chat=GROUP)
        group = await bot.exchange(ask, GROUP["id"])
        said = " ".join(texts(group))
        assert "De Hoven" not in said and "eerder opgegeven" not in said
        assert "privébericht" in said
        # and no "shall I remember" buttons in the group either
        place = await bot.exchange(
            text_update(ALICE, "@wijkbot_test_bot 7419", chat=GROUP), GROUP["id"]
        )
        markups = [str(c.value("reply_markup")) for c in place]
        assert not any("remember:" in m for m in markups)
        assert bot.standin.invalid == []
