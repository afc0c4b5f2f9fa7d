"""Writing items through the ORM into a database an older migration left: a migration's test
downgrades, stores items as the code of then would have, and upgrades again. The ORM knows the
columns later migrations add; here they exist only while the items are written (with their
server defaults, as the migration adding them fills them in), and are gone again before the
upgrade adds them for real."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import inspect, text
from sqlalchemy.schema import CreateColumn


@contextmanager
def later_columns(settings) -> Iterator[None]:  # type: ignore[no-untyped-def]
    from store.db import get_engine
    from store.models import Item

    engine = get_engine(settings)
    with engine.connect() as conn:
        present = {c["name"] for c in inspect(conn).get_columns("items")}
    missing = [c for c in Item.__table__.columns if c.name not in present]
    with engine.begin() as conn:
        for column in missing:
            conn.execute(text(f"ALTER TABLE items ADD COLUMN {CreateColumn(column).compile(dialect=engine.dialect)}"))
    engine.dispose()  # SQLite's connections cache the table's shape
    try:
        yield
    finally:
        with engine.begin() as conn:
            for column in missing:
                conn.execute(text(f"ALTER TABLE items DROP COLUMN {column.name}"))
        engine.dispose()
