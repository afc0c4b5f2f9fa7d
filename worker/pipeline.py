"""The pipeline's steps by name, and what each step hands the next when a worker chains them.

A step function returns the next step's input when it moved the item on, else ``None`` (the
item was not in the step's input status: someone else already did the work). Each input says
which step it is for (``.step``) and carries only what that step can use; a field is never
"valid for some steps only". The table of steps with their statuses, functions and broker
queues is ``worker.actors.STEPS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from store.models import Item


class Step(StrEnum):
    EXTRACT = "extract"
    CLASSIFY = "classify"
    ROUTE = "route"
    ACT = "act"


@dataclass
class ClassifyInput:
    """For classify. Chained (``item`` set): the item as extraction committed it, detached,
    with the classify attempt already counted, and what classification reads besides it."""

    step: ClassVar[Step] = Step.CLASSIFY
    item: Item | None = None
    attachment_text: str = ""  # what the attachments say
    queue_hint: str | None = None  # of the mailbox or scan folder


@dataclass
class RouteInput:
    """For route. Chained (``item`` set): the item as classification committed it."""

    step: ClassVar[Step] = Step.ROUTE
    item: Item | None = None


@dataclass
class ActInput:
    """For act: the outbox messages routing just planned (None: look them up)."""

    step: ClassVar[Step] = Step.ACT
    message_ids: list[int] | None = None


StepInput = ClassifyInput | RouteInput | ActInput
