"""Engine and sessions for SQLite (embedded) and PostgreSQL (production).

Everyone else imports these through ``store.db``; modules that ``store.db`` itself needs (the
catalogue it seeds after a migration) import them from here, so no import goes round in a circle."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from store.nul import nul_free_json, register_nul_free_dumpers
from store.plain import SQLITE_PRAGMAS, SQLITE_TIMEOUT, postgres_options
from store.settings import StorageSettings


def make_engine(url: str, *, redoable: bool = False) -> Engine:
    """``redoable``: PostgreSQL connections whose commits do not wait for the WAL flush
    (see :func:`session_scope`); set per connection, not per transaction, to save a statement."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": SQLITE_TIMEOUT, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            for pragma in SQLITE_PRAGMAS:
                cur.execute(pragma)
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # type: ignore[no-untyped-def]
            # Take the write lock up front: avoids deadlocks between two upgrading readers.
            # A read-only connection (read_scope) never writes: it must not wait for the lock,
            # or a read opened inside another transaction would wait for that one to end.
            read_only = conn.get_execution_options().get("read_only")
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    # No JIT: PostgreSQL compiles a statement whose estimated cost passes jit_above_cost, and
    # the estimate counts branches that never run (the search's word-index branch for a common
    # word, cut off at run time): 80 ms of compiling for a 9 ms search. Even the one full scan
    # (`eingang counts repair`) is faster without it at 1,000,000 items (0.88 s, 1.15 s with).
    # No parallel workers: the console's statements are small, and starting two workers for
    # one (the dashboard's history: two sums side by side, estimated above the threshold) took
    # longer than the work, 13-20 ms instead of 6 ms, on cores the other requests need. The
    # one full scan pays for it: the GROUP BY over all items of `counts check/repair` takes
    # 1.0 s instead of 0.6 s here (alone; the whole repair 1.0-1.4 s either way). Migrations
    # run on an engine of their own, with PostgreSQL's defaults.
    engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20,
                           connect_args={"options": postgres_options(redoable)}, json_serializer=nul_free_json)

    @event.listens_for(engine, "connect")
    def _nul_free_text(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        register_nul_free_dumpers(dbapi_conn)

    return engine


@lru_cache(maxsize=8)
def _engine_for(url: str, redoable: bool = False) -> Engine:
    return make_engine(url, redoable=redoable)


def get_engine(settings: StorageSettings, *, redoable: bool = False) -> Engine:
    """The engine of the configured database; the composition root (eingang/commands, the web
    app's create_app, a test) hands in the settings: store/ reads no environment."""
    url = settings.sqlalchemy_url
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return _engine_for(url)  # one writer at a time anyway: one engine
    return _engine_for(url, redoable)


@lru_cache(maxsize=4)
def _factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(settings: StorageSettings, *, redoable: bool = False) -> Iterator[Session]:
    """A unit of work: commit on success, roll back on any error.

    ``redoable`` marks work that may be lost in a database crash without harm because it is
    redone from the state before it (the idempotent pipeline steps): on PostgreSQL its commit
    then does not wait for the WAL flush. Intake, outbox "sent" marks and staff actions must
    never be redoable.
    """
    session = _factory(get_engine(settings, redoable=redoable))()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def read_scope(settings: StorageSettings) -> Iterator[Session]:
    """A session that only reads (on SQLite without taking the write lock): safe to open while
    the caller's own transaction is open, e.g. to read configuration inside a pipeline step."""
    with get_engine(settings).connect().execution_options(read_only=True) as connection, \
            Session(bind=connection) as session:
        yield session


@contextmanager
def statement_reads(settings: StorageSettings) -> Iterator[Session]:
    """A session for reads each of whose statements stands alone (sees the database as of its
    own start), for a page that asks one question: on PostgreSQL in autocommit, so the driver
    sends no BEGIN before the statement and no COMMIT after it (two of the three round trips
    of a one-statement read, each a wait for a core on a busy machine); on SQLite a
    ``read_scope``. Never for writes."""
    if settings.sqlalchemy_url.startswith("sqlite"):
        with read_scope(settings) as session:
            yield session
        return
    with get_engine(settings).connect().execution_options(isolation_level="AUTOCOMMIT") as connection, \
            Session(bind=connection) as session:
        yield session
