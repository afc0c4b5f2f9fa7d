"""The CLI loads a command's module only when that command runs (issue #16): ``eingang --help``
and ``eingang items`` must not import scikit-learn or the web stack. The registry in
eingang/commands/__init__.py keeps the short help beside each name; it must match the command's."""

from __future__ import annotations

import importlib
import subprocess
import sys

from click.testing import CliRunner

from eingang.cli import main
from eingang.commands import COMMANDS


def test_registry_matches_the_commands():
    for name, (module, attribute, short_help) in COMMANDS.items():
        command = getattr(importlib.import_module(f"eingang.commands.{module}"), attribute)
        assert command.name == name
        assert command.get_short_help_str(limit=1000) == short_help, name


def test_help_lists_every_command():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0, result.output
    for name in COMMANDS:
        assert f"  {name} " in result.output
    assert "Vorgänge auflisten" in result.output


def _modules_after(args: list[str]) -> set[str]:
    code = ("import sys\nfrom eingang.cli import main\n"
            f"try:\n    main({args!r}, standalone_mode=False)\nexcept BaseException:\n    pass\n"
            "print('\\n'.join(sys.modules), file=sys.stderr)")  # stdout holds the help
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stderr.split())


def test_help_and_items_import_no_heavy_library():
    for args in (["--help"], ["items", "--help"]):
        loaded = _modules_after(args)
        assert not {"sklearn", "scipy", "uvicorn", "fastapi", "worker"} & loaded, args
        assert "eingang.commands.classify" not in loaded
