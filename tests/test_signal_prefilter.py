"""The one-pass prefilter of the signal terms finds exactly what testing every term finds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.normalize import loosen, normalize
from classifier.prefilter import Prefilter
from classifier.signals import Signals, compile_term, required_words
from classifier.urgency import signal_urgency

TERMS = ["Wohngeld", "volle Erwerbsminderung", "*miete", "re:\\b(?:strom|gas)\\s?sperre",
         "re:\\bkein(?:en)? strom\\b|\\bkaution (?:und|ab)\\b",
         "re:\\d{2}\\.\\d{2}\\.", "Kaution", "kein Geld"]
MATCHERS = [compile_term(t) for t in TERMS]
WORDS = ["wohngeld", "voller", "erwerbsminderung", "mietschulden", "strom", "gas", "sperre",
         "12.03.", "kaution", "kein", "geld", "und", " ", "\n", "ab"]


def _brute_force(text: str) -> list[int]:
    return [i for i, m in enumerate(MATCHERS) if m.search(text)]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=12).map(" ".join))
def test_the_candidates_contain_every_term_that_matches_in_order(text: str) -> None:
    prefilter = Prefilter(enumerate(MATCHERS))
    candidates = [i for i, _ in prefilter.candidates(text)]
    assert candidates == sorted(candidates)
    assert set(_brute_force(text)) <= set(candidates)


def test_a_term_without_a_known_word_is_always_a_candidate() -> None:
    prefilter = Prefilter(enumerate(MATCHERS))
    assert [i for i, _ in prefilter.candidates("nichts davon")] == [5]


def test_a_regex_of_branches_needs_the_words_of_every_branch() -> None:
    # The second branch matches without the first one's words: a prefilter keyed on
    # „strom“ or „gas“ alone would never try it.
    assert required_words(r"\b(?:strom|gas)\s?sperre|\buebernahme der \w*schulden") == (
        "strom", "gas", "uebernahme der ")
    assert required_words(r"\bkein(?:en)? geld|(?:x|\d+) euro") == ()
    assert required_words(r"\b(?:a|b)[|]x") == ("a", "b")
    term = compile_term(r"re:\b(?:bezahlen|zahlen) sie die schulden|\buebernahme der \w*schulden")
    text = loosen(normalize("Ich bitte um Übernahme der Mietschulden.", {}))
    assert [i for i, _ in Prefilter([(0, term)]).candidates(text)] == [0]
    assert term.find(text)


def test_the_signals_find_the_same_hits_as_every_term_tested_alone() -> None:
    signals = Signals.load()
    text = loosen(normalize("Der Strom wird abgestellt, ich habe kein Geld für die Miete und "
                            "die Kaution. Wohngeld ist abgelehnt, Frist bis 12.03.", signals.shorthand))
    expected = [(q, m.find(text)) for q, ms in signals.queues.items() for m in ms if m.find(text)]
    assert [(h.target, h.trigger) for h in signals.queue_hits(text)] == expected
    assert expected
    every_term = signal_urgency(signals.urgent, signals.urgency_cues, text)
    assert signals.urgency(text) == every_term
    assert every_term[0]
