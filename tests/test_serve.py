"""`eingang serve` (what `make run` starts): web, SMTP and workers in one process; two
instances with their own data dirs and ports run side by side."""

from __future__ import annotations

import smtplib
import urllib.request

import pytest

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


# A thread that dies of an exception nobody caught is an error here, not a warning: the web
# connector reports a port it cannot open itself.
@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
def test_the_web_form_is_a_connector_serve_runs_and_stops(tmp_path, monkeypatch):
    """The web port is the last connector of the list ``serve`` runs: it serves the app it is
    handed, refuses to start on a taken port (saying so in German, its uvicorn thread ending
    cleanly), and closes the port once told to stop."""
    import socket
    import threading

    from fastapi import FastAPI

    from connectors.channels import CONNECTORS, serve_connectors
    from store.settings import get_settings

    monkeypatch.setenv("EINGANG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("EINGANG_SCAN_WATCH", "false")
    get_settings.cache_clear()
    settings = get_settings()
    assert list(CONNECTORS)[-1] == "webform"
    app = FastAPI()
    app.get("/ping")(lambda: {"pong": True})
    port = free_port()
    chosen = serve_connectors(settings, webform={"app": app, "port": port},
                              smtp={"port": free_port()})
    web = chosen[-1]
    assert web.name == "webform" and "scan" not in [c.name for c in chosen]
    stop = threading.Event()
    threads = web.start(stop)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=10) as resp:
            assert resp.read() == b'{"pong":true}'
        # A second one on the same port gives up at once, saying why.
        with pytest.raises(RuntimeError, match=f"Weboberfläche .*Port {port} ist schon belegt"):
            CONNECTORS["webform"](settings, app=app, port=port).start(threading.Event())
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
    assert not any(thread.is_alive() for thread in threads)
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0
    get_settings.cache_clear()
