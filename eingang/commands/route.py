"""``eingang route``: classifier + rules over JSON lines, one decision per line out."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import click

from eingang.commands.options import apply_settings
from routing import Router, RoutingConfig, RoutingInput, RuleError
from services.rules import active_router, routing_config
from store.settings import Settings


def load_router(settings: Settings, rules_file: Path | None, config: RoutingConfig) -> Router:
    """A rules file if given, else the active rule set."""
    if rules_file is not None:
        return Router.from_yaml(rules_file.read_text(encoding="utf-8"), config)
    return active_router(settings, config)


def classified_requests(source: IO[str]) -> Iterator[tuple[dict[str, Any], RoutingInput]]:
    """JSON lines ({"id","channel","subject","text"}) → (request, classified routing input)."""
    from classifier import ClassifyRequest, load_classifier
    from store.catalogue import current_catalogue
    from store.settings import get_settings

    classifier = load_classifier(data_dir=get_settings().data_dir, catalogue=current_catalogue())
    for number, line in enumerate(source, start=1):
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            if not isinstance(request, dict):
                raise ValueError("keine JSON-Zuordnung")
        except ValueError as exc:
            click.echo(f"Zeile {number}: kein gültiges JSON ({exc})", err=True)
            continue
        channel = str(request.get("channel") or "email")
        subject = str(request.get("subject") or "")
        text = str(request.get("text") or "")
        classification = classifier.classify(
            ClassifyRequest(text=text, subject=subject, channel=channel, sender=str(request.get("sender") or ""))
        )
        yield request, RoutingInput(
            channel=channel,
            subject=subject,
            text=text,
            classification=classification.to_dict(),
            mailbox=request.get("mailbox"),
            sender=request.get("sender"),
        )


@click.command()
@click.argument("source", type=click.File("r", encoding="utf-8"), default="-")
@click.option(
    "--rules",
    "rules_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Regelwerk (YAML) statt des aktiven Regelwerks.",
)
@click.option("--trace", is_flag=True, help="Auch jede nicht zutreffende Regel mit Grund ausgeben.")
def route(source: IO[str], rules_file: Path | None, trace: bool) -> None:
    """Anfragen (JSON-Zeilen wie bei „eingang classify“) klassifizieren und routen."""
    settings = apply_settings()
    config = routing_config(settings)
    try:
        router = load_router(settings, rules_file, config)
    except RuleError as exc:
        raise click.ClickException(str(exc)) from exc
    for request, inp in classified_requests(source):
        decision = router.route(inp)
        out = {
            "id": request.get("id"),
            "queue": decision.queue,
            "intent": decision.intent,
            "urgent": decision.urgent,
            "urgent_guessed": decision.urgent_guessed,
            "action": decision.action,
            "referral_to": decision.referral_to,
            "priority": decision.priority,
            "tags": decision.tags,
            "matched_rules": decision.matched_rules,
            "deciding_rule": decision.deciding_rule,
            "explanation": decision.explanation,
        }
        if trace:
            out["trace"] = decision.trace
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
