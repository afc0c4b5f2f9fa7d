"""Pure classification: a request's text in, queue/intent/urgency/facts with reasons out.

No database, no broker, no network. The worker's ``classify`` step and ``eingang classify``
call exactly :func:`classify` / :class:`Classifier`.
"""

from classifier.baseline import KeywordClassifier
from classifier.types import Classification, ClassifyRequest, UrgentReason

Classifier = KeywordClassifier


def load_classifier() -> Classifier:
    return KeywordClassifier.load()


__all__ = ["Classification", "ClassifyRequest", "Classifier", "UrgentReason", "load_classifier"]
