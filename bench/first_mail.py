"""First mail after start-up: starts ``eingang serve`` in a temporary data dir, sends one mail
over SMTP once its background warm-up is done (``--at-once``: as soon as it says it runs, racing
the warm-up), then ``--later`` more, and prints receipt → routed for the first mail against the
later ones.
Run: ``.venv/bin/python bench/first_mail.py [--later 5] [--runs 1] [--at-once] [--backend sqlite|postgres|both]``.

Backends: embedded defaults (SQLite, in-process broker; ``make run``), and PostgreSQL + RabbitMQ
(a private database and vhost; ``eingang serve`` then consumes the broker's queues in-process).

Goal (issue 16): the first mail ≤ 1 s, like later ones. On a loaded machine the absolute figures
swell; the ratio first/later is what to compare.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, bench/ would be first on sys.path, where bench/email.py hides the stdlib's email.
ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)

import argparse  # noqa: E402
import os  # noqa: E402
import smtplib  # noqa: E402
import socket  # noqa: E402
import sqlite3  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from contextlib import ExitStack  # noqa: E402
from email.message import EmailMessage  # noqa: E402

from sqlalchemy import create_engine, text  # noqa: E402

FINAL = ("routed", "done", "needs_attention", "joined")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mail(n: int) -> EmailMessage:
    m = EmailMessage()
    m["From"], m["To"] = f"maria{n}@example.org", "post@stadt-oldenburg.de"
    m["Subject"] = "Wohngeld"
    m.set_content(f"Ich möchte Wohngeld (Mietzuschuss) beantragen. 26123 Oldenburg. Maria Müller {n}")
    return m


def receipt_to_routed(status_of, smtp_port: int, n: int, timeout: float = 120.0) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=60) as client:
        client.send_message(mail(n))
    sender = f"maria{n}@example.org"
    while time.perf_counter() - started < timeout:
        if status_of(sender) in FINAL:
            return time.perf_counter() - started
        time.sleep(0.01)
    raise TimeoutError(f"mail {n} not routed within {timeout:.0f} s")


LATEST = "SELECT status FROM items WHERE sender = :sender ORDER BY id DESC LIMIT 1"


def sqlite_status(db: Path):  # type: ignore[no-untyped-def]
    def status_of(sender: str) -> str | None:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
            row = conn.execute(LATEST.replace(":sender", "?"), (sender,)).fetchone()
        return row[0] if row else None

    return status_of


def start(command: list[str], env: dict[str, str], at_once: bool,
          ready: str) -> tuple[subprocess.Popen, float | None, float | None]:
    """Start an eingang command; wait until it says it runs (``ready``) and, unless ``at_once``,
    until its warm-up is done. Returns the process and both moments after its start."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "eingang", *command], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    said, up, warm = [], None, None
    for line in proc.stdout:  # type: ignore[union-attr]
        said.append(line)
        if line.startswith(ready):
            up = time.perf_counter() - started
        if "warm-up done" in line:
            warm = time.perf_counter() - started
        if up is not None and (at_once or warm is not None):
            break
    else:
        raise RuntimeError(f"eingang {command[0]} ended before it ran:\n" + "".join(said[-20:]))
    # Keep reading what it says, else a full pipe would stall the process.
    threading.Thread(target=proc.stdout.read, daemon=True).start()  # type: ignore[union-attr]
    return proc, up, warm


def one_run(backend: str, later: int, at_once: bool) -> tuple[float, list[float], float, float | None]:
    with ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory())
        env = {k: v for k, v in os.environ.items()
               if k not in ("EINGANG_DATABASE_URL", "EINGANG_BROKER_URL")}
        smtp_port, web_port = free_port(), free_port()
        env.update(EINGANG_DATA_DIR=tmp, EINGANG_SMTP_PORT=str(smtp_port),
                   EINGANG_WEB_PORT=str(web_port), EINGANG_ADMIN_PASSWORD="Bench-Passwort-1",
                   PYTHONUNBUFFERED="1")
        if backend == "postgres":
            from tests.services import postgres_database, rabbitmq_vhost

            env["EINGANG_DATABASE_URL"] = url = stack.enter_context(postgres_database())
            env["EINGANG_BROKER_URL"] = stack.enter_context(rabbitmq_vhost())
            engine = create_engine(url)
            stack.callback(engine.dispose)

            def status_of(sender: str) -> str | None:
                with engine.connect() as conn:
                    return conn.execute(text(LATEST), {"sender": sender}).scalar()
        else:
            status_of = sqlite_status(Path(tmp) / "eingang.db")
        proc, up, warm = start(["serve"], env, at_once, "eingang läuft")
        stack.callback(proc.wait, timeout=60)
        stack.callback(proc.terminate)
        first = receipt_to_routed(status_of, smtp_port, 0)
        rest = [receipt_to_routed(status_of, smtp_port, n) for n in range(1, later + 1)]
        return first, rest, up, warm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--later", type=int, default=5, help="mails after the first")
    parser.add_argument("--runs", type=int, default=1, help="server starts")
    parser.add_argument("--at-once", action="store_true",
                        help="send the first mail as soon as the server runs, not after its warm-up")
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="sqlite")
    args = parser.parse_args()
    for backend in ["sqlite", "postgres"] if args.backend == "both" else [args.backend]:
        firsts, laters = [], []
        for _ in range(args.runs):
            first, rest, up, warm = one_run(backend, args.later, args.at_once)
            firsts.append(first)
            laters.extend(rest)
            warmed = f"{warm:5.2f} s" if warm is not None else "–"
            print(f"{backend}: Start bis „eingang läuft“ {up:5.2f} s, bis Warm-up fertig {warmed}, "
                  f"erste Mail {first:5.2f} s, weitere (Median) {statistics.median(rest):5.2f} s")
        first, later = statistics.median(firsts), statistics.median(laters)
        print(f"{backend}: erste Mail {first:.2f} s  weitere: {later:.2f} s  Verhältnis erste/weitere: "
              f"{first / later:.1f}")


if __name__ == "__main__":
    main()
