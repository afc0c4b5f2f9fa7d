"""One root error for the rule engine: a rule set that cannot be loaded, with a German reason."""


class RuleError(ValueError):
    """A rule set is invalid; the message (German) tells the admin what to fix."""
