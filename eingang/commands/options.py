"""Flags shared by several commands; each overrides the matching EINGANG_* variable."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import click

from store.settings import Settings, get_settings

_FLAGS = {
    "data_dir": ("--data-dir", "EINGANG_DATA_DIR", "Datenverzeichnis (Blobs, SQLite, Scan-Ordner)."),
    "database_url": ("--database-url", "EINGANG_DATABASE_URL", "SQLAlchemy-URL der Datenbank."),
    "broker_url": ("--broker-url", "EINGANG_BROKER_URL", "Broker (leer: im Prozess; amqp://; redis://)."),
}


def settings_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Add --data-dir/--database-url/--broker-url; they update the environment so that every
    component (and child process) reads the same settings."""
    for name, (flag, _env, help_text) in reversed(_FLAGS.items()):
        fn = click.option(flag, name, default=None, help=help_text, expose_value=True)(fn)
    return fn


def apply_settings(*, check_schema: bool = True, **overrides: Any) -> Settings:
    """The settings with the command's flags applied; and a check that the database is at this
    version's migration (one query), so a command stops at once with a German sentence
    (store.schema) instead of a traceback at its first statement. Not for commands that bring
    the database to the current schema themselves (serve, ingest …), take it as it is
    (backup, restore) or do not use it (check)."""
    for name, value in overrides.items():
        if name in _FLAGS and value is not None:
            os.environ[_FLAGS[name][1]] = str(value)
    get_settings.cache_clear()
    settings = get_settings()
    if check_schema:
        from store.db import require_current_schema

        require_current_schema(settings)
    return settings
