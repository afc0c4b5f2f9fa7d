"""Migrations form one line: helpers adding migrations in parallel must not leave two heads."""

from __future__ import annotations

from store.settings import get_settings


def test_one_migration_head():
    from alembic.script import ScriptDirectory

    from store.db import alembic_config

    heads = ScriptDirectory.from_config(alembic_config(get_settings())).get_heads()
    assert len(heads) == 1, f"several alembic heads {heads}: set down_revision to the head on main"


def test_an_upgrade_that_migrates_leaves_postgresql_with_fresh_statistics(tmp_path):
    """After migrations, PostgreSQL gets VACUUM (ANALYZE): a migration that rewrites ``items``
    (0035) left it without statistics for the rebuilt search column and with an empty
    visibility map, and searches and the dashboard took many times as long until then."""
    import psycopg
    from alembic import command

    from store.db import alembic_config, schema_revision, upgrade_schema
    from store.settings import Settings
    from tests.services import postgres_database

    def last_vacuum(url: str):  # type: ignore[no-untyped-def]
        with psycopg.connect(url.replace("+psycopg", "")) as conn:
            return conn.execute("SELECT last_vacuum, last_analyze FROM pg_stat_user_tables"
                                " WHERE relname = 'items'").fetchone()

    with postgres_database() as url:
        settings = Settings(database_url=url, data_dir=tmp_path)
        command.upgrade(alembic_config(settings), "0034_search_open_done")
        assert last_vacuum(url) == (None, None)
        upgrade_schema(settings)
        assert schema_revision(settings) != "0034_search_open_done"
        vacuumed, analyzed = last_vacuum(url)
        assert vacuumed is not None and analyzed is not None

        # Nothing to migrate: no VACUUM at every start.
        with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute("SELECT pg_stat_reset()")
        upgrade_schema(settings)
        assert last_vacuum(url) == (None, None)


def test_a_database_at_head_is_not_handed_to_alembic(tmp_path, monkeypatch):
    """Every command starts with upgrade_schema: at head alembic only spent 0.5 s loading its
    scripts to find nothing to do (issue 16). Behind head it still migrates."""
    from alembic import command

    from store import schema
    from store.db import alembic_config, schema_revision, upgrade_schema
    from store.settings import Settings

    settings = Settings(data_dir=tmp_path)
    command.upgrade(alembic_config(settings), "0038_search_not_urgent_months")
    upgrade_schema(settings)
    assert schema_revision(settings) == schema.known_revisions()[1]

    def refuse(*args, **kwargs):
        raise AssertionError("alembic ran for a database at head")

    monkeypatch.setattr(command, "upgrade", refuse)
    upgrade_schema(settings)  # at head: alembic not asked


def test_0040_marks_the_urgent_items_only_the_model_guessed(store_backend):  # type: ignore[no-untyped-def]
    """Items stored before ``urgent_guessed`` existed: where every urgent reason is the urgency
    head's (its label as the classifier wrote it then), the upgrade marks the item a guess."""
    from alembic import command
    from sqlalchemy import select

    from store.db import alembic_config, get_engine, session_scope
    from store.models import Item
    from tests.web import add_item

    head = {"kind": "notlage", "label": "Notlage (aus dem Zusammenhang erkannt)", "trigger": "Monat, leer"}
    rule = {"kind": "notlage", "label": "Notlage: Strom- oder Gassperre", "trigger": "Strom gesperrt"}
    reasons = {"geraten": [head], "Regel": [rule], "beides": [head, rule], "ohne": [], "nicht": [head]}
    ids = {key: add_item(key, "Text", "jobcenter", urgent=key != "nicht") for key in reasons}
    with session_scope(store_backend) as session:
        for key, item_id in ids.items():
            session.get(Item, item_id).urgent_reasons = reasons[key]
    config = alembic_config(store_backend)
    command.downgrade(config, "0039_sqlite_whole_seconds")
    get_engine(store_backend).dispose()
    command.upgrade(config, "head")
    with session_scope(store_backend) as session:
        guessed = dict(session.execute(select(Item.subject, Item.urgent_guessed)).all())
    assert guessed == {"geraten": True, "Regel": False, "beides": False, "ohne": False, "nicht": False}
