"""Embedded SQLite's full-text index (migration 0033, store.sqlite_search): kept by the
database in the transaction of every change of an item, whoever makes it; filled for the
items already there when the migration runs, and removed again by its downgrade."""

from __future__ import annotations

from sqlalchemy import text

from store.settings import get_settings
from tests.web import add_item


def _proposed(word: str) -> set[int]:
    """The items the index alone proposes for ``word`` (no LIKE, no inbox order)."""
    from store import sqlite_search
    from store.db import session_scope

    query = sqlite_search.trigram_query(sqlite_search.search_keys(word))
    with session_scope(get_settings()) as session:
        return set(session.scalars(sqlite_search.candidates(query)))


def test_the_index_follows_every_insert_change_and_delete(settings) -> None:  # type: ignore[no-untyped-def]
    from store.db import session_scope
    from store.models import Item

    first = add_item("Stromsperre angekündigt", "Die Stadtwerke sperren am Freitag.", "jobcenter")
    second = add_item("Umzug", "Neue Anschrift: Gartenstraße 4", "wohngeld")
    assert _proposed("Stromsperre") == {first} and _proposed("Gartenstrasse") == {second}
    assert _proposed("buerger@example.org") == {first, second}  # the sender is searched too

    with session_scope(settings) as session:  # through the ORM, as the pipeline and staff do
        item = session.get(Item, first)
        item.subject, item.full_text = "Kontopfändung", "Mein Konto wurde gepfändet."
        session.get(Item, second).status = "done"  # a column not searched: the index stays
    assert _proposed("Stromsperre") == set()
    assert _proposed("Kontopfändung") == {first} and _proposed("gepfandet") == {first}
    # Only in ``text`` now, which is searched where an item has no full text (as PostgreSQL).
    assert _proposed("Freitag") == set()
    assert _proposed("Gartenstraße") == {second}

    with session_scope(settings) as session:  # SQL by hand
        session.execute(text("UPDATE items SET full_text = NULL, sender = NULL WHERE id = :id"), {"id": first})
    assert _proposed("Freitag") == {first} and _proposed("gepfandet") == set()
    assert _proposed("buerger@example.org") == {second}

    with session_scope(settings) as session:
        session.delete(session.get(Item, second))
    assert _proposed("Gartenstraße") == set() and _proposed("Umzug") == set()


def test_the_migration_indexes_the_items_there_and_its_downgrade_removes_the_index(settings) -> None:  # type: ignore[no-untyped-def]
    from alembic import command

    from store.db import alembic_config, get_engine

    item = add_item("Schulbegleitung", "Unser Sohn braucht eine Schulbegleitung.", "eingliederungshilfe")

    def schema() -> set[str]:
        with get_engine(settings).connect() as conn:
            return {f"{kind} {name}: {sql}" for kind, name, sql in conn.execute(text(
                "SELECT type, name, sql FROM sqlite_master WHERE name LIKE '%fts%' OR name LIKE '%resubmit%'"))}

    command.downgrade(alembic_config(settings), "0032_scan_folder_channel")
    assert schema() == {"index ix_items_resubmit: CREATE INDEX ix_items_resubmit ON items (resubmit_at)"}
    # Items that come while the index is gone are indexed by the upgrade's backfill (written
    # with that revision's columns: the models have the later ones).
    with get_engine(settings).begin() as conn:
        kept = [row[1] for row in conn.execute(text("PRAGMA table_info(items)"))
                if row[1] not in ("id", "reference", "subject", "text", "full_text")]
        conn.execute(text(f"INSERT INTO items ({', '.join(kept)}, subject, text, full_text) "
                          f"SELECT {', '.join(kept)}, 'Heimkosten', :text, :text FROM items WHERE id = :id"),
                     {"text": "Die Rente reicht nicht.", "id": item})
        later = conn.execute(text("SELECT max(id) FROM items")).scalar()
    command.upgrade(alembic_config(settings), "head")
    assert {"index ix_items_resubmit: CREATE INDEX ix_items_resubmit ON items (resubmit_at) "
            "WHERE resubmit_at IS NOT NULL", "table items_fts: CREATE VIRTUAL TABLE items_fts USING "
            "fts5(words, content='', detail='none', columnsize=0, tokenize='trigram')"} <= schema()
    assert _proposed("Schulbegleitung") == {item} and _proposed("Rente") == {later}
