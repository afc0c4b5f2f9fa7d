"""The training requests most like a new one, and the offices they went to: an input of the
stacked office network (classifier.stack).

The linear heads weigh each word and character n-gram on its own. A request that retells a
situation the corpus has seen from another source — the same mix of an age, a pension, a care
home and a Bescheid, in other words — is recognised as a whole by its nearest neighbours: the
ten training requests whose character n-grams (the model's own block, TF-IDF, cosine) are most
like its own, each voting for its office with its similarity. The network reads those votes
beside the model's probabilities and learns where to trust them.

Out of fold (the cross-validation's 18,739 requests, corpus through `tx`, the network refitted
fold by fold, 4 December), with each training request's 64 strongest n-grams:

| network inputs besides the cues and topics | office first | right at 0.5 | wrong at 0.5 | right with ≤ 3 % wrong |
|---|---|---|---|---|
| none (as `mitgeliefert-33`; two seeds) | 90.79 / 90.90 % | 89.54 / 89.73 % | 6.91 / 6.82 % | 77.28 / 77.27 % |
| the intent probabilities (two seeds) | 90.89 / 91.00 % | 89.73 / 89.86 % | 6.80 / 6.92 % | 77.75 / 77.74 % |
| **the intents and the neighbours' votes** | **91.03 %** | **89.97 %** | 6.76 % | **78.20 %** |

Each training request keeps only its :data:`KEEP` strongest n-grams (renormalised), stored
by n-gram as plain arrays, so that the bundle stays small, reads without scikit-learn or SciPy
(classifier.lightload) and a request's similarities to all training requests are one gather
and one weighted count over the n-grams it has.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

K = 10  # neighbours that vote
# Strongest character n-grams kept per training request. Out of fold (the same 18,739) 64 did as
# well as 128 (office first 91.03 against 91.10 %, right with at most 3 % wrong 78.20 against
# 78.15 %) at half the arithmetic and half the bundle's index (about 4 MB); keeping every n-gram
# of a request (no cut-off, all the vectoriser's n-grams) did a little better (91.25 %, 78.41 %)
# at four times the arithmetic.
KEEP = 64
PREFIX = "nachbarn:"  # the network's input names: nachbarn:<office>, nachbarn:nächster
NEAREST = f"{PREFIX}nächster"


@dataclass
class Neighbours:
    """Training requests' pruned n-gram vectors by n-gram (``start[j]:start[j + 1]`` of
    ``rows``/``weights`` are the requests that keep n-gram ``j``) and their offices."""

    classes: tuple[str, ...]
    start: np.ndarray  # int64, one more than there are n-grams
    rows: np.ndarray  # int32, the training request
    weights: np.ndarray  # float16, its renormalised TF-IDF weight of the n-gram
    labels: np.ndarray  # int16, per training request its office's index in ``classes``
    k: int = K

    @classmethod
    def build(cls, vectors: Sequence[tuple[np.ndarray, np.ndarray]], labels: Sequence[str],
              columns: int, keep: int = KEEP, k: int = K) -> Neighbours:
        """``vectors``: per training request its n-gram columns and TF-IDF values (l2-normed);
        ``labels``: its office; ``columns``: how many n-grams the vectoriser has."""
        classes = tuple(sorted(set(labels)))
        cols, rows, vals = [], [], []
        for i, (idx, val) in enumerate(vectors):
            if len(idx) == 0:
                continue
            top = np.argsort(-val, kind="stable")[:keep]
            v = val[top] / (np.linalg.norm(val[top]) or 1.0)
            cols.append(idx[top])
            rows.append(np.full(len(top), i, dtype=np.int32))
            vals.append(v)
        col = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
        order = np.argsort(col, kind="stable")
        start = np.zeros(columns + 1, dtype=np.int64)
        np.cumsum(np.bincount(col, minlength=columns), out=start[1:])
        return cls(classes, start,
                   (np.concatenate(rows) if rows else np.zeros(0, np.int32))[order],
                   (np.concatenate(vals) if vals else np.zeros(0)).astype(np.float16)[order],
                   np.array([classes.index(q) for q in labels], dtype=np.int16), k)

    def similarities(self, idx: np.ndarray, val: np.ndarray) -> np.ndarray:
        """Cosine similarity of a request (its n-gram columns and l2-normed values) to every
        training request, over the n-grams those kept."""
        inside = idx < len(self.start) - 1  # a column beyond this index: none kept it
        idx, val = idx[inside], val[inside]
        begin, end = self.start[idx], self.start[idx + 1]
        lengths = end - begin
        total = int(lengths.sum())
        if total == 0:
            return np.zeros(len(self.labels))
        # the positions of all the n-grams' entries, range by range, without a Python loop
        offsets = np.repeat(begin - np.cumsum(lengths) + lengths, lengths)
        pos = offsets + np.arange(total)
        weight = self.weights[pos].astype(np.float64) * np.repeat(val, lengths)
        return np.bincount(self.rows[pos], weights=weight, minlength=len(self.labels))

    def votes(self, idx: np.ndarray, val: np.ndarray) -> dict[str, float]:
        """The network's inputs: per office the similarity-weighted share of the :attr:`k`
        nearest training requests, and the nearest one's similarity."""
        sims = self.similarities(idx, val)
        touched = np.flatnonzero(sims)
        return self._tally(touched, sims[touched])

    def votes_many(self, queries: list[tuple[np.ndarray, np.ndarray]]) -> list[dict[str, float]]:
        """:meth:`votes` for a batch: one sparse product over all of it (SciPy, as the heads'
        batch path), about a third of the time per request."""
        import scipy.sparse as sp

        if not queries:
            return []
        columns = len(self.start) - 1
        inside = [i < columns for i, _ in queries]  # a column beyond the index: none kept it
        idx = [i[m] for (i, _), m in zip(queries, inside, strict=True)]
        val = [v[m] for (_, v), m in zip(queries, inside, strict=True)]
        indptr = np.cumsum([0] + [len(i) for i in idx])
        # float32 like the index: a float64 query would have SciPy convert the whole index
        q = sp.csr_matrix((np.concatenate(val).astype(np.float32), np.concatenate(idx), indptr),
                          shape=(len(queries), columns))
        sims = (q @ self._by_ngram).tocsr()
        return [self._tally(sims.indices[a:b], sims.data[a:b])
                for a, b in zip(sims.indptr[:-1], sims.indptr[1:], strict=True)]

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state.pop("_by_ngram", None)  # SciPy's, rebuilt on use: a bundle holds plain arrays
        state.pop("_names", None)
        return state

    @cached_property
    def _by_ngram(self):  # type: ignore[no-untyped-def]
        """The stored arrays as they are: a sparse matrix of n-grams × training requests."""
        import scipy.sparse as sp

        return sp.csr_matrix((self.weights.astype(np.float32), self.rows, self.start),
                             shape=(len(self.start) - 1, len(self.labels)))

    def _tally(self, rows: np.ndarray, sims: np.ndarray) -> dict[str, float]:
        """The votes of the :attr:`k` most similar among ``rows`` (their ``sims``)."""
        out = dict.fromkeys(self._names, 0.0)
        out[NEAREST] = 0.0
        if len(rows) == 0:
            return out
        k = min(self.k, len(rows))
        top = np.argpartition(sims, len(sims) - k)[-k:] if len(rows) > k else slice(None)
        weight = sims[top]  # TF-IDF values are never negative, so neither is a similarity
        total = float(weight.sum())
        if total > 0:
            shares = np.bincount(self.labels[rows[top]], weights=weight,
                                 minlength=len(self.classes)) / total
            out.update(zip(self._names, shares.tolist(), strict=True))
            out[NEAREST] = float(weight.max())
        return out

    @cached_property
    def _names(self) -> list[str]:
        return [f"{PREFIX}{q}" for q in self.classes]
