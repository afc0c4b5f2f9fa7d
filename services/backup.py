"""``eingang backup`` / ``eingang restore``: a consistent copy of an installation while it runs.

A backup is a directory with
- the database: PostgreSQL as ``pg_dump --format=custom`` (one snapshot transaction), SQLite
  through its online backup API (a consistent copy while writers go on),
- ``blobs/``: the originals and documents, laid out as in the blob store,
- ``spool/``: mail the SMTP intake has answered 250 for and not yet stored as items (its
  segments, connectors.spool),
- ``manifest.json``: the schema revision and the SHA-256 of every file.

The spool is copied first, then the database, then the blobs. A mail that was in the spool
when the backup began is then either in the database snapshot or in the copied segment (the
ingest deletes a segment only after committing its items), never in neither; one in both is
stored once after a restore, because each item's receipt names its spool position. A connector
writes (and fsyncs) a blob before it commits the item naming it, and blobs never change (their
name is their hash), so every blob the database snapshot names is already on disk when the
blob copy starts. Blobs that arrive later are copied too and do no harm.

``restore`` checks every hash first, then fills an empty installation (no items, no blobs):
a restore never mixes two installations.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from store.db import get_engine
from store.settings import Settings

MANIFEST = "manifest.json"
CHUNK = 1 << 20


class BackupError(RuntimeError):
    """A backup or restore that cannot be done (German message for the operator)."""


@dataclass(frozen=True)
class Summary:
    path: Path
    database: str
    blobs: int
    bytes: int
    spooled: int = 0  # segments of mail answered 250 and not yet stored as items


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _libpq_url(settings: Settings) -> str:
    url = make_url(settings.sqlalchemy_url)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _is_postgres(settings: Settings) -> bool:
    return settings.sqlalchemy_url.startswith("postgresql")


def _revision(settings: Settings) -> str | None:
    with get_engine(settings).connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def backup(settings: Settings, target: Path) -> Summary:
    """Write a backup into ``target`` (a new directory)."""
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"Das Zielverzeichnis {target} ist nicht leer.")
    target.mkdir(parents=True, exist_ok=True)
    revision = _revision(settings)
    spool = _copy_spool(settings.spool_dir, target / "spool")
    if _is_postgres(settings):
        db_file = target / "database.pgdump"
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(db_file), _libpq_url(settings)],
             "pg_dump")
        kind = "postgresql"
    else:
        db_file = target / "database.sqlite"
        source = sqlite3.connect(make_url(settings.sqlalchemy_url).database)
        try:
            with sqlite3.connect(db_file) as copy:
                source.backup(copy)  # SQLite's online backup: consistent while others write
        finally:
            source.close()
        kind = "sqlite"
    blobs, size = _copy_blobs(settings.blob_dir, target / "blobs")
    manifest = {
        "format": 1, "created_at": datetime.now(UTC).isoformat(), "schema_revision": revision,
        "database": {"kind": kind, "file": db_file.name, "sha256": _sha256(db_file)},
        "blobs": blobs, "spool": spool,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    return Summary(target, kind, len(blobs), size, len(spool))


def _copy_blobs(source: Path, target: Path) -> tuple[dict[str, int], int]:
    """Copy every blob, checking on the way that its content still matches its name."""
    found: dict[str, int] = {}
    total = 0
    if not source.is_dir():
        return found, total
    for path in sorted(source.rglob("*")):
        if not path.is_file() or path.name.startswith(".") or len(path.name) != 64:
            continue  # temporary files of a write in progress
        relative = path.relative_to(source)
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
        if _sha256(destination) != path.name:
            raise BackupError(f"Die Datei {relative} im Ablageverzeichnis ist beschädigt (Prüfsumme falsch).")
        found[path.name] = destination.stat().st_size
        total += found[path.name]
    return found, total


def _copy_spool(source: Path, target: Path) -> dict[str, str]:
    """Copy the spool's segments (name -> SHA-256). A segment the ingest deletes meanwhile
    was committed to the database first, so its mails are in the snapshot taken after this."""
    found: dict[str, str] = {}
    if not source.is_dir():
        return found
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.iterdir()):
        if not path.is_file() or path.name.startswith("."):
            continue
        try:
            shutil.copyfile(path, target / path.name)
        except FileNotFoundError:
            continue  # stored and deleted just now: in the database snapshot
        found[path.name] = _sha256(target / path.name)
    return found


def verify(source: Path) -> dict:
    """The manifest, after checking every file of the backup against it."""
    source = Path(source)
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source} enthält keine lesbare Sicherung ({MANIFEST} fehlt).") from exc
    db = manifest["database"]
    if _sha256(source / db["file"]) != db["sha256"]:
        raise BackupError("Die Datenbankdatei der Sicherung ist beschädigt (Prüfsumme falsch).")
    for digest in manifest["blobs"]:
        path = source / "blobs" / digest[:2] / digest[2:4] / digest
        if not path.is_file() or _sha256(path) != digest:
            raise BackupError(f"Datei {digest[:12]}… fehlt in der Sicherung oder ist beschädigt.")
    for name, digest in manifest.get("spool", {}).items():  # backups before the spool have none
        path = source / "spool" / name
        if not path.is_file() or _sha256(path) != digest:
            raise BackupError(f"Die Datei {name} mit angenommenen Mails fehlt in der Sicherung oder ist beschädigt.")
    return manifest


def restore(settings: Settings, source: Path) -> Summary:
    """Bring a backup back into this (empty) installation."""
    source = Path(source)
    manifest = verify(source)
    kind = manifest["database"]["kind"]
    if kind != ("postgresql" if _is_postgres(settings) else "sqlite"):
        raise BackupError(f"Die Sicherung ist eine {kind}-Datenbank; diese Installation nutzt eine andere.")
    _require_empty(settings)
    db_file = source / manifest["database"]["file"]
    if kind == "postgresql":
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--exit-on-error",
              "--dbname", _libpq_url(settings), str(db_file)], "pg_restore")
    else:
        get_engine(settings).dispose()
        target = Path(make_url(settings.sqlalchemy_url).database)
        target.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(db_file) as backup_db, sqlite3.connect(target) as live:
            backup_db.backup(live)
    get_engine(settings).dispose()
    total = 0
    for digest, size in manifest["blobs"].items():
        relative = Path(digest[:2]) / digest[2:4] / digest
        destination = settings.blob_dir / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=destination.parent, prefix=".tmp-")
        os.close(fd)
        shutil.copyfile(source / "blobs" / relative, tmp)
        os.replace(tmp, destination)
        total += size
    spool = manifest.get("spool", {})
    _restore_spool(source / "spool", spool, settings.spool_dir)
    return Summary(source, kind, len(manifest["blobs"]), total, len(spool))


def _restore_spool(source: Path, names: dict[str, str], spool_dir: Path) -> None:
    """Put the spooled mail back; the next SMTP process stores it as items (it takes over
    segments no running process holds), once only even if the snapshot holds some of it."""
    for name in names:
        spool_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=spool_dir, prefix=".tmp-")  # not a segment until renamed
        os.close(fd)
        shutil.copyfile(source / name, tmp)
        os.replace(tmp, spool_dir / name)


def _require_empty(settings: Settings) -> None:
    with get_engine(settings).connect() as conn:
        if inspect(conn).has_table("items") and conn.execute(text("SELECT count(*) FROM items")).scalar():
            raise BackupError("Diese Installation enthält schon Vorgänge: wiederhergestellt wird nur "
                              "in eine leere Installation.")
    if settings.blob_dir.is_dir() and any(p.is_file() for p in settings.blob_dir.rglob("*")):
        raise BackupError(f"Das Ablageverzeichnis {settings.blob_dir} ist nicht leer.")
    if settings.spool_dir.is_dir() and any(p.is_file() for p in settings.spool_dir.iterdir()):
        raise BackupError(f"Im Verzeichnis {settings.spool_dir} liegen noch angenommene Mails.")


def _run(command: list[str], name: str) -> None:
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=6 * 3600)
    except FileNotFoundError as exc:
        raise BackupError(f"{name} fehlt (Debian-Paket postgresql-client).") from exc
    if result.returncode != 0:
        # pg_dump's message may name the database URL; print it without the password.
        raise BackupError(f"{name} ist fehlgeschlagen: {result.stderr.strip()[-500:]}")
