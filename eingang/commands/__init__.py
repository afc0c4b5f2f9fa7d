"""Registry of CLI commands: one module per command (group), added here once."""

from eingang.commands.db import db

COMMANDS = [db]
