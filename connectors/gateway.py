"""The intake gateway: the one place where every connector hands over what it received.

A connector turns its channel into a :class:`store.intake.Incoming` and hands it over here,
one at a time (:func:`accept`) or many at once (:func:`accept_many`: the SMTP spool's ingest,
connectors.spool_ingest). The gateway stores the original and
the item durably, commits, and only then starts the pipeline for each new item that is not
parked at intake. It raises when storage fails: the connector must then refuse (SMTP 451,
HTTP 503) or leave the mail or file where it is. A failure to enqueue after the commit is only
logged: the item is safe in the database and the sweeper starts it later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from sqlalchemy.orm import Session

from store.blobs import blob_store
from store.db import session_scope
from store.intake import Incoming, store_batch, store_incoming
from store.models import Item
from store.settings import Settings

log = logging.getLogger(__name__)

# More rows for the item in the same transaction (a mailroom batch, a FIT-Connect receipt);
# called with ``created`` False too, when the input was a repeat of one already stored.
Prepare = Callable[[Session, Item, bool], None]
# Writes originals to the blob store, returning their sha256 (the SMTP spool's ingest: in parallel).
PutAll = Callable[[list[bytes]], list[str]]


def accept(incoming: Incoming, settings: Settings, *,
           prepare: Prepare | None = None) -> tuple[int, bool]:
    """Store one input durably, then start its pipeline. Returns ``(item_id, created)``."""
    with session_scope(settings) as session:
        item, created = store_incoming(session, incoming, blob_store(settings))
        if prepare is not None:
            prepare(session, item, created)
        item_id = item.id
    if to_start(incoming, created):
        start([item_id])
    return item_id, created


def store_one(incoming: Incoming, settings: Settings) -> tuple[int, bool]:
    """Store one input in a transaction of its own (no pipeline started: see :func:`start`)."""
    with session_scope(settings) as session:
        item, created = store_incoming(session, incoming, blob_store(settings))
        return item.id, created


def store_many(incomings: list[Incoming], settings: Settings,
               put_all: PutAll | None = None) -> list[tuple[int, bool]]:
    """Store several inputs in one transaction (no pipeline started: see :func:`start`)."""
    with session_scope(settings) as session:
        return store_batch(session, incomings, blob_store(settings), put_all)


def accept_many(incomings: list[Incoming], settings: Settings,
                put_all: PutAll | None = None) -> list[tuple[int, bool]]:
    """Store several inputs in one transaction, then start the pipeline for the new ones."""
    results = store_many(incomings, settings, put_all)
    start(item_ids_to_start(incomings, results))
    return results


def to_start(incoming: Incoming, created: bool) -> bool:
    """A new item starts the pipeline; a repeat does not, nor an item parked at intake
    (e.g. only the headers of a huge mail), which waits for a person."""
    return created and incoming.attention is None


def item_ids_to_start(incomings: Iterable[Incoming], results: Iterable[tuple[int, bool]]) -> list[int]:
    return [item_id for incoming, (item_id, created) in zip(incomings, results, strict=True)
            if to_start(incoming, created)]


def start(item_ids: Iterable[int]) -> None:
    """Enqueue the first pipeline step of committed items."""
    from worker.actors import start_pipeline

    for item_id in item_ids:
        try:
            start_pipeline(item_id)
        except Exception:
            log.exception("item %s stored but not enqueued; the sweeper will pick it up", item_id)
