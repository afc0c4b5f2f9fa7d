"""The ``eingang`` command. Each command lives in its own module under ``eingang/commands``."""

from __future__ import annotations

import logging

import click

from eingang.commands import COMMANDS
from store import logsafe


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
