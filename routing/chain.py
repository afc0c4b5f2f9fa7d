"""The chain interpreter: run the rules in order, record every hit and miss, stop where told.

Like Mailman's chains: rules only check and record; the interpreter applies their actions and
keeps the trace that becomes the explanation staff see on the item.
"""

from __future__ import annotations

from domain import FOLLOW_UP_LABELS
from routing.context import Context
from routing.rules import RuleSet
from routing.types import RoutingConfig, RoutingDecision, RoutingInput


def run_chain(rule_set: RuleSet, inp: RoutingInput, config: RoutingConfig) -> RoutingDecision:
    c = inp.classification
    decision = RoutingDecision(
        queue="clearing",
        action="clearing",
        intent=c.get("intent"),
        urgent=bool(c.get("urgent")),
        urgent_guessed=bool(c.get("urgent") and c.get("urgent_guessed")),
        rule_set=rule_set.name,
        classifier=_classifier_contribution(c),
        known_case=inp.known_case,
    )
    decision.explanation.append(_classifier_sentence(c))
    ctx = Context(inp=inp, config=config, decision=decision)
    trace = decision.trace
    for rule in rule_set.rules:
        if not rule.enabled:
            trace.append(_entry(rule.name, False, "Regel ist abgeschaltet"))
            continue
        outcome = rule.check(ctx)
        if not outcome.hit:
            trace.append(_entry(rule.name, False, outcome.why))
            continue
        ctx.current_rule = rule.name
        actions = [apply(ctx) for apply in rule.actions]
        decision.matched_rules.append(rule.name)
        trace.append(_entry(rule.name, True, outcome.why, actions, rule.stop))
        done = "; ".join(actions) or "keine Änderung"
        decision.explanation.append(
            f"Regel „{rule.name}“ ({rule.description}) trifft zu, weil {outcome.why}: {done}."
        )
        if rule.stop:
            decision.explanation.append(f"Regel „{rule.name}“ beendet die Prüfung.")
            break
    _finish(ctx, rule_set)
    return decision


def _finish(ctx: Context, rule_set: RuleSet) -> None:
    """Defaults where no rule decided: unclear → Clearing-Stelle; follow-up from the queue."""
    d = ctx.decision
    d.deciding_rule = ctx.queue_rule
    if not ctx.queue_set:
        d.queue, d.action = "clearing", "clearing"
        d.explanation.append("Keine Regel hat eine Warteschlange gewählt: an die Clearing-Stelle.")
        return
    if d.queue == "extern" and not d.referral_to:
        d.referral_to = ctx.classification.get("referral_to")
        if not d.referral_to:
            d.queue, d.action, d.deciding_rule = "clearing", "clearing", None
            d.explanation.append("Verweisung ohne zuständige Stelle: an die Clearing-Stelle.")
            return
    if not ctx.follow_up_set:
        d.action = rule_set.default_follow_up(d.queue, d.leistungsform)
        d.explanation.append(f"Folgeschritt nach Warteschlange: {FOLLOW_UP_LABELS[d.action]}.")
    if d.action == "refer" and d.queue != "extern":
        d.queue = "extern"
    if d.queue != "extern":
        d.referral_to = None
    _gemeinde(ctx)
    follow = f"Regel „{ctx.follow_up_rule}“" if ctx.follow_up_rule else "Standard"
    tail = f", Verweisung an {d.referral_to}" if d.referral_to else ""
    d.explanation.append(
        f"Ergebnis: {d.queue} (entschieden durch Regel „{d.deciding_rule}“), "
        f"{FOLLOW_UP_LABELS[d.action]}{tail} (Folgeschritt: {follow})."
    )


def _gemeinde(ctx: Context) -> None:
    """In a Landkreis, a Gemeinde may run an office itself (e.g. its Wohngeldstelle): the
    decision names the Gemeinde, so staff hand the item to its Rathaus."""
    d, kommune = ctx.decision, ctx.config.catalogue.kommune
    for postcode in ctx.postcodes if kommune.gemeinden else ():
        gemeinde = kommune.gemeinde_for(postcode)
        if gemeinde and d.queue in gemeinde.offices:
            d.tags.append(f"gemeinde:{gemeinde.name}")
            d.explanation.append(f"Für Postleitzahl {postcode} ist die Gemeinde {gemeinde.name} selbst "
                                 f"zuständig (eigene Stelle: {ctx.config.catalogue.queue_name(d.queue)}).")
            return


def _classifier_contribution(c: dict) -> dict:
    return {
        "queue": c.get("queue"),
        "confidence": c.get("confidence"),
        "intent": c.get("intent"),
        "urgent": bool(c.get("urgent")),
        "referral_to": c.get("referral_to"),
        "abstained": bool(c.get("abstained")),
        "reasons": list(c.get("reasons") or []),
        "model_version": c.get("model_version"),
    }


def _classifier_sentence(c: dict) -> str:
    confidence = float(c.get("confidence") or 0.0)
    head = (
        "Klassifikator: enthalten"
        if c.get("abstained")
        else f"Klassifikator: {c.get('queue')} (Sicherheit {confidence:.0%})"
    )
    parts = [head, f"Anliegen {c.get('intent') or '—'}"]
    if c.get("urgent"):
        labels = [str(r.get("label", r.get("kind"))) for r in c.get("urgent_reasons") or []]
        parts.append(("vielleicht dringend" if c.get("urgent_guessed") else "dringend")
                     + (f" ({', '.join(labels)})" if labels else ""))
    reasons = [str(r).rstrip(".") for r in list(c.get("reasons") or [])[:3]]
    sentence = ", ".join(parts)
    return sentence + (f"; Gründe: {'; '.join(reasons)}." if reasons else ".")


def _entry(rule: str, hit: bool, why: str, actions: list[str] | None = None, stopped: bool = False) -> dict:
    """One trace entry (the fields of :class:`routing.types.RuleTrace`)."""
    return {"rule": rule, "hit": hit, "why": why, "actions": actions or [], "stopped": stopped}
