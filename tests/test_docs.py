"""The README stays true: it names the two commands and documents every setting."""

from __future__ import annotations

from eingang.commands.config import settings_table
from tests.services import ROOT


def test_readme_documents_every_setting_as_in_the_code():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme
    assert settings_table() in readme, "run: .venv/bin/python scripts/update-readme-settings.py"


def test_every_command_has_german_help():
    from eingang.cli import main

    for name, command in main.commands.items():
        assert command.help and command.help.strip(), f"eingang {name} has no help text"
