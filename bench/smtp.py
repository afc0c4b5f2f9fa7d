"""SMTP intake against a bare aiosmtpd server: accepted mails per second, same client, same run.

    .venv/bin/python -m bench.smtp [--n 400] [--connections 8] [--runs 5] [--backend sqlite|postgres|both]
                                   [--profile DIR]

The issue 16 row. Each run sends ``--n`` fresh mails over ``--connections`` parallel sessions
(one sending process each, bench.email's client), first to aiosmtpd's ``Sink`` handler (accepts
and forgets: the ceiling of the SMTP library on this machine), then to ``eingang smtp``, whose
250 comes only once the mail and its receipt time are in its spool and fsynced (the item is
made from there just after: connectors/spool_ingest.py). Runs alternate;
between eingang runs the bench waits until the previous mails are routed and their
acknowledgements sent, so every run starts with an idle pipeline (in embedded mode it runs in
the SMTP process itself). Printed: the median
mails/s of each and the ratio eingang/Sink (goal ≥ 0.6), with the load average, and the CPU
time each server process used per mail during the bursts (a figure other load on the machine
moves less than mails/s).

Backends: embedded SQLite (``eingang smtp`` alone: SQLite file, in-process broker and workers)
and PostgreSQL + RabbitMQ (a private database and vhost, plus one ``eingang worker`` process).
``--profile DIR`` records each eingang SMTP process with py-spy (if installed) into DIR, as
collapsed stacks (one line per stack and its count; flamegraph.pl and speedscope read them).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, bench/ would be first on sys.path, where bench/email.py hides the stdlib's email.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
from contextlib import ExitStack  # noqa: E402

from bench.email import (  # noqa: E402
    cpu_seconds,
    installation,
    mail,
    send_all,
    start_sink_process,
    wait_outbox,
    wait_routed,
)
from tests.services import free_port, wait_for_port  # noqa: E402


def start_eingang(stack: ExitStack, backend: str, args: argparse.Namespace):  # type: ignore[no-untyped-def]
    data, runner, engine = installation(stack, backend, "eingang-bench-smtp-")
    port = free_port()
    smtp = runner.start("smtp", "--port", str(port), log=data / "smtp.log")
    if backend == "postgres":
        runner.start("worker", "--threads", "4", log=data / "worker.log")
    wait_for_port(port)
    spy_path = shutil.which("py-spy", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    if args.profile and spy_path:
        out = Path(args.profile) / f"smtp-{backend}.txt"
        out.parent.mkdir(parents=True, exist_ok=True)
        spy = subprocess.Popen([spy_path, "record", "--pid", str(smtp.pid), "--threads", "--rate", "200",
                                "--format", "raw", "--output", str(out)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        stack.callback(lambda: (spy.wait(30) if spy.poll() is None else None))
    return port, engine, smtp


def run_backend(backend: str, args: argparse.Namespace) -> dict[str, float]:
    """Medians of mails/s and server CPU ms per mail (Sink, eingang), highest load average."""
    sink_rates, eingang_rates, loads, sink_cpu, eingang_cpu = [], [], [], [], []
    with ExitStack() as stack:
        sink_port, sink = start_sink_process(stack)
        port, engine, smtp = start_eingang(stack, backend, args)
        # One small burst first: the SMTP process's first mails pay for imports and pools.
        send_all(port, [mail(i, "W") for i in range(args.connections)], args.connections, None)
        wait_routed(engine, "W", args.connections)
        wait_outbox(engine)
        for run in range(args.runs):
            mails = [mail(i, f"R{run}") for i in range(args.n)]
            used = cpu_seconds(sink.pid)
            sink_rates.append(args.n / send_all(sink_port, mails, args.connections, None))
            sink_cpu.append((cpu_seconds(sink.pid) - used) * 1000 / args.n)
            used = cpu_seconds(smtp.pid)
            eingang_rates.append(args.n / send_all(port, mails, args.connections, None))
            eingang_cpu.append((cpu_seconds(smtp.pid) - used) * 1000 / args.n)
            loads.append(os.getloadavg()[0])
            print(f"  {backend} run {run + 1}: Sink {sink_rates[-1]:6.0f}/s {sink_cpu[-1]:.2f} ms CPU/mail  "
                  f"eingang {eingang_rates[-1]:6.0f}/s {eingang_cpu[-1]:.2f} ms CPU/mail  "
                  f"load {loads[-1]:.1f}", flush=True)
            # The next run starts with an idle pipeline: routed, and the acknowledgements sent.
            wait_routed(engine, f"R{run}", args.n)
            wait_outbox(engine)
    median = statistics.median
    return {"sink": median(sink_rates), "eingang": median(eingang_rates), "load": max(loads),
            "sink_cpu": median(sink_cpu), "eingang_cpu": median(eingang_cpu)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=400)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--profile", default=None, help="folder for py-spy flame graphs")
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    print(f"{os.cpu_count()} cores, {args.n} mails over {args.connections} connections, "
          f"median of {args.runs} runs")
    for backend in backends:
        r = run_backend(backend, args)
        print(f"{backend:8s} Sink {r['sink']:6.0f} mails/s   eingang {r['eingang']:6.0f} mails/s   "
              f"ratio eingang/Sink {r['eingang'] / r['sink']:4.2f} (goal ≥ 0.6)   "
              f"server CPU per mail during the burst: Sink {r['sink_cpu']:.2f} ms, "
              f"eingang {r['eingang_cpu']:.2f} ms   load average up to {r['load']:.1f}", flush=True)


if __name__ == "__main__":
    main()
