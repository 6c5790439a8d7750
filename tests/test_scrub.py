"""Scrubbing personal data from residents' messages before the learning log keeps them."""

from __future__ import annotations

import re
import time

import pytest

import bot.operators.scrub as scrub_module
from bot.config import default_content_dir
from bot.content.load import load_content
from bot.operators.scrub import PLACEHOLDER_RE, Scrubber, scrub


@pytest.fixture(scope="module")
def registry() -> Scrubber:
    """The real line registry: its public numbers may stay in a scrubbed text."""
    content = load_content(default_content_dir())
    return Scrubber.for_numbers(line.nummer for line in content.lines.values())


SCRUBBED = [
    # phone numbers
    ("bel me terug op 06-12345678", "bel me terug op [telefoon]"),
    ("mijn nummer is 0612345678", "mijn nummer is [telefoon]"),
    ("06 12 34 56 78 is mijn mobiel", "[telefoon] is mijn mobiel"),
    ("app me: 06 1234 5678!", "app me: [telefoon]!"),
    ("bereikbaar via +31 6 1234 5678", "bereikbaar via [telefoon]"),
    ("+31612345678 graag terugbellen", "[telefoon] graag terugbellen"),
    ("+31 (0)6 12345678 na 18 uur", "[telefoon] na 18 uur"),
    ("0031 6 12345678", "[telefoon]"),
    ("thuis 0570-123456 of mobiel 06-87654321", "thuis [telefoon] of mobiel [telefoon]"),
    ("mijn vaste nummer (0570) 12 34 56", "mijn vaste nummer [telefoon]"),
    ("buurman belde vanaf 020 123 4567", "buurman belde vanaf [telefoon]"),
    ("06.12.34.56.78 is de oplichter", "[telefoon] is de oplichter"),
    (
        "ik werd gebeld door 0900 1234567 over mijn bank",
        "ik werd gebeld door [telefoon] over mijn bank",
    ),
    ("whatsapp van +44 7911 123456 die geld vroeg", "whatsapp van [telefoon] die geld vroeg"),
    # phone numbers that only phonenumbers gets right: foreign ones, digits typed one by one
    ("bel me op +32 470 12 34 56", "bel me op [telefoon]"),
    ("mijn nummer: 0 6 1 2 3 4 5 6 7 8", "mijn nummer: [telefoon]"),
    ("0032 470 12 34 56 is mijn Belgische nummer", "[telefoon] is mijn Belgische nummer"),
    ("de oplichter belde met +49 151 23456789", "de oplichter belde met [telefoon]"),
    ("Engels nummer +44 (0)20 7946 0958", "Engels nummer [telefoon]"),
    ("+33 6 12 34 56 78 stuurde een sms", "[telefoon] stuurde een sms"),
    ("mijn vader: +31 (0)570 123456", "mijn vader: [telefoon]"),
    ("bel +31 20 123 4567 na 9 uur", "bel [telefoon] na 9 uur"),
    ("tel. 0570 - 12 34 56", "tel. [telefoon]"),
    ("(06) 12 34 56 78 na zessen", "[telefoon] na zessen"),
    ("bel 0900-8845 niet, dat is nep", "bel [telefoon] niet, dat is nep"),
    ("wanneer bel ik 112 en wanneer 06-12345678", "wanneer bel ik 112 en wanneer [telefoon]"),
    ("0900-8844 of 06 1234 5678", "0900-8844 of [telefoon]"),
    # dates of birth and full dates
    ("geboren 12-03-1985 in Deventer", "geboren [datum] in Deventer"),
    ("mijn geboortedatum is 12/03/1985", "mijn geboortedatum is [datum]"),
    ("mijn zoon is op 3 maart 2009 geboren", "mijn zoon is op [datum] geboren"),
    ("geboren op 3 maart", "geboren op [datum]"),
    ("geb. 12-3-85", "geb. [datum]"),
    ("hij is jarig op 14 februari", "hij is jarig op [datum]"),
    ("geboortedatum: 1985-03-12", "geboortedatum: [datum]"),
    ("verjaardag 7 mei", "verjaardag [datum]"),
    ("dob 03.04.1990", "dob [datum]"),
    ("de aangifte is van 5 januari 2024", "de aangifte is van [datum]"),
    ("op 01-02-2021 om 12:00 was er een inbraak", "op [datum] om 12:00 was er een inbraak"),
    # a citizen service number in groups: only when it passes the eleven-test
    ("mijn bsn is 1234 56 782", "mijn bsn is [nummer]"),
    ("BSN 1234.56.782", "BSN [nummer]"),
    ("burgerservicenummer 123 456 782", "burgerservicenummer [nummer]"),
    ("bsn: 12 34 56 782 klopt dat", "bsn: [nummer] klopt dat"),
    # e-mail, links and accounts
    ("mail mij op jan.devries@gmail.com", "mail mij op [email]"),
    ("J.Jansen+politie@hotmail.nl stuurde dit", "[email] stuurde dit"),
    ("mijn mail is piet [at] ziggo.nl", "mijn mail is [email]"),
    ("zie https://www.facebook.com/jan.jansen.123", "zie [url]"),
    ("staat op www.marktplaats.nl/v/fietsen/m123456.", "staat op [url]."),
    ("zijn profiel instagram.com/buurjongen_deventer", "zijn profiel [url]"),
    ("hij heet @kees_dev op telegram", "hij heet [account] op telegram"),
    # e-mail written so that it is not one
    ("mail piet.bakker [at] gmail [dot] com", "mail [email]"),
    ("piet (at) ziggo (dot) nl is mijn adres", "[email] is mijn adres"),
    ("stuur naar piet at gmail dot com", "stuur naar [email]"),
    ("mail: jan{at}kpnmail{dot}nl", "mail: [email]"),
    ("piet @ gmail . com", "[email]"),
    ("jan@ziggo.nl. Ik wacht op antwoord", "[email]. Ik wacht op antwoord"),
    ("mail info@example.nl of bel", "mail [email] of bel"),
    # bank accounts and other long numbers
    (
        "ik heb 50 euro overgemaakt naar NL91ABNA0417164300",
        "ik heb 50 euro overgemaakt naar [iban]",
    ),
    ("rekening NL91 ABNA 0417 1643 00 is oplichter", "rekening [iban] is oplichter"),
    ("iban nl91abna0417164300 klopt dat", "iban [iban] klopt dat"),
    ("Belgische rekening BE68 5390 0754 7034", "Belgische rekening [iban]"),
    ("mijn bsn is 123456782", "mijn bsn is [nummer]"),
    ("aangifte met nummer 2023123456", "aangifte met nummer [nummer]"),
    # licence plates, every side code family
    (
        "de auto met kenteken 12-ABC-3 rijdt te hard",
        "de auto met kenteken [kenteken] rijdt te hard",
    ),
    ("AB-12-CD staat al weken op de stoep", "[kenteken] staat al weken op de stoep"),
    ("scooter 1-ABC-23 racet door de straat", "scooter [kenteken] racet door de straat"),
    ("busje XX-999-X verdacht", "busje [kenteken] verdacht"),
    ("kenteken 99-XX-99 en GH-12-34", "kenteken [kenteken] en [kenteken]"),
    ("auto zonder streepjes: 12abc3", "auto zonder streepjes: [kenteken]"),
    ("kenteken ab-123-c heeft mijn fiets geraakt", "kenteken [kenteken] heeft mijn fiets geraakt"),
    ("X-999-XX en 9-XX-999 en 999-XX-9", "[kenteken] en [kenteken] en [kenteken]"),
    ("witte bus KL 123 M bij school", "witte bus [kenteken] bij school"),
    # postcode with house number
    ("ik woon op 7411 AB 12", "ik woon op [adres]"),
    ("adres: 7415AB 3a", "adres: [adres]"),
    ("7418 gj, 2 is het politiebureau", "[adres] is het politiebureau"),
    # street and house number
    ("ik woon op de Brink 12", "ik woon op de [adres]"),
    ("Keizerstraat 4a heeft last van jongeren", "[adres] heeft last van jongeren"),
    ("inbraak bij Hoge Hondstraat 12-2", "inbraak bij [adres]"),
    ("overlast bij Burgemeester van Suchtelenstraat 45", "overlast bij [adres]"),
    ("mijn adres is keizerstr. 12", "mijn adres is [adres]"),
    ("ik woon aan de brink 12 in deventer", "ik woon aan de [adres] in deventer"),
    ("buren op Grote Kerkhof 3 schreeuwen", "buren op [adres] schreeuwen"),
    ("ik woon op de zwolseweg 220 bis", "ik woon op de [adres]"),
    ("Brink 12, 7411 BR Deventer", "[adres], 7411 Deventer"),
    ("de Lange Zandstraat 5 II is leeg", "de [adres] is leeg"),
    # names after a clear cue
    ("ik heet Jan de Vries en mijn fiets is weg", "ik heet [naam] en mijn fiets is weg"),
    ("mijn naam is petra, wie is mijn wijkagent", "mijn naam is [naam], wie is mijn wijkagent"),
    ("groetjes, Anouk", "groetjes, [naam]"),
    # names: capitalised after "ik ben", in any case after "ik heet" and "mijn naam is"
    ("ik ben Jan de Vries", "ik ben [naam]"),
    ("Ik ben Fatima en ik woon in Keizerslanden", "Ik ben [naam] en ik woon in Keizerslanden"),
    ("hallo, ik ben Kees. Mijn fiets is gestolen", "hallo, ik ben [naam]. Mijn fiets is gestolen"),
    ("ik ben Anna van der Berg-Janssen uit Colmschate", "ik ben [naam] uit Colmschate"),
    ("ik ben Jan in 't Veld", "ik ben [naam]"),
    ("ik ben Peter, de buurman", "ik ben [naam], de buurman"),
    ("ik heet jan de vries en ik woon hier", "ik heet [naam] en ik woon hier"),
    ("ik heet jan bakker, wie is mijn wijkagent", "ik heet [naam], wie is mijn wijkagent"),
    ("mijn naam is mohammed el amrani", "mijn naam is [naam]"),
    ("ik heet Jan Willem de Vries", "ik heet [naam]"),
    ("ik heet jan in 't veld en heb een vraag", "ik heet [naam] en heb een vraag"),
    ("ik heet anna woon in de brink 12", "ik heet [naam] woon in de [adres]"),
    ("met vriendelijke groet, Piet Bakker", "met vriendelijke groet, [naam]"),
    ("mvg jan de vries", "mvg [naam]"),
    ("my name is John Smith", "my name is [naam]"),
    # more addresses, plates and accounts
    ("mijn adres is Storminkstraat 2, 7418 GJ Deventer", "mijn adres is [adres], 7418 Deventer"),
    ("ik woon op de worp 3", "ik woon op de [adres]"),
    ("overlast bij Keizerstraat 12 a", "overlast bij [adres]"),
    ("wij wonen aan de Boxbergerweg 140", "wij wonen aan de [adres]"),
    ("kenteken 12 - ABC - 3 reed door rood", "kenteken [kenteken] reed door rood"),
    ("NL02RABO0123456789 is zijn rekening", "[iban] is zijn rekening"),
    # a full mix, as residents write
    (
        "Buurman (06-11223344) van Keizerstraat 7 parkeert zijn auto 34-KLM-5 op de stoep, "
        "mail mij: an@example.nl",
        "Buurman ([telefoon]) van [adres] parkeert zijn auto [kenteken] op de stoep, "
        "mail mij: [email]",
    ),
    (
        "Ik ben Jan, ik woon op Brink 12 en mijn nummer is 06-12345678",
        "Ik ben [naam], ik woon op [adres] en mijn nummer is [telefoon]",
    ),
    (
        "geb. 12-3-85, bsn 1234 56 782, mail piet at gmail dot com",
        "geb. [datum], bsn [nummer], mail [email]",
    ),
]

UNCHANGED = [
    "wie is mijn wijkagent in 7415",
    "ik woon in 7419",
    "het gebeurde om 20:30",
    "om 20.30 uur hoorde ik glas breken",
    "bel ik dan 112?",
    "wanneer bel ik 112 en wanneer 0900-8844",
    "anoniem melden via 0800-7000",
    "Veilig Thuis is 0800-2000 toch?",
    "slachtofferhulp 0900-0101",
    "fraudehelpdesk 088-786 73 72",
    "dier in nood, 144",
    "sinds 2021 is het erger geworden",
    "In 2021 is mijn fiets gestolen",
    "Om 12 uur was het weer rustig",
    "al 3 weken overlast van 5 jongeren",
    "mijn fiets kostte € 1.250",
    "het huis kostte 1.250.000 euro",
    "wat is marktplaats.nl fraude",
    "op 01-02 om 12:00 was er een inbraak",
    "Lange Zandstraat overlast",
    "ik woon sinds 2019 in Colmschate",
    "fiets gejat wat nu",
    "wie is de wijkagent van de Brink",
    "look at this",
    # "ik ben" without a name after it
    "ik ben bang",
    "ik ben gisteren bestolen",
    "ik ben het niet eens met de boete",
    "ik ben Deventenaar",
    "ik ben Marokkaanse en woon hier",
    "ik ben Maandag niet thuis",
    "ik ben de moeder van een slachtoffer",
    "ik ben Ajax-fan",
    "Ik Ben Bang Voor De Buren",
    "mijn naam is niet belangrijk",
    # numbers that look like personal data but are not
    "om 20:30",
    "om 06:30 gaat mijn wekker",
    "in 2021",
    "ik ben geboren in 1985",
    "op 3 maart",
    "vorige week op 3 maart",
    "sinds 1 januari is er een nieuwe wijkagent",
    "in maart 2009 begon het",
    "0900-8844",
    "112",
    "7415",
    "€ 1.250",
    "de fiets kostte 12.50 euro",
    "de teller stond op 123 456 789",
    "Politie 0900-8844",
    "Fraudehelpdesk 088-786 73 72",
]


@pytest.mark.parametrize(("text", "expected"), SCRUBBED)
def test_personal_data_is_replaced(registry: Scrubber, text: str, expected: str) -> None:
    assert registry(text) == expected


@pytest.mark.parametrize("text", UNCHANGED)
def test_harmless_text_stays(registry: Scrubber, text: str) -> None:
    assert registry(text) == text


def test_postcode_without_house_number_is_shortened_to_four_digits() -> None:
    assert scrub("mijn postcode is 7415 AB") == "mijn postcode is 7415"
    assert scrub("7411BR wijkagent") == "7411 wijkagent"


def test_public_lines_stay_only_when_in_the_registry(registry: Scrubber) -> None:
    assert registry("bel 0900-8844") == "bel 0900-8844"
    assert registry("bel 0900-8845") == "bel [telefoon]"
    assert scrub("bel 0900-8844") == "bel [telefoon]"  # no registry: nothing is public


def test_scrubbing_twice_changes_nothing(registry: Scrubber) -> None:
    for text, _ in SCRUBBED:
        once = registry(text)
        assert registry(once) == once


def test_no_digits_of_a_phone_number_survive(registry: Scrubber) -> None:
    for text, _ in SCRUBBED:
        scrubbed = registry(text)
        assert not re.search(r"\d{6,}", scrubbed), scrubbed


def test_placeholders_are_recognisable() -> None:
    found = PLACEHOLDER_RE.findall(scrub("bel 0612345678 of mail a@b.nl over Brink 12"))
    assert found == ["[telefoon]", "[email]", "[adres]"]
    assert PLACEHOLDER_RE.findall(scrub("geboren op 3 maart")) == ["[datum]"]


def test_a_grouped_number_stays_unless_it_passes_the_eleven_test() -> None:
    assert scrub("bsn 1234 56 782") == "bsn [nummer]"
    assert scrub("bsn 1234 56 783") == "bsn 1234 56 783"


def test_a_message_full_of_numbers_still_loses_them_all() -> None:
    """Past the limit of phonenumbers look-ups per message the shape decides: still removed."""
    text = " ".join(f"06{n:08d}" for n in range(12345678, 12345678 + 100))
    assert set(scrub(text).split()) == {"[telefoon]"}


def test_enough_realistic_examples() -> None:
    assert len(SCRUBBED) >= 100
    assert len(UNCHANGED) >= 50


# -- time: every pattern is linear in the message length --------------------------------------

MAX_MESSAGE = 4096  # Telegram's limit for one text message
BUDGET_SECONDS = 0.005  # the worst linear shape takes ~1 ms on an idle machine
MAX_GROWTH = 8.0  # linear: ~4x for 4x the text; quadratic: ~16x


def _filled(unit: str) -> str:
    """unit repeated to exactly MAX_MESSAGE characters."""
    return (unit * (MAX_MESSAGE // len(unit) + 1))[:MAX_MESSAGE]


# Shapes that make a pattern try every start position and scan to the end, or a digit run hold
# thousands of groups; plus realistic text at full length.
WORST_CASE_SHAPES = {
    "a-a-a": _filled("a-"),
    "a.a.a": _filled("a."),
    "1 1 1": _filled("1 "),
    "1-1-1": _filled("1-"),
    "digits and dots": _filled("1."),
    "digits": "1" * MAX_MESSAGE,
    "0 6 0 6": _filled("0 6 "),
    "06-06-06": _filled("06-"),
    "+1 +1": _filled("+1 "),
    "(1(1": _filled("(1"),
    "aaaa…@": "a" * (MAX_MESSAGE - 1) + "@",
    "a.a.a…@": _filled("a.")[:-1] + "@",
    "a@a@a": _filled("a@"),
    "x": "x" * MAX_MESSAGE,
    "1a1a": _filled("1a"),
    "Aaa Aaa": _filled("Aaa "),
    "Aa van Aa": _filled("Aa van "),
    "spaces": " " * MAX_MESSAGE,
    "emoji": _filled("😀"),
    "[at]": _filled("[at]"),
    "a [at] a": _filled("a [at] "),
    "a at a dot": _filled("a at b dot "),
    "www.": _filled("www."),
    "a/a/": _filled("a/"),
    "ik ben Jan": _filled("ik ben Jan "),
    "ik heet jan van de": _filled("ik heet jan van de "),
    "3 maart": _filled("3 maart "),
    "12-03-1985": _filled("12-03-1985 "),
    "1234 56 782": _filled("1234 56 782 "),
    "phone numbers": _filled("bel 06-12345678 "),
    "distinct phone numbers": " ".join(f"06{n:08d}" for n in range(12345678, 12345678 + 400))[
        :MAX_MESSAGE
    ],
    "a 1 a 1": _filled("a 1 "),
    "Aa 1 Aa 1": _filled("Aa 1 "),
    "AAA AAA": _filled("AAA "),
    "plates": _filled("12-ABC-3 "),
    "addresses": _filled("Keizerstraat 4a "),
    "e-mail addresses": _filled("jan@ziggo.nl "),
    "links": _filled("https://x.nl/a "),
    "dates": _filled("geboren op 3 maart "),
    "names": _filled("ik heet jan de vries en "),
    "mixed": _filled("Aa-1.b [at] c (dot) 06 12 x@y. Brink 12 7411 AB 😀 "),
    "realistic": _filled(
        "Gisteren om 20:30 zag ik bij de Keizerstraat 12 een witte bus met kenteken 12-ABC-3, "
        "de bestuurder belde met 06-12345678 en mailde naar jan.devries@gmail.com. Ik woon "
        "sinds 2019 in Colmschate, 7415 AB 3, en mijn fiets kostte € 1.250. Wie is mijn "
        "wijkagent? "
    ),
}


@pytest.fixture(scope="module")
def best_times(registry: Scrubber) -> dict[str, tuple[float, float]]:
    """The best of three runs per shape, at full length and at a quarter of it.

    Rounds rather than three runs in a row, so that one shape's runs are spread out and a moment
    when the machine is slow does not hold all three. The phone-number cache is emptied before
    each run: a cold cache is the worst case.
    """
    best = {shape: (float("inf"), float("inf")) for shape in WORST_CASE_SHAPES}
    for _ in range(3):
        for shape, text in WORST_CASE_SHAPES.items():
            full, quarter = best[shape]
            best[shape] = (
                min(full, _cold_time(registry, text)),
                min(quarter, _cold_time(registry, text[: MAX_MESSAGE // 4])),
            )
    return best


def _cold_time(registry: Scrubber, text: str) -> float:
    scrub_module._PHONE_CACHE.clear()
    start = time.perf_counter()
    registry(text)
    return time.perf_counter() - start


@pytest.mark.parametrize("shape", WORST_CASE_SHAPES)
def test_a_full_length_message_of_any_shape_scrubs_in_linear_time(
    best_times: dict[str, tuple[float, float]], shape: str
) -> None:
    """A shape fails when it is both slow and grows faster than its length.

    Four times the text takes about four times as long when every pattern is linear, sixteen
    times when one backtracks quadratically (the bug this guards against took a CPU second). A
    wall-clock budget alone failed on a loaded CI machine at 5-7 ms for linear shapes, so the
    budget only says which shapes are worth the growth check.
    """
    assert len(WORST_CASE_SHAPES[shape]) == MAX_MESSAGE
    full, quarter = best_times[shape]
    growth = full / max(quarter, 1e-6)
    slow = full > BUDGET_SECONDS
    assert not (slow and growth > MAX_GROWTH), (
        f"{shape}: {full * 1000:.1f} ms, {growth:.1f}x the time of a quarter of it"
    )
