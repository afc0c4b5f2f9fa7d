"""The Steuerung page's figures for its own charts and downloads (admin.steering_kept), and one
database connection per dashboard request (admin.reads)."""

from __future__ import annotations

import re

import pytest

from store.settings import get_settings
from tests.web import add_item, client_for, create_users


def _leitung() -> None:
    from store.db import session_scope
    from store.users import create_user

    create_users()
    with session_scope(get_settings()) as session:
        create_user(session, "leitung", "Passwort-fuer-Tests-1", ["leitung"], [], "Frau Leitung")


def _mark(page_html: str) -> str:
    marks = set(re.findall(r"[?&](?:amp;)?stand=([\w-]+)", page_html))
    assert len(marks) == 1, marks  # every chart and download of the page carries the same mark
    return marks.pop()


def _wohngeld_row(client, query: str) -> str:  # type: ignore[no-untyped-def]
    csv = client.get(f"/steuerung/aemter.csv?{query}")
    assert csv.status_code == 200
    return next((line for line in csv.text.splitlines() if line.lstrip("\ufeff").startswith("wohngeld;")), "")


@pytest.fixture
def moved_clock(monkeypatch):  # type: ignore[no-untyped-def]
    """The kept figures' clock, moved on by hand (no waiting in a test)."""
    from admin import steering_kept

    now = [1000.0]
    monkeypatch.setattr(steering_kept, "clock", lambda: now[0])
    steering_kept.forget()
    yield now
    steering_kept.forget()


def test_charts_and_downloads_show_the_pages_numbers_and_nothing_older(store_backend, moved_clock):
    from admin.steering_kept import HOLD_SECONDS

    _leitung()
    add_item("Wohngeld", "Antrag", "wohngeld")
    chef = client_for("leitung")
    page = chef.get("/steuerung?einheit=monat")
    period = re.search(r"einheit=monat&amp;von=[\d-]+&amp;bis=[\d-]+", page.text).group(0).replace("&amp;", "&")
    mark = _mark(page.text)
    on_page = _wohngeld_row(chef, f"{period}&stand={mark}")
    assert on_page.startswith("wohngeld;1;0;") and ";1;" in on_page  # one routed, one open

    # When a second Wohngeld item arrives after the page was computed ...
    add_item("Wohngeld", "Noch ein Antrag", "wohngeld")
    # ... the page's charts and downloads still show the page's numbers, those of its tables,
    assert _wohngeld_row(chef, f"{period}&stand={mark}") == on_page
    svg_kept = chef.get(f"/steuerung/diagramm/aemter.svg?{period}&stand={mark}").text
    # ... while a request without the mark, and a reloaded page with its new mark, show the change,
    fresh = _wohngeld_row(chef, period)
    assert fresh.startswith("wohngeld;2;0;") and fresh != on_page
    assert chef.get(f"/steuerung/diagramm/aemter.svg?{period}").text != svg_kept
    reloaded = chef.get("/steuerung?einheit=monat").text
    assert _mark(reloaded) != mark and _wohngeld_row(chef, f"{period}&stand={_mark(reloaded)}") == fresh
    # ... another period, another user (even one seeing every office) never get the page's numbers,
    assert _wohngeld_row(chef, f"einheit=tag&stand={mark}").startswith("wohngeld;2;")
    assert _wohngeld_row(client_for("chef"), f"{period}&stand={mark}") == fresh
    assert _wohngeld_row(client_for("jc"), f"{period}&stand={mark}") == ""  # only the offices they see
    # ... and HOLD_SECONDS after the page the mark computes afresh too.
    moved_clock[0] += HOLD_SECONDS - 1
    assert _wohngeld_row(chef, f"{period}&stand={mark}") == on_page
    moved_clock[0] += 2
    assert _wohngeld_row(chef, f"{period}&stand={mark}") == fresh


def test_a_dashboard_request_takes_one_connection(store_backend):
    """The user lookup and the figures share one pool checkout (one ping on PostgreSQL)."""
    from sqlalchemy import event

    from store import catalogue
    from store.db import get_engine

    _leitung()
    add_item("Wohngeld", "Antrag", "wohngeld")
    chef = client_for("leitung")
    chef.get("/steuerung")  # the catalogue is loaded, the drawings' module imported
    checkouts = []

    def counted(*_args) -> None:  # type: ignore[no-untyped-def]
        checkouts.append(1)

    engine = get_engine(get_settings())
    event.listen(engine, "checkout", counted)
    try:
        for path in ("/steuerung?einheit=woche", "/steuerung/diagramm/aemter.svg?einheit=woche",
                     "/steuerung/aemter.csv?einheit=woche"):
            # The catalogue's check for changes falls due (every few seconds, on a slow machine
            # between two of these requests): it must ride on the request's connection too.
            catalogue.forget()
            checkouts.clear()
            assert chef.get(path).status_code == 200
            assert len(checkouts) == 1, path
    finally:
        event.remove(engine, "checkout", counted)
