"""Every text key, FAQ id and line id the code names: the contract between code and content/.

Why a registry: a text the code asks for but content/teksten.yaml lacks, or a `{placeholder}` the
code does not fill, only fails when a resident triggers it, and the alarm text is the worst place
to find out. `wijkbot check` and every reload compare content/ against this table (see
bot/content/model.py), and a test compares this table with the source, so neither side can drift.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TextKey:
    """What the code fills in a text, and which lines the text must show."""

    values: frozenset[str] = frozenset()  # placeholders the code passes by name
    lines: bool = False  # the code also passes every line id: {spoed}, {geen_spoed}, {bel_m}, …
    shows: tuple[str, ...] = ()  # line ids whose number the filled text must contain
    languages: tuple[str, ...] = ("nl", "en")  # the languages the text must exist in


SAFETY = ("nl", "en", "de", "tr", "pl", "ar", "uk")  # residents in danger read these in their own


def key(
    *values: str,
    lines: bool = False,
    shows: tuple[str, ...] = (),
    languages: tuple[str, ...] = ("nl", "en"),
) -> TextKey:
    return TextKey(frozenset(values), lines, shows, languages)


EMERGENCY_LINES = ("spoed", "geen_spoed")  # every fallback shows 112 and 0900-8844

TEXTS: dict[str, TextKey] = {
    # safety lines and fallbacks: they must show the numbers themselves
    "alarm": key(lines=True, shows=("spoed",), languages=SAFETY),
    "footer": key(lines=True, shows=EMERGENCY_LINES, languages=SAFETY),
    "crisis": key(lines=True, shows=("zelfmoordpreventie", "spoed"), languages=SAFETY),
    "taal_noot": key(languages=SAFETY),
    "app_112": key(languages=SAFETY),
    "lijn": key("label", "nummer"),
    "bel_m_regel": key("nummer", "web", languages=SAFETY),
    "niet_begrepen": key(lines=True),
    "iets_anders_antwoord": key(lines=True),
    # fixed answers without the core (rendered with the footer)
    "fout": key(lines=True, shows=EMERGENCY_LINES),
    "te_veel": key(lines=True, shows=("spoed",)),
    "onbekend_commando": key(lines=True),
    "alleen_tekst": key(lines=True),
    "bewerkt": key(lines=True),
    "leeg": key(),
    "laat": key(languages=SAFETY),
    "te_lang": key(),
    "bedoelt_u": key(),
    "iets_anders": key(),
    "verlopen_knop": key(),
    "vraag_stellen": key(),
    "engels_noot": key(),
    # the wijkagent dialogue
    "wijkagent_vraag_plaats": key(),
    "groep_prive": key(),
    "wijkagent_antwoord": key("buurt", "wijk"),
    "wijkagent_wijk": key("wijk"),
    "wijkagent_geen_naam": key("wijk"),
    "wijkagent_naam": key("datum", "namen"),
    "wijkagent_live": key("datum", "namen"),
    "wijkagent_bereiken": key("geen_spoed", "wijk"),
    "wijk_meerdere": key("naam", "postcode"),
    "postcode_meerdere": key("naam", "postcode"),
    "buiten_deventer": key(),
    "plaats_niet_gevonden": key(),
    "indeling_uitleg": key(),
    "onthouden_vraag": key("wijk"),
    "onthouden_ja": key(),
    "onthouden_nee": key(),
    "onthouden_gedaan": key("wijk"),
    "onthouden_wijk": key("wijk"),
    "niet_onthouden": key(),
    "vergeten_gedaan": key(),
    "opslag_fout": key(),
    # the police station
    "politiebureau_naam": key(),
    "politiebureau_titel": key("naam"),
    "politiebureau_live": key("adres", "datum", "titel"),
    "politiebureau_live_geen_adres": key("datum", "titel"),
    "politiebureau_live_tijden": key("tijden"),
    "politiebureau_live_verder": key("geen_spoed", "url"),
    # the Telegram door: menu, commands, feedback
    "welkom": key(),
    "knop_wijkagent": key(),
    "knop_locatie": key(),
    "knop_spoed": key(),
    "knop_anoniem": key(),
    "knop_vraag": key(),
    "feedback_vraag": key(),
    "feedback_ja": key(),
    "feedback_nee": key(),
    "feedback_dank": key(),
    "commando_start": key(),
    "commando_help": key(),
    "commando_wijkagent": key(),
    "commando_spoed": key(),
    "commando_anoniem": key(),
    "commando_privacy": key(),
    "commando_vergeet": key(),
    # the terminal door
    "chat_welkom": key(),
    # operators
    "beheer_stats": key(
        *(
            f"{period}_{what}"
            for period in ("vandaag", "week")
            for what in ("berichten", "beantwoord", "niet_begrepen", "alarm", "goed", "slecht")
        )
    ),
    "beheer_herlaad_gelukt": key("versie", "vragen"),
    "beheer_herlaad_mislukt": key("fouten", "versie"),
}

# FAQ entries the code names. Name them here, never as loose strings elsewhere.
WIJKAGENT = "wijkagent_wie"  # its answer runs the wijkagent dialogue
BEL_M = "anoniem_melden"  # the anonymous route: Bel M is already its answer
MENU = (WIJKAGENT, "spoed_112", BEL_M, "aangifte_doen")  # the main topics, as buttons
MENU_TARGETS = {"wijkagent": WIJKAGENT, "spoed": "spoed_112", "anoniem": BEL_M}  # menu:<name>
ABOUT = "over_bot"  # /start and /help (bot/core/commands.py)
PRIVACY = "privacy"  # /privacy
FAQ_IDS = frozenset({*MENU, *MENU_TARGETS.values(), ABOUT, PRIVACY})

# Lines the code names; the rest of content/lijnen.yaml is free to change.
LINE_IDS = frozenset({"spoed", "geen_spoed", "bel_m", "zelfmoordpreventie"})
