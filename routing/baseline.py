"""Baseline router (issue 2): örtlich by postcode, sachlich from the classifier.

Clearly a baseline: the rule engine of issue 6 replaces it.
"""

from __future__ import annotations

from routing.types import LEISTUNGSFORM, RoutingConfig, RoutingDecision, RoutingInput


def route(inp: RoutingInput, config: RoutingConfig) -> RoutingDecision:
    c = inp.classification
    urgent = bool(c.get("urgent"))
    decision = RoutingDecision(queue="clearing", action="clearing", intent=c.get("intent"), urgent=urgent)
    decision.priority = 1 if urgent else 0
    outside = [p for p in c.get("facts", {}).get("postcode", []) if p not in config.postcodes]
    inside = [p for p in c.get("facts", {}).get("postcode", []) if p in config.postcodes]
    if outside and not inside:
        decision.queue, decision.action, decision.referral_to = "extern", "refer", "andere Kommune"
        decision.matched_rules.append("oertlich_unzustaendig")
        decision.explanation.append(
            f"Postleitzahl {outside[0]} liegt nicht in {config.kommune_name}: Verweisung."
        )
        return decision
    queue = c.get("queue", "clearing")
    confidence = float(c.get("confidence") or 0.0)
    if queue == "clearing" or c.get("abstained") or confidence < config.min_confidence:
        decision.matched_rules.append("unklar_clearing")
        decision.explanation.append(
            f"Zuständigkeit unklar (Sicherheit {confidence:.0%}): an die Clearing-Stelle."
        )
        return decision
    decision.queue = queue
    if queue == "extern":
        decision.action = "refer"
        decision.referral_to = c.get("referral_to") or "andere Stelle"
        decision.matched_rules.append("extern_verweisung")
        decision.explanation.append(f"Nicht Sache der Kommune: Verweisung an {decision.referral_to}.")
        return decision
    decision.leistungsform = LEISTUNGSFORM.get(queue)
    decision.action = "auto_process" if decision.leistungsform == "transfer" else "offer_appointment"
    decision.matched_rules.append("klassifikator")
    decision.explanation.append(
        f"Klassifikator: {queue} (Sicherheit {confidence:.0%}), Leistungsform {decision.leistungsform}."
    )
    return decision
