"""The end of an ``eingang`` process, without the interpreter's teardown.

When a command has done its work, CPython still frees every object one by one before the
process ends: after the classifier's half a million vocabulary strings, the scientific
libraries and the worker pools that took 0.3-1.3 s of every command (``eingang ingest`` of one
file: 1.25 s from the last item routed to the end; issue 16). Nothing in that teardown is work
of ours: what must happen at the end is registered with ``atexit`` (logging flushes its
handlers, the worker pools stop their children) and runs here as usual, after the threads
that are not daemons have ended, exactly as at a normal end. Only then the process leaves
with ``os._exit``. Used by the console entry point, never inside another process (tests
invoke the click command itself).
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from collections.abc import Callable
from typing import NoReturn


def exit_code(exc: SystemExit) -> int:
    """What the interpreter would make of ``sys.exit(code)``: a text is printed, then 1."""
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    print(exc.code, file=sys.stderr)
    return 1


def run_and_leave(command: Callable[[], object]) -> NoReturn:
    """Run ``command`` (a click group in standalone mode), then end the process at once."""
    try:
        command()
        code = 0
    except SystemExit as exc:
        code = exit_code(exc)
    # An error other than SystemExit propagates above: the usual traceback and teardown.
    for thread in threading.enumerate():
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing left to say
            code = code or 1
    os._exit(code)
