"""What every connector is: a name, and ``start(stop)``.

``start`` begins taking inputs from the channel (in threads of its own) and returns at once;
the connector stops once ``stop`` is set. It returns the threads that end when it has
stopped, so the caller can wait for a clean end. Everything a connector takes goes through the
intake gateway (connectors.gateway); ``eingang serve`` runs the list in connectors.channels.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol

from store.settings import Settings


class Connector(Protocol):
    name: str

    def start(self, stop: threading.Event) -> list[threading.Thread]: ...


class LoopConnector:
    """A connector that is one loop ``run(settings, stop)`` in a thread of its own."""

    def __init__(self, name: str, run: Callable[[Settings, threading.Event], None],
                 settings: Settings) -> None:
        self.name, self._run, self._settings = name, run, settings

    def start(self, stop: threading.Event) -> list[threading.Thread]:
        thread = threading.Thread(target=self._run, args=(self._settings, stop),
                                  name=f"eingang-{self.name}", daemon=True)
        thread.start()
        return [thread]
