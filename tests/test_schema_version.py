"""A database short of this version's migrations stops a command at its start with a German
sentence saying what to do (exit code 1, no traceback); so does one newer than the code."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from eingang.cli import main
from store.schema import known_revisions, stand

OLD = "0033_sqlite_fulltext"
HEAD = stand(known_revisions()[1])  # "0036" now: read from the migration files
NEEDS_UPGRADE = f"Die Datenbank ist auf Stand 0033, diese Version braucht {HEAD}. Bitte `eingang db upgrade` ausführen."


@pytest.fixture
def old_database(settings):  # type: ignore[no-untyped-def]
    """The test's SQLite database, migrated back to 0033 (before items.identifiers, 0035)."""
    from alembic import command

    from store.db import alembic_config, get_engine

    command.downgrade(alembic_config(settings), OLD)
    get_engine(settings).dispose()
    return settings


def _stops_with(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # click's own exit, not an error passed up
    assert message in result.output
    assert "Traceback" not in result.output and "sqlalchemy" not in result.output.lower()


@pytest.mark.parametrize("args", [["items"], ["show", "1"], ["worker", "--threads", "1"], ["web"],
                                  ["stapel", "list"], ["counts", "check"]])
def test_a_database_short_of_a_migration_stops_the_command_with_what_to_do(old_database, args) -> None:  # type: ignore[no-untyped-def]
    _stops_with(args, NEEDS_UPGRADE)


def test_the_message_is_all_a_terminal_shows(old_database) -> None:  # type: ignore[no-untyped-def]
    env = {**os.environ, "EINGANG_DATA_DIR": str(old_database.data_dir)}
    done = subprocess.run([sys.executable, "-m", "eingang", "items"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.strip() == f"Error: {NEEDS_UPGRADE}" and done.stdout == ""


def test_the_head_is_alembics() -> None:
    from alembic.script import ScriptDirectory

    from store.db import MIGRATIONS

    assert known_revisions()[1] == ScriptDirectory(str(MIGRATIONS)).get_current_head()


def test_after_db_upgrade_the_command_runs(old_database) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(main, ["items"])
    assert result.exit_code == 0, result.output


def test_a_statement_failing_on_an_old_database_is_explained_too(old_database) -> None:  # type: ignore[no-untyped-def]
    # A command that reads its settings without the start check (eingang users, rules …): the
    # column a later migration added is missing; the CLI says why instead of the traceback.
    from sqlalchemy import select

    from eingang.cli import outdated_schema
    from store.db import session_scope
    from store.models import Item

    with pytest.raises(Exception) as failed, session_scope(old_database) as session:
        session.execute(select(Item.identifiers)).all()
    assert outdated_schema(failed.value) == NEEDS_UPGRADE


def test_a_database_newer_than_the_code_is_not_touched(settings) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from store.db import get_engine

    with get_engine(settings).begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099_from_the_future'"))
    message = ("Die Datenbank ist auf Stand 0099, neuer als diese Version von eingang (sie kennt Stand "
               f"{HEAD}). Bitte die Version einsetzen, die die Datenbank zuletzt aktualisiert hat.")
    _stops_with(["items"], message)
    _stops_with(["db", "upgrade"], message)
    with get_engine(settings).connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0099_from_the_future"
