"""Shared check for the classifier's own sparse scoring path against scikit-learn's."""

from __future__ import annotations

import numpy as np

from classifier.model import Model


def assert_fast_features_match(model: Model, text: str):  # type: ignore[no-untyped-def]
    """The hand-rolled vectorisation of ``text`` equals the scikit-learn pipeline's features;
    returns scikit-learn's feature row for further checks of the heads."""
    fast = model.vectorize(text)
    reference = model.features(text)
    dense = np.zeros(reference.shape[1])
    dense[fast.idx] = fast.vals
    assert np.allclose(dense, reference.toarray()[0], atol=1e-6)
    return fast, reference
