"""NUL characters never reach PostgreSQL: it refuses them in text and JSON (``psycopg.DataError``),
while mail headers, file names, OCR text and web forms can carry them. They are dropped at the
one boundary every write and query passes, the database driver, instead of in every caller.

SQLite stores NUL as it is; only PostgreSQL connections get these adapters.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any


@cache
def _dumpers() -> tuple[type, type]:
    # psycopg is imported on the first PostgreSQL connection, not by every CLI command on SQLite
    # (a tenth of `eingang items`' start-up).
    from psycopg.types.string import StrBinaryDumper, StrDumperUnknown

    class NulFreeText(StrDumperUnknown):
        def dump(self, obj: str):  # type: ignore[no-untyped-def]
            return super().dump(obj.replace("\x00", "") if "\x00" in obj else obj)

    class NulFreeBinaryText(StrBinaryDumper):
        def dump(self, obj: str):  # type: ignore[no-untyped-def]
            return super().dump(obj.replace("\x00", "") if "\x00" in obj else obj)

    return NulFreeText, NulFreeBinaryText


def register_nul_free_dumpers(connection: Any) -> None:
    for dumper in _dumpers():
        connection.adapters.register_dumper(str, dumper)


def _strip(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_strip(k): _strip(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_strip(v) for v in value]
    return value


def nul_free_json(value: Any) -> str:
    """json.dumps for JSON/JSONB columns, without NUL characters (jsonb refuses ``\\u0000``)."""
    text = json.dumps(value)
    return json.dumps(_strip(value)) if "\\u0000" in text else text
