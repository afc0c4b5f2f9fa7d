"""A real SMTP session against our server: the item is stored, classified, routed and listed.

Runs embedded (SQLite, in-process broker) and on the production path (PostgreSQL + RabbitMQ,
or Redis, with a separate worker process).
"""

from __future__ import annotations

import smtplib

import pytest

from tests.mails import citizen_mail, wohngeld
from tests.services import free_port, wait_for_port


# Both Kommune profiles on the embedded path; the production paths run the same code.
@pytest.mark.parametrize(("backend_env", "kommune"), [
    ("sqlite", "oldenburg"), ("sqlite", "ammerland"), ("postgres", "oldenburg"),
    ("postgres+redis", "oldenburg")], indirect=True)
def test_mail_over_smtp_is_routed(eingang, backend_env, tmp_path, kommune):
    # Given the SMTP intake (and, on the production path, a separate worker process)
    port = free_port()
    eingang.start("smtp", "--port", str(port), log=tmp_path / "smtp.log")
    if "EINGANG_BROKER_URL" in backend_env:
        eingang.start("worker", "--threads", "2", log=tmp_path / "worker.log")
    wait_for_port(port)

    # When a citizen's mail is delivered
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.send_message(citizen_mail(*wohngeld(kommune)))

    # Then it becomes one routed item, visible through `eingang items --json`
    items = eingang.wait_until(lambda items: items and items[0]["status"] == "routed", timeout=180)
    assert len(items) == 1
    item = items[0]
    assert item["channel"] == "email"
    assert item["queue"] == "wohngeld"
    assert item["subject"] == "Antrag auf Wohngeld"
    assert item["received_at"]
    shown = eingang.run("show", str(item["id"])).stdout
    # German for staff: the history's event names, the office's name, no status codes
    assert "Eingang" in shown and "Zugeordnet" in shown and "Mietzuschuss" in shown
    assert "Wohngeld" in shown and "routed" not in shown


@pytest.mark.parametrize("backend_env", ["sqlite"], indirect=True)
def test_unknown_recipient_domain_is_refused(eingang, tmp_path, kommune):
    port = free_port()
    eingang.start("smtp", "--port", str(port), log=tmp_path / "smtp.log")
    wait_for_port(port)
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client, pytest.raises(
        smtplib.SMTPRecipientsRefused
    ):
        client.send_message(citizen_mail(*wohngeld(kommune), to="someone@elsewhere.example"))
    assert eingang.items() == []
