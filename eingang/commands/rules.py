"""``eingang rules``: versioned routing rule sets — import, export, simulate, activate, roll back."""

from __future__ import annotations

import getpass
import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

import click

from eingang.commands.options import apply_settings
from eingang.commands.route import classified_requests
from routing import Router, RoutingInput, RuleError, default_rules_text
from routing.simulate import simulate
from services import rules as rule_sets
from services.rules import active_router, routing_config, simulate_stored
from store.settings import get_settings


def _actor(by: str | None) -> str:
    return by or f"cli:{getpass.getuser()}"


def _since(value: str) -> datetime:
    """``30d``, ``12h``, ``2w`` or an ISO date."""
    from store.models import utcnow

    m = re.fullmatch(r"(\d+)\s*([dhw])", value.strip())
    if m:
        n, unit = int(m.group(1)), m.group(2)
        return utcnow() - {"d": timedelta(days=n), "h": timedelta(hours=n), "w": timedelta(weeks=n)}[unit]
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter("z. B. 30d, 12h, 2w oder 2026-01-31") from exc
    return parsed if parsed.tzinfo else parsed.astimezone()


@click.group()
def rules() -> None:
    """Regelwerke des Clearings: Entwürfe, Simulation, Aktivierung, Rückkehr."""


@rules.command("list")
def list_() -> None:
    """Alle Versionen mit Zustand anzeigen."""
    from store.db import session_scope
    from store.rulesets import list_rule_sets

    with session_scope(get_settings()) as session:
        rows = list_rule_sets(session)
        if not any(r.state == "active" for r in rows):
            click.echo("Kein Regelwerk aktiv: es gelten die Standardregeln (routing/default_rules.yaml).")
        for r in rows:
            active = f", aktiviert {r.activated_at:%Y-%m-%d %H:%M} von {r.activated_by}" if r.activated_at else ""
            click.echo(
                f"v{r.version:<4} {r.state:<8} angelegt {r.created_at:%Y-%m-%d %H:%M} von {r.created_by}"
                f"{active}{' – ' + r.comment if r.comment else ''}"
            )


@rules.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--comment", "-m", help="Was ändert dieser Entwurf?")
@click.option("--by", help="Wer legt den Entwurf an (Standard: Benutzername).")
def import_(file: Path, comment: str | None, by: str | None) -> None:
    """Regelwerk (YAML) prüfen und als neuen Entwurf speichern."""
    source = file.read_text(encoding="utf-8")
    try:
        rs = rule_sets.save_draft(apply_settings(), source, _actor(by), comment)
    except RuleError as exc:
        raise click.ClickException(f"Regelwerk nicht übernommen: {exc}") from exc
    click.echo(f"Entwurf v{rs.version} gespeichert. Prüfen mit: eingang rules simulate {rs.version}")
    for hint in rule_sets.never_matching(apply_settings(), source):
        click.echo(f"Hinweis: {hint}")


@rules.command("export")
@click.argument("version", default="active")
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-")
def export(version: str, output: IO[str]) -> None:
    """Regelwerk als YAML ausgeben (VERSION, „active“ oder „default“)."""
    output.write(_source(version))


def _source(version: str) -> str:
    from store.db import session_scope
    from store.rulesets import RuleSetError, active_rule_set, get_rule_set

    if version == "default":
        return default_rules_text()
    with session_scope(get_settings()) as session:
        if version == "active":
            rs = active_rule_set(session)
            return rs.source if rs else default_rules_text()
        try:
            return get_rule_set(session, _version(version)).source
        except RuleSetError as exc:
            raise click.ClickException(str(exc)) from exc


def _version(value: str) -> int:
    try:
        return int(value.lstrip("v"))
    except ValueError as exc:
        raise click.BadParameter(f"„{value}“ ist keine Versionsnummer") from exc


@rules.command("simulate")
@click.argument("draft")
@click.option("--since", help="Gespeicherte Vorgänge seit (30d, 12h, 2w oder Datum).")
@click.option("--file", "file", type=click.File("r", encoding="utf-8"), help="Anfragen als JSON-Zeilen.")
@click.option("--json", "as_json", is_flag=True, help="Ergebnis als JSON.")
@click.option("--show", default=200, show_default=True, help="Höchstens so viele Änderungen listen.")
def simulate_(draft: str, since: str | None, file: IO[str] | None, as_json: bool, show: int) -> None:
    """Entwurf DRAFT gegen das aktive Regelwerk laufen lassen; ändert nichts."""
    if (since is None) == (file is None):
        raise click.UsageError("Genau eines von --since oder --file angeben.")
    settings = apply_settings()
    config = routing_config(settings)
    try:
        after = Router.from_yaml(_source(draft), config)
    except RuleError as exc:
        raise click.ClickException(f"Entwurf ist ungültig: {exc}") from exc
    before = active_router(settings, config)
    if file is not None:
        report = simulate(_from_file(file), before, after)
    else:
        report = simulate_stored(settings, before, after, _since(since or "30d"))
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
    else:
        click.echo(report.to_text(max_changes=show))


def _from_file(file: IO[str]) -> Iterator[tuple[Any, str, RoutingInput]]:
    for request, inp in classified_requests(file):
        key = request.get("id")
        yield key, str(key or inp.subject[:40]), inp


@rules.command("activate")
@click.argument("version")
@click.option("--by", help="Wer aktiviert (Standard: Benutzername).")
@click.option("--reason", "-m", help="Grund (wird protokolliert).")
def activate_(version: str, by: str | None, reason: str | None) -> None:
    """Version aktivieren (wird protokolliert); die bisher aktive wird abgelöst."""
    from store.rulesets import RuleSetError

    try:
        rs = rule_sets.activate_version(apply_settings(), _version(version), _actor(by), reason)
    except (RuleSetError, RuleError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Regelwerk v{rs.version} ist aktiv.")


@rules.command("rollback")
@click.argument("version", required=False)
@click.option("--by", help="Wer (Standard: Benutzername).")
def rollback_(version: str | None, by: str | None) -> None:
    """Zur vorher aktiven (oder zur angegebenen früheren) Version zurückkehren."""
    from services.rules import roll_back
    from store.rulesets import RuleSetError

    try:
        now_active = roll_back(get_settings(), _actor(by), _version(version) if version else None)
    except RuleSetError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Regelwerk v{now_active} ist wieder aktiv.")
