"""The router: a loaded rule set plus configuration; ``route`` is pure and thread-safe."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from routing.chain import run_chain
from routing.rules import RuleSet, load_yaml, parse_rule_set
from routing.types import RoutingConfig, RoutingDecision, RoutingInput

DEFAULT_RULES = Path(__file__).with_name("default_rules.yaml")


def default_rules_text() -> str:
    return DEFAULT_RULES.read_text(encoding="utf-8")


@dataclass(frozen=True)
class Router:
    rule_set: RuleSet
    config: RoutingConfig
    version: int | None = None  # the stored rule set's version, where it came from the database

    @classmethod
    def from_yaml(cls, text: str, config: RoutingConfig, version: int | None = None) -> Router:
        """Parse and validate; raises :class:`routing.RuleError` with a German reason."""
        return cls(parse_rule_set(load_yaml(text), config), config, version)

    @classmethod
    def default(cls, config: RoutingConfig) -> Router:
        return _default_router(config)

    def route(self, inp: RoutingInput) -> RoutingDecision:
        decision = run_chain(self.rule_set, inp, self.config)
        if self.version is not None:
            decision.rule_set = f"{self.rule_set.name} (Version {self.version})"
        return decision


@lru_cache(maxsize=8)
def _default_router(config: RoutingConfig) -> Router:
    return Router.from_yaml(default_rules_text(), config)


def route(inp: RoutingInput, config: RoutingConfig) -> RoutingDecision:
    """Route with the default rule set shipped in ``routing/default_rules.yaml``."""
    return _default_router(config).route(inp)
