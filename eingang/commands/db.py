"""``eingang db``: schema migrations."""

from __future__ import annotations

import click

from store.settings import get_settings


@click.group()
def db() -> None:
    """Datenbank verwalten (Migrationen)."""


@db.command()
def upgrade() -> None:
    """Datenbankschema auf den neuesten Stand bringen (alembic upgrade head)."""
    from store.db import upgrade_schema

    upgrade_schema(get_settings())
    click.echo("Datenbankschema ist aktuell.")
