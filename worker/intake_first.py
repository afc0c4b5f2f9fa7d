"""Intake first: in embedded mode the pipeline yields to the intake of its own process.

Embedded (``make run``), the pipeline's worker threads share one Python interpreter with the
SMTP intake, and Python runs one thread at a time: during a burst of mail, classification and
routing held four fifths of the interpreter (py-spy, issue 16) and every sender waited that
much longer for its 250. So each pipeline step first waits while the intake of this process
is busy (a mail being stored, or one stored moments ago), for at most ``LONGEST`` seconds: the
pipeline slows down during a burst but never stops, and catches up when the burst is over, as
separate worker processes do under their lower CPU priority (``EINGANG_WORKER_NICE``).

Only counters in memory: the intake notes each input it takes (:func:`begin`, :func:`end`), the
:class:`IntakeFirst` middleware reads them; with separate worker processes nothing waits.
"""

from __future__ import annotations

import threading
import time

import dramatiq

# The intake counts as quiet once nothing was in flight for this long (between one sender's
# 250 and its next DATA lie a few local round trips; a steady 50 mails/s leaves 20 ms gaps).
QUIET = 0.01
# The longest a step waits for a quiet moment: the pipeline's share during a burst.
LONGEST = 0.5

_lock = threading.Lock()
_in_flight = 0
_last_done = 0.0


def begin() -> None:
    global _in_flight
    with _lock:
        _in_flight += 1


def end() -> None:
    global _in_flight, _last_done
    with _lock:
        _in_flight -= 1
        _last_done = time.monotonic()


def busy(quiet: float = QUIET) -> bool:
    """Whether an input is being taken in or was, less than ``quiet`` seconds ago."""
    return _in_flight > 0 or time.monotonic() - _last_done < quiet


def wait_until_quiet(longest: float = LONGEST) -> float:
    """Wait while the intake is busy, at most ``longest`` seconds; the seconds waited."""
    started = time.monotonic()
    while busy() and time.monotonic() - started < longest:
        time.sleep(QUIET)
    return time.monotonic() - started


class IntakeFirst(dramatiq.Middleware):
    """Before each step: let the intake of this process go first (embedded mode only)."""

    def before_process_message(self, broker: dramatiq.Broker, message: dramatiq.Message) -> None:
        wait_until_quiet()
