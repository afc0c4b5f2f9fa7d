"""Rewrite the settings table in README.md from the code (run after adding a setting)."""

import re
from pathlib import Path

from eingang.commands.config import settings_table

readme = Path(__file__).resolve().parent.parent / "README.md"
text = readme.read_text(encoding="utf-8")
text = re.sub(
    r"(<!-- settings-table -->\n).*?(<!-- /settings-table -->)",
    lambda m: m.group(1) + settings_table() + "\n" + m.group(2),
    text,
    flags=re.S,
)
readme.write_text(text, encoding="utf-8")
