"""Pure routing (Clearing): classification and facts in, a decision with its explanation out."""

from routing.baseline import route
from routing.types import RoutingConfig, RoutingDecision, RoutingInput

__all__ = ["RoutingConfig", "RoutingDecision", "RoutingInput", "route"]
