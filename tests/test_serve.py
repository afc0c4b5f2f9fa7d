"""`eingang serve` (what `make run` starts): web, SMTP and workers in one process; two
instances with their own data dirs and ports run side by side."""

from __future__ import annotations

import smtplib
import urllib.request

from tests.mails import WOHNGELD, citizen_mail
from tests.services import Eingang, free_port, wait_for_port


def test_two_embedded_instances_side_by_side(tmp_path):
    instances = []
    for name in ("a", "b"):
        runner = Eingang({"EINGANG_DATA_DIR": str(tmp_path / name)})
        web, smtp = free_port(), free_port()
        runner.start("serve", "--port", str(web), "--smtp-port", str(smtp),
                     log=tmp_path / f"{name}.log")
        instances.append((runner, web, smtp))
    try:
        for _runner, web, smtp in instances:
            wait_for_port(web)
            wait_for_port(smtp)
            with urllib.request.urlopen(f"http://127.0.0.1:{web}/healthz", timeout=10) as resp:
                assert resp.status == 200
        # When each instance receives its own mail
        for n, (_runner, _web, smtp) in enumerate(instances):
            with smtplib.SMTP("127.0.0.1", smtp, timeout=30) as client:
                client.send_message(citizen_mail(f"{WOHNGELD[0]} {n}", WOHNGELD[1]))
        # Then each routes it and sees only its own
        for n, (runner, _web, _smtp) in enumerate(instances):
            items = runner.wait_until(lambda items: items and items[0]["status"] == "routed")
            assert [i["subject"] for i in items] == [f"{WOHNGELD[0]} {n}"]
    finally:
        for runner, _web, _smtp in instances:
            runner.stop_all()
