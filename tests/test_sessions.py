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
