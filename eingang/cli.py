"""The ``eingang`` command. Each command lives in its own module under ``eingang/commands``."""

from __future__ import annotations

import importlib
import logging
from gettext import gettext as _

import click
from click.utils import make_default_short_help

from eingang.commands import COMMANDS
from store import logsafe


def database_error(exc: BaseException) -> bool:
    """A statement the database refused, through SQLAlchemy or from its driver directly
    (store.plain: the commands that read without SQLAlchemy)."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from store.plain import driver_errors

    return isinstance(exc, (OperationalError, ProgrammingError, *driver_errors("sqlite"),
                            *driver_errors("postgresql")))


def missing_schema(exc: BaseException) -> bool:
    """A database without eingang's tables (never upgraded): SQLite says "no such table",
    PostgreSQL "relation … does not exist"."""
    text = str(getattr(exc, "orig", exc)).lower()
    return database_error(exc) and ("no such table" in text or ("relation" in text and "does not exist" in text))


def outdated_schema(exc: BaseException) -> str | None:
    """The German sentence for a database at another migration than this code: raised by the
    check at a command's start (store.schema), or found after a statement failed in a command
    that reads its settings without that check (a column added by a later migration)."""
    from store.schema import SchemaNotCurrent

    if isinstance(exc, SchemaNotCurrent):
        return str(exc)
    if not database_error(exc):
        return None
    from store.db import require_current_schema
    from store.settings import get_settings

    try:
        require_current_schema(get_settings())
    except SchemaNotCurrent as problem:
        return str(problem)
    return None


class Eingang(click.Group):
    """The command group, loading each command's module only when that command is asked for
    (click's lazy group pattern): importing all of them costs seconds (scikit-learn, uvicorn)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands or cmd_name not in COMMANDS:
            return self.commands.get(cmd_name)
        module, attribute, _ = COMMANDS[cmd_name]
        command = getattr(importlib.import_module(f"eingang.commands.{module}"), attribute)
        self.commands[cmd_name] = command
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # The registry's short help, so that listing the commands imports none of them.
        limit = formatter.width - 6 - max(len(name) for name in self.list_commands(ctx))
        rows = [(name, make_default_short_help(COMMANDS[name][2], limit))
                for name in self.list_commands(ctx)]
        if rows:
            with formatter.section(_("Commands")):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except Exception as exc:
            if missing_schema(exc):
                raise click.ClickException(
                    "Die Datenbank hat noch keine Tabellen: bitte zuerst `eingang db upgrade` ausführen."
                ) from None
            problem = outdated_schema(exc)
            if problem:
                raise click.ClickException(problem) from None
            from store.plain import UnsupportedURL  # light: the standard library only

            if isinstance(exc, UnsupportedURL):
                raise click.ClickException(str(exc)) from None
            raise


@click.group(cls=Eingang, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Mehr Protokollausgaben (DEBUG).")
def main(verbose: bool) -> None:
    """eingang: Posteingang der Sozialverwaltung (E-Mail, Post, Formular, Telefon)."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("pika", "alembic", "dramatiq", "mail.log"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logsafe.install()


def run() -> None:
    """The console entry point (``eingang``, ``python -m eingang``)."""
    from eingang.finish import run_and_leave

    run_and_leave(main)
