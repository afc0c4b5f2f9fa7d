"""Cost of reading mail in the limited child process (worker.sandbox) against reading it in
the worker itself: documents per second for small citizen mails, one thread.

    .venv/bin/python bench/sandbox.py [--mails 100]

Figures are noisy on a shared machine.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

# The repository root instead of bench/ (whose email.py would shadow the standard library).
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import extraction  # noqa: E402
from store.settings import Settings  # noqa: E402
from worker import sandbox  # noqa: E402


def mail(n: int) -> bytes:
    return (f"From: b{n}@example.org\nTo: eingang@eingang.local\nSubject: Wohngeld {n}\n"
            f"Message-ID: <m{n}@example.org>\n\nIch beantrage Wohngeld, Mietzuschuss. Nr {n}\n"
            ).encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mails", type=int, default=100)
    args = parser.parse_args()
    mails = [mail(n) for n in range(args.mails)]
    start = time.perf_counter()
    for raw in mails:
        extraction.extract(raw, "message/rfc822")
    direct = len(mails) / (time.perf_counter() - start)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), worker_threads=1)
        sandbox.extract(mails[0], "message/rfc822", settings)  # start the pool
        start = time.perf_counter()
        for raw in mails:
            sandbox.extract(raw, "message/rfc822", settings)
        isolated = len(mails) / (time.perf_counter() - start)
        sandbox.shutdown()
    print(f"in the worker: {direct:7.1f} mails/s   in the sandbox: {isolated:7.1f} mails/s "
          f"(child recycled every {sandbox.TASKS_PER_CHILD})")


if __name__ == "__main__":
    main()
