"""Email channel benchmark: SMTP and IMAP intake, as production runs it (separate processes).

    .venv/bin/python bench/email.py [--n 1000] [--rate 50] [--latency-n 500] [--backend both]
                                    [--no-imap]

Per backend (embedded SQLite; PostgreSQL + RabbitMQ with a separate worker process):
1. throughput: ``--n`` mails over 8 parallel SMTP connections as fast as they are accepted
   (accepted mails/s = 250 answers per second, each after the commit), and the same mails sent
   the same way to aiosmtpd's ``Sink`` handler (a server process that stores nothing) in the
   same run: the ratio eingang/Sink says what the durable intake costs, whatever the machine's load;
2. latency: ``--latency-n`` mails at ``--rate`` mails/s; receipt-to-routed p50/p95 from the
   items' receipt time to their ``routed`` event;
3. IMAP: ``--n`` mails put into a private Dovecot mailbox, then ``eingang imap`` reads them
   (stored mails/s and time until all are routed);
and the peak memory (VmHWM) of every eingang process. PostgreSQL databases and RabbitMQ vhosts
are created for the run and dropped afterwards. Figures are noisy on a shared 2-core machine.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is called email.py: its folder must not shadow the standard library's email package.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import argparse  # noqa: E402
import json  # noqa: E402
import multiprocessing  # noqa: E402
import os  # noqa: E402
import smtplib  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from contextlib import ExitStack  # noqa: E402
from email.message import EmailMessage  # noqa: E402
from email.utils import make_msgid  # noqa: E402

from sqlalchemy import create_engine, select, text  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.services import Eingang, free_port, postgres_database, rabbitmq_vhost, wait_for_port  # noqa: E402

TEMPLATES = [
    ("Antrag auf Wohngeld", "ich möchte Wohngeld (Mietzuschuss) beantragen. Ich wohne in 26123 Oldenburg."),
    ("Weiterbewilligung Bürgergeld", "mein Bewilligungszeitraum läuft ab, anbei der Weiterbewilligungsantrag."),
    ("Widerspruch", "gegen den Bescheid vom 01.10. lege ich Widerspruch ein. BG-Nummer 12345BG0012345."),
    ("Termin", "ich bitte um einen Termin bei meiner Sachbearbeiterin, ich habe eine neue Arbeit."),
    ("Unterlagen", "anbei die angeforderten Kontoauszüge und der Mietvertrag."),
]


def mail(n: int, tag: str) -> bytes:
    subject, body = TEMPLATES[n % len(TEMPLATES)]
    msg = EmailMessage()
    msg["From"] = f"Bürgerin {n} <buergerin{n}@example.org>"
    msg["To"] = "eingang@eingang.local"
    msg["Subject"] = f"{subject} [{tag}-{n}]"
    msg["Message-ID"] = make_msgid(domain="example.org")
    msg.set_content(f"Sehr geehrte Damen und Herren,\n\n{body}\n\nMit freundlichen Grüßen\nBürgerin {n}\n")
    return msg.as_bytes()


_MAILS: list[bytes] = []  # handed to the sending processes by fork, not pickled


def _send_slice(port: int, index: int, connections: int, rate: float | None, start: float) -> str:
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=120) as client:
            for i in range(index, len(_MAILS), connections):
                if rate:
                    delay = start + i / rate - time.time()
                    if delay > 0:
                        time.sleep(delay)
                client.sendmail("absender@example.org", ["eingang@eingang.local"], _MAILS[i])
    except Exception as exc:  # reported below, the figures would be wrong
        return repr(exc)
    return ""


def _ready(_: int) -> None:
    return None


def send_all(port: int, mails: list[bytes], connections: int, rate: float | None) -> float:
    """Send over ``connections`` parallel sessions, one process each (the load generator must
    not be slowed by its own GIL); paced to ``rate``/s if given. Seconds taken."""
    global _MAILS
    _MAILS = mails
    with multiprocessing.get_context("fork").Pool(connections) as pool:
        pool.map(_ready, range(connections), chunksize=1)  # every sender up before the clock
        start, began = time.time(), time.monotonic()
        errors = [e for e in pool.starmap(
            _send_slice, [(port, i, connections, rate, start) for i in range(connections)]
        ) if e]
        seconds = time.monotonic() - began
    if errors:
        raise RuntimeError(f"{len(errors)} SMTP sessions failed: {errors[0]}")
    return seconds


def start_sink(stack: ExitStack) -> int:
    """The bare tool: aiosmtpd's Sink in a process of its own (it accepts every message and
    keeps nothing); its port, stopped when ``stack`` closes."""
    return start_sink_process(stack)[0]


def start_sink_process(stack: ExitStack) -> tuple[int, subprocess.Popen]:
    """:func:`start_sink`, also returning the process (to read its CPU time)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink",
         "-l", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    stack.callback(lambda: (proc.terminate(), proc.wait(30)))
    wait_for_port(port)
    return port, proc


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sink_seconds(mails: list[bytes]) -> float:
    """The same mails over 8 connections to a Sink of their own."""
    with ExitStack() as stack:
        return send_all(start_sink(stack), mails, connections=8, rate=None)


def installation(stack: ExitStack, backend: str, prefix: str):  # type: ignore[no-untyped-def]
    """A migrated eingang in a temporary data dir (SQLite, or a private PostgreSQL database and
    RabbitMQ vhost), with no rate limit: (data dir, runner, engine), cleaned up with ``stack``."""
    data = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=prefix)))
    env = {"EINGANG_DATA_DIR": str(data / "data"), "EINGANG_SMTP_RATE_PER_MINUTE": "0",
           "EINGANG_SMTP_MAX_CONNECTIONS": "1000"}
    if backend == "postgres":
        env["EINGANG_DATABASE_URL"] = stack.enter_context(postgres_database())
        env["EINGANG_BROKER_URL"] = stack.enter_context(rabbitmq_vhost())
    runner = Eingang(env)
    stack.callback(runner.stop_all)
    runner.run("db", "upgrade")
    url = env.get("EINGANG_DATABASE_URL") or f"sqlite:///{(data / 'data' / 'eingang.db').resolve()}"
    engine = create_engine(url)
    stack.callback(engine.dispose)
    return data, runner, engine


def wait_routed(engine, tag: str, expected: int, timeout: float = 1800) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            done = conn.execute(
                text("SELECT count(*) FROM items WHERE subject LIKE :t AND status IN "
                     "('routed', 'done', 'needs_attention')"),
                {"t": f"%[{tag}-%"},
            ).scalar()
        if done >= expected:
            return
        time.sleep(0.5)
    raise TimeoutError(f"{tag}: only {done}/{expected} routed")


def wait_outbox(engine, timeout: float = 1800) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            if not conn.execute(text("SELECT count(*) FROM outbox WHERE status = 'pending'")).scalar():
                return
        time.sleep(0.2)
    raise TimeoutError("outbox not drained")


def latencies(engine, tag: str) -> list[float]:  # type: ignore[no-untyped-def]
    from store.models import Event, Item

    query = (
        select(Item.received_at, Event.at)
        .join(Event, Event.item_id == Item.id)
        .where(Event.kind == "routed", Item.subject.like(f"%[{tag}-%"))
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return sorted((routed - received).total_seconds() for received, routed in rows)


def pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def peak_mb(procs) -> dict[str, float]:  # type: ignore[no-untyped-def]
    peaks = {}
    for name, proc in procs.items():
        try:
            status = Path(f"/proc/{proc.pid}/status").read_text()
            kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM"))
            peaks[name] = round(kb / 1024, 1)
        except (OSError, StopIteration):
            peaks[name] = float("nan")
    return peaks


def run_backend(backend: str, args: argparse.Namespace) -> dict:
    with ExitStack() as stack:
        data, runner, engine = installation(stack, backend, "eingang-bench-")
        procs = {}
        port = free_port()
        procs["smtp"] = runner.start("smtp", "--port", str(port), log=data / "smtp.log")
        if backend == "postgres":  # as the Procfile: `honcho start -c worker=N`, one outbox
            for w in range(args.workers):
                procs[f"worker{w + 1}"] = runner.start(
                    "worker", "--threads", "4", "--queues", "extract,pipeline,maintenance",
                    log=data / f"worker{w + 1}.log",
                )
            procs["outbox"] = runner.start(
                "worker", "--threads", "4", "--queues", "outbox", "--nice", "15",
                log=data / "outbox.log",
            )
        wait_for_port(port)
        result: dict = {"backend": backend}

        mails = [mail(i, "T") for i in range(args.n)]
        bare = sink_seconds(mails)  # first: nothing of eingang's pipeline is running yet
        seconds = send_all(port, mails, connections=8, rate=None)
        result["smtp_accepted_per_s"] = round(args.n / seconds, 1)
        print(f"  {backend}: {args.n} mails accepted in {seconds:.1f} s", flush=True)
        result["sink_accepted_per_s"] = round(args.n / bare, 1)
        result["smtp_ratio_eingang_to_sink"] = round(bare / seconds, 3)
        print(f"  aiosmtpd Sink: {args.n} mails in {bare:.1f} s; eingang/Sink = {bare / seconds:.2f}",
              flush=True)
        wait_routed(engine, "T", args.n)
        all_done = latencies(engine, "T")
        result["smtp_burst_p95_s"] = round(pct(all_done, 0.95), 2)
        # The burst's acknowledgements are sent before the steady-state part starts.
        started = time.monotonic()
        wait_outbox(engine)
        result["burst_outbox_drained_after_routing_s"] = round(time.monotonic() - started, 1)

        slow = [mail(i, "L") for i in range(args.latency_n)]
        send_all(port, slow, connections=4, rate=args.rate)
        wait_routed(engine, "L", args.latency_n)
        lat = latencies(engine, "L")
        result[f"latency_at_{args.rate:g}_per_s_p50_s"] = round(pct(lat, 0.5), 3)
        result[f"latency_at_{args.rate:g}_per_s_p95_s"] = round(pct(lat, 0.95), 3)
        result[f"latency_at_{args.rate:g}_per_s_mean_s"] = round(statistics.mean(lat), 3)

        # Acknowledgements go out after routing (outbox): how long until the last one was sent.
        started = time.monotonic()
        wait_outbox(engine)
        result["outbox_drained_after_routing_s"] = round(time.monotonic() - started, 1)

        if args.imap:
            result.update(run_imap(runner, engine, data, args, procs))
        result["peak_mb"] = peak_mb(procs)
        engine.dispose()
        return result


def run_imap(runner, engine, data: Path, args: argparse.Namespace, procs) -> dict:  # type: ignore[no-untyped-def]
    from tests.dovecot import PASSWORD, dovecot

    with dovecot(["bench"]) as server:
        with server.client("bench") as client:
            for i in range(args.n):
                client.append("INBOX", mail(i, "I"))
        box = {"name": "bench", "host": "127.0.0.1", "port": server.port, "security": "none",
               "user": "bench", "password": PASSWORD, "address": "bench@eingang.local",
               "poll_interval": 1}
        runner.env["EINGANG_IMAP_MAILBOXES"] = json.dumps([box])
        start = time.monotonic()
        procs["imap"] = runner.start("imap", log=data / "imap.log")
        deadline = start + 1800
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                stored = conn.execute(
                    text("SELECT count(*) FROM items WHERE mailbox = 'bench@eingang.local'")
                ).scalar()
            if stored >= args.n:
                break
            time.sleep(0.2)
        stored_s = time.monotonic() - start
        wait_routed(engine, "I", args.n)
        routed_s = time.monotonic() - start
        left = len(server.uids("bench"))
    return {
        "imap_stored_per_s": round(args.n / stored_s, 1),
        "imap_all_routed_s": round(routed_s, 1),
        "imap_left_on_server": left,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--latency-n", type=int, default=500)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--no-imap", dest="imap", action="store_false")
    parser.add_argument("--workers", type=int, default=1,
                        help="worker processes on the production path (one per core is typical)")
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    print(f"cpus={os.cpu_count()} n={args.n} latency_n={args.latency_n} rate={args.rate}/s")
    for backend in backends:
        print(json.dumps(run_backend(backend, args), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
