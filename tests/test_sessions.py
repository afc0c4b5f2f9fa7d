"""Units of work on PostgreSQL: pipeline steps commit without waiting for the WAL flush,
everything else (intake, staff actions) waits for it."""

from __future__ import annotations

from sqlalchemy import text

from store.db import session_scope
from store.settings import get_settings
from tests.services import postgres_database


def test_only_redoable_work_skips_the_wal_flush(monkeypatch):

    with postgres_database() as url:
        monkeypatch.setenv("EINGANG_DATABASE_URL", url)
        get_settings.cache_clear()
        try:
            for redoable, expected in ((True, "off"), (False, "on"), (True, "off")):
                with session_scope(get_settings(), redoable=redoable) as session:
                    assert session.scalar(text("SHOW synchronous_commit")) == expected
        finally:
            get_settings.cache_clear()


def test_statement_reads_run_without_a_transaction_and_plans_stay_serial(monkeypatch):
    """A page's one-statement read (store.engine.statement_reads) sends no BEGIN/COMMIT: each
    statement is a transaction of its own, so two in a row see two different start times; a
    unit of work keeps one. Every connection of the app plans without JIT and without parallel
    workers (store.engine.make_engine)."""
    from store.db import statement_reads

    with postgres_database() as url:
        monkeypatch.setenv("EINGANG_DATABASE_URL", url)
        get_settings.cache_clear()
        try:
            with statement_reads(get_settings()) as session:
                first, second = (session.scalar(text("SELECT now()")) for _ in range(2))
                assert first != second
                assert session.scalar(text("SHOW jit")) == "off"
                assert session.scalar(text("SHOW max_parallel_workers_per_gather")) == "0"
            for redoable in (False, True):
                with session_scope(get_settings(), redoable=redoable) as session:
                    first, second = (session.scalar(text("SELECT now()")) for _ in range(2))
                    assert first == second
                    assert session.scalar(text("SHOW jit")) == "off"
                    assert session.scalar(text("SHOW max_parallel_workers_per_gather")) == "0"
        finally:
            get_settings.cache_clear()
