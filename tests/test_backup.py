"""Backup and restore, for real: fill an installation, back it up while mail keeps arriving,
wipe it, restore into the empty installation, then `audit verify`, `counts check` and every
blob of every document present with its hash (SQLite and PostgreSQL + RabbitMQ)."""

from __future__ import annotations

import hashlib
import shutil
import smtplib
import threading
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.mails import WOHNGELD, citizen_mail
from tests.services import free_port, wait_for_port


def _send(port: int, n: int, subject: str) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        for i in range(n):
            client.send_message(citizen_mail(f"{subject} {i}", WOHNGELD[1]))


def _wipe(backend_env: dict[str, str]) -> None:
    """The installation's database and data directory (blobs, spool) are gone."""
    if "EINGANG_DATABASE_URL" in backend_env:
        engine = create_engine(backend_env["EINGANG_DATABASE_URL"])
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    data = Path(backend_env["EINGANG_DATA_DIR"])
    shutil.rmtree(data)
    data.mkdir()


def test_backup_while_mail_arrives_then_restore(eingang, backend_env, tmp_path):
    port = free_port()
    eingang.start("smtp", "--port", str(port), log=tmp_path / "smtp.log")
    if "EINGANG_BROKER_URL" in backend_env:
        eingang.start("worker", "--threads", "2", log=tmp_path / "worker.log")
    wait_for_port(port)
    eingang.run("users", "add", "mara", "--role", "eingangsservice", "--queue", "*",
                "--password", "Mitarbeiterin-Backup-1")  # audited: the chain has entries
    _send(port, 5, "Vor der Sicherung")
    eingang.wait_until(lambda items: len(items) == 5 and all(i["status"] == "routed" for i in items),
                       timeout=120)

    # Mail keeps arriving while the backup runs.
    stop, sent = threading.Event(), [0]

    def keep_sending() -> None:
        while not stop.is_set():
            _send(port, 1, "Während der Sicherung")
            sent[0] += 1
            time.sleep(0.05)

    sender = threading.Thread(target=keep_sending)
    sender.start()
    time.sleep(0.5)
    target = tmp_path / "sicherung"
    try:
        out = eingang.run("backup", str(target)).stdout
    finally:
        stop.set()
        sender.join(timeout=30)
    assert "Sicherung in" in out and sent[0] > 0
    assert (target / "manifest.json").exists()
    eingang.stop_all()
    before = len(eingang.items())
    assert before >= 5 + sent[0] - 1

    # Wipe: the database and the blob store are gone.
    data = Path(backend_env["EINGANG_DATA_DIR"])
    _wipe(backend_env)

    # A damaged backup is refused before anything is written.
    blob = next((target / "blobs").rglob("*"))
    while blob.is_dir():
        blob = next(blob.iterdir())
    original = blob.read_bytes()
    blob.write_bytes(original + b"x")
    refused = eingang.run("restore", str(target), check=False)
    assert refused.returncode != 0 and "beschädigt" in refused.stderr
    blob.write_bytes(original)

    restored = eingang.run("restore", str(target))
    assert "Wiederhergestellt" in restored.stdout, restored.stderr
    eingang.run("db", "upgrade")
    assert eingang.run("audit", "verify", check=False).returncode == 0
    assert eingang.run("counts", "check", check=False).returncode == 0
    items = eingang.items()
    assert 5 <= len(items) <= before  # what the snapshot held: at least everything before it
    assert len([i for i in items if (i["subject"] or "").startswith("Vor der Sicherung")]) == 5

    # Every blob a document names is back, with its content.
    url = backend_env.get("EINGANG_DATABASE_URL") or f"sqlite:///{data / 'eingang.db'}"
    engine = create_engine(url)
    with engine.connect() as conn:
        digests = {row[0] for row in conn.execute(text("SELECT sha256 FROM documents"))}
    engine.dispose()
    assert len(digests) >= 5
    for digest in digests:
        path = data / "blobs" / digest[:2] / digest[2:4] / digest
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest

    # A second restore into the now filled installation is refused.
    again = eingang.run("restore", str(target), check=False)
    assert again.returncode != 0 and "leere Installation" in again.stderr



def test_mail_answered_but_not_yet_stored_travels_with_the_backup(eingang, backend_env, tmp_path):
    from datetime import UTC, datetime

    from connectors.spool import SpooledMail, encode

    # Given an installation whose SMTP process died after its 250, before storing the mail:
    # the record (with its receipt time) is only in the spool
    data = Path(backend_env["EINGANG_DATA_DIR"])
    received = datetime(2026, 11, 30, 23, 59, 58, 500000, tzinfo=UTC)
    record = encode(SpooledMail(received, "buerger@example.org", ["eingang@eingang.local"],
                                citizen_mail("Nach dem 250", WOHNGELD[1]).as_bytes()))
    segment = data / "spool" / "smtp-20261130T235958000000-99999-0.spool"
    segment.parent.mkdir(parents=True)
    segment.write_bytes(record)
    # When it is backed up, wiped and restored
    target = tmp_path / "sicherung"
    out = eingang.run("backup", str(target)).stdout
    assert "1 Datei mit angenommenen, noch nicht abgelegten Mails" in out
    _wipe(backend_env)
    assert "1 Datei mit angenommenen" in eingang.run("restore", str(target)).stdout
    assert segment.read_bytes() == record
    eingang.run("db", "upgrade")
    # Then the next SMTP process stores it as an item with its receipt time, once
    port = free_port()
    eingang.start("smtp", "--port", str(port), log=tmp_path / "smtp.log")
    wait_for_port(port)
    eingang.wait_until(lambda items: len(items) == 1 and not segment.exists(), timeout=60)
    (item,) = eingang.items()
    assert (item["sender"], item["channel"]) == ("buerger@example.org", "email")
    assert datetime.fromisoformat(item["received_at"]) == received


def test_a_damaged_spool_file_in_a_backup_is_refused(eingang, backend_env, tmp_path):
    spool = Path(backend_env["EINGANG_DATA_DIR"]) / "spool"
    spool.mkdir(parents=True)
    (spool / "smtp-20261130T235958000000-99999-0.spool").write_bytes(b"EGS1 nicht leer")
    target = tmp_path / "sicherung"
    eingang.run("backup", str(target))
    (target / "spool" / "smtp-20261130T235958000000-99999-0.spool").write_bytes(b"EGS1 anders")
    refused = eingang.run("restore", str(target), check=False)
    assert refused.returncode != 0 and "beschädigt" in refused.stderr
