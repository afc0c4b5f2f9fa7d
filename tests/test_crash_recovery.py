"""A killed worker delays work but never loses or duplicates it (PostgreSQL + RabbitMQ)."""

from __future__ import annotations

import os
import signal
import time

import psycopg
import pytest

from tests.services import Eingang

STEP_EVENTS = ("received", "extracted", "classified", "routed")
TOTAL = 200


def _status_counts(conn: psycopg.Connection) -> dict[str, int]:
    return dict(conn.execute("SELECT status, count(*) FROM items GROUP BY status").fetchall())


@pytest.mark.parametrize("backend_env", ["postgres"], indirect=True)
def test_sigkill_mid_step_finishes_exactly_once(eingang: Eingang, backend_env, tmp_path):
    # Given 200 mails queued on RabbitMQ and no worker running
    mails = tmp_path / "mails"
    mails.mkdir()
    for n in range(TOTAL):
        (mails / f"{n:03}.eml").write_text(
            f"From: b{n}@example.org\nTo: eingang@eingang.local\nSubject: Wohngeld {n}\n"
            f"Message-ID: <m{n}@example.org>\n\nIch beantrage Wohngeld, Mietzuschuss. Nr {n}\n",
            encoding="utf-8",
        )
    eingang.run("ingest", str(mails))
    dsn = backend_env["EINGANG_DATABASE_URL"].replace("+psycopg", "")
    conn = psycopg.connect(dsn, autocommit=True)
    assert _status_counts(conn) == {"received": TOTAL}

    # When a worker is SIGKILLed three times while it is in the middle of the batch
    for _ in range(3):
        before = _status_counts(conn).get("routed", 0)
        worker = eingang.start("worker", "--threads", "4", log=tmp_path / "worker.log")
        deadline = time.monotonic() + 60
        while _status_counts(conn).get("routed", 0) < before + 15 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
        counts = _status_counts(conn)
        assert counts.get("routed", 0) < TOTAL, "the batch finished before the kill"

    # Then a restarted worker finishes every item, each step exactly once
    eingang.start("worker", "--threads", "2", log=tmp_path / "worker.log")
    deadline = time.monotonic() + 120
    while _status_counts(conn) != {"routed": TOTAL} and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _status_counts(conn) == {"routed": TOTAL}
    duplicates = conn.execute(
        "SELECT item_id, kind, count(*) FROM events WHERE kind = ANY(%s) "
        "GROUP BY item_id, kind HAVING count(*) > 1",
        (list(STEP_EVENTS),),
    ).fetchall()
    assert duplicates == []
    per_step = dict(
        conn.execute(
            "SELECT kind, count(DISTINCT item_id) FROM events WHERE kind = ANY(%s) GROUP BY kind",
            (list(STEP_EVENTS),),
        ).fetchall()
    )
    assert per_step == {k: TOTAL for k in STEP_EVENTS}
    assert conn.execute("SELECT count(*) FROM items").fetchone()[0] == TOTAL
    conn.close()
