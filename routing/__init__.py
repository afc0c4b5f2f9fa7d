"""Pure routing (Clearing): classification and facts in, a decision with its explanation out.

Rules are data (YAML, see ``default_rules.yaml``): named matchers and actions run by a chain
interpreter that records every hit and miss. No I/O here beyond reading the shipped default.
"""

from routing.engine import Router, default_rules_text, route
from routing.errors import RuleError
from routing.types import RoutingConfig, RoutingDecision, RoutingInput

__all__ = [
    "Router",
    "RoutingConfig",
    "RoutingDecision",
    "RoutingInput",
    "RuleError",
    "default_rules_text",
    "route",
]
