"""What a search word finds in the inbox, on embedded SQLite as on PostgreSQL: German words in
any inflection a stem covers, umlauts and ß either way, any case; all words of a search.
SQLite also finds a word inside a compound, as its former LIKE search did."""

from __future__ import annotations

import pytest

from tests.web import add_item, create_users

ITEMS = [
    ("Antrag auf Wohngeld", "Ich beantrage Wohngeld für meine Wohnung in der Gartenstraße."),
    ("Ärger mit dem Vermieter", "Herr Müller hat die Miete erhöht."),
    ("Anträge", "Hiermit reiche ich meine Anträge ein. Die Stromsperre ist angekündigt."),
    ("Frage", "Zu 100% sicher: Kennung a_b, Zimmer \"7\""),
]
BOTH = {  # search → subjects found, on either backend
    "Wohngeld": {"Antrag auf Wohngeld"},
    "muller": {"Ärger mit dem Vermieter"},
    "MÜLLER": {"Ärger mit dem Vermieter"},
    "ärger": {"Ärger mit dem Vermieter"},
    "Gartenstrasse": {"Antrag auf Wohngeld"},
    "Anträge": {"Antrag auf Wohngeld", "Anträge"},
    "antrag": {"Antrag auf Wohngeld", "Anträge"},
    "Mieten": {"Ärger mit dem Vermieter"},
    "Mueller": set(),  # neither folds "ue"
    "Stromsperre": {"Anträge"},
    "Wohngeld Stromsperre": set(),  # every word must be found
    "Anträge Stromsperre": {"Anträge"},
}
SQLITE_ONLY = {  # the compounds and substrings the former LIKE search found
    "geld": {"Antrag auf Wohngeld"},
    "sperre": {"Anträge"},
    "mi": {"Ärger mit dem Vermieter", "Anträge"},  # too short for the index: checked row by row
    "100%": {"Frage"},
    "a_b": {"Frage"},
    '"7"': {"Frage"},
    "%": {"Frage"},
    "_": {"Frage"},
    "Gartenstraße sperre": set(),
}


def _found(way: str, searches: dict[str, set[str]], monkeypatch) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from admin import inbox
    from admin.inbox import InboxFilter, clock_for, inbox_page
    from store import sqlite_search
    from store.db import session_scope
    from store.models import User
    from store.settings import get_settings

    # "window": every item is read in inbox order and checked. Else a window of one item sends
    # every search past it: to the word index ("index"; SQLite's for every word it finds), or
    # on SQLite, where every word is taken as too common for its index, on in inbox order.
    # Sorted by time left, the same two ways on SQLite: from its index, or every row checked.
    window = 1000 if way == "window" else 1
    monkeypatch.setattr(inbox, "SEARCH_WINDOW", window)
    monkeypatch.setattr(inbox, "SQLITE_SEARCH_WINDOW", window)
    monkeypatch.setattr(sqlite_search, "PROBE", 0 if "in order" in way else 5000)
    sort = "zielzeit" if way.startswith("time left") else ""
    with session_scope(get_settings()) as session:
        user = session.scalars(select(User).where(User.username == "es")).one()
        clock = clock_for(session, get_settings())
        return {q: {r.subject for r in inbox_page(session, user, InboxFilter(q=q, sort=sort), clock=clock)[0]}
                for q in searches}


@pytest.mark.parametrize("way", ["window", "index", "in order", "time left", "time left, in order"])
def test_search_words_find_the_same_on_both_backends(store_backend, monkeypatch, way) -> None:  # type: ignore[no-untyped-def]
    create_users()
    for minutes, (subject, text) in enumerate(ITEMS):
        add_item(subject, text, "jobcenter", minutes_ago=minutes)
    assert _found(way, BOTH, monkeypatch) == BOTH


@pytest.mark.parametrize("way", ["window", "index", "in order", "time left", "time left, in order"])
def test_sqlite_also_finds_words_inside_compounds(settings, monkeypatch, way) -> None:  # type: ignore[no-untyped-def]
    create_users()
    for minutes, (subject, text) in enumerate(ITEMS):
        add_item(subject, text, "jobcenter", minutes_ago=minutes)
    assert _found(way, SQLITE_ONLY, monkeypatch) == SQLITE_ONLY


def test_search_keys_are_stems_only_where_they_begin_the_word() -> None:
    from store.sqlite_search import search_key, trigram_query

    assert search_key("Anträge") == "antrag" and search_key("Mieten") == "miet"
    assert search_key("Mueller") == "mueller"  # Snowball's stem "mull" does not begin "mueller"
    assert search_key("Ärger") == "arger"  # its stem "arg" is too short to search by
    assert search_key("EIN-77777") == "ein-77777" and search_key("Straße") == "strass"
    assert trigram_query(["mi"]) is None
    assert trigram_query(['a"bc']) == '"""bc" AND "a""b"'  # quotes doubled inside quotes


IDENTIFIERS = {  # as a letter writes them → as staff type them from the case file
    "Kundennummer 123 D 456789": "123D456789",
    "BG-Nummer 26102 BG 0041877": "26102BG0041877",
    "Wohngeldnummer 62 - WG - 114523": "62-WG-114523",
    "Aktenzeichen EGH - 2026 - 0318": "EGH-2026-0318",
}


@pytest.mark.parametrize("way", ["window", "index"])
def test_an_identifier_is_found_as_the_case_file_writes_it(store_backend, monkeypatch, way) -> None:  # type: ignore[no-untyped-def]
    from store.settings import get_settings
    from worker.steps import classify

    create_users()
    # Given letters that write their identifiers with spaces, as people do, classified
    for minutes, written in enumerate(IDENTIFIERS):
        item_id = add_item(written, f"Guten Tag,\nmeine {written}. Ich bitte um Auskunft.",
                           None, minutes_ago=minutes, status="extracted")
        classify(item_id, settings=get_settings())
    # When staff search the identifier as their case file has it
    searches = {compact: {written} for written, compact in IDENTIFIERS.items()}
    # Then they find the letter
    assert _found(way, searches, monkeypatch) == searches
