"""The database through its DBAPI driver alone (sqlite3, psycopg), without SQLAlchemy.

For the command line's short reads (``eingang items``): importing SQLAlchemy and its ORM was most
of their start-up (issue 16). And for the few statements that such a read shares with the ORM's
sessions (the schema check, the catalogue, the audit chain), so that each is written once:
:func:`of_session` hands a session's own connection and transaction to the same code.

SQL is written with ``:name`` parameters (sqlite3's style; psycopg's ``%(name)s`` on
PostgreSQL). Rows come back with the values the ORM's column types give: on SQLite decoded by
the types the tables were declared with (JSON, BOOLEAN, DATETIME in UTC), on PostgreSQL with
timestamps in UTC.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from store.settings import StorageSettings

# Every SQLite connection (store.engine's too): WAL lets readers work while a writer commits;
# foreign keys are off by default.
SQLITE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON",
                  "PRAGMA busy_timeout=30000")
SQLITE_TIMEOUT = 30
# How SQLAlchemy's SQLite dialect stores a DATETIME (naive, UTC by store.models.UTCDateTime).
SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"
_PARAM = re.compile(r"(?<![:\w]):(\w+)")


def postgres_options(redoable: bool = False) -> str:
    """Server settings of every PostgreSQL connection (why: store.engine.make_engine)."""
    return "-c jit=off -c max_parallel_workers_per_gather=0" + (" -c synchronous_commit=off" if redoable else "")


def as_utc(value: datetime | None) -> datetime | None:
    """A timestamp read from the database, in UTC (SQLite keeps none: its values are UTC)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_for(value: datetime | None, dialect: str) -> datetime | None:
    """A timestamp as it is written: UTC, naive on SQLite; a naive one is refused."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime: receipt times must carry a timezone")
    value = value.astimezone(UTC)
    return value.replace(tzinfo=None) if dialect == "sqlite" else value


class Plain:
    """A DBAPI connection with its dialect (``sqlite`` or ``postgresql``)."""

    def __init__(self, raw: Any, dialect: str) -> None:
        self.raw, self.dialect = raw, dialect
        self._types: dict[str, dict[str, str]] = {}

    def execute(self, sql: str, params: dict[str, Any] | None = None) -> Any:
        cursor = self.raw.cursor()
        if self.dialect == "postgresql":
            sql = _PARAM.sub(r"%(\1)s", sql.replace("%", "%%"))
        cursor.execute(sql, {k: self._bind(v) for k, v in (params or {}).items()})
        return cursor

    def scalar(self, sql: str, params: dict[str, Any] | None = None) -> Any:
        row = self.execute(sql, params).fetchone()
        return row[0] if row else None

    def rows(self, table: str, columns: Sequence[str], rest: str = "",
             params: dict[str, Any] | None = None) -> list[SimpleNamespace]:
        """``SELECT columns FROM table rest``, each row with the columns as attributes."""
        cursor = self.execute(f"SELECT {', '.join(columns)} FROM {table} {rest}", params)
        decode = [self._decoder(table, column) for column in columns]
        return [SimpleNamespace(**{c: d(v) for c, d, v in zip(columns, decode, row, strict=True)})
                for row in cursor.fetchall()]

    def insert(self, table: str, values: dict[str, Any]) -> None:
        self.execute(f"INSERT INTO {table} ({', '.join(values)}) VALUES ({', '.join(':' + k for k in values)})",
                     values)

    @contextmanager
    def transaction(self) -> Iterator[Plain]:
        """One transaction on a connection of :func:`connect`: committed at the end, rolled back
        on any error; on SQLite begun with the write lock, as store.engine's transactions."""
        if self.dialect == "postgresql":
            with self.raw.transaction():
                yield self
            return
        self.raw.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.raw.execute("ROLLBACK")
            raise
        self.raw.execute("COMMIT")

    def _bind(self, value: Any) -> Any:
        # As the ORM's column types bind them: JSON as text (PostgreSQL: jsonb, without NUL),
        # timestamps in UTC (SQLite: in SQLAlchemy's text form, which its queries compare).
        if isinstance(value, dict | list):
            if self.dialect == "sqlite":
                return json.dumps(value)
            from psycopg.types.json import Jsonb

            from store.nul import nul_free_json

            return Jsonb(value, dumps=nul_free_json)
        if isinstance(value, datetime):
            value = utc_for(value, self.dialect)
            return value.strftime(SQLITE_DATETIME) if self.dialect == "sqlite" else value
        return value

    def _decoder(self, table: str, column: str) -> Any:
        if self.dialect == "postgresql":
            return lambda v: as_utc(v) if isinstance(v, datetime) else v
        if table not in self._types:
            self._types[table] = {name: kind.upper() for _cid, name, kind, *_rest
                                  in self.raw.execute(f"PRAGMA table_info({table})")}
        return _SQLITE_DECODERS.get(self._types[table].get(column, ""), _same)


def _same(value: Any) -> Any:
    return value


def _sqlite_time(value: Any) -> Any:
    return as_utc(datetime.fromisoformat(value)) if isinstance(value, str) else value


def _sqlite_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _sqlite_bool(value: Any) -> Any:
    return None if value is None else bool(value)


_SQLITE_DECODERS = {"JSON": _sqlite_json, "BOOLEAN": _sqlite_bool, "DATETIME": _sqlite_time}


def driver_errors(database: str) -> tuple[type[Exception], ...]:
    """What the driver of a database (its URL or dialect) raises for a missing table or a refused
    statement: not wrapped by SQLAlchemy, store.plain talks to the driver itself."""
    if database.startswith("sqlite"):
        import sqlite3 as driver
    else:
        import psycopg as driver
    return driver.OperationalError, driver.ProgrammingError


def of_session(session: Any) -> Plain:
    """The connection of an ORM session, in the session's transaction, after the flush its own
    query would have made (unless it reads with ``no_autoflush``)."""
    if session.autoflush:
        session.flush()
    return of_connection(session.connection())


def of_connection(connection: Any) -> Plain:
    """The DBAPI connection under a SQLAlchemy connection, in its transaction."""
    return Plain(connection.connection.driver_connection, connection.dialect.name)


class UnsupportedURL(ValueError):
    """A database URL the plain layer cannot open (message in German, for the command line)."""


@contextmanager
def connect(settings: StorageSettings) -> Iterator[Plain]:
    """A connection of its own to the configured database (SQLAlchemy's URL ``sqlite:///PATH``
    or ``postgresql+psycopg://…``), set up as store.engine sets up its connections. Statements
    outside :meth:`Plain.transaction` commit one by one."""
    url = settings.sqlalchemy_url
    if url.startswith("sqlite:///") and "?" not in url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        import sqlite3

        raw = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=SQLITE_TIMEOUT,
                              check_same_thread=False, isolation_level=None)
        for pragma in SQLITE_PRAGMAS:
            raw.execute(pragma)
        plain = Plain(raw, "sqlite")
    elif url.startswith(("postgresql", "postgres:")):
        import psycopg

        from store.nul import register_nul_free_dumpers

        raw = psycopg.connect(re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql://", url),
                              options=postgres_options(), autocommit=True)
        register_nul_free_dumpers(raw)
        plain = Plain(raw, "postgresql")
    else:
        raise UnsupportedURL(
            f"Die Datenbank-Adresse „{url.split(':', 1)[0]}:…“ kann hier nicht direkt gelesen werden: "
            "unterstützt sind „sqlite:///PFAD“ (ohne Zusätze nach „?“) und PostgreSQL."
        )
    try:
        yield plain
    finally:
        raw.close()
