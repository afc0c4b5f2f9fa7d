"""A rule set as data: parsed from YAML into named rules with compiled conditions and actions.

Document shape::

    name: Standardregeln Stadt Oldenburg
    leistungsform: {jobcenter: transfer, ...}   # optional: overrides the catalogue's
    rules:
      - name: oertlich_unzustaendig
        description: Postleitzahl außerhalb der Kommune
        when: {postcode: outside}
        then: {queue: extern, follow_up: refer, referral_to: andere Kommune, stop: true}
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from domain import default_follow_up, yamlfile
from routing.actions import ActionEnv, Apply, compile_actions
from routing.errors import RuleError
from routing.matchers import Check, compile_condition, unknown_values
from routing.types import LEISTUNGSFORMEN, RoutingConfig

_NAME = re.compile(r"^[a-z0-9_]{2,64}$")


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    check: Check
    actions: tuple[Apply, ...]
    stop: bool
    enabled: bool = True


@dataclass(frozen=True)
class RuleSet:
    name: str
    rules: tuple[Rule, ...]
    leistungsform: dict[str, str]
    source: dict[str, Any]  # the parsed document, for export and display
    # Offices with a default follow-up of their own (catalogue), unless the rule set gives
    # them a Leistungsform: then that decides, as it always did.
    follow_up: dict[str, str] = field(default_factory=dict)

    def default_follow_up(self, queue: str, leistungsform: str | None) -> str:
        return default_follow_up(queue, leistungsform, self.follow_up.get(queue))

    @property
    def rule_names(self) -> list[str]:
        return [r.name for r in self.rules]


def load_yaml(text: str) -> dict[str, Any]:
    try:
        doc = yamlfile.safe_load(text)
    except yamlfile.YAMLError as exc:
        raise RuleError(f"Regelwerk ist kein gültiges YAML: {exc}") from exc
    if not isinstance(doc, dict):
        raise RuleError("Regelwerk muss eine YAML-Zuordnung mit „rules“ sein.")
    return doc


def parse_rule_set(doc: dict[str, Any], config: RoutingConfig) -> RuleSet:
    own = doc.get("leistungsform") or {}
    if not isinstance(own, dict) or any(v not in LEISTUNGSFORMEN for v in own.values()):
        raise RuleError(f"„leistungsform“ ordnet Warteschlangen {', '.join(LEISTUNGSFORMEN)} zu.")
    # The catalogue's offices, with the rule set's own Leistungsformen where it names any.
    leistungsform = {**config.catalogue.leistungsform, **own}
    follow_up = {k: v for k, v in config.catalogue.follow_ups.items() if k not in own}
    env = ActionEnv(config=config, leistungsform=dict(leistungsform))
    raw_rules = doc.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise RuleError("„rules“ muss eine nicht leere Liste von Regeln sein.")
    rules: list[Rule] = []
    seen: set[str] = set()
    for position, raw in enumerate(raw_rules, start=1):
        rule = _parse_rule(raw, position, env)
        if rule.name in seen:
            raise RuleError(f"Regelname „{rule.name}“ kommt doppelt vor.")
        seen.add(rule.name)
        rules.append(rule)
    return RuleSet(
        name=str(doc.get("name") or "Regelwerk"),
        rules=tuple(rules),
        leistungsform=dict(leistungsform),
        source=doc,
        follow_up=follow_up,
    )


def _parse_rule(raw: Any, position: int, env: ActionEnv) -> Rule:
    if not isinstance(raw, dict):
        raise RuleError(f"Regel {position}: muss eine Zuordnung sein.")
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise RuleError(f"Regel {position}: Name fehlt oder ist ungültig (a–z, 0–9, _).")
    unknown = set(raw) - {"name", "description", "when", "then", "enabled"}
    if unknown:
        raise RuleError(f"Regel „{name}“: unbekanntes Feld „{sorted(unknown)[0]}“.")
    then = raw.get("then") or {}
    try:
        check = compile_condition(raw.get("when"), env.config)
        actions = compile_actions(then, env)
    except RuleError as exc:
        raise RuleError(f"Regel „{name}“: {exc}") from exc
    stop = then.get("stop", False) if isinstance(then, dict) else False
    if not isinstance(stop, bool):
        raise RuleError(f"Regel „{name}“: „stop“ erwartet true oder false.")
    return Rule(
        name=name,
        description=str(raw.get("description") or name),
        check=check,
        actions=tuple(actions),
        stop=stop,
        enabled=bool(raw.get("enabled", True)),
    )


def never_matching(doc: dict[str, Any], config: RoutingConfig) -> list[str]:
    """Per rule, the values of its conditions that name a channel, intent or office the
    catalogue does not know: the rule set runs, but that value never matches (a typo, an office
    of another Kommune, a key not entered in the catalogue yet). German sentences for the
    console and the CLI."""
    hints = []
    for raw in doc.get("rules") or []:
        if isinstance(raw, dict) and raw.get("enabled", True):
            for hint in unknown_values(raw.get("when"), config):
                hints.append(f"Regel „{raw.get('name')}“: {hint} – dieser Wert trifft nie zu.")
    return hints
