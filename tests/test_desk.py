"""The Eingangsservice's desk: the time left until each office's response target in the inbox
and on the item page, Wiedervorlage, and going on to the next item after an action."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from admin.response_clock import Clock
from store.settings import get_settings
from tests.web import add_item, client_for, create_users, post_form


def _row(queue: str, hours_ago: float, status: str = "routed", acted: bool = False):  # type: ignore[no-untyped-def]
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    return now, SimpleNamespace(queue=queue, status=status, received_at=now - timedelta(hours=hours_ago),
                                first_action_at=now if acted else None)


def test_time_left_reads_as_staff_say_it() -> None:
    clock_now, _ = _row("x", 0)
    clock = Clock({"clearing": 24.0, "wohngeld": 72.0}, 48.0, clock_now)
    cases = [("wohngeld", 67, "noch 5 Std.", "soon"), ("wohngeld", 50, "noch 22 Std.", "ok"), ("clearing", 23.5, "noch 30 Min.", "soon"),
             ("jobcenter", 0, "noch 2 Tage", "ok"), ("clearing", 24.25, "überfällig seit 15 Min.", "late"),
             ("jobcenter", 48 + 50, "überfällig seit 2 Tagen", "late"),
             ("jobcenter", 50, "überfällig seit 2 Std.", "late")]
    for queue, hours_ago, text, css in cases:
        _, row = _row(queue, hours_ago)
        left = clock.left(row)
        assert (left.text, left.css) == (text, css), (queue, hours_ago)
    # No clock once a person acted or the item is closed.
    assert clock.left(_row("clearing", 30, acted=True)[1]) is None
    assert clock.left(_row("clearing", 30, status="done")[1]) is None


def _rows(html: str) -> list[str]:
    return re.findall(r'<a href="/items/\d+">([^<]+)</a>', html)


def test_the_inbox_shows_sorts_and_filters_by_time_left(store_backend) -> None:  # type: ignore[no-untyped-def]
    # Given three items: Clearing 30 hours old (target 24: overdue), Wohngeld 10 hours old
    # (target 72), Jobcenter 40 hours old (target 48: 8 hours left), and one a person acted on.
    create_users()
    add_item("Unklar", "Bitte helfen", "clearing", minutes_ago=30 * 60)
    add_item("Mietzuschuss", "Wohngeld beantragen", "wohngeld", minutes_ago=10 * 60)
    add_item("Weiterbewilligung", "Bürgergeld weiter", "jobcenter", minutes_ago=40 * 60 - 10)
    acted = add_item("Bearbeitet", "schon angefasst", "jobcenter", minutes_ago=70 * 60)
    # Not routed yet (no office): the house default of 48 hours, 1 hour left.
    add_item("Unlesbar", "???", None, minutes_ago=47 * 60, status="needs_attention")
    es = client_for("es")
    post_form(es, f"/items/{acted}", f"/items/{acted}/notiz", {"text": "Rückruf vereinbart"})

    page = es.get("/inbox").text
    assert "überfällig seit 6 Std." in page and "noch 2 Tage" in page and "noch 8 Std." in page
    assert 'aria-sort' not in page and '>Zielzeit</a>' in page
    # Sorted by time left: the overdue first, the one without clock last.
    ordered = _rows(es.get("/inbox?sort=zielzeit").text)
    assert ordered == ["Unklar", "Unlesbar", "Weiterbewilligung", "Mietzuschuss", "Bearbeitet"]
    # Keyset pages in that order give the same sequence.
    from admin.inbox import InboxFilter, clock_for, inbox_page
    from store.db import session_scope
    from store.models import User
    from store.settings import get_settings

    with session_scope(get_settings()) as session:
        user = session.query(User).filter_by(username="es").one()
        seen, cursor, clock = [], None, clock_for(session, get_settings())
        while True:
            rows, cursor = inbox_page(session, user, InboxFilter(sort="zielzeit"), cursor, limit=1, clock=clock)
            seen += [r.subject for r in rows]
            if not cursor:
                break
    assert seen == ordered
    assert _rows(es.get("/inbox?zielzeit=ueberschritten").text) == ["Unklar"]
    assert set(_rows(es.get("/inbox?zielzeit=24").text)) == {"Unklar", "Unlesbar", "Weiterbewilligung"}


def test_the_item_page_shows_the_time_left(settings) -> None:  # type: ignore[no-untyped-def]
    create_users()
    item = add_item("Mietzuschuss", "Wohngeld beantragen", "wohngeld", minutes_ago=10 * 60)
    page = client_for("es").get(f"/items/{item}").text
    assert "Zielzeit" in page and "noch 2 Tage" in page and "72 Std. ab Eingang" in page


def test_wiedervorlage_hides_the_item_until_its_day_and_brings_it_back_on_top(store_backend) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from store.db import session_scope
    from store.models import AuditEvent, Event, Item

    create_users()
    later = add_item("Nachweis fehlt", "Kontoauszüge folgen", "jobcenter", minutes_ago=120)
    add_item("Neu", "Ein neuer Antrag", "jobcenter", minutes_ago=5)
    es = client_for("es")
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    # Not today, not a word:
    bad = post_form(es, f"/items/{later}", f"/items/{later}/wiedervorlage", {"day": "morgen"})
    assert "Datum" in es.get(bad.headers["location"]).text
    resp = post_form(es, f"/items/{later}", f"/items/{later}/wiedervorlage",
                     {"day": tomorrow, "note": "Kontoauszüge abwarten"})
    assert "Wiedervorlage gespeichert" in es.get(resp.headers["location"]).text

    # Out of the default view, in "zurückgestellt" with its day.
    assert _rows(es.get("/inbox").text) == ["Neu"]
    planned = es.get("/inbox?wv=geplant").text
    assert _rows(planned) == ["Nachweis fehlt"] and "Wiedervorlage am" in planned
    page = es.get(f"/items/{later}").text
    assert "Kontoauszüge abwarten" in page and "Wiedervorlage am" in page

    # The day comes (moved into the past here): back at the top, marked, and in "fällig".
    with session_scope(get_settings()) as session:
        item = session.get(Item, later)
        item.resubmit_at = item.activity_at = datetime.now(UTC) - timedelta(minutes=1)
    inbox = es.get("/inbox").text
    assert _rows(inbox) == ["Nachweis fehlt", "Neu"] and "resubmit-badge" in inbox
    assert _rows(es.get("/inbox?wv=faellig").text) == ["Nachweis fehlt"]
    assert "1 Wiedervorlage fällig" in es.get("/inbox/counts").text

    # Done: the mark goes, the item sorts by its message again.
    post_form(es, f"/items/{later}", f"/items/{later}/wiedervorlage/beenden", {})
    assert _rows(es.get("/inbox").text) == ["Neu", "Nachweis fehlt"]
    with session_scope(get_settings()) as session:
        history = [(e.kind, e.message) for e in session.scalars(select(Event).where(Event.item_id == later))]
        audited = session.scalars(select(AuditEvent.action).where(AuditEvent.item_id == later)).all()
    assert ("resubmission", f"Wiedervorlage am {datetime.fromisoformat(tomorrow).strftime('%d.%m.%Y')}: "
            "Kontoauszüge abwarten") in history
    assert ("resubmission_cleared", "Wiedervorlage erledigt") in history
    assert {"item.resubmission", "item.resubmission_cleared"} <= set(audited)
    assert "Wiedervorlage beendet" in es.get(f"/items/{later}").text  # German history line


def test_a_new_message_brings_an_item_back_before_its_day(settings) -> None:  # type: ignore[no-untyped-def]
    from store.db import session_scope
    from store.models import Item

    create_users()
    later = add_item("Nachweis fehlt", "Kontoauszüge folgen", "jobcenter", minutes_ago=120)
    es = client_for("es")
    day = (datetime.now(UTC) + timedelta(days=5)).date().isoformat()
    post_form(es, f"/items/{later}", f"/items/{later}/wiedervorlage", {"day": day})
    assert _rows(es.get("/inbox").text) == []
    with session_scope(get_settings()) as session:
        session.get(Item, later).unread_since = datetime.now(UTC)
    assert _rows(es.get("/inbox").text) == ["Nachweis fehlt"]


def test_done_and_next_goes_on_in_the_inbox_order(settings) -> None:  # type: ignore[no-untyped-def]
    create_users()
    older = add_item("Älter", "zweiter", "jobcenter", minutes_ago=60)
    newer = add_item("Neuer", "erster", "jobcenter", minutes_ago=5)
    es = client_for("es")
    resp = post_form(es, f"/items/{newer}", f"/items/{newer}/erledigt", {"weiter": "1"},
                     follow_redirects=False)
    nxt = es.get(resp.headers["location"], follow_redirects=False)
    assert nxt.headers["location"].startswith(f"/items/{older}?")
    assert "Als erledigt markiert" in es.get(nxt.headers["location"]).text
    # Setting a Wiedervorlage and going on leads to the item that followed, not the list's top.
    third = add_item("Dritter", "ganz alt", "jobcenter", minutes_ago=120)
    day = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    resp = post_form(es, f"/items/{older}", f"/items/{older}/wiedervorlage", {"day": day, "weiter": "1"},
                     follow_redirects=False)
    assert es.get(resp.headers["location"], follow_redirects=False).headers["location"].startswith(
        f"/items/{third}")
