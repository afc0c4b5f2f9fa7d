"""The language a request is written in, so that staff see at once when it needs a translation.

lingua ships its language models inside the package (no download at run time). It is restricted
to the languages people actually write to a German social administration in, and run in its
low-accuracy mode (trigram models only): some 45 MB instead of several hundred, a fraction of a
millisecond per request, and still reliable on the first few hundred characters of a request.
"""

from __future__ import annotations

import re
from functools import lru_cache

# ISO 639-1 → German name shown to staff ("Übersetzung nötig: Ukrainisch").
NAMES = {
    "de": "Deutsch", "en": "Englisch", "tr": "Türkisch", "ar": "Arabisch", "uk": "Ukrainisch",
    "ru": "Russisch", "pl": "Polnisch", "ro": "Rumänisch", "bg": "Bulgarisch", "fa": "Persisch",
    "fr": "Französisch", "it": "Italienisch", "es": "Spanisch", "sq": "Albanisch",
}
SAMPLE_CHARS = 400  # what a request's language is, its first lines tell
MIN_LETTERS = 12  # "ok danke", an identifier alone: too short to tell a language
MIN_CONFIDENCE = 0.5  # below this a non-German guess is not worth a tag

_LETTERS = re.compile(r"[^\W\d_]")
_WORDS = re.compile(r"[a-zäöüß]+")
_BEYOND_LATIN = re.compile(r"(?=[^\W\d_])[^\x00-\u024f]")  # a letter of Cyrillic, Arabic …
# Words of almost every German sentence and of no other language here: a text of Latin letters
# where they make up a good share of the words is German without asking the detector (which
# costs a millisecond; most requests are German).
_GERMAN = frozenset([
    "ich", "und", "die", "der", "das", "nicht", "ist", "mit", "für", "sie", "den", "ein",
    "eine", "einen", "zu", "von", "bitte", "habe", "mein", "meine", "wir", "auf", "ihre",
    "ihr", "mir", "mich", "bei", "dem", "des", "sich", "auch", "noch", "wie", "wurde", "wird",
    "sind", "haben", "kann", "hat", "meinen", "meiner", "uns", "unser", "unsere", "dass",
    "weil", "oder", "aber", "über", "nach", "vom", "zum", "zur"
])
# Digits, identifiers, addresses and the like say nothing about the language.
_NOISE = re.compile(r"\S*\d\S*|\S+@\S+|https?://\S+")


@lru_cache(maxsize=1)
def _detector():  # type: ignore[no-untyped-def]
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in NAMES]
    # Preloaded: loading a language's model on first sight would cost one request 0.1–0.2 s.
    return (LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode()
            .with_preloaded_language_models().build())


def warm() -> None:
    """Build the detector now (about 0.2 s), not in the middle of the first request."""
    _detector()


def detect(text: str) -> str | None:
    """ISO 639-1 code of the text's language, ``None`` if it cannot be told."""
    sample = _NOISE.sub(" ", text[: SAMPLE_CHARS * 2])[:SAMPLE_CHARS]
    if len(_LETTERS.findall(sample)) < MIN_LETTERS:
        return None
    if _clearly_german(sample):
        return "de"
    detector = _detector()
    language = detector.detect_language_of(sample)
    if language is None:
        return None
    code = language.iso_code_639_1.name.lower()
    if code != "de" and detector.compute_language_confidence(sample, language) < MIN_CONFIDENCE:
        return None
    return code


def _clearly_german(sample: str) -> bool:
    if _BEYOND_LATIN.search(sample):  # Cyrillic, Arabic …: not German
        return False
    words = _WORDS.findall(sample.lower())
    hits = sum(w in _GERMAN for w in words)
    return hits >= 4 and hits >= 0.2 * len(words)


def name(code: str | None) -> str | None:
    return NAMES.get(code) if code else None
