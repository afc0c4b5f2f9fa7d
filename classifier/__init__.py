"""Pure classification: a request's text in, queue/intent/urgency/facts with reasons out.

No database, no broker, no network. The worker's ``classify`` step and ``eingang classify``
call exactly :func:`load_classifier` and :meth:`Classifier.classify`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from classifier.types import Classification, ClassifyRequest, UrgentReason

if TYPE_CHECKING:
    from classifier.engine import Classifier
    from domain import Catalogue


def load_classifier(model_path: Path | None = None, data_dir: Path | None = None,
                    catalogue: Catalogue | None = None) -> Classifier:
    """The active model (``eingang train``), else the bundled one, else signals only; for the
    queues and intents of ``catalogue`` (the demo Kommune's where none is given)."""
    from classifier.engine import Classifier
    from classifier.training import train

    return Classifier.load(model_path=model_path, data_dir=data_dir, catalogue=catalogue,
                           retrain=train)


def __getattr__(name: str) -> Any:
    # The engine (numpy, the model) is loaded on first use, not by every ``import classifier``:
    # the CLI imports the classifier's plain types for commands that never classify.
    if name == "Classifier":
        from classifier.engine import Classifier

        return Classifier
    raise AttributeError(name)


__all__ = ["Classification", "ClassifyRequest", "Classifier", "UrgentReason", "load_classifier"]
