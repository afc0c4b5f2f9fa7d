"""Rule-set lifecycle: check a draft, save it, simulate it against stored items, activate it,
return to an earlier one.

Each use case is handed the settings by its caller (the web app, the CLI)."""

from __future__ import annotations

from datetime import datetime

from routing import Router, RoutingConfig, RoutingInput
from routing.simulate import SimulationReport, simulate
from store.db import session_scope
from store.models import RuleSet
from store.rulesets import activate, add_draft, get_rule_set, items_for_simulation, rollback
from store.settings import Settings
from worker.rules import routing_config as _settings_config


def routing_config(settings: Settings) -> RoutingConfig:
    """The Kommune's routing configuration from the settings."""
    return _settings_config(settings)


def active_router(settings: Settings, config: RoutingConfig | None = None) -> Router:
    """The active rule set in the database; the shipped default while none is active."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from worker.rules import active_router as stored

    config = config or routing_config(settings)
    try:
        with session_scope(settings) as session:
            return stored(session, config)
    except (OperationalError, ProgrammingError):
        # No database (schema) yet: the shipped default is what the worker would use too.
        return Router.default(config)


def router_for(source: str, config: RoutingConfig) -> Router:
    """Parse a rule set; raises routing.RuleError with a German message when it cannot run."""
    return Router.from_yaml(source, config)


def never_matching(settings: Settings, source: str) -> list[str]:
    """German hints for condition values of ``source`` that name nothing in the catalogue."""
    from routing.rules import load_yaml
    from routing.rules import never_matching as hints

    return hints(load_yaml(source), routing_config(settings))


def save_draft(settings: Settings, source: str, actor: str, comment: str | None) -> RuleSet:
    """Check ``source`` (RuleError if it cannot run) and store it as the next draft version."""
    router_for(source, routing_config(settings))
    with session_scope(settings) as session:
        rs = add_draft(session, source, actor, comment)
        session.flush()
        session.expunge(rs)
    return rs


def simulate_stored(settings: Settings, before: Router, after: Router,
                    since: datetime | None) -> SimulationReport:
    """Both rule sets over the stored items received since ``since``; changes nothing."""
    with session_scope(settings) as session:
        rows = (
            (
                r.item_id,
                r.reference or f"Vorgang {r.item_id}",
                RoutingInput(r.channel, r.subject, r.text, r.classification, r.mailbox, r.sender,
                             known_case=r.known_case),
            )
            for r in items_for_simulation(session, since)
        )
        return simulate(rows, before, after)


def activate_version(settings: Settings, version: int, actor: str, reason: str | None) -> RuleSet:
    """Activate a stored version (audited); never one that cannot run.

    Raises store.rulesets.RuleSetError or routing.RuleError with the German reason.
    """
    with session_scope(settings) as session:
        router_for(get_rule_set(session, version).source, routing_config(settings))
        rs = activate(session, version, actor, reason)
        session.flush()
        session.expunge(rs)
    return rs


def roll_back(settings: Settings, actor: str, version: int | None = None) -> int:
    """Activate the previously active version (or the earlier ``version``), audited; returns
    the version now active. Raises store.rulesets.RuleSetError with the German reason."""
    with session_scope(settings) as session:
        return rollback(session, actor, version).version
