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


def test_readme_images_are_committed_files():
    import re
    import subprocess

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", readme)
    assert images, "the README shows the screenshots of the web UI"
    tracked = set(subprocess.run(["git", "ls-files", "docs"], cwd=ROOT, capture_output=True, text=True,
                                 check=True).stdout.split())
    for image in images:
        assert image in tracked, f"{image} is linked from the README but not committed"
        assert (ROOT / image).stat().st_size > 10_000, f"{image} is not a real screenshot"
