"""The house as drawn: layers and cycles are import-linter's (make lint); what an import
contract cannot see is checked here."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def environment_reads(package: Path) -> list[str]:
    """Every use of os.environ, getenv, putenv in the package's modules, as path:line."""
    found = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute):
                name = node.attr
            elif isinstance(node, ast.alias):  # from os import getenv
                name = node.name
            else:
                name = getattr(node, "id", None)
            if name in {"environ", "environb", "getenv", "putenv"}:
                found.append(f"{path.relative_to(package.parent)}:{node.lineno}")
    return found


def test_classifier_and_routing_read_no_environment() -> None:
    # Settings reach the pure libraries as arguments (data dir, catalogue, routing config),
    # so the worker, the CLI and a test give them exactly what they use.
    assert environment_reads(ROOT / "classifier") == []
    assert environment_reads(ROOT / "routing") == []


def test_an_environment_read_is_found(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "bad.py").write_text("import os\nfrom os import getenv\nDATA = os.environ.get('X')\n")
    assert environment_reads(package) == ["pkg/bad.py:2", "pkg/bad.py:3"]
