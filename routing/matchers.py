"""Matcher kinds: small named conditions a rule's ``when`` combines.

Each kind is one factory registered by name in :data:`MATCHERS` (a duplicate name is an error).
A factory validates its YAML parameter once, at load time, and returns a ``check`` function
``Context -> Outcome``; an outcome says hit or miss and why, in German, for the explanation.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import regex

from routing.context import Context
from routing.errors import RuleError
from routing.types import RoutingConfig


@dataclass(frozen=True)
class Outcome:
    hit: bool
    why: str


Check = Callable[[Context], Outcome]
Factory = Callable[[Any, RoutingConfig], Check]
MATCHERS: dict[str, Factory] = {}


def matcher(name: str) -> Callable[[Factory], Factory]:
    def register(factory: Factory) -> Factory:
        if name in MATCHERS:
            raise RuleError(f"Bedingung „{name}“ ist doppelt registriert.")
        MATCHERS[name] = factory
        return factory

    return register


def compile_condition(when: Any, config: RoutingConfig) -> Check:
    """A ``when`` mapping: every listed condition must hold (an empty mapping always holds)."""
    if when is None:
        when = {}
    if not isinstance(when, dict):
        raise RuleError("„when“ muss eine Zuordnung Bedingung → Wert sein.")
    checks = []
    for kind, param in when.items():
        factory = MATCHERS.get(kind)
        if factory is None:
            known = ", ".join(sorted(MATCHERS))
            raise RuleError(f"Unbekannte Bedingung „{kind}“ (bekannt: {known}).")
        checks.append(factory(param, config))
    return _all_of(checks)


def _all_of(checks: list[Check]) -> Check:
    def check(ctx: Context) -> Outcome:
        whys = []
        for c in checks:
            outcome = c(ctx)
            if not outcome.hit:
                return outcome
            whys.append(outcome.why)
        return Outcome(True, "; ".join(whys) or "ohne Bedingung")

    return check


# --- helpers -------------------------------------------------------------------------------


def _as_list(param: Any, kind: str) -> list[str]:
    values = param if isinstance(param, list) else [param]
    if not values or not all(isinstance(v, str | int | float) for v in values):
        raise RuleError(f"„{kind}“ erwartet einen Wert oder eine Liste von Werten.")
    return [str(v) for v in values]


def _as_bool(param: Any, kind: str) -> bool:
    if not isinstance(param, bool):
        raise RuleError(f"„{kind}“ erwartet true oder false.")
    return param


def _resolve_number(value: Any, config: RoutingConfig, kind: str) -> float:
    """Numbers may name a configuration value (``regelaltersgrenze``, ``min_confidence``)."""
    if isinstance(value, str) and isinstance(getattr(config, value, None), int | float):
        return float(getattr(config, value))
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RuleError(f"„{kind}“: „{value}“ ist keine Zahl und kein Konfigurationswert.")
    return float(value)


_BOUNDS = {"min": "≥", "at_least": "≥", "max": "≤", "at_most": "≤", "below": "<", "above": ">"}


def _range(param: Any, config: RoutingConfig, kind: str) -> Callable[[float], bool]:
    if isinstance(param, int | float) and not isinstance(param, bool):
        param = {"min": param}
    if not isinstance(param, dict) or not param or set(param) - set(_BOUNDS):
        raise RuleError(f"„{kind}“ erwartet z. B. {{min: 1, max: 2, below: 3, above: 0}}.")
    bounds = {k: _resolve_number(v, config, kind) for k, v in param.items()}
    tests = {
        "min": lambda x, b: x >= b,
        "at_least": lambda x, b: x >= b,
        "max": lambda x, b: x <= b,
        "at_most": lambda x, b: x <= b,
        "below": lambda x, b: x < b,
        "above": lambda x, b: x > b,
    }
    return lambda x: all(tests[k](x, b) for k, b in bounds.items())


def _range_text(param: Any, config: RoutingConfig) -> str:
    if not isinstance(param, dict):
        param = {"min": param}
    return " und ".join(f"{_BOUNDS[k]} {_resolve_number(v, config, k):g}" for k, v in param.items())


def _one_of(kind: str, label: str, get: Callable[[Context], Any]) -> Factory:
    def factory(param: Any, config: RoutingConfig) -> Check:
        wanted = {v.lower() for v in _as_list(param, kind)}

        def check(ctx: Context) -> Outcome:
            value = get(ctx)
            shown = value if value not in (None, "") else "—"
            return Outcome(str(value).lower() in wanted, f"{label} ist {shown}")

        return check

    return factory


# --- kinds on the input --------------------------------------------------------------------

matcher("channel")(_one_of("channel", "Eingangskanal", lambda c: c.inp.channel))
matcher("classifier_queue")(
    _one_of("classifier_queue", "Vorschlag des Klassifikators", lambda c: c.classification.get("queue"))
)
matcher("intent")(_one_of("intent", "Anliegen", lambda c: c.classification.get("intent")))
matcher("referral_to")(
    _one_of("referral_to", "Verweisungsziel des Klassifikators", lambda c: c.classification.get("referral_to"))
)
matcher("form_office")(_one_of(
    "form_office", "Stelle nach den Angaben im Online-Formular",
    lambda c: (c.inp.form_answers or {}).get("suggested_office")))
matcher("form_emergency")(_one_of(
    "form_emergency", "Notlage im Online-Formular angegeben",
    lambda c: (c.inp.form_answers or {}).get("emergency") or "nein"))
# On the decision so far (what earlier rules set).
matcher("current_queue")(
    _one_of("current_queue", "bisher gewählte Warteschlange", lambda c: c.decision.queue if c.queue_set else None)
)


@matcher("queue_decided")
def _queue_decided(param: Any, config: RoutingConfig) -> Check:
    wanted = _as_bool(param, "queue_decided")

    def check(ctx: Context) -> Outcome:
        why = f"Warteschlange schon gewählt ({ctx.decision.queue})" if ctx.queue_set else "noch keine Warteschlange gewählt"
        return Outcome(ctx.queue_set == wanted, why)

    return check


matcher("leistungsform")(_one_of("leistungsform", "Leistungsform", lambda c: c.decision.leistungsform))


def _address_matcher(kind: str, label: str, get: Callable[[Context], str | None]) -> Factory:
    """Addresses match by glob (``*@jobcenter.example``) or by domain (``@stadt-oldenburg.de``)."""

    def factory(param: Any, config: RoutingConfig) -> Check:
        patterns = [p.lower() for p in _as_list(param, kind)]
        patterns = ["*" + p if p.startswith("@") else p for p in patterns]

        def check(ctx: Context) -> Outcome:
            value = (get(ctx) or "").lower()
            hit = bool(value) and any(fnmatch.fnmatchcase(value, p) for p in patterns)
            return Outcome(hit, f"{label} ist {value or '—'}")

        return check

    return factory


matcher("mailbox")(_address_matcher("mailbox", "Postfach/Empfänger", lambda c: c.inp.mailbox))
matcher("sender")(_address_matcher("sender", "Absender", lambda c: c.inp.sender))


@matcher("confidence")
def _confidence(param: Any, config: RoutingConfig) -> Check:
    test = _range(param, config, "confidence")
    text = _range_text(param, config)

    def check(ctx: Context) -> Outcome:
        value = float(ctx.classification.get("confidence") or 0.0)
        return Outcome(test(value), f"Sicherheit des Klassifikators {value:.0%} (Regel: {text})")

    return check


@matcher("abstained")
def _abstained(param: Any, config: RoutingConfig) -> Check:
    wanted = _as_bool(param, "abstained")

    def check(ctx: Context) -> Outcome:
        value = bool(ctx.classification.get("abstained"))
        why = "Klassifikator hat sich enthalten" if value else "Klassifikator hat entschieden"
        return Outcome(value == wanted, why)

    return check


@matcher("urgent")
def _urgent(param: Any, config: RoutingConfig) -> Check:
    wanted = _as_bool(param, "urgent")

    def check(ctx: Context) -> Outcome:
        value = bool(ctx.classification.get("urgent"))
        return Outcome(value == wanted, "dringend" if value else "nicht dringend")

    return check


@matcher("urgent_kind")
def _urgent_kind(param: Any, config: RoutingConfig) -> Check:
    wanted = {v.lower() for v in _as_list(param, "urgent_kind")}

    def check(ctx: Context) -> Outcome:
        reasons = ctx.classification.get("urgent_reasons") or []
        found = [r for r in reasons if str(r.get("kind", "")).lower() in wanted]
        if found:
            labels = ", ".join(f"{r.get('label', r.get('kind'))} („{r.get('trigger', '')}“)" for r in found)
            return Outcome(True, f"Dringlichkeit: {labels}")
        return Outcome(False, f"keine Dringlichkeit der Art {', '.join(sorted(wanted))}")

    return check


@matcher("postcode")
def _postcode(param: Any, config: RoutingConfig) -> Check:
    """``inside``: a postcode of the Kommune is named; ``outside``: postcodes named, none of ours;
    ``none``: no postcode at all."""
    if param not in ("inside", "outside", "none"):
        raise RuleError("„postcode“ erwartet inside, outside oder none.")

    def check(ctx: Context) -> Outcome:
        codes = ctx.postcodes
        inside = [p for p in codes if p in config.postcodes]
        outside = [p for p in codes if p not in config.postcodes]
        if not codes:
            return Outcome(param == "none", "keine Postleitzahl genannt")
        if inside:
            return Outcome(param == "inside", f"Postleitzahl {inside[0]} liegt in {config.kommune_name}")
        return Outcome(
            param == "outside", f"Postleitzahl {', '.join(outside)} liegt nicht in {config.kommune_name}"
        )

    return check


@matcher("has_fact")
def _has_fact(param: Any, config: RoutingConfig) -> Check:
    """Any of the named facts (identifiers like ``bg_nummer``, ``wohngeldnummer``) is present."""
    names = _as_list(param, "has_fact")

    def check(ctx: Context) -> Outcome:
        present = [n for n in names if ctx.facts.get(n) not in (None, "", [], {})]
        if present:
            return Outcome(True, f"Angabe vorhanden: {', '.join(present)}")
        return Outcome(False, f"keine Angabe {', '.join(names)}")

    return check


def _numeric_fact(kind: str, label: str, get: Callable[[Context], list[float]]) -> Factory:
    def factory(param: Any, config: RoutingConfig) -> Check:
        test = _range(param, config, kind)
        text = _range_text(param, config)

        def check(ctx: Context) -> Outcome:
            values = get(ctx)
            if not values:
                return Outcome(False, f"kein {label} bekannt")
            hit = any(test(v) for v in values)
            shown = ", ".join(f"{v:g}" for v in values)
            return Outcome(hit, f"{label} {shown} (Regel: {text})")

        return check

    return factory


matcher("age")(_numeric_fact("age", "Alter", lambda c: c.ages))
matcher("amount")(_numeric_fact("amount", "Betrag", lambda c: c.amounts))


def _where(param: Any, kind: str) -> tuple[Any, str]:
    if isinstance(param, dict):
        where = param.get("in", "any")
        if where not in ("any", "subject", "text"):
            raise RuleError(f"„{kind}.in“ erwartet any, subject oder text.")
        key = "pattern" if kind == "regex" else "any"
        if key not in param:
            raise RuleError(f"„{kind}“ braucht „{key}“.")
        return param[key], where
    return param, "any"


_WHERE_TEXT = {"any": "Betreff/Text", "subject": "Betreff", "text": "Text"}


@matcher("words")
def _words(param: Any, config: RoutingConfig) -> Check:
    """Any of the words or phrases occurs (case-insensitive) in subject and/or text."""
    value, where = _where(param, "words")
    words = [w.lower() for w in _as_list(value, "words")]

    def check(ctx: Context) -> Outcome:
        text = ctx.field_text(where)
        found = [w for w in words if w in text]
        if found:
            return Outcome(True, f"{_WHERE_TEXT[where]} enthält „{found[0]}“")
        return Outcome(False, f"{_WHERE_TEXT[where]} enthält keines der Wörter")

    return check


@matcher("regex")
def _regex(param: Any, config: RoutingConfig) -> Check:
    """A regular expression (case-insensitive) under a timeout: a runaway pattern is a miss."""
    value, where = _where(param, "regex")
    if not isinstance(value, str):
        raise RuleError("„regex“ erwartet ein Suchmuster als Text.")
    try:
        pattern = regex.compile(value, regex.IGNORECASE | regex.V0)
    except regex.error as exc:
        raise RuleError(f"Ungültiger regulärer Ausdruck „{value}“: {exc}") from exc

    def check(ctx: Context) -> Outcome:
        try:
            m = pattern.search(ctx.field_text(where, lower=False), timeout=config.regex_timeout)
        except TimeoutError:
            return Outcome(False, f"Suchmuster „{value}“ nach {config.regex_timeout:g} s abgebrochen")
        if m:
            return Outcome(True, f"{_WHERE_TEXT[where]} passt auf „{m.group(0)[:60]}“")
        return Outcome(False, f"{_WHERE_TEXT[where]} passt nicht auf das Suchmuster")

    return check


# --- combinators -----------------------------------------------------------------------------


def _sub_conditions(param: Any, kind: str, config: RoutingConfig) -> list[Check]:
    if not isinstance(param, list) or not param:
        raise RuleError(f"„{kind}“ erwartet eine Liste von Bedingungen.")
    return [compile_condition(p, config) for p in param]


@matcher("any")
def _any(param: Any, config: RoutingConfig) -> Check:
    checks = _sub_conditions(param, "any", config)

    def check(ctx: Context) -> Outcome:
        misses = []
        for c in checks:
            outcome = c(ctx)
            if outcome.hit:
                return outcome
            misses.append(outcome.why)
        return Outcome(False, "keine der Alternativen: " + "; ".join(misses))

    return check


@matcher("all")
def _all(param: Any, config: RoutingConfig) -> Check:
    return _all_of(_sub_conditions(param, "all", config))


@matcher("not")
def _not(param: Any, config: RoutingConfig) -> Check:
    inner = compile_condition(param, config)

    def check(ctx: Context) -> Outcome:
        outcome = inner(ctx)
        return Outcome(not outcome.hit, f"nicht ({outcome.why})")

    return check


@matcher("has_referral")
def _has_referral(param: Any, config: RoutingConfig) -> Check:
    wanted = _as_bool(param, "has_referral")

    def check(ctx: Context) -> Outcome:
        body = ctx.classification.get("referral_to")
        why = f"Klassifikator nennt {body}" if body else "Klassifikator nennt keine zuständige Stelle"
        return Outcome(bool(body) == wanted, why)

    return check


# --- what the office already knows (RoutingInput.known_case, looked up by the worker) -------

KNOWN_BASES = ("identifier", "reference", "sender")


@matcher("known_case")
def _known_case(param: Any, config: RoutingConfig) -> Check:
    """``true``: the worker found the office holding the case (``false``: none); or a list of
    bases it must come from, e.g. ``[identifier]`` to trust case numbers but not senders."""
    if isinstance(param, bool):
        bases = set(KNOWN_BASES) if param else set()
    else:
        bases = set(_as_list(param, "known_case"))
        if not bases <= set(KNOWN_BASES):
            raise RuleError(f"„known_case“ erwartet true, false oder {', '.join(KNOWN_BASES)}.")

    def check(ctx: Context) -> Outcome:
        known = ctx.inp.known_case or {}
        found = bool(ctx.known_queue) and known.get("basis") in (bases or set(KNOWN_BASES))
        why = str(known.get("reason") or "kein bekannter Fall")
        return Outcome(found if param is not False else not ctx.known_queue, why)

    return check


@matcher("classifier_elsewhere")
def _classifier_elsewhere(param: Any, config: RoutingConfig) -> Check:
    """The classifier proposes another office than the one holding the case, with a
    confidence in the range (e.g. ``{min: 0.9}``): a clearly different matter. Not when it
    proposes the office the named case number belongs to (it read that number as well)."""
    test = _range(param, config, "classifier_elsewhere")
    text = _range_text(param, config)

    def check(ctx: Context) -> Outcome:
        queue = ctx.classification.get("queue")
        confidence = float(ctx.classification.get("confidence") or 0.0)
        if not ctx.known_queue or ctx.classification.get("abstained") or queue in (None, "", "clearing"):
            return Outcome(False, "Klassifikator ohne eigenen Vorschlag")
        if queue == ctx.known_queue:
            return Outcome(False, f"Klassifikator schlägt ebenfalls {queue} vor")
        if queue == (ctx.inp.known_case or {}).get("issuer"):
            # The classifier read the case number too: its confidence says nothing about the
            # matter (the case may have moved on, e.g. from Jobcenter to Sozialamt).
            return Outcome(False, f"Klassifikator folgt nur dem Aktenzeichen ({queue})")
        hit = test(confidence)
        return Outcome(hit, f"Klassifikator schlägt {queue} vor ({confidence:.0%}, Regel: {text})")

    return check


# --- values that can never match -------------------------------------------------------------

# What the catalogue knows for the conditions that compare with one of its keys. A value
# outside it is no error (a rule set may name an office another Kommune has, and a catalogue
# edit must never stop routing), but the condition can never hold: the console and the CLI say so.
_CATALOGUE_VALUES: dict[str, tuple[str, Callable[[Any], set[str]]]] = {
    "channel": ("Eingangskanal", lambda cat: {c.key for c in cat.channels}),
    "intent": ("Anliegen", lambda cat: {i.key for i in cat.intents}),
    "classifier_queue": ("Stelle", lambda cat: {o.key for o in cat.offices}),
    "current_queue": ("Stelle", lambda cat: {o.key for o in cat.offices}),
    "form_office": ("Stelle", lambda cat: {o.key for o in cat.offices}),
}


def unknown_values(when: Any, config: RoutingConfig) -> list[str]:
    """German hints for every value in ``when`` (nested any/all/not included) that names no
    channel, intent or office of the catalogue."""
    hints: list[str] = []
    if not isinstance(when, dict):
        return hints
    for kind, param in when.items():
        if kind in ("any", "all") and isinstance(param, list):
            for sub in param:
                hints += unknown_values(sub, config)
        elif kind == "not":
            hints += unknown_values(param, config)
        elif kind in _CATALOGUE_VALUES:
            what, known_of = _CATALOGUE_VALUES[kind]
            known = {k.lower() for k in known_of(config.catalogue)}
            values = param if isinstance(param, list) else [param]
            hints += [f"{what} „{v}“ (Bedingung „{kind}“) gibt es im Katalog nicht" for v in values
                      if isinstance(v, str) and v.lower() not in known]
    return hints
