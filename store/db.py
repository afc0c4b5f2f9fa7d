"""Engine, sessions and schema migrations for SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

from pathlib import Path

from store.engine import _engine_for, get_engine, make_engine, session_scope, statement_reads
from store.settings import Settings, StorageSettings

__all__ = ["MIGRATIONS", "_engine_for", "alembic_config", "get_engine", "make_engine", "seed_catalogue",
           "session_scope", "statement_reads", "upgrade_schema"]

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(settings: StorageSettings):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", settings.sqlalchemy_url.replace("%", "%%"))
    return cfg


def upgrade_schema(settings: Settings) -> None:
    from alembic import command

    if settings.sqlalchemy_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(settings), "head")
    seed_catalogue(settings)


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
