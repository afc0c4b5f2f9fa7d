"""Engine, sessions and schema migrations for SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

from pathlib import Path

from store import plain, schema
from store.engine import _engine_for, get_engine, make_engine, session_scope, statement_reads
from store.schema import SchemaNotCurrent
from store.settings import Settings, StorageSettings

__all__ = ["MIGRATIONS", "SchemaNotCurrent", "_engine_for", "alembic_config", "get_engine", "make_engine",
           "refresh_statistics", "require_current_schema", "schema_revision", "seed_catalogue",
           "session_scope", "statement_reads", "upgrade_schema"]

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(settings: StorageSettings):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", settings.sqlalchemy_url.replace("%", "%%"))
    return cfg


def upgrade_schema(settings: Settings) -> None:
    if settings.sqlalchemy_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    before = schema_revision(settings)
    revisions, head = schema.known_revisions()
    if before is not None and before not in revisions:
        # Code older than the database: alembic would only say "Can't locate revision".
        raise SchemaNotCurrent(schema.schema_problem(before) or before)
    if before != head:  # at head alembic finds nothing to do, after 0.5 s of loading its scripts
        from alembic import command

        command.upgrade(alembic_config(settings), "head")
        if before is not None and schema_revision(settings) != before:
            refresh_statistics(settings)
    seed_catalogue(settings)


def schema_revision(settings: StorageSettings) -> str | None:
    """The migration the database is at (None: a new, empty database). One query, without
    alembic: importing it (and through it every SQL dialect) cost 0.36 s of each command."""
    with get_engine(settings).connect() as connection:
        return schema.database_revision(plain.of_connection(connection))


def require_current_schema(settings: StorageSettings) -> None:
    """Stop (:class:`SchemaNotCurrent`, a German sentence) unless the database is at the
    migration this code needs: one query, at the start of a command or process that uses the
    database without migrating it. A database without tables passes (see eingang.cli)."""
    with get_engine(settings).connect() as connection:
        schema.require_current(plain.of_connection(connection))


def refresh_statistics(settings: StorageSettings) -> None:
    """After migrations on PostgreSQL: ``VACUUM (ANALYZE)``.

    A migration that rewrites ``items`` (a rebuilt generated column, as 0035's search column)
    leaves PostgreSQL without statistics for the new column and with an empty visibility map,
    and nothing brings them back soon: autovacuum counts changed rows, not rewritten tables.
    Measured at 1,000,000 items right after 0035: a search for a BG-Nummer 499 ms instead of
    2.6 (the word index's selectivity unknown), the dashboard's figures 16 ms instead of 6
    (index-only scans reading the table). A few seconds at that size, in autocommit (VACUUM
    cannot run inside a transaction). SQLite plans without statistics (README, inbox)."""
    engine = get_engine(settings)
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM (ANALYZE)")


def seed_catalogue(settings: Settings) -> None:
    """Fill the domain catalogue from the configured Kommune profile on the first start."""
    from sqlalchemy.exc import IntegrityError

    from store.catalogue import retime, seed_if_empty

    try:
        with session_scope(settings) as session:
            # A start with another EINGANG_DEFAULT_RESPONSE_TARGET_HOURS re-times the items.
            if not seed_if_empty(session, settings):
                retime(session, settings)
    except IntegrityError:
        pass  # another process seeded it at the same moment
