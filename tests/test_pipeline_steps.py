"""The pipeline's guarantees in-process: idempotent steps, the sweeper, bad input parked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from store.blobs import blob_store
from store.db import session_scope
from store.enums import Channel
from store.intake import Incoming, store_incoming
from store.models import Event, Item
from store.settings import get_settings
from tests.kommunen import ALL
from tests.mails import citizen_mail, wohngeld

KOMMUNE_PROFILES = ALL  # each test once per Kommune profile


def _store(content: bytes, media_type: str = "message/rfc822") -> int:
    with session_scope(get_settings()) as session:
        item, _ = store_incoming(
            session,
            Incoming(channel=Channel.EMAIL, content=content, media_type=media_type,
                     received_at=datetime(2026, 11, 20, 9, 30, tzinfo=UTC)), blob_store(get_settings()),
        )
        return item.id


def _events(item_id: int, kind: str) -> int:
    with session_scope(get_settings()) as session:
        return session.scalar(
            select(func.count()).select_from(Event).where(Event.item_id == item_id, Event.kind == kind)
        )


def test_each_step_runs_once_even_when_called_twice(settings, kommune):
    from worker import steps

    item_id = _store(citizen_mail(*wohngeld(kommune)).as_bytes())
    assert steps.extract(item_id, settings=get_settings()).step == "classify"
    assert steps.extract(item_id, settings=get_settings()) is None  # a duplicate message changes nothing
    assert steps.classify(item_id, settings=get_settings()).step == "route"
    assert steps.classify(item_id, settings=get_settings()) is None
    steps.route_item(item_id, settings=get_settings())
    steps.route_item(item_id, settings=get_settings())
    for kind in ("received", "extracted", "classified", "routed"):
        assert _events(item_id, kind) == 1
    with session_scope(get_settings()) as session:
        item = session.get(Item, item_id)
        assert item.status == "routed"
        assert item.queue == "wohngeld"
        # the legal receipt time is never overwritten by processing
        assert item.received_at == datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
        assert item.reference == f"EIN-2026-{item_id:06d}"


def test_sweeper_restarts_an_item_whose_message_was_lost(settings, pipeline, kommune):
    from worker.sweeper import sweep

    # Given an item stored but never enqueued (the broker lost the message)
    item_id = _store(citizen_mail(*wohngeld(kommune)).as_bytes())
    # When the sweeper runs before the item is stale, nothing happens
    assert sweep(settings) == 0
    # and once it is stale, the item is re-enqueued and finishes
    assert sweep(settings, now=datetime.now(UTC) + timedelta(seconds=settings.stale_after + 1)) == 1
    pipeline.drain()
    with session_scope(get_settings()) as session:
        assert session.get(Item, item_id).status == "routed"


def test_unreadable_input_is_parked_with_a_german_reason(settings, pipeline):
    from worker.actors import start_pipeline

    item_id = _store(b"%PDF-1.4 broken beyond repair", media_type="application/pdf")
    start_pipeline(item_id)
    pipeline.drain()
    with session_scope(get_settings()) as session:
        item = session.get(Item, item_id)
        assert item.status == "needs_attention"
        assert "PDF" in item.status_reason


def test_a_step_that_keeps_crashing_parks_the_item(settings, kommune):
    from worker import steps, transitions

    item_id = _store(citizen_mail(*wohngeld(kommune)).as_bytes())
    # Simulate workers killed mid-extract: each attempt is counted at the start of the step.
    for _ in range(transitions.MAX_ATTEMPTS):
        with session_scope(get_settings()) as session:
            assert transitions.start(session, item_id, transitions.Status.RECEIVED, "extract")
    assert steps.extract(item_id, settings=get_settings()) is None
    with session_scope(get_settings()) as session:
        item = session.get(Item, item_id)
        assert item.status == "needs_attention"
        assert "extract" in item.status_reason


def test_chained_steps_hand_over_the_item_with_the_next_attempt_counted(settings, kommune):
    from worker import steps

    item_id = _store(citizen_mail(*wohngeld(kommune)).as_bytes())
    handoff = steps.extract(item_id, chain=True, settings=get_settings())
    # The extraction's commit already counted the classify attempt (a killed worker counts).
    assert (handoff.step, handoff.item.status, handoff.item.attempts) == ("classify", "extracted", 1)
    handoff = steps.classify(item_id, handoff, chain=True, settings=get_settings())
    assert (handoff.step, handoff.item.status, handoff.item.attempts) == ("route", "classified", 1)
    steps.route_item(item_id, handoff, chain=True, settings=get_settings())
    assert steps.classify(item_id, settings=get_settings()) is None  # a late duplicate message changes nothing
    for kind in ("extracted", "classified", "routed"):
        assert _events(item_id, kind) == 1
    with session_scope(get_settings()) as session:
        item = session.get(Item, item_id)
        assert (item.status, item.queue, item.attempts) == ("routed", "wohngeld", 0)


def test_a_chained_step_that_fails_is_retried_by_its_own_message(settings, pipeline, monkeypatch, kommune):
    from worker import actors

    real = actors.STEP_FUNCTIONS["classify"]
    calls: list[bool] = []

    def flaky(item_id, handoff=None, *, chain=False, settings):  # type: ignore[no-untyped-def]
        calls.append(handoff is not None)
        if len(calls) == 1:
            raise OSError("classifier model file busy")
        return real(item_id, handoff, chain=chain, settings=settings)

    monkeypatch.setitem(actors.STEP_FUNCTIONS, "classify", flaky)
    item_id = _store(citizen_mail(*wohngeld(kommune)).as_bytes())
    actors.start_pipeline(item_id)
    pipeline.drain()
    # First inline after extraction, then from its own message (no handoff).
    assert calls == [True, False]
    with session_scope(get_settings()) as session:
        item = session.get(Item, item_id)
        assert (item.status, item.attempts) == ("routed", 0)
    for kind in ("extracted", "classified", "routed"):
        assert _events(item_id, kind) == 1


@pytest.fixture
def short_backoff(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Retries after a tenth of the usual delays (exponential from 0.1 s instead of 1 s: the
    three retries waited about 10 s). Read when the pipeline fixture binds the actors, so
    listed before it."""
    from worker import actors

    monkeypatch.setattr(actors, "MIN_BACKOFF_MS", 100)


def test_a_step_that_keeps_raising_is_retried_with_backoff_then_parked(short_backoff, settings, pipeline,
                                                                       monkeypatch, kommune):
    from worker import actors

    calls: list[float] = []

    def broken(item_id, given=None, *, chain=False, settings):  # type: ignore[no-untyped-def]
        calls.append(datetime.now(UTC).timestamp())
        raise OSError("Datenträger nicht lesbar")

    # Given an extraction that raises every time
    monkeypatch.setitem(actors.STEP_FUNCTIONS, "extract", broken)
    item_id = _store(citizen_mail(*wohngeld(kommune)).as_bytes())
    # When its message is worked off, retries included
    actors.start_pipeline(item_id)
    pipeline.drain()
    # Then the step ran once and once per retry, each retry later than the one before,
    assert len(calls) == 1 + actors.MAX_RETRIES
    assert all(b > a for a, b in zip(calls, calls[1:], strict=False))
    # and the item waits for staff with the reason, instead of a message failing for ever
    with session_scope(get_settings()) as session:
        item = session.get(Item, item_id)
        assert item.status == "needs_attention"
        assert item.status_reason == "Technischer Fehler im Schritt „extract“: Datenträger nicht lesbar"
