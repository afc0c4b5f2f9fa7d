"""Production as the Procfile runs it: honcho starts web, worker, outbox, smtp, imap and scan
folder as separate processes on PostgreSQL + RabbitMQ, and a mail goes all the way through,
its acknowledgement sent by the outbox process."""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.mails import WOHNGELD, citizen_mail
from tests.services import ROOT, Eingang, free_port, wait_for_port


@pytest.mark.parametrize("backend_env", ["postgres"], indirect=True)
def test_procfile_under_honcho_routes_a_mail(backend_env, tmp_path):
    web, smtp = free_port(), free_port()
    env = backend_env | {"EINGANG_WEB_PORT": str(web), "EINGANG_SMTP_PORT": str(smtp)}
    eingang = Eingang(env)
    eingang.run("db", "upgrade")
    bin_dir = str(Path(sys.executable).parent)
    honcho = subprocess.Popen(
        [sys.executable, "-m", "honcho", "start", "-f", str(ROOT / "Procfile")],
        cwd=ROOT,
        env=eingang.env | {"PATH": f"{bin_dir}:{os.environ['PATH']}"},
        stdout=open(tmp_path / "honcho.log", "wb"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for_port(web, timeout=60)
        wait_for_port(smtp, timeout=60)
        with urllib.request.urlopen(f"http://127.0.0.1:{web}/healthz", timeout=10) as resp:
            assert resp.status == 200
        with smtplib.SMTP("127.0.0.1", smtp, timeout=30) as client:
            client.send_message(citizen_mail(*WOHNGELD))
        items = eingang.wait_until(lambda items: items and items[0]["status"] == "routed")
        assert items[0]["queue"] == "wohngeld"
        # No relay configured: the outbox process writes the acknowledgement as a file.
        mail_out, deadline = Path(env["EINGANG_DATA_DIR"]) / "mail-out", time.monotonic() + 60
        while not list(mail_out.glob("*.eml")) and time.monotonic() < deadline:
            time.sleep(0.5)
        [ack] = list(mail_out.glob("*.eml"))
        assert items[0]["reference"] in ack.read_text(errors="replace")
        log = (tmp_path / "honcho.log").read_text(errors="replace")
        for name in ("web.1", "worker.1", "outbox.1", "smtp.1", "imap.1", "scan.1"):
            assert name in log, f"{name} did not start:\n{log}"
    finally:
        os.killpg(honcho.pid, signal.SIGTERM)
        honcho.wait(timeout=30)
