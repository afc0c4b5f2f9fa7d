"""Misbehaving 'parsers' run by tests/test_hostile_input.py in the extraction sandbox (they must
be importable by the child process, hence a module of their own)."""

from __future__ import annotations

import os
import time


def sleep_forever(*_args):  # type: ignore[no-untyped-def]
    time.sleep(3600)


def eat_memory(*_args):  # type: ignore[no-untyped-def]
    hog = [bytearray(64 * 1024 * 1024) for _ in range(200)]  # 12.8 GB
    return len(hog)


def crash(*_args):  # type: ignore[no-untyped-def]
    os.abort()
