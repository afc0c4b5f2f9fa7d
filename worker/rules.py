"""The routing rule set the worker applies: the active version in the database, else the default.

Parsed rule sets are cached per (version, source): activating or rolling back takes effect with
the next item, in every worker process, without a restart.
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy.orm import Session

from domain import Catalogue
from routing import Router, RoutingConfig
from store.catalogue import current_catalogue
from store.rulesets import active_rule_set
from store.settings import Settings


def routing_config(settings: Settings, session: Session | None = None) -> RoutingConfig:
    """The routing configuration: the catalogue (from ``session``'s database, else the one
    ``settings`` name) with the settings' confidence threshold and Regelaltersgrenze."""
    return _config(current_catalogue(session, settings), settings.routing_min_confidence,
                   settings.regelaltersgrenze)


@lru_cache(maxsize=8)
def _config(catalogue: Catalogue, min_confidence: float, regelaltersgrenze: int) -> RoutingConfig:
    # One config per loaded catalogue: the parsed routers below are cached by it.
    return RoutingConfig(
        postcodes=catalogue.kommune.all_postcodes,
        kommune_name=catalogue.kommune.name,
        min_confidence=min_confidence,
        regelaltersgrenze=regelaltersgrenze,
        catalogue=catalogue,
    )


@lru_cache(maxsize=8)
def _router(version: int | None, source: str | None, config: RoutingConfig) -> Router:
    if source is None:
        return Router.default(config)
    return Router.from_yaml(source, config, version=version)


def active_router(session: Session, config: RoutingConfig) -> Router:
    rs = active_rule_set(session)
    return _router(rs.version if rs else None, rs.source if rs else None, config)
