"""Throw-away databases for tests: a SQLite file, or an own PostgreSQL database per test run."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy import create_engine

from store.models import Base

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


def create_schema(url: str) -> None:
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()


@contextmanager
def postgres_database(prefix: str = "eingang_test") -> Iterator[str]:
    """CREATE a uniquely named database, yield its SQLAlchemy URL, DROP it afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        from store.db import _engine_for

        _engine_for.cache_clear()
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
