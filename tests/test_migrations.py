"""Migrations form one line: helpers adding migrations in parallel must not leave two heads."""

from __future__ import annotations

from store.settings import get_settings


def test_one_migration_head():
    from alembic.script import ScriptDirectory

    from store.db import alembic_config

    heads = ScriptDirectory.from_config(alembic_config(get_settings())).get_heads()
    assert len(heads) == 1, f"several alembic heads {heads}: set down_revision to the head on main"
