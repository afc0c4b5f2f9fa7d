"""One read connection for a whole request, for pages that only read.

The user lookup of every request (``admin.security``) reads on a connection of its own, and a
page that then reads its figures on another takes a second one from the pool, each checkout
with the pool's ping: two round trips before the page's one statement, each a wait for a
core on a busy machine. A route that declares ``Depends(request_reads)`` before the user
(a router's ``dependencies`` come first) gets one ``store.engine.statement_reads`` session
for the request, and the user lookup reads on the same one: one checkout, one ping.

Only for routes that read nothing else: a route that also writes through ``session_scope``
would hold two connections at once, and a full pool of such requests would wait for itself.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy.orm import Session

from admin.state import web_settings
from store.catalogue import current_catalogue
from store.db import statement_reads

_KEY = "eingang_reads"


def request_reads(request: Request) -> Iterator[Session]:
    """Dependency: the request's read session, returned to the pool when the request ends."""
    settings = web_settings(request)
    with statement_reads(settings) as session:
        # The Kommune's catalogue (its time zone turns moments into the page's days) is checked
        # for changes every few seconds; a check due during this request is made here, on the
        # request's connection, not on a second one the zone lookup would take for it.
        current_catalogue(session, settings)
        setattr(request.state, _KEY, session)
        try:
            yield session
        finally:
            delattr(request.state, _KEY)


def held_reads(request: Request) -> Session | None:
    """The request's read session if its route declared ``request_reads``, else None."""
    return getattr(request.state, _KEY, None)
