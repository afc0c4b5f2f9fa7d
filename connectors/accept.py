"""The one way a connector hands over an input: store + commit, then start the pipeline."""

from __future__ import annotations

import logging

from store.db import session_scope
from store.enums import Status
from store.intake import Incoming, store_incoming
from store.settings import Settings

log = logging.getLogger(__name__)


def accept(incoming: Incoming, settings: Settings | None = None) -> tuple[int, bool]:
    """Store ``incoming`` durably and enqueue its first step. Returns ``(item_id, created)``.

    Raises when storage fails: the connector must then refuse (SMTP 451, HTTP 503, leave the
    file or mail where it is). A failure to enqueue after the commit is only logged: the item
    is safe in the database and the sweeper starts it later.
    """
    from worker.actors import start_pipeline

    with session_scope(settings) as session:
        item, created = store_incoming(session, incoming)
        item_id = item.id
        # An item parked at intake (e.g. only the headers of a huge mail) waits for a person.
        received = item.status == Status.RECEIVED.value
    if created and received:
        try:
            start_pipeline(item_id)
        except Exception:
            log.exception("item %s stored but not enqueued; the sweeper will pick it up", item_id)
    return item_id, created
