"""The statistical model: TF-IDF over words and character n-grams, logistic regression heads.

Character n-grams (3–5, within word boundaries) carry German compounds ("Wohngeldantrag"
shares "wohng"/"ngeld" with "Wohngeld"), typos and OCR noise; word uni/bigrams carry phrases and
give staff readable reasons. Logistic regression is a linear model fitted on log-loss, so its
probabilities are calibrated enough to abstain on; they are what the Clearing threshold compares.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import re
import tempfile
import warnings
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # scikit-learn, scipy and joblib are imported where used: a CLI command
    # that never classifies (``eingang --help``, ``eingang items``) need not pay for them
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from classifier.cues import CueFeatures
    from classifier.neighbours import Neighbours
    from classifier.stack import QueueStack

log = logging.getLogger(__name__)

FORMAT = 1  # bump when the bundle's layout changes; older files are then refused
PACKED = "packed"  # the bundle's key for its parts, C-pickled (files without it load as before)
SUBLABEL = ":"  # "extern:Familienkasse": a finer class, summed up into "extern" when predicting


_WHITESPACE = re.compile(r"\s\s+")


def char_wb_ngrams(text: str, lo: int, hi: int) -> list[str]:
    """sklearn's ``char_wb`` analyzer, same output, about twice as fast (list slicing)."""
    out: list[str] = []
    for word in _WHITESPACE.sub(" ", text.lower()).split():
        w = f" {word} "
        length = len(w)
        for n in range(lo, hi + 1):
            if length <= n:  # sklearn emits the padded word once and stops growing n
                out.append(w)
                break
            out.extend([w[i : i + n] for i in range(length - n + 1)])
    return out


# Words that say nothing to staff as a reason, however the model weighs them.
_FUNCTION_WORDS = frozenset(
    [
        "am", "an", "auf", "aus", "bei", "bin", "bis", "das", "dass", "dem", "den", "der", "des",
        "die", "du", "ein", "eine", "einen", "einer", "es", "fuer", "hat", "habe", "haben", "ich",
        "ihr", "ihre", "im", "in", "ist", "ja", "mein", "meine", "meinen", "mich", "mir", "mit",
        "nach", "nicht", "noch", "nur", "oder", "sehr", "sie", "sind", "so", "und", "uns", "unser",
        "vom", "von", "vor", "war", "was", "wie", "wir", "wird", "zu", "zum", "zur", "the", "and",
        "to", "of", "a", "i", "is", "for", "my"
    ]
)


def _readable(feature: str) -> bool:
    words = feature.split()
    return not all(w in _FUNCTION_WORDS or len(w) <= 2 for w in words)


@dataclass(frozen=True)
class Features:
    """One text's non-zero TF-IDF features: column indices and values."""

    idx: np.ndarray
    vals: np.ndarray


_EMPTY = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64))
WORD_CACHE_SIZE = 50_000  # words whose n-gram ids are kept (some 10–20 MB at most)


def _count(vocab: dict[str, int], grams: list[str]):  # type: ignore[no-untyped-def]
    """Vocabulary ids and counts of ``grams`` (unknown ones dropped)."""
    counts = Counter(grams)
    n = len(counts)
    ids = np.fromiter(map(vocab.get, counts, repeat(-1, n)), dtype=np.int64, count=n)
    known = ids >= 0
    return ids[known], np.fromiter(counts.values(), dtype=np.float64, count=n)[known]


def _parts(packed: bytes, estimators: bool) -> dict:
    """A bundle's parts (see Model.save): without scikit-learn where lightload can."""
    if not estimators:
        from classifier import lightload

        try:
            return lightload.loads(packed)
        except pickle.UnpicklingError:
            log.info("Modell mit scikit-learn geladen (nicht jeder Teil ohne es lesbar)")
    return pickle.loads(packed)


def _tfidf_counts(vec: TfidfVectorizer, idx: np.ndarray, tf: np.ndarray):  # type: ignore[no-untyped-def]
    """TfidfVectorizer's weighting of raw counts: sublinear tf, idf, l2 norm."""
    if not len(idx):
        return _EMPTY
    if vec.sublinear_tf:
        tf = 1.0 + np.log(tf)
    vals = tf * vec.idf_[idx]
    norm = np.sqrt(vals @ vals)
    return idx, vals / norm if norm else vals


@dataclass
class TrainingRow:
    text: str  # normalised subject + text
    queue: str | None
    intent: str | None
    urgent: bool | None = None
    group: str = ""  # the real situation (source) it paraphrases: never split across folds
    weight: float = 1.0  # template rows teach less than retold real situations
    # A paraphrase of a public source (the corpus's real requests): only these are indexed as
    # neighbours (classifier.neighbours). Never a staff-confirmed request of a citizen, whose
    # n-grams would then sit in the model file request by request (§ 35 SGB I).
    retold: bool = False


INTENT_INPUT = "anliegen:"  # the network's input names for the intent probabilities


def _neighbours(chars: sp.csr_matrix, rows: list[TrainingRow], columns: int) -> Neighbours | None:
    """The index of the retold requests with an office (not the templates, which retell no
    situation, nor staff-confirmed ones) by their character n-grams (``chars``: the TF-IDF
    block, a row per training row)."""
    from classifier.neighbours import Neighbours

    chars = chars.tocsr()
    real = [i for i, r in enumerate(rows) if r.queue and r.retold]
    if len(real) < 2:
        return None
    vectors = [(chars.indices[chars.indptr[i]:chars.indptr[i + 1]],
                chars.data[chars.indptr[i]:chars.indptr[i + 1]]) for i in real]
    return Neighbours.build(vectors, [rows[i].queue.split(SUBLABEL, 1)[0] for i in real], columns)


def _vectorizers() -> tuple[TfidfVectorizer, TfidfVectorizer]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    # Word uni- to trigrams, the 80,000 most frequent (since `mitgeliefert-28`; uni- and bigrams,
    # 40,000, before): „nicht mehr erwerbsfähig“ or „bei Ihnen beantragen“ are three-word turns.
    # In the cross-validation grouped by source (14,040 requests, 4 December) the office came first
    # for 90.12 against 90.01 %, 75.06 against 74.16 % were routed rightly with at most 3 % wrong,
    # and the intent was right for 83.29 against 83.11 %. 80,000 uni- and bigrams ordered less well
    # (74.58 %); 150,000 trigrams with 150,000 character n-grams sent more to a wrong office at 0.5
    # (7.41 against 7.26 %) for little more (see classifier/README.md, `mitgeliefert-28`).
    # Since `mitgeliefert-37` 160,000 word and 120,000 character n-grams: with nearly twice the
    # corpus the longer tail pays. Out of fold (25,772 requests, corpus through `vt`, stacked
    # network): office first 91.38 against 91.16 %, right at 0.5 90.35 against 90.23 %, wrong at
    # 0.5 6.62 against 6.67 %, right with at most 3 % wrong 78.42 against 78.08 %, intent 85.15
    # against 85.00 %. It costs some 3–5 % of the stream's speed (bench/classify.py).
    words = TfidfVectorizer(
        analyzer="word", ngram_range=(1, 3), min_df=1, sublinear_tf=True, max_features=160000,
        dtype=np.float32,
    )
    chars = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True,
        max_features=120000, dtype=np.float32,
    )
    return words, chars


# Heads fitted without balanced class weights. The queue head's classes differ in size (the
# Jobcenter's requests are some thirty times those of a single referral body); weighting them
# alike raised the small classes' probabilities everywhere, and so the Clearing share and the
# wrong guesses among the confident ones. In the cross-validation grouped by source (14,040
# requests, 3 December evening) the unweighted queue head put the right office first for 89.81
# against 89.72 %, routed 87.89 against 87.27 % rightly at 0.5 (wrong 7.24 against 7.17 %) and
# 73.72 against 72.70 % with at most 3 % wrong. The intent head stays balanced: unweighted it
# lost 0.3 points on one fold, most of them in the small classes (aenderung, beschwerde).
UNWEIGHTED_HEADS: tuple[str, ...] = ("queue",)


def _head(c: float, balanced: bool = True) -> LogisticRegression:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=3000, class_weight="balanced" if balanced else None)


# How much of Complement Naive Bayes the queue head takes in (see below). Half: at 1 the few
# words of other languages the corpus has ("хочу подати заяву") made the model so sure of the
# office they were mostly written to that a benefit's name in the signal list no longer routed.
QUEUE_NB_WEIGHT = 0.5
NB_ALPHA = 0.1
# The same blend in the intent head, at half weight (since `mitgeliefert-29`): Naive Bayes counts
# the rare words of an Anliegen (a „Mahnbescheid“ answered, a „Hausbesuch“ asked) that the
# regression leaves near zero. In the cross-validation grouped by source (14,040 requests,
# 4 December) intent 83.38 → 83.68 %, the office unchanged; a linear SVM blended in instead
# (weight 8) gave 83.60 %.
INTENT_NB_WEIGHT = 0.5
# The heads that see the cue block (classifier.cues).
CUE_HEADS: tuple[str, ...] = ("intent",)


def blend_naive_bayes(head: LogisticRegression, x: sp.csr_matrix, labels: list[Any],
                      weights: np.ndarray, weight: float, word_columns: int,
                      alpha: float = NB_ALPHA) -> None:
    """Add Complement Naive Bayes' log weights of the word features to a fitted multinomial
    head, in place.

    Both are linear in the same features, so their product of experts is one linear head
    (softmax of the summed scores): scoring costs nothing more and ``predict_proba`` stays
    sklearn's. Naive Bayes counts every word of a class, also the rare ones the regularised
    regression leaves near zero (a benefit named in few situations), the regression weighs the
    words that tell classes apart: in cross-validation grouped by source on the training slice
    the blend (weight 1) put the right office first for 90.1 % of the real requests (regression
    alone 89.7 %) and routed 78.5 % rightly with at most 3 % confidently wrong (74.0 %). Words only:
    with the character n-grams too, Naive Bayes was sure of an office for strings of digits
    ("0000" is more frequent in some offices' requests), which must go to Clearing. Centred per
    feature, which leaves the probabilities unchanged and keeps the words shown to staff about
    the class itself."""
    from sklearn.naive_bayes import ComplementNB

    if weight == 0 or head.coef_.shape[0] < 2:
        return
    nb = ComplementNB(alpha=alpha).fit(x[:, :word_columns], labels, sample_weight=weights)
    if list(nb.classes_) != list(head.classes_):
        raise ValueError("Klassen von Regression und Naive Bayes weichen ab")
    logp = nb.feature_log_prob_
    head.coef_[:, :word_columns] += weight * (logp - logp.mean(axis=0, keepdims=True))


# How much of a linear support vector machine the queue head takes in (see below), and its C.
QUEUE_SVM_WEIGHT = 8.0
SVM_C = 0.5


def blend_linear_svm(head: LogisticRegression, x: sp.csr_matrix, labels: list[Any],
                     weights: np.ndarray, weight: float, c: float = SVM_C) -> None:
    """Add a linear SVM's decision function, times ``weight``, to a fitted multinomial head,
    then scale the sum back to the head's former norm, in place.

    Like the Naive Bayes blend, one linear head comes out: scoring costs nothing more. The SVM
    fits the margin between offices, which the log-loss of the regression trades for
    probabilities; the sum orders offices better. The scaling keeps the regression's
    sharpness: a fixed Clearing threshold (``abstain_below: 0.5``) compares the head's
    probability as it is, so a sharper head would route far more. Cross-validation grouped by
    source on the training slice (3 December, corpus of 12,298 requests, whole pipeline,
    without → with the blend): right office first 90.3 → 90.7 %, wrong office at 0.5 6.3 →
    6.1 %, routed rightly with at most 3 % wrong 75.9 → 76.9 % (at most 5 %: 82.8 → 83.6 %),
    right at 0.5 unchanged (88.0 / 87.9 %). Unscaled, the blend ordered better still (80.3 %
    at 3 %, on the corpus before `rs`…`ru`), but on the held-out slice its sharper head sent
    7.3 % instead of 6.1 % to a wrong office at 0.5; the calibrated curve and ``auto`` would
    gain, the shipped fixed threshold would not."""
    from sklearn.svm import LinearSVC

    if weight == 0 or head.coef_.shape[0] < 2:
        return
    svm = LinearSVC(C=c, class_weight="balanced").fit(x, labels, sample_weight=weights)
    if list(svm.classes_) != list(head.classes_):
        raise ValueError("Klassen von Regression und SVM weichen ab")
    norm = np.linalg.norm(head.coef_)
    head.coef_ += weight * svm.coef_
    head.intercept_ += weight * svm.intercept_
    scale = norm / np.linalg.norm(head.coef_)
    head.coef_ *= scale
    head.intercept_ *= scale


def _lemma_vectorizer(texts: list[str]) -> TfidfVectorizer:
    """TF-IDF over the texts' lemmas (a block of its own, normalised on its own, so the word
    block's values stay as they were for the heads that do not use the lemmas)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from classifier.wordforms import LemmaAnalyzer, lemma_table

    return TfidfVectorizer(analyzer=LemmaAnalyzer(lemma_table(texts)), min_df=2,
                           sublinear_tf=True, max_features=30000, dtype=np.float32)


@dataclass
class Model:
    """A trained, versioned bundle: vectorizers, the queue and intent heads, and metadata."""

    words: TfidfVectorizer
    chars: TfidfVectorizer
    queue_head: LogisticRegression | None
    intent_head: LogisticRegression | None
    meta: dict[str, Any] = field(default_factory=dict)
    urgent_head: LogisticRegression | None = None  # True = Notlage/Frist (indirect ones too)
    # Third feature block: the words' lemmas (classifier.wordforms), for the intent and urgency
    # heads; None in bundles made before it.
    lemmas: TfidfVectorizer | None = None
    # Fourth block: cues of need, question and age (classifier.cues), after the lemmas; None in
    # bundles made before it.
    cues: CueFeatures | None = None
    # The office decision's last step (classifier.stack), fitted with the calibration on
    # out-of-fold predictions; None in bundles made before it or trained without calibration.
    queue_stack: QueueStack | None = None
    # The real training requests' character n-grams and offices, whose nearest neighbours vote
    # as an input of the network (classifier.neighbours); None in bundles made before
    # `mitgeliefert-35`.
    neighbours: Neighbours | None = None

    @property
    def version(self) -> str:
        return str(self.meta.get("version", "unbenannt"))

    @classmethod
    def train(cls, rows: list[TrainingRow], version: str | None = None,
              queue_c: float = 10.0, intent_c: float = 10.0, urgent_c: float = 10.0,
              queue_nb: float = QUEUE_NB_WEIGHT, queue_svm: float = QUEUE_SVM_WEIGHT,
              intent_nb: float = INTENT_NB_WEIGHT,
              lemmas: bool = True,
              cue_heads: tuple[str, ...] = CUE_HEADS,
              unweighted: tuple[str, ...] = UNWEIGHTED_HEADS) -> Model:
        # C = 100 on the queue head did better in cross-validation grouped by source (top-1 88.1
        # → 88.8 %), but its sharper probabilities leave the signal words of other languages
        # ("жилищное пособие") too little room against a model trained mostly on German: kept 10.
        import scipy.sparse as sp
        import sklearn

        from classifier.cues import CueFeatures

        words, chars = _vectorizers()
        texts = [r.text for r in rows]
        blocks = [words.fit_transform(texts), chars.fit_transform(texts)]
        lemma_block = _lemma_vectorizer(texts) if lemmas else None
        if lemma_block is not None:
            try:
                blocks.append(lemma_block.fit_transform(texts))
                lemma_block.stop_words_ = None
            except ValueError:  # no lemma in two texts (a tiny corpus): no block
                lemma_block = None
        cue_block = CueFeatures() if cue_heads else None
        if cue_block is not None:
            blocks.append(cue_block.transform(texts))
        x = sp.hstack(blocks).tocsr()
        # sklearn keeps the cut-off terms only for introspection; they would bloat the file.
        words.stop_words_ = None
        chars.stop_words_ = None
        surface = len(words.vocabulary_) + len(chars.vocabulary_)  # columns before the lemmas
        lemma_end = surface + (len(lemma_block.vocabulary_) if lemma_block is not None else 0)

        def fit(head_name: str, labels: list[Any], c: float, nb: float = 0.0,
                with_lemmas: bool = True, svm: float = 0.0) -> LogisticRegression | None:
            idx = [i for i, y in enumerate(labels) if y is not None and y != ""]
            if len({labels[i] for i in idx}) < 2:
                return None
            gold = [labels[i] for i in idx]
            weights = np.array([rows[i].weight for i in idx])
            # A block a head does not use is zeroed, not cut off: its weights stay exactly 0
            # and every head keeps the same columns.
            keep = np.ones(x.shape[1], dtype=np.float32)
            if not with_lemmas:
                keep[surface:lemma_end] = 0
            if head_name not in cue_heads:
                keep[lemma_end:] = 0
            xs = x[idx] @ sp.diags(keep) if not keep.all() else x[idx]
            head = _head(c, head_name not in unweighted).fit(xs, gold, sample_weight=weights)
            blend_naive_bayes(head, xs, gold, weights, nb, len(words.vocabulary_))
            blend_linear_svm(head, xs, gold, weights, svm)
            return head

        neighbours = _neighbours(blocks[1], rows, len(chars.vocabulary_))
        digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:12]
        now = datetime.now(UTC)
        meta = {
            "format": FORMAT,
            "version": version or now.strftime("%Y%m%d-%H%M%S"),
            "created_at": now.isoformat(timespec="seconds"),
            "sklearn": sklearn.__version__,
            "examples": len(rows),
            "corpus_sha256": digest,
            "queue_naive_bayes": queue_nb,
            "queue_svm": queue_svm,
            "intent_naive_bayes": intent_nb,
            "lemmas": lemmas,
            "cue_heads": list(cue_heads),
            "unweighted_heads": list(unweighted),
        }
        # The queue head leaves the lemmas out: in cross-validation grouped by source they
        # raised the intent but not the office (see classifier/README.md, "Measured").
        return cls(words, chars, fit("queue", [r.queue for r in rows], queue_c, queue_nb, False,
                                     queue_svm),
                   fit("intent", [r.intent for r in rows], intent_c, intent_nb), meta,
                   fit("urgent", [r.urgent for r in rows], urgent_c), lemma_block, cue_block,
                   neighbours=neighbours)

    def features(self, text: str) -> sp.csr_matrix:
        """The sklearn way (slow per call, kept as the reference for :meth:`vectorize`)."""
        import scipy.sparse as sp

        blocks = [self.words.transform([text]), self.chars.transform([text])]
        if self.lemmas is not None:
            blocks.append(self.lemmas.transform([text]))
        if self.cues is not None:
            blocks.append(self.cues.transform([text]))
        return sp.hstack(blocks).tocsr()

    def vectorize(self, text: str) -> Features:
        """Same values as :meth:`features`, without sklearn's per-call validation overhead."""
        words = _tfidf_counts(self.words, *_count(self.words.vocabulary_,
                                                  self._word_analyzer(text)))
        chars = self._char_counts(text)
        chars = _tfidf_counts(self.chars, *chars) if chars else _EMPTY
        offset = len(self.words.vocabulary_)
        parts = [words, (chars[0] + offset, chars[1])]
        offset += len(self.chars.vocabulary_)
        if self.lemmas is not None:
            lemmas = self._lemma_counts(text)
            lemmas = _tfidf_counts(self.lemmas, *lemmas) if lemmas else _EMPTY
            parts.append((lemmas[0] + offset, lemmas[1]))
            offset += len(self.lemmas.vocabulary_)
        if self.cues is not None:
            cues = self.cues.indices(text)
            parts.append((cues + offset, np.full(len(cues), self.cues.value)))
        return Features(np.concatenate([p[0] for p in parts]),
                        np.concatenate([p[1] for p in parts]))

    def network_view(self, f: Features, intents: dict[str, float],
                     votes: dict[str, float] | None = None) -> dict[str, float]:
        """What the stacked office network reads of the model besides its office
        probabilities: the votes of the nearest training requests (classifier.neighbours;
        ``votes`` where :meth:`score_many` found them for a batch) and the intent probabilities
        (``anliegen:<intent>``; a question about a benefit is less often the Jobcenter's than
        an application for it, a complaint more often)."""
        out = {f"{INTENT_INPUT}{i}": p for i, p in intents.items()}
        if votes is None and self.neighbours is not None:
            votes = self.neighbours.votes(*self._char_block(f))
        out.update(votes or {})
        return out

    def _char_block(self, f: Features) -> tuple[np.ndarray, np.ndarray]:
        """The character n-grams of ``f``: their columns in the n-gram vectoriser, values."""
        start = len(self.words.vocabulary_)
        inside = (f.idx >= start) & (f.idx < start + len(self.chars.vocabulary_))
        return f.idx[inside] - start, f.vals[inside]

    @cached_property
    def _word_analyzer(self):  # type: ignore[no-untyped-def]
        return self.words.build_analyzer()

    def _char_counts(self, text: str) -> tuple[np.ndarray, np.ndarray] | None:
        """Vocabulary ids and counts of the text's character n-grams. ``char_wb`` n-grams never
        cross a word, so each word's ids are computed once and cached: common words cost a
        dictionary lookup instead of a dozen string slices and hashes."""
        if self.chars.analyzer != "char_wb" or not self.chars.lowercase:
            return _count(self.chars.vocabulary_, self.chars.build_analyzer()(text)) or None
        lo, hi = self.chars.ngram_range
        vocab, cache = self.chars.vocabulary_, self._word_ngram_ids
        parts = []
        for word in _WHITESPACE.sub(" ", text.lower()).split():
            ids = cache.get(word)
            if ids is None:
                grams = char_wb_ngrams(word, lo, hi)
                ids = np.fromiter((j for g in grams if (j := vocab.get(g)) is not None),
                                  dtype=np.int64)
                if len(cache) < WORD_CACHE_SIZE:
                    cache[word] = ids
            parts.append(ids)
        if not parts:
            return None
        ids = np.concatenate(parts)
        if not len(ids):
            return None
        idx, counts = np.unique(ids, return_counts=True)
        return idx, counts.astype(np.float64)

    @cached_property
    def _word_ngram_ids(self) -> dict[str, np.ndarray]:
        return {}

    def _lemma_counts(self, text: str) -> tuple[np.ndarray, np.ndarray] | None:
        """Vocabulary ids and counts of the text's lemmas, each word's id looked up once."""
        from classifier.wordforms import tokens

        assert self.lemmas is not None
        table, vocab, cache = self.lemmas.analyzer.lemmas, self.lemmas.vocabulary_, \
            self._lemma_ids
        ids = []
        for word in tokens(text):
            j = cache.get(word)
            if j is None:
                j = vocab.get(table.get(word, word), -1)
                if len(cache) < WORD_CACHE_SIZE:
                    cache[word] = j
            if j >= 0:
                ids.append(j)
        if not ids:
            return None
        idx, counts = np.unique(np.array(ids, dtype=np.int64), return_counts=True)
        return idx, counts.astype(np.float64)

    @cached_property
    def _lemma_ids(self) -> dict[str, int]:
        return {}

    @cached_property
    def _coef_by_feature(self) -> dict[int, np.ndarray]:
        return {}

    def fine_probabilities(self, head: LogisticRegression | None, f: Features) -> dict[str, float]:
        """The head's class probabilities (softmax, or sigmoid for two classes)."""
        if head is None:
            return {}
        rows = self._coef_by_feature.get(id(head))
        if rows is None:  # features × classes, C order: one contiguous row per feature
            rows = self._coef_by_feature[id(head)] = np.ascontiguousarray(head.coef_.T)
        scores = f.vals @ rows[f.idx] + head.intercept_
        if len(head.classes_) == 2:
            p1 = 1.0 / (1.0 + np.exp(-scores[0]))
            probs = np.array([1.0 - p1, p1])
        else:
            exp = np.exp(scores - scores.max())
            probs = exp / exp.sum()
        return dict(zip(head.classes_.tolist(), probs.tolist(), strict=True))

    def score_many(self, texts: list[str]):  # type: ignore[no-untyped-def]
        """Per text: (features, queue, intent and urgency probabilities, the nearest training
        requests' votes or None), the heads and the neighbours applied to all texts in one
        sparse product each."""
        import scipy.sparse as sp

        feats = [self.vectorize(t) for t in texts]
        if not feats:
            return []
        indptr = np.cumsum([0] + [len(f.idx) for f in feats])
        x = sp.csr_matrix((np.concatenate([f.vals for f in feats]),
                           np.concatenate([f.idx for f in feats]), indptr),
                          shape=(len(feats), self.columns))
        heads = [self._batch_probabilities(h, x) for h in
                 (self.queue_head, self.intent_head, self.urgent_head)]
        votes = self.neighbours.votes_many([self._char_block(f) for f in feats]) \
            if self.neighbours is not None else [None] * len(feats)
        return zip(feats, *heads, votes, strict=True)

    @property
    def columns(self) -> int:
        return (len(self.words.vocabulary_) + len(self.chars.vocabulary_)
                + (len(self.lemmas.vocabulary_) if self.lemmas is not None else 0)
                + (self.cues.columns if self.cues is not None else 0))

    @staticmethod
    def _batch_probabilities(head: LogisticRegression | None, x: sp.csr_matrix) -> list[dict]:
        if head is None:
            return [{}] * x.shape[0]
        scores = np.asarray(x @ head.coef_.T) + head.intercept_
        if len(head.classes_) == 2:
            p1 = 1.0 / (1.0 + np.exp(-scores[:, 0]))
            probs = np.column_stack([1.0 - p1, p1])
        else:
            exp = np.exp(scores - scores.max(axis=1, keepdims=True))
            probs = exp / exp.sum(axis=1, keepdims=True)
        classes = head.classes_.tolist()
        return [dict(zip(classes, row, strict=True)) for row in probs.tolist()]

    @staticmethod
    def collapse(fine: dict[str, float]) -> dict[str, float]:
        """Per label, its most probable finer class ("extern:…"), renormalised. The maximum, not
        the sum: seven referral bodies would otherwise collect seven shares of every doubt."""
        out: dict[str, float] = {}
        for label, p in fine.items():
            key = label.split(SUBLABEL, 1)[0]
            out[key] = max(out.get(key, 0.0), p)
        total = sum(out.values()) or 1.0
        return {k: p / total for k, p in out.items()}

    @staticmethod
    def best_fine(fine: dict[str, float], label: str) -> str | None:
        """The most probable finer class of ``label`` ("extern" → "extern:Familienkasse")."""
        options = {k: p for k, p in fine.items() if k == label or k.startswith(label + SUBLABEL)}
        return max(options, key=lambda k: options[k]) if options else None

    def drivers(self, head: LogisticRegression | None, f: Features, fine_label: str | None,
                top: int = 4) -> list[tuple[str, float]]:
        """Words/phrases of this text that pushed hardest towards ``fine_label`` (readable
        word features only; character n-grams are not shown to staff)."""
        if head is None:
            return []
        classes, above_mean = self._reading_of(head)
        if fine_label not in classes:
            return []
        row = classes.index(fine_label)
        mask = f.idx < len(self.words.vocabulary_)
        cols, vals = f.idx[mask], f.vals[mask]
        if above_mean is None:  # binary head: one row, sign says which class
            weights = head.coef_[0, cols] * (1 if row == 1 else -1)
        else:  # how much more this feature speaks for the label than for the average label
            weights = above_mean[row, cols]
        contrib = vals * weights
        names = self._word_names
        order = np.argsort(-contrib)[: top * 3]
        return [(str(names[cols[i]]), float(contrib[i])) for i in order
                if contrib[i] > 0.05 and _readable(str(names[cols[i]]))][:top]

    def _reading_of(self, head: LogisticRegression) -> tuple[list, np.ndarray | None]:
        """A head's classes and, for more than two, its word features' weights minus their mean
        over the classes: computed once per head, as every request's reasons read them
        (float32: some 10 MB for the queue head's word block)."""
        found = self._head_cache.get(head)  # keyed by the head itself: an id could be reused
        if found is None:
            words = head.coef_[:, :len(self.words.vocabulary_)]
            above_mean = (words - words.mean(axis=0)).astype(np.float32) \
                if words.shape[0] > 1 else None
            found = self._head_cache[head] = (list(head.classes_), above_mean)
        return found

    @cached_property
    def _head_cache(self) -> dict:
        return {}

    @cached_property
    def _word_names(self) -> np.ndarray:
        return self.words.get_feature_names_out()

    # --- persistence ------------------------------------------------------------------------

    def save(self, path: Path) -> Path:
        """Write atomically: a reader never sees half a model."""
        import joblib

        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        os.close(fd)
        try:
            parts = {"words": self.words, "chars": self.chars, "queue_head": self.queue_head,
                     "intent_head": self.intent_head, "urgent_head": self.urgent_head,
                     "lemmas": self.lemmas, "cues": self.cues, "queue_stack": self.queue_stack,
                     "neighbours": self.neighbours}
            # The parts pickled apart by the C pickler: joblib unpickles in pure Python, and
            # the vocabularies' half a million strings took it ~1 s of every start (issue 16).
            joblib.dump({"meta": self.meta, PACKED: pickle.dumps(parts, protocol=5)}, tmp, compress=3)
            os.chmod(tmp, 0o644)  # mkstemp makes it owner-only; a model is no secret
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        path.with_suffix(".json").write_text(json.dumps(self.meta, indent=2, ensure_ascii=False))
        return path

    @classmethod
    def load(cls, path: Path, estimators: bool = False) -> Model:
        """Load and smoke-test a bundle; raise ``ValueError`` on anything unusable. Its fitted
        values only (classifier.lightload), unless ``estimators``: then scikit-learn's
        objects, which also transform and predict themselves (the tests' reference)."""
        import joblib

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a newer sklearn warns; the smoke test decides
            try:
                data = joblib.load(path)
                if isinstance(data, dict) and isinstance(data.get(PACKED), bytes):
                    data = {"meta": data.get("meta", {}), **_parts(data[PACKED], estimators)}
            except Exception as exc:  # corrupt file, truncated write, foreign pickle
                raise ValueError(f"Modelldatei {path} nicht lesbar: {exc}") from exc
        if not isinstance(data, dict) or data.get("meta", {}).get("format") != FORMAT:
            raise ValueError(f"Modelldatei {path} hat ein unbekanntes Format.")
        model = cls(data["words"], data["chars"], data["queue_head"], data["intent_head"],
                    data["meta"], data.get("urgent_head"), data.get("lemmas"), data.get("cues"),
                    data.get("queue_stack"), data.get("neighbours"))
        try:
            f = model.vectorize("test antrag buergergeld")
            model.fine_probabilities(model.queue_head, f)
            model.fine_probabilities(model.intent_head, f)
            model.fine_probabilities(model.urgent_head, f)
        except Exception as exc:
            raise ValueError(f"Modell {path} lässt sich nicht anwenden: {exc}") from exc
        return model
