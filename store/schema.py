"""Is the database at the schema this code needs? Asked once at the start of a command or a
process, so that a database short of a newer migration stops it with a German sentence saying
what to do, instead of a SQLAlchemy traceback at the first statement that reads a new column.

Cheap on purpose: one query (``alembic_version``) on a plain connection (store.plain: a command
that reads without SQLAlchemy checks too), and the code's head read from the migration files'
``revision``/``down_revision`` lines, not by alembic, which imports every migration (about a
second at start).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from store.plain import Plain, driver_errors

VERSIONS = Path(__file__).with_name("migrations") / "versions"
_LINE = re.compile(r"^(revision|down_revision)\b[^=\n]*=(.*)$", re.MULTILINE)
_QUOTED = re.compile(r"['\"]([^'\"]+)['\"]")  # one revision, or several of a merge
UPGRADE_HINT = "Bitte `eingang db upgrade` ausführen."


class SchemaNotCurrent(RuntimeError):
    """The database is at another migration than the code; the message says what to do."""


@lru_cache(maxsize=1)
def known_revisions() -> tuple[frozenset[str], str]:
    """Every revision of this code's migrations, and the head (the one no other revises)."""
    revisions, revised = set(), set()
    for path in VERSIONS.glob("*.py"):
        for kind, values in _LINE.findall(path.read_text(encoding="utf-8")):
            (revisions if kind == "revision" else revised).update(_QUOTED.findall(values))
    heads = revisions - revised
    if len(heads) != 1:  # tests/test_migrations.py keeps it at one
        raise RuntimeError(f"Migrationen ohne eindeutigen Endstand: {sorted(heads)}")
    return frozenset(revisions), heads.pop()


def stand(revision: str) -> str:
    """What a person reads: ``0033`` for ``0033_sqlite_fulltext``."""
    return revision.split("_", 1)[0]


def database_revision(db: Plain) -> str | None:
    """The migration the database is at; None for a database without eingang's tables."""
    try:
        return db.scalar("SELECT version_num FROM alembic_version")
    except driver_errors(db.dialect):  # no table alembic_version: never migrated
        return None


def schema_problem(current: str | None) -> str | None:
    """The German sentence for a database at ``current`` where this code needs its head;
    None where they agree. A database without tables is left to the caller (it is not a
    version question, and a fresh installation's first start creates them)."""
    revisions, head = known_revisions()
    if current is None or current == head:
        return None
    if current not in revisions:
        return (f"Die Datenbank ist auf Stand {stand(current)}, neuer als diese Version von eingang "
                f"(sie kennt Stand {stand(head)}). Bitte die Version einsetzen, die die Datenbank "
                "zuletzt aktualisiert hat.")
    return f"Die Datenbank ist auf Stand {stand(current)}, diese Version braucht {stand(head)}. {UPGRADE_HINT}"


def require_current(db: Plain) -> None:
    """Raise :class:`SchemaNotCurrent` unless the database is at this code's head (or empty).
    Outside a transaction of ``db`` (on PostgreSQL a failed query would end it)."""
    problem = schema_problem(database_revision(db))
    if problem:
        raise SchemaNotCurrent(problem)
