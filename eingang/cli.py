"""The ``eingang`` command. Each command lives in its own module under ``eingang/commands``."""

from __future__ import annotations

import logging

import click

from eingang.commands import COMMANDS
from store import logsafe


def missing_schema(exc: BaseException) -> bool:
    """A database without eingang's tables (never upgraded): SQLite says "no such table",
    PostgreSQL "relation … does not exist"."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    text = str(getattr(exc, "orig", exc)).lower()
    return isinstance(exc, OperationalError | ProgrammingError) and (
        "no such table" in text or ("relation" in text and "does not exist" in text))


class Eingang(click.Group):
    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except Exception as exc:
            if missing_schema(exc):
                raise click.ClickException(
                    "Die Datenbank hat noch keine Tabellen: bitte zuerst `eingang db upgrade` ausführen."
                ) from None
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


for command in COMMANDS:
    main.add_command(command)
