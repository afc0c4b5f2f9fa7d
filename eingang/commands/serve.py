"""``eingang serve`` (everything in one process) and the single-purpose process commands."""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

from eingang.commands.options import apply_settings, settings_options

log = logging.getLogger(__name__)


def start_processing(settings):  # type: ignore[no-untyped-def]
    """Connect to the broker; without one (embedded) the queue lives in this process, so
    this process must also work it: then a worker runtime is started and returned."""
    from worker import actors
    from worker.broker import configure_broker
    from worker.runtime import WorkerRuntime

    if not settings.embedded_broker:
        configure_broker(settings, actors.bind)
        from worker.sweeper import resend_unstarted_soon

        resend_unstarted_soon(settings)  # what a killed predecessor committed but never sent
        return None
    runtime = WorkerRuntime(settings)
    runtime.start()
    return runtime


@contextmanager
def processing(settings) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """For a command that enqueues work: in embedded mode the queue lives in this process, so
    what the block enqueued is worked off here before the command ends (not after an error)."""
    runtime = start_processing(settings)
    try:
        yield
        if runtime is not None:
            runtime.drain()
    finally:
        if runtime is not None:
            runtime.stop()


ADMIN_PASSWORD_FILE = "admin-passwort.txt"


def bootstrap_admin(settings) -> None:  # type: ignore[no-untyped-def]
    """First start: create the ``admin`` user. A generated password goes to a file only its
    owner can read (never into the log); later starts delete that file once it is outdated."""
    from store.db import session_scope
    from store.users import ensure_first_admin

    path = settings.data_dir / ADMIN_PASSWORD_FILE
    with session_scope(settings) as session:
        password = ensure_first_admin(session, settings.admin_password or None)
    if password and settings.admin_password:
        click.echo("Erster Start: Benutzer „admin“ mit EINGANG_ADMIN_PASSWORD angelegt.")
    elif password:
        _write_private(path, password + "\n")
        click.echo(f"Erster Start: Benutzer „admin“ angelegt. Das Einmal-Passwort steht in {path.resolve()} "
                   "(nur für Sie lesbar).\nBitte nach der ersten Anmeldung ändern: eingang users passwd admin")
    elif path.exists():
        _forget_outdated(settings, path)


def _write_private(path, text: str) -> None:  # type: ignore[no-untyped-def]
    import os

    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)  # a fresh file: its mode is set at creation, never widened
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


def _forget_outdated(settings, path) -> None:  # type: ignore[no-untyped-def]
    """Delete the one-time password file once admin has chosen a password; else remind."""
    from store.db import session_scope
    from store.users import get_user, password_matches

    with session_scope(settings) as session:
        admin = get_user(session, "admin")
        still_valid = admin is not None and password_matches(admin, path.read_text(encoding="utf-8").strip())
    if still_valid:
        click.echo(f"Hinweis: „admin“ hat noch das Einmal-Passwort aus {path.resolve()}; "
                   "bitte ändern (eingang users passwd admin).")
    else:
        path.unlink()
        click.echo(f"{path.resolve()} gelöscht: das Einmal-Passwort gilt nicht mehr.")


def _wait_for_signal(stop: threading.Event | None = None) -> None:
    stop = stop or threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()


def run_connector(settings, name: str, started: Callable[[object], str], *,  # type: ignore[no-untyped-def]
                  join_seconds: float = 30, **options) -> None:
    """A single-purpose intake process: the connector ``name`` from the list serve runs
    (connectors.channels), with the pipeline reachable, until SIGINT/SIGTERM."""
    from connectors.channels import connector

    runtime = start_processing(settings)
    try:
        stop = threading.Event()
        chosen = connector(settings, name, **options)
        try:
            threads = chosen.start(stop)
        except RuntimeError as exc:  # e.g. the port is taken: said in German, no traceback
            raise click.ClickException(str(exc)) from exc
        click.echo(started(chosen))
        try:
            _wait_for_signal(stop)
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=join_seconds)
    finally:
        if runtime:
            runtime.stop()


@click.command()
@settings_options
@click.option("--port", type=int, default=None, help="Port der Weboberfläche (EINGANG_WEB_PORT).")
@click.option("--smtp-port", type=int, default=None, help="SMTP-Port (EINGANG_SMTP_PORT).")
@click.option("--threads", type=int, default=None, help="Worker-Threads (EINGANG_WORKER_THREADS).")
def serve(port: int | None, smtp_port: int | None, threads: int | None, **overrides) -> None:
    """Alles in einem Prozess starten: Web, SMTP, Worker (eingebetteter Betrieb)."""
    from admin.app import create_app, server_options
    from connectors.channels import SmtpConnector, serve_connectors
    from store.db import upgrade_schema
    from worker import warmup
    from worker.runtime import WorkerRuntime

    if port:  # the settings (public links in mails) follow the port actually used
        os.environ["EINGANG_WEB_PORT"] = str(port)
    settings = apply_settings(check_schema=False, **overrides)
    upgrade_schema(settings)
    bootstrap_admin(settings)
    runtime = WorkerRuntime(settings, threads)
    runtime.start()
    # Pools and models up before the first mail comes, not by it (issue 16).
    warmup.start(settings)
    stop = threading.Event()
    web_port = port or settings.web_port
    connectors = serve_connectors(
        settings, smtp={"port": smtp_port},
        webform={"app": create_app(settings), "port": web_port, "options": server_options(settings)})
    started: dict[str, list[threading.Thread]] = {}
    try:
        for chosen in connectors:
            try:
                started[chosen.name] = chosen.start(stop)
            except RuntimeError as exc:  # e.g. the web port is taken
                raise click.ClickException(str(exc)) from exc
        smtp_port_used = next(c.port for c in connectors if isinstance(c, SmtpConnector))
        click.echo(f"eingang läuft: Web http://{settings.web_host}:{web_port}/  "
                   f"SMTP {settings.smtp_host}:{smtp_port_used}  Daten {settings.data_dir.resolve()}  "
                   f"Scan-Ordner {settings.scan_path.resolve()}")
        _wait_for_signal(stop)
    finally:
        stop.set()
        # The web and SMTP ports are closed before serve returns.
        for thread in started.get("webform", []) + started.get("smtp", []):
            thread.join(timeout=10)
        runtime.stop()


@click.command()
@settings_options
@click.option("--threads", type=int, default=None, help="Worker-Threads (EINGANG_WORKER_THREADS).")
@click.option("--queues", default=None, metavar="NAME,…",
              help="Nur diese Warteschlangen bearbeiten (extract, pipeline, outbox, maintenance); "
              "Standard: alle.")
@click.option("--nice", "nice", type=click.IntRange(0, 19), default=None,
              help="CPU-Priorität um N senken (Standard: EINGANG_WORKER_NICE).")
def worker(threads: int | None, queues: str | None, nice: int | None, **overrides) -> None:
    """Worker-Prozess starten (Verarbeitungsschritte aus dem Broker)."""
    from worker import warmup
    from worker.actors import QUEUES
    from worker.runtime import WorkerRuntime

    chosen = [q.strip() for q in queues.split(",") if q.strip()] if queues else None
    unknown = sorted(set(chosen or []) - set(QUEUES))
    if unknown:
        raise click.BadParameter(f"unbekannte Warteschlange: {', '.join(unknown)} "
                                 f"(bekannt: {', '.join(QUEUES)})", param_hint="--queues")
    settings = apply_settings(**overrides)
    nice = settings.worker_nice if nice is None else nice
    if nice:
        # A sender waits for our SMTP answer, the pipeline waits for nobody: under a burst
        # the intake processes get the CPU first (the OCR processes, tesseract inside them, inherit the niceness).
        os.nice(nice)
    runtime = WorkerRuntime(settings, threads, queues=chosen)
    runtime.start()
    warmup.start(settings)
    click.echo(f"Worker läuft ({settings.worker_threads if threads is None else threads} Threads"
               f"{', Warteschlangen ' + ', '.join(chosen) if chosen else ''}).")
    try:
        _wait_for_signal()
    finally:
        runtime.stop()


@click.command()
@settings_options
@click.option("--port", type=int, default=None, help="SMTP-Port (EINGANG_SMTP_PORT).")
def smtp(port: int | None, **overrides) -> None:
    """SMTP-Eingang starten."""
    settings = apply_settings(**overrides)
    run_connector(settings, "smtp", lambda c: f"SMTP-Eingang auf {settings.smtp_host}:{c.port}",
                  port=port)


@click.command()
@settings_options
@click.option("--port", type=int, default=None, help="Port (EINGANG_WEB_PORT).")
def web(port: int | None, **overrides) -> None:
    """Nur die Weboberfläche starten (Produktion; Worker laufen getrennt)."""
    from admin.app import create_app, server_options

    if port:
        os.environ["EINGANG_WEB_PORT"] = str(port)
    settings = apply_settings(**overrides)
    bootstrap_admin(settings)
    web_port = port or settings.web_port
    run_connector(settings, "webform", lambda _: f"Weboberfläche auf http://{settings.web_host}:{web_port}/",
                  app=create_app(settings), port=web_port,
                  options={"log_level": "info", **server_options(settings)})
