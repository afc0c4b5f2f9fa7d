"""Real services for tests: a private PostgreSQL database and RabbitMQ vhost per test session,
and eingang processes started the way production starts them."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import psycopg

from store.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on port {port}")


def postgres_url(name: str) -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


@contextmanager
def postgres_database(template: str | None = None) -> Iterator[str]:
    """A private database, empty or a copy of ``template`` (a database nobody is connected to)."""
    name = f"eingang_t_{uuid.uuid4().hex[:10]}"
    copy_of = f' TEMPLATE "{template}"' if template else ""
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"{copy_of}')
    try:
        yield postgres_url(name)
    finally:
        _drop_databases([name])


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database (the backup API, so the WAL is included)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


class MigratedTemplates:
    """Databases at the newest migration with a Kommune profile's catalogue seeded, made once
    per test process by ``eingang db upgrade`` (as production makes them) and then copied for
    each test: migrating from scratch costs seconds, a copy a fraction of one. The copy's own
    ``db upgrade`` then finds it at head. tests/test_migrations.py migrates step by step."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._sqlite: dict[str, Path] = {}
        self._postgres: dict[str, str] = {}

    def _upgrade(self, profile: str, data_dir: Path, database_url: str | None = None) -> None:
        env = {"EINGANG_DATA_DIR": str(data_dir), "EINGANG_KOMMUNE_PROFILE": profile}
        if database_url:
            env["EINGANG_DATABASE_URL"] = database_url
        clean = {k: v for k, v in os.environ.items() if not k.startswith("EINGANG_")}
        subprocess.run([sys.executable, "-m", "eingang", "db", "upgrade"], env=clean | env
                       | {"PYTHONPATH": str(ROOT)}, cwd=ROOT, capture_output=True, check=True,
                       timeout=300)

    def sqlite(self, profile: str) -> Path:
        """The template's ``eingang.db`` for ``profile`` (copy it with :func:`copy_sqlite`)."""
        if profile not in self._sqlite:
            data_dir = self.folder / f"sqlite-{profile}"
            self._upgrade(profile, data_dir)
            self._sqlite[profile] = data_dir / "eingang.db"
        return self._sqlite[profile]

    def postgres(self, profile: str) -> str:
        """The name of the template database for ``profile`` (for :func:`postgres_database`)."""
        if profile not in self._postgres:
            name = f"eingang_tpl_{uuid.uuid4().hex[:10]}"
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            try:
                self._upgrade(profile, self.folder / f"postgres-{profile}", postgres_url(name))
            except BaseException:
                _drop_databases([name])
                raise
            self._postgres[profile] = name
        return self._postgres[profile]

    def close(self) -> None:
        _drop_databases(self._postgres.values())
        self._postgres.clear()


def _drop_databases(names: Iterable[str]) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _rabbitmqctl(*args: str, attempts: int = 3) -> None:
    # rabbitmqctl talks to the node over Erlang distribution; on a loaded machine a call now
    # and then fails (exit 64/69/75) and works a moment later.
    for attempt in range(attempts):
        done = subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True, timeout=120)
        if done.returncode == 0:
            return
        if args[0] == "delete_vhost" and b"not_found" in done.stderr + done.stdout:
            return
        if attempt == attempts - 1:
            raise RuntimeError(
                f"rabbitmqctl {' '.join(args)}: exit {done.returncode}: {done.stderr.decode()[-500:]}"
            )
        time.sleep(2)


@contextmanager
def rabbitmq_vhost() -> Iterator[str]:
    vhost = f"eingang_t_{uuid.uuid4().hex[:10]}"
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    try:
        yield f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    finally:
        _rabbitmqctl("delete_vhost", vhost)


class Eingang:
    """Runs ``eingang`` commands as separate processes with one environment."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
        self.procs: list[subprocess.Popen] = []

    def run(self, *args: str, timeout: float = 300, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "eingang", *args],
            env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=check,
        )

    def start(self, *args: str, log: Path | None = None) -> subprocess.Popen:
        out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 (lives with the process)
        proc = subprocess.Popen(
            [sys.executable, "-m", "eingang", *args],
            env=self.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
        )
        self.procs.append(proc)
        return proc

    def items(self, *args: str) -> list[dict]:
        out = self.run("items", "--json", "--limit", "100000", *args).stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def wait_until(self, predicate, timeout: float = 60.0, interval: float = 0.2):  # type: ignore[no-untyped-def]
        """``eingang items --json`` until ``predicate`` holds for its items. The command (a
        Python start, over half a second of CPU) runs again only when the items table changed
        or every few seconds: polling it flat out took a core from the processes under test."""
        deadline = time.monotonic() + timeout
        seen, asked = self._items_state(), time.monotonic()
        items = self.items()
        while not predicate(items):
            if time.monotonic() > deadline:
                raise TimeoutError(f"condition not met; items: {items[:5]}")
            time.sleep(interval)
            state = self._items_state()
            if state != seen or state is None or time.monotonic() - asked > 5:
                seen, asked = state, time.monotonic()
                items = self.items()
        return items

    def _items_state(self) -> str | None:
        """The items table's rows as one string, read directly (None if unreadable)."""
        url = self.env.get("EINGANG_DATABASE_URL", "")
        try:
            if url.startswith("postgresql"):
                with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
                    row = conn.execute("SELECT string_agg(i::text, '|' ORDER BY i.id) FROM items i").fetchone()
                    return str(row[0])
            database = Path(self.env["EINGANG_DATA_DIR"]) / "eingang.db"
            with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)) as conn:
                return repr(conn.execute("SELECT * FROM items ORDER BY id").fetchall())
        except Exception:
            return None

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.procs.clear()


def spooled_in(timeout: float = 60.0) -> None:
    """Wait until the SMTP servers of this process have stored every mail they answered 250
    for as an item: the 250 comes once the mail is in the spool, the item just after it
    (connectors.spool_ingest)."""
    from connectors import spool_ingest

    deadline = time.monotonic() + timeout
    while not spool_ingest.idle():
        assert time.monotonic() < deadline, "spooled mail not stored as items"
        time.sleep(0.02)


def settle(pipeline, timeout: float = 120.0) -> None:  # type: ignore[no-untyped-def]
    """Run the in-process pipeline until every item is in a final status. The SMTP intake
    answers 250 once the mail is spooled and stores the item and enqueues its first step just
    after, from another thread: one drain right after the session may find nothing yet."""
    from sqlalchemy import func, select

    from store.db import session_scope
    from store.models import Item

    deadline = time.monotonic() + timeout
    while True:
        spooled_in(timeout)
        pipeline.drain()
        with session_scope(get_settings()) as session:
            waiting = session.scalar(select(func.count(Item.id)).where(
                Item.status.in_(["received", "extracted", "classified"])))
        if not waiting:
            return
        assert time.monotonic() < deadline, f"{waiting} items still in the pipeline"
        time.sleep(0.1)
