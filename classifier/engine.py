"""The classifier: model probabilities and admin signals combined into one explained decision.

Combination: each signal multiplies its queue's (or intent's) model probability by e^weight,
then the scores are normalised again. For the office, a model trained with its calibration
brings a small network fitted on out-of-fold predictions that corrects that rule
(classifier.stack); the fixed rule alone stays for offices it does not know. A missing or broken model
leaves the signals alone, with a uniform prior: requests with clear terms still route,
everything else goes to Clearing.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from classifier import calibration, deadlines, language, stack, versions
from classifier.cues import network_inputs
from classifier.facts import DEFAULT_FACTS_CONFIG, FactsConfig, extract_facts
from classifier.facts import default_config as default_facts_config
from classifier.labels import intent_label, percent, queue_label
from classifier.model import SUBLABEL, Model
from classifier.normalize import Written, loosen, normalize
from classifier.offices import OfficeSignals, with_unknown_offices
from classifier.signals import DEFAULT_SIGNALS, Hit, Signals, move_in_matcher, place_matcher
from classifier.towns import Towns
from classifier.types import Classification, ClassifyRequest, UrgentReason
from classifier.urgency import DISMISSED, MODEL_LABEL, Dismissed, only_guessed
from domain import Catalogue, default_catalogue

log = logging.getLogger(__name__)

MIN_DISTINCT_WORDS = 4  # fewer different words and no signal word: Clearing, not a guess
_WORD = re.compile(r"\b[^\W\d_]{3,}\b")  # words of three letters or more (numbers say nothing here)
MAX_SIGNAL_BOOST = 5.0  # many hits for one queue must not drown everything else
OUTSIDE_BY_POSTCODE = 0.95  # confidence of "örtlich unzuständig" found from postcodes
OUTSIDE_BY_PLACE = 0.8  # ... from a place name (may be mentioned for other reasons)
RULES_ONLY = "regeln-ohne-modell"
OTHER_KOMMUNE = f"extern{SUBLABEL}andere Kommune"  # the model's class for örtlich unzuständig
# What a request says about its office and urgency is said early; the cap bounds the work a
# single huge message (a forwarded thread, a 300-page OCR) can cost a worker.
MAX_CHARS = 50_000


def signal_boosts(hits: list[Hit], labels: tuple[str, ...]) -> dict[str, float]:
    """Per label, the capped weight of the signal words found for it."""
    boost = dict.fromkeys(labels, 0.0)
    for hit in hits:
        if hit.target in boost:
            boost[hit.target] += hit.weight
    return {label: min(b, MAX_SIGNAL_BOOST) for label, b in boost.items()}


def combine_scores(prior: dict[str, float], boost: dict[str, float], labels: tuple[str, ...],
                   scale: float = 1.0) -> dict[str, float]:
    """log prior + scale × signal weight per label, normalised again."""
    scores = {label: math.log(max(prior.get(label, 0.0), 1e-6)) + scale * boost.get(label, 0.0)
              for label in labels}
    top = max(scores.values())
    exp = {label: math.exp(s - top) for label, s in scores.items()}
    total = sum(exp.values())
    return {label: e / total for label, e in exp.items()}


def _boost(hits: list[Hit], queue: str) -> float:
    return min(sum(h.weight for h in hits if h.target == queue), MAX_SIGNAL_BOOST)


def _raw(request: ClassifyRequest) -> str:
    return f"{request.subject}\n{request.text}"[:MAX_CHARS]


def _argmax(scores: dict[str, float]) -> str:
    return max(scores, key=lambda k: scores[k])


def _load_config(load, path: Path, default: Path, problems: list[str]):  # type: ignore[no-untyped-def]
    """An admin's configuration file, or the bundled one if it is missing or broken."""
    if path != default:
        try:
            return load(path)
        except FileNotFoundError:
            pass
        except Exception as exc:  # YAML syntax, bad regex, wrong types: keep the service running
            problems.append(f"Konfiguration {path} fehlerhaft, mitgelieferte verwendet: {exc}")
            log.error(problems[-1])
    return load(default)


def _model_referral(fine: dict[str, float]) -> Hit | None:
    """The body the model finds most likely among the referral classes, if it is clear."""
    bodies = {k.split(SUBLABEL, 1)[1]: p for k, p in fine.items()
              if k.startswith("extern" + SUBLABEL)}
    total = sum(bodies.values())
    if not total:
        return None
    body = max(bodies, key=lambda k: bodies[k])
    return Hit(body, "Modell") if bodies[body] / total >= 0.6 else None


@dataclass
class Classifier:
    signals: Signals
    model: Model | None = None
    facts_config: FactsConfig | None = None
    abstain_below: float | None = None  # overrides signals.yaml when set
    load_problems: list[str] = field(default_factory=list)  # German, why a model was skipped
    # The Kommune's queues, intents and offices' keywords; the demo Kommune's where none is given.
    catalogue: Catalogue = field(default_factory=default_catalogue)

    def __post_init__(self) -> None:
        # Deadlines end on the Kommune's working days (its public holidays).
        self.facts_config = replace(self.facts_config or default_facts_config(),
                                    holiday_region=self.catalogue.kommune.holiday_region)
        self.queues = self.catalogue.queue_keys
        self.intents = self.catalogue.intent_keys
        self.office_signals = OfficeSignals.from_catalogue(self.catalogue, self.signals.shorthand)
        self.intent_signals = OfficeSignals.for_intents(self.catalogue, self.signals.shorthand)
        kommune = self.catalogue.kommune
        self.signals.kommune_postcodes = kommune.all_postcodes or self.signals.kommune_postcodes
        if kommune.neighbours:
            self.signals.other_places = [place_matcher(p) for p in kommune.neighbours]
        self.signals.own_places = [move_in_matcher(p) for p in kommune.own_places]
        self.signals.towns = Towns(kommune.own_places) if self.signals.towns_outside else None

    @property
    def model_version(self) -> str:
        return self.model.version if self.model else RULES_ONLY

    @property
    def threshold(self) -> float:
        """Clearing below this confidence: set here, else by the admin (``signals.yaml``), else
        the one the model's training chose from costs, else one half."""
        for value in (self.abstain_below, self.signals.abstain_below,
                      self.model.meta.get("abstain_below") if self.model else None):
            if value is not None:
                return float(value)
        return 0.5

    @property
    def thresholds_per_office(self) -> dict[str, float] | None:
        """The Clearing thresholds training chose for each office from the costs, where they
        decide (``abstain_below: auto_per_office`` and no fixed threshold given); else None."""
        by_queue = self.model.meta.get("abstain_below_by_queue") if self.model else None
        return by_queue if by_queue and self.signals.abstain_per_office and self.cost_threshold else None

    def threshold_for(self, queue: str) -> float:
        """The Clearing threshold for a request whose best office is ``queue``: its office's
        among :attr:`thresholds_per_office` (the global one for an office without its own),
        else :attr:`threshold`."""
        by_queue = self.thresholds_per_office
        return float(by_queue.get(queue, self.threshold)) if by_queue else self.threshold

    def probability_right(self, request: ClassifyRequest, result: Classification) -> float | None:
        """The calibrated probability that ``result``'s best queue is right (as ``auto``
        compares it with the thresholds), whatever threshold is set; None without a
        calibration. For ``eingang evaluate``'s curve."""
        params = self.model.meta.get("platt") if self.model else None
        if not params or not result.queue_scores:
            return None
        best = _argmax(result.queue_scores)
        a, b, *c = params
        return calibration.platt(result.queue_scores[best], a, b, c[0] if c else 0.0,
                                 self.signal_boost(request, best))

    @property
    def cost_threshold(self) -> bool:
        """True when Clearing follows the threshold the training chose from the costs
        (``abstain_below: auto``); the confidence is then the calibrated one."""
        return (self.abstain_below is None and self.signals.abstain_below is None
                and bool(self.model and self.model.meta.get("platt")))

    def calibrated(self, confidence: float, boost: float) -> float:
        """With ``abstain_below: auto``, the combined confidence as a probability of being
        right (Platt scaling of the confidence and the signal weight, fitted on out-of-fold
        predictions in training); else the combined confidence as it is, which a fixed
        threshold was set against."""
        params = self.model.meta.get("platt") if self.model else None
        if not params or not self.cost_threshold:
            return confidence
        a, b, *c = params  # models of the first calibration had no signal weight
        return calibration.platt(confidence, a, b, c[0] if c else 0.0, boost)

    @property
    def intent_signal_scale(self) -> float:
        """How much the intent signal words count beside the model's intent head in a German
        request: fitted in training on out-of-fold predictions (the model has learnt most German
        cue words itself, so counting them again fully overrides it: "beantragen" in "Kann ich
        … beantragen?" is a question); 1 without a model or with a model trained before the
        scale was fitted."""
        return self._meta_scale("intent_signal_scale")

    @property
    def intent_signal_scale_other(self) -> float:
        """The same for requests in another language, fitted on those alone: the model has seen
        few of them, so there the signal words (which carry the other languages' cue words)
        have to count more than in German."""
        return self._meta_scale("intent_signal_scale_other")

    def _meta_scale(self, key: str) -> float:
        value = self.model.meta.get(key) if self.model else None
        return 1.0 if value is None else float(value)

    def intent_scale_for(self, lang: str | None) -> float:
        german = lang in (None, "de")  # too short to tell: as most requests, German
        return self.intent_signal_scale if german else self.intent_signal_scale_other

    def intent_evidence(self, request: ClassifyRequest
                        ) -> tuple[dict[str, float], dict[str, float], bool]:
        """The model's intent probabilities, the intent signal weight per intent and whether
        the request is German (for fitting the two intent signal scales)."""
        raw = _raw(request)
        text = normalize(raw, self.signals.shorthand)
        prior = self._model_view(text)[1]
        german = language.detect(raw) in (None, "de")
        return prior, signal_boosts(self.signals.intent_hits(loosen(text)), self.intents), german

    def signal_boost(self, request: ClassifyRequest, queue: str) -> float:
        """Weight of the signal words in ``request`` that speak for ``queue`` (for training)."""
        loose = loosen(normalize(_raw(request), self.signals.shorthand))
        return _boost(self._queue_hits(loose), queue)

    @classmethod
    def load(cls, model_path: Path | None = None, data_dir: Path | None = None,
             signals_path: Path | None = None, abstain_below: float | None = None,
             catalogue: Catalogue | None = None,
             retrain: Callable[..., Model] | None = None) -> Classifier:
        """Never raises for a bad model or a broken admin configuration: tries each model
        candidate, then a model trained from the bundled corpus (``retrain``, classifier.training.train:
        passed in, as training itself runs classifiers), then signals only; a broken ``signals.yaml``/``facts.yaml`` in the data
        dir falls back to the bundled one."""
        problems: list[str] = []
        catalogue = catalogue or default_catalogue()
        language.warm()
        signals = _load_config(Signals.load, signals_path
                               or versions.config_file("signals.yaml", data_dir),
                               DEFAULT_SIGNALS, problems)
        facts_config = _load_config(FactsConfig.load, versions.config_file("facts.yaml", data_dir),
                                    DEFAULT_FACTS_CONFIG, problems)
        for path in versions.candidates(data_dir, model_path):
            try:
                model = Model.load(path)
            except (ValueError, OSError) as exc:
                problems.append(str(exc) if isinstance(exc, ValueError) else f"{path}: {exc}")
                log.warning("Klassifikationsmodell übersprungen: %s", problems[-1])
                continue
            return cls(signals, model, facts_config, abstain_below, problems, catalogue)
        try:  # e.g. a scikit-learn release that cannot read the bundled file: retrain (seconds)
            if retrain is not None:
                model = retrain(version="aus-korpus-neu-trainiert", signals=signals,
                                catalogue=catalogue, calibrate=False)
                log.warning("Modell aus dem mitgelieferten Korpus neu trainiert.")
                return cls(signals, model, facts_config, abstain_below, problems, catalogue)
        except Exception as exc:
            problems.append(f"Neu-Training aus dem Korpus fehlgeschlagen: {exc}")
        log.error("Kein Klassifikationsmodell ladbar, nur Regeln aktiv.")
        return cls(signals, None, facts_config, abstain_below, problems, catalogue)

    # --- classification ------------------------------------------------------------------

    def classify_many(self, requests: list[ClassifyRequest]) -> list[Classification]:
        """The same decisions as :meth:`classify`, with the model's heads applied to the whole
        batch at once (one sparse matrix product per head instead of one per request)."""
        texts = [normalize(_raw(r), self.signals.shorthand) for r in requests]
        scored: list[tuple | None] = [None] * len(texts)
        if self.model is not None:
            try:
                scored = list(self.model.score_many(texts))
            except Exception:  # per request then, with its fallbacks
                log.exception("Modell %s versagt im Stapel", self.model_version)
        return [self.classify(r, (t, s)) for r, t, s in zip(requests, texts, scored, strict=True)]

    def classify(self, request: ClassifyRequest, _scored: tuple | None = None) -> Classification:
        raw = _raw(request)
        text, scores = _scored if _scored else (normalize(raw, self.signals.shorthand), None)
        loose = loosen(text)  # what the signals match on
        reasons: list[str] = []
        try:
            facts = extract_facts(raw, self.facts_config)
        except Exception:  # a broken admin pattern must not stop the classification
            log.exception("Fakten nicht lesbar")
            facts = {}
            reasons.append("Fakten konnten nicht gelesen werden (Konfiguration prüfen).")
        referral = self._outside_kommune(loose, facts, reasons)
        queue_prior, intent_prior, model_reasons, model_referral, model_urgency, model_inputs = \
            self._model_view(text, scores, outside=referral is not None)
        queue_hits = self._queue_hits(loose)
        words = distinct_words(loose, max(MIN_DISTINCT_WORDS, stack.MIN_WORDS))
        queue_scores = self._queue_scores(queue_prior, queue_hits, words >= stack.MIN_WORDS, text,
                                          model_inputs)
        best = _argmax(queue_scores)
        confidence = self.calibrated(queue_scores[best], _boost(queue_hits, best))
        threshold = self.threshold_for(best)
        # A text of two or three words and no signal word („Haus Maus“, a name, noise) gives the
        # model nothing to tell offices apart by, however sure its probabilities look.
        too_short = words < MIN_DISTINCT_WORDS and not queue_hits
        abstained = best == "clearing" or confidence < threshold or too_short
        queue = "clearing" if abstained else best

        if referral:  # örtlich unzuständig: whatever the topic, another Kommune decides
            topic = f" (Thema: {queue_label(best, self.catalogue)})" if best not in ("clearing", "extern") else ""
            reasons.append(f"Örtlich unzuständig: Verweisung an eine andere Kommune{topic}.")
            queue, abstained, confidence = "extern", False, referral.weight
        elif too_short:
            reasons.append(f"Zu wenig Text für eine Zuordnung ({_words_german(words)}, kein Stichwort): "
                           "an die Clearing-Stelle.")
        elif abstained and best != "clearing":
            reasons.append(
                f"Zuständigkeit unsicher: am ehesten {queue_label(best, self.catalogue)} mit "
                f"{_below(confidence, threshold)}, daher an die Clearing-Stelle."
            )
        elif abstained:
            reasons.append("Keine Zuständigkeit erkennbar: an die Clearing-Stelle.")
        else:
            reasons.append(f"Zuständig: {queue_label(queue, self.catalogue)} (Sicherheit {percent(confidence)}).")
        as_written = Written(raw)
        reasons += [f"Stichwort „{as_written(h.trigger)}“ spricht für {queue_label(h.target, self.catalogue)}."
                    for h in queue_hits if h.target == best]
        reasons += model_reasons(best)

        if queue == "extern":
            referral = referral or self.signals.referral(loose) or model_referral
            if referral:
                why = ("nach dem Modell" if referral is model_referral
                       else f"wegen „{referral.trigger}“")
                reasons.append(f"Verweisung an {referral.target} ({why}).")
            else:
                reasons.append("Verweisung: zuständige Stelle bitte prüfen.")

        lang = language.detect(raw)
        intent_hits = self.signals.intent_hits(loose)
        own_hits = self.intent_signals.hits(loose)  # the catalogue's keywords for its intents
        intent_scores = self._intent_scores(intent_prior, intent_hits, own_hits, lang)
        intent = _argmax(intent_scores)
        cues = [_cue(h) for h in own_hits + intent_hits if h.target == intent]
        reasons.append(
            f"Anliegen: {intent_label(intent, self.catalogue)} (Sicherheit {percent(intent_scores[intent])})"
            + (f", Hinweise: {', '.join(cues[:3])}." if cues else ".")
        )

        urgent_reasons, dismissed = self._urgency(loose, intent, facts,
                                                  (lambda: None) if too_short else model_urgency)
        for r in urgent_reasons:
            r.trigger = as_written(r.trigger)
        dismissed = [replace(d, trigger=as_written(d.trigger), because=as_written(d.because))
                     for d in dismissed]
        reasons += [f"{'Vielleicht dringend (bitte prüfen)' if r.by_model else 'Dringend'} – {r.label}: „{r.trigger}“"
                    + (f" (Frist bis {_german(r.deadline)})" if r.deadline else "")
                    for r in urgent_reasons]
        reasons += [f"{DISMISSED} – {d.label}: „{d.trigger}“, denn „{d.because}“."
                    for d in dismissed]
        if queue == "eingliederungshilfe" or (abstained and best == "eingliederungshilfe"):
            received = (request.received_at.date() if request.received_at else date.today())
            due = deadlines.sgb_ix_decision_deadline(received)
            facts["sgb_ix_deadline"] = due.isoformat()
            reasons.append(f"Frist § 14 SGB IX: Zuständigkeit bis {due:%d.%m.%Y} klären.")


        if lang and lang != "de":
            reasons.append(f"Sprache: {language.name(lang)} – Übersetzung nötig.")
        return Classification(
            queue=queue,
            confidence=round(confidence, 4),
            intent=intent,
            urgent=bool(urgent_reasons),
            urgent_guessed=only_guessed(urgent_reasons),
            queue_scores={q: round(p, 4) for q, p in queue_scores.items()},
            intent_confidence=round(intent_scores[intent], 4),
            urgent_reasons=urgent_reasons,
            referral_to=referral.target if queue == "extern" and referral else None,
            facts=facts,
            reasons=reasons,
            abstained=abstained,
            model_version=self.model_version,
            intent_scores={i: round(p, 4) for i, p in intent_scores.items()},
            language=lang,
            language_name=language.name(lang),
        )

    def _queue_scores(self, prior: dict[str, float], hits: list[Hit],
                      long_enough: bool = True, text: str = "",
                      model_inputs: Callable[[], dict[str, float]] = dict) -> dict[str, float]:
        """The model's office probabilities and the signal words combined. By the fixed rule
        (model × e^weight); where the model brings a stacked network (classifier.stack) and
        the text is ``long_enough`` for it (``stack.MIN_WORDS``), the offices it knows share
        what the fixed rule leaves them by the geometric mean of the fixed rule's and the
        network's probabilities (``stack.SHARE``), and offices of the catalogue the model does
        not know yet keep the fixed rule's share. A failed model (a uniform prior) and a model
        without a network: the fixed rule alone. The network reads the cues and topics of the
        normalised ``text`` and ``model_inputs`` (Model.network_view: the nearest training
        requests' votes, the intent probabilities) as well, where it was fitted with them."""
        boost = signal_boosts(hits, self.queues)
        fixed = combine_scores(with_unknown_offices(prior, self.queues, {h.target for h in hits}),
                               boost, self.queues)
        if not long_enough or self.model is None:
            return fixed
        net = self.model.queue_stack
        inputs = _network_inputs(text, model_inputs) if net is not None and net.inputs else None
        return stack.stacked(net, fixed, prior, boost, inputs)

    def queue_evidence(self, request: ClassifyRequest
                       ) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
        """What :meth:`_queue_scores` combines for ``request``: the model's office
        probabilities (as :meth:`classify` reads them), the signal weight per office and the
        text's cues and topics with what the network reads of the model (Model.network_view),
        for fitting the stacked network in training."""
        raw = _raw(request)
        text = normalize(raw, self.signals.shorthand)
        loose = loosen(text)
        try:
            facts = extract_facts(raw, self.facts_config)
        except Exception:  # as in classify: the facts only tell whether the Kommune is right
            facts = {}
        outside = self._outside_kommune(loose, facts, []) is not None
        view = self._model_view(text, outside=outside)
        return (view[0], signal_boosts(self._queue_hits(loose), self.queues),
                _network_inputs(text, view[5]))

    def _queue_hits(self, loose: str) -> list[Hit]:
        """The office signals in ``loosen(normalize(text))``: signals.yaml's and the catalogue's."""
        return self.signals.queue_hits(loose) + self.office_signals.hits(loose)

    def _intent_scores(self, prior: dict[str, float], hits: list[Hit], own_hits: list[Hit],
                       lang: str | None) -> dict[str, float]:
        """The model's intent probabilities with the signal words of ``signals.yaml`` (weighed by
        the scale fitted in training) and the catalogue's own keywords and example phrases
        (weighed fully, as an office's: they are all an intent the model does not know has)."""
        scale = self.intent_scale_for(lang)
        shared, own = signal_boosts(hits, self.intents), signal_boosts(own_hits, self.intents)
        boost = {i: scale * shared[i] + own[i] for i in self.intents}
        prior = with_unknown_offices(prior, self.intents, {h.target for h in own_hits})
        return combine_scores(prior, boost, self.intents)

    def _model_view(self, text: str, scores: tuple | None = None,  # type: ignore[no-untyped-def]
                    outside: bool = False):
        """Model probabilities, or uniform priors if there is no (working) model. Unless the
        rules found the request to be from outside the Kommune, the model's "andere Kommune"
        class is left out: örtliche Zuständigkeit follows the Kommune's postcodes and places as
        configured, not the places the model saw in its corpus."""
        uniform_q = dict.fromkeys(self.queues, 1 / len(self.queues))
        uniform_i = dict.fromkeys(self.intents, 1 / len(self.intents))
        none = lambda _label: []  # noqa: E731
        no_urgency = lambda: None  # noqa: E731
        if self.model is None:
            return uniform_q, uniform_i, none, None, no_urgency, dict
        model = self.model
        try:
            f, fine_q, fine_i, fine_u, votes = scores or (
                (f := model.vectorize(text)), model.fine_probabilities(model.queue_head, f),
                model.fine_probabilities(model.intent_head, f),
                model.fine_probabilities(model.urgent_head, f), None)
        except Exception:  # a broken model must not stop the intake: fall back to the rules
            log.exception("Modell %s versagt, nur Regeln für diese Anfrage", self.model_version)
            return uniform_q, uniform_i, none, None, no_urgency, dict
        if not outside and OTHER_KOMMUNE in fine_q:
            rest = 1.0 - fine_q[OTHER_KOMMUNE]
            fine_q = {k: p / rest for k, p in fine_q.items() if k != OTHER_KOMMUNE} if rest > 0 \
                else fine_q

        def explain(label: str) -> list[str]:
            words = [w for w, _ in model.drivers(model.queue_head, f, model.best_fine(fine_q, label))]
            if not words:
                return []
            quoted = ", ".join(f"„{w}“" for w in words)
            return [f"Im Text sprechen {quoted} für {queue_label(label, self.catalogue)} (Modell)."]

        def urgency() -> UrgentReason | None:
            """Urgent by the model's urgency head, its trigger the words it weighed most."""
            head = model.urgent_head
            if head is None:
                return None
            p = fine_u.get(True, 0.0)
            if p < model.meta.get("urgent_above", self.signals.urgent_model_above):
                return None
            words = [w for w, _ in model.drivers(head, f, True, top=3)]
            return UrgentReason(kind="notlage", label=MODEL_LABEL,
                                trigger=", ".join(words) or "Gesamteindruck des Textes",
                                by_model=True)

        intents = model.collapse(fine_i) or uniform_i
        return (model.collapse(fine_q) or uniform_q, intents, explain, _model_referral(fine_q),
                urgency, lambda: model.network_view(f, intents, votes))

    def _outside_kommune(self, text: str, facts: dict, reasons: list[str]) -> Hit | None:
        """Örtliche Zuständigkeit: postcodes all outside the Kommune, or a place outside named
        as where the person lives. The hit's weight is the confidence of that finding."""
        postcodes = facts.get("postcode", [])
        kommune = self.signals.kommune_postcodes
        outside = [p for p in postcodes if p not in kommune]
        if kommune and outside and len(outside) == len(postcodes):
            reasons.append(f"Postleitzahl {outside[0]} liegt außerhalb der Kommune.")
            return Hit("andere Kommune", outside[0], OUTSIDE_BY_POSTCODE)
        place = self.signals.other_place(text)
        if place and not any(p in kommune for p in postcodes) and not self.signals.moving_in(text):
            reasons.append(f"Wohnort „{place}“ liegt außerhalb der Kommune.")
            return Hit("andere Kommune", place, OUTSIDE_BY_PLACE)
        return None

    def _urgency(self, text: str, intent: str, facts: dict, model_urgency) -> tuple[  # type: ignore[no-untyped-def]
            list[UrgentReason], list[Dismissed]]:
        reasons, dismissed = self.signals.urgency(text)
        deadline = None
        if spans := facts.get("widerspruch_deadline"):
            deadline = min(d["frist_bis"] for d in spans)
        for r in reasons:
            if r.kind == "frist":
                r.deadline = deadline
        if not reasons and not dismissed and (found := model_urgency()):
            reasons.append(found)  # indirect emergencies; never against a trigger found to be over
        if intent == "widerspruch" and not any(r.kind == "frist" for r in reasons):
            reasons.append(UrgentReason(kind="frist", label="Frist: Widerspruch",
                                        trigger="Anliegen ist ein Widerspruch", deadline=deadline))
        return reasons, dismissed


def _network_inputs(text: str, model_view: Callable[[], dict[str, float]]) -> dict[str, float]:
    """The stacked network's inputs beside the probabilities and the signal weights: the
    normalised ``text``'s cues and topics and what it reads of the model (Model.network_view)."""
    return {**network_inputs(text), **model_view()}


def distinct_words(text: str, enough: int) -> int:
    """How many different words ``text`` has, counted up to ``enough`` (a letter's thousand
    words need not all be collected to know there are four)."""
    seen: set[str] = set()
    for match in _WORD.finditer(text):
        seen.add(match.group(0))
        if len(seen) >= enough:
            break
    return len(seen)


def _below(confidence: float, threshold: float) -> str:
    """„62 % (Schwelle 80 %)“; where both round to the same whole percent, with one decimal
    („99,8 % (Schwelle 99,9 %)“), so the reason never reads as if they were equal."""
    if percent(confidence) != percent(threshold):
        return f"{percent(confidence)} (Schwelle {percent(threshold)})"
    return f"{_one_decimal(confidence)} (Schwelle {_one_decimal(threshold)})"


def _one_decimal(p: float) -> str:
    return f"{p * 100:.1f} %".replace(".", ",")


def _words_german(n: int) -> str:
    return {0: "kein Wort", 1: "ein Wort"}.get(n, f"{n} verschiedene Wörter")


def _cue(hit: Hit) -> str:
    """A signal word in quotes; an example phrase's hit says itself what it is."""
    return hit.trigger if hit.trigger.startswith("ähnlich wie") else f"„{hit.trigger}“"


def _german(iso_day: str) -> str:
    """Staff read reasons: 2026-12-07 → 07.12.2026."""
    return date.fromisoformat(iso_day).strftime("%d.%m.%Y")
