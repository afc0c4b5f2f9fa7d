"""Registry of CLI commands: one module per command (group), added here once."""

from eingang.commands.db import db
from eingang.commands.route import route

COMMANDS = [db, route]
