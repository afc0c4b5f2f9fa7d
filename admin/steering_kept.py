"""The figures of a Steuerung page, kept for the charts and CSV downloads it links to.

A page shows five charts, each an image the browser asks for right after the page (a request
of its own), with the page's tables beside them. Each chart used to compute its figures again:
five more statements for numbers the page had just computed, and a chart could show numbers
newer than the table beside it. The page now keeps its figures under a random mark (``stand``)
that its chart and CSV links carry; such a request gets exactly the page's numbers.

How stale that can be is bounded: only for a request that names the mark (a page reload, the
filter form or a bookmarked link without one computes afresh), only for the user whose page
computed them, seeing the same offices, and the same period, and at most ``HOLD_SECONDS`` after the page computed them
(then the link computes afresh too). So a chart never shows anything but the numbers of the
table beside it, and nothing older than the page it belongs to. Kept per process: a request
that reaches another process computes afresh.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Hashable
from time import monotonic

from services.steering import Dashboard, Period

HOLD_SECONDS = 60.0  # a page's images load within seconds; a CSV clicked later is computed afresh
MAX_KEPT = 128  # pages whose figures are kept at once (the oldest goes first)

_kept: OrderedDict[str, tuple[float, Hashable, Dashboard]] = OrderedDict()
_lock = threading.Lock()
clock = monotonic  # the tests move it on


def keep(owner: Hashable, board: Dashboard) -> str:
    """Keep a page's figures, computed for ``owner`` (who asked, with the offices they see);
    the mark its links carry."""
    mark = secrets.token_urlsafe(12)
    with _lock:
        _kept[mark] = (clock(), owner, board)
        while len(_kept) > MAX_KEPT:
            _kept.popitem(last=False)
    return mark


def kept(mark: str | None, owner: Hashable, period: Period) -> Dashboard | None:
    """The figures kept under ``mark`` for this owner and period, if not older than HOLD_SECONDS."""
    if not mark:
        return None
    with _lock:
        entry = _kept.get(mark)
        if entry is not None and clock() - entry[0] > HOLD_SECONDS:
            del _kept[mark]
            entry = None
    if entry is None or entry[1] != owner or entry[2].period != period:
        return None
    return entry[2]


def forget() -> None:
    with _lock:
        _kept.clear()
