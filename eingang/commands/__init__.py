"""Registry of CLI commands: one module per command (group), added here once."""

from eingang.commands.db import db
from eingang.commands.route import route
from eingang.commands.rules import rules

COMMANDS = [db, route, rules]
