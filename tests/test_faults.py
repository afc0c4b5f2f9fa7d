"""The fault suite (issue #17): processes killed with SIGKILL, RabbitMQ and PostgreSQL unreachable while mail
flows — through a proxy of the test's own, never by stopping the shared server —, and a full
disk (a small tmpfs of the test's own). Asserted every
time: nothing lost, nothing duplicated (items, pipeline events, acknowledgements), every item
final within 60 s after the fault ends."""

from __future__ import annotations

import signal
import smtplib
import time
from pathlib import Path

import psycopg
import pytest

from tests.fullfs import fill, small_filesystem
from tests.mails import citizen_mail
from tests.services import Eingang, free_port, wait_for_port
from tests.tcpproxy import Proxy

pytestmark = [pytest.mark.faults, pytest.mark.postgres]
FINAL = ("routed", "done", "needs_attention")


def _send(port: int, first: int, count: int) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
        for n in range(first, first + count):
            client.send_message(citizen_mail(f"Wohngeld {n}", f"Antrag auf Wohngeld Nr. {n}, 26123 Oldenburg"))


def _statuses(conn: psycopg.Connection) -> dict[str, int]:
    return dict(conn.execute("SELECT status, count(*) FROM items GROUP BY status").fetchall())


def _wait_final(conn: psycopg.Connection, total: int, seconds: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        counts = _statuses(conn)
        if sum(counts.get(s, 0) for s in FINAL) == total:
            return time.monotonic() - started
        time.sleep(0.5)
    raise AssertionError(f"not final within {seconds:.0f} s: {_statuses(conn)}")


def _assert_exactly_once(conn: psycopg.Connection, total: int, data_dir: Path) -> None:
    deadline = time.monotonic() + 60  # the acknowledgements of the last items may still be on their way
    while conn.execute("SELECT count(*) FROM outbox WHERE status = 'pending'").fetchone()[0]:
        assert time.monotonic() < deadline, "outbox not delivered within 60 s"
        time.sleep(0.5)
    assert conn.execute("SELECT count(*) FROM items").fetchone()[0] == total
    assert conn.execute("SELECT count(DISTINCT subject) FROM items").fetchone()[0] == total
    duplicated = conn.execute(
        "SELECT count(*) FROM (SELECT item_id, kind FROM events WHERE kind IN "
        "('extracted', 'classified', 'routed') GROUP BY item_id, kind HAVING count(*) > 1) d"
    ).fetchone()[0]
    assert duplicated == 0
    # Outbox rows are unique by their dedupe key; what counts is what went out
    sent_rows = conn.execute("SELECT count(*) FROM outbox WHERE kind = 'email' AND status = 'sent'").fetchone()[0]
    sent = sorted((data_dir / "mail-out").glob("*.eml")) if (data_dir / "mail-out").is_dir() else []
    ids = [next((ln for ln in p.read_text(errors="replace").splitlines()
                 if ln.lower().startswith("message-id:")), p.name) for p in sent]
    assert len(ids) == len(set(ids)), "an acknowledgement went out twice"
    assert len(ids) == sent_rows


def _send_retrying(port: int, first: int, count: int, seconds: float = 120) -> None:
    """Like a mail server: a 4xx answer or a lost connection means try again later."""
    deadline = time.monotonic() + seconds
    n = first
    while n < first + count:
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
                while n < first + count:
                    client.send_message(citizen_mail(f"Wohngeld {n}", f"Antrag auf Wohngeld Nr. {n}, 26123 Oldenburg"))
                    n += 1
        except (smtplib.SMTPException, OSError):
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


@pytest.mark.parametrize("backend_env", ["postgres"], indirect=True)
def test_faults_while_mail_flows(backend_env, tmp_path):
    """One set of processes through every fault in turn (set-up is the expensive part)."""
    import contextlib

    with contextlib.ExitStack() as stack:
        _faults_while_mail_flows(backend_env, tmp_path, stack)


def _faults_while_mail_flows(backend_env, tmp_path, stack):  # type: ignore[no-untyped-def]
    import threading

    broker, db = Proxy(5672), Proxy(5432)
    url = backend_env["EINGANG_DATABASE_URL"]
    env = backend_env | {
        "EINGANG_BROKER_URL": backend_env["EINGANG_BROKER_URL"].replace(":5672/", f":{broker.port}/"),
        "EINGANG_DATABASE_URL": url.replace("127.0.0.1:5432", f"127.0.0.1:{db.port}"),
    }
    assert env["EINGANG_DATABASE_URL"] != url
    # The data dir (originals, mail-out) on a small filesystem of our own, to fill up later
    try:
        disk = stack.enter_context(small_filesystem(tmp_path / "klein", "64m"))
    except pytest.skip.Exception:  # not root: every other fault still runs
        disk = None
    env["EINGANG_DATA_DIR"] = str((disk or tmp_path) / "data")
    data_dir = Path(env["EINGANG_DATA_DIR"])
    eingang = Eingang(env)
    eingang.run("db", "upgrade")
    conn = psycopg.connect(url.replace("+psycopg", ""), autocommit=True)  # not through the proxy
    port = free_port()
    timings: dict[str, float] = {}
    try:
        smtp = eingang.start("smtp", "--port", str(port), log=tmp_path / "smtp.log")
        worker = eingang.start("worker", "--threads", "2", log=tmp_path / "worker.log")
        wait_for_port(port)
        _send(port, 0, 10)

        # 1. The worker is killed with SIGKILL in the middle of its work
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        eingang.start("worker", "--threads", "2", log=tmp_path / "worker2.log")
        timings["worker kill -9"] = _wait_final(conn, 10, 60)

        # 2. The SMTP process is killed right after accepting mail
        _send(port, 10, 10)
        smtp.send_signal(signal.SIGKILL)
        smtp.wait()
        eingang.start("smtp", "--port", str(port), log=tmp_path / "smtp2.log")
        wait_for_port(port)
        timings["smtp kill -9"] = _wait_final(conn, 20, 60)

        # 3. RabbitMQ unreachable while mail keeps coming (SMTP still answers 250)
        broker.cut()
        _send(port, 20, 10)
        time.sleep(5)
        broker.restore()
        timings["RabbitMQ cut"] = _wait_final(conn, 30, 60)
        log = (tmp_path / "smtp2.log").read_text(errors="replace")
        assert log.count("broker unreachable") == 1, log[-2000:]

        # 4. PostgreSQL refuses connections for 7 s while mail keeps coming (SMTP: 250 from the spool)
        db.cut()
        sender = threading.Thread(target=_send_retrying, args=(port, 30, 10))
        sender.start()
        time.sleep(7)
        db.restore()
        sender.join(timeout=180)
        timings["PostgreSQL refused"] = _wait_final(conn, 40, 60)

        # 5. The disk with the spool and the originals runs full while mail keeps coming (SMTP: 451, resent)
        total = 40
        if disk is not None:
            ballast = fill(disk)
            sender = threading.Thread(target=_send_retrying, args=(port, 40, 10))
            sender.start()
            time.sleep(8)
            ballast.unlink()
            sender.join(timeout=180)
            total = 50
            timings["disk full"] = _wait_final(conn, total, 60)

        # Then: nothing lost, nothing twice, nothing parked by a fault
        _assert_exactly_once(conn, total, data_dir)
        assert _statuses(conn) == {"routed": total}, _statuses(conn)
        print("final after the fault ended:", {k: f"{v:.1f} s" for k, v in timings.items()})
    finally:
        eingang.stop_all()
        conn.close()
        broker.close()
        db.close()
