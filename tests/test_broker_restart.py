"""A RabbitMQ restart delays work but loses and duplicates nothing.

Messages are persistent, so queued work survives the restart; what is sent while the broker
is down fails to enqueue, stays in the database as `received` and is picked up by the sweeper.
"""

from __future__ import annotations

import smtplib
import subprocess
import time

import psycopg
import pytest

from tests.mails import citizen_mail
from tests.services import Eingang, free_port, wait_for_port

TOTAL = 120


def _counts(conn: psycopg.Connection) -> dict[str, int]:
    return dict(conn.execute("SELECT status, count(*) FROM items GROUP BY status").fetchall())


def _rabbit(action: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", action], check=True, capture_output=True, timeout=120)


@pytest.mark.parametrize("backend_env", ["postgres"], indirect=True)
def test_broker_restart_loses_nothing(backend_env, tmp_path):
    eingang = Eingang(backend_env | {"EINGANG_STALE_AFTER": "3", "EINGANG_SWEEP_INTERVAL": "1"})
    eingang.run("db", "upgrade")
    conn = psycopg.connect(backend_env["EINGANG_DATABASE_URL"].replace("+psycopg", ""),
                           autocommit=True)
    port = free_port()
    try:
        eingang.start("smtp", "--port", str(port), log=tmp_path / "smtp.log")
        wait_for_port(port)
        # Given mails queued while no worker runs
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            for n in range(TOTAL // 2):
                client.send_message(citizen_mail(f"Wohngeld {n}", "Antrag auf Wohngeld, 26123"))
        eingang.start("worker", "--threads", "2", log=tmp_path / "worker.log")

        # When RabbitMQ restarts while the worker is busy and more mail arrives meanwhile
        while _counts(conn).get("routed", 0) < 5:
            time.sleep(0.02)
        _rabbit("stop_app")
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
                for n in range(TOTAL // 2, TOTAL):
                    client.send_message(citizen_mail(f"Wohngeld {n}", "Antrag auf Wohngeld, 26123"))
        finally:
            _rabbit("start_app")

        # Then every mail is routed exactly once
        deadline = time.monotonic() + 180
        while _counts(conn) != {"routed": TOTAL} and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _counts(conn) == {"routed": TOTAL}
        assert conn.execute(
            "SELECT count(*) FROM (SELECT item_id, kind FROM events GROUP BY item_id, kind "
            "HAVING count(*) > 1) d"
        ).fetchone()[0] == 0
    finally:
        eingang.stop_all()
        conn.close()
