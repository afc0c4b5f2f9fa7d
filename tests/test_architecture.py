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


def test_the_pure_libraries_services_and_connectors_read_no_environment() -> None:
    # Settings reach the pure libraries as arguments (data dir, catalogue, routing config),
    # so the worker, the CLI and a test give them exactly what they use.
    assert environment_reads(ROOT / "classifier") == []
    assert environment_reads(ROOT / "routing") == []
    assert environment_reads(ROOT / "domain") == []
    assert environment_reads(ROOT / "services") == []
    assert environment_reads(ROOT / "connectors") == []


def settings_reads(package: Path) -> list[str]:
    """Every use of ``get_settings`` (import or call) in the package's modules, as path:line."""
    found = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = node.name if isinstance(node, ast.alias) else getattr(node, "attr", getattr(node, "id", None))
            if name == "get_settings":
                found.append(f"{path.relative_to(package.parent)}:{node.lineno}")
    return found


def test_the_lower_layers_are_handed_their_settings() -> None:
    # The composition root (eingang/commands, the web app's create_app) reads the settings once
    # and hands each part the typed group it needs (store.settings); the pure libraries, the
    # worker (bound at start-up), the services and the connectors never fetch them themselves.
    for package in ("classifier", "routing", "domain", "extraction", "worker", "services", "connectors"):
        assert settings_reads(ROOT / package) == [], package


def test_the_web_app_reads_its_settings_only_in_its_composition_root() -> None:
    # create_app reads them once (or is handed them) and keeps them on app.state; routes ask
    # for them with Depends(admin.state.web_settings), so a test's app runs on what it was given.
    assert [read for read in settings_reads(ROOT / "admin") if not read.startswith("admin/app.py:")] == []


def test_the_store_is_handed_its_database_settings() -> None:
    # Engines, sessions, migrations, the blob store, the intake, retention and the catalogue's
    # edits take their settings as a parameter: only store/settings.py reads the
    # environment (and store/metrics.py, whose multiprocess directory prometheus_client takes
    # from the environment at import). Still reading settings: current_catalogue's fall-back for
    # callers without them (the Kommune's time zone, store.localdays; issue #13), and the
    # migrations alembic runs.
    reads = {read.split(":")[0] for read in settings_reads(ROOT / "store")
             if not read.startswith("store/migrations/")}
    assert reads <= {"store/settings.py", "store/catalogue.py"}, reads
    environment = {read.split(":")[0] for read in environment_reads(ROOT / "store")}
    assert environment <= {"store/settings.py", "store/metrics.py"}, environment


def test_a_settings_read_is_found(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "bad.py").write_text("from store.settings import get_settings\n\n\n"
                                    "def url():\n    return get_settings().database_url\n")
    (package / "also.py").write_text("import store.settings\nX = store.settings.get_settings()\n")
    assert settings_reads(package) == ["pkg/also.py:2", "pkg/bad.py:1", "pkg/bad.py:5"]


def test_an_environment_read_is_found(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "bad.py").write_text("import os\nfrom os import getenv\nDATA = os.environ.get('X')\n")
    assert environment_reads(package) == ["pkg/bad.py:2", "pkg/bad.py:3"]



def imported_names(package: Path, module: str) -> set[str]:
    """The names the package's modules import from ``module`` (``from module import …``)."""
    found = set()
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == module:
                found |= {alias.name for alias in node.names}
            elif isinstance(node, ast.Import) and any(alias.name == module for alias in node.names):
                found.add("*")
    return found


def test_the_console_changes_the_catalogue_only_through_its_service() -> None:
    # Validated, written and audited in services/catalogue.py, which the CLI (eingang kommune)
    # calls too; the web app only reads the catalogue from the store.
    assert imported_names(ROOT / "admin", "store.catalogue") <= {"current_catalogue", "read_catalogue"}
    assert imported_names(ROOT / "eingang", "store.catalogue") <= {"current_catalogue", "read_catalogue"}
    assert imported_names(ROOT / "admin", "store.rulesets") <= {
        "RuleSetError", "active_rule_set", "get_rule_set", "list_rule_sets"}


def test_a_write_import_is_found(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "bad.py").write_text("from store.catalogue import change_office, current_catalogue\n")
    (package / "also.py").write_text("import store.catalogue\n")
    assert imported_names(package, "store.catalogue") == {"change_office", "current_catalogue", "*"}
