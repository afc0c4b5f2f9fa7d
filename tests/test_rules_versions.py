"""Rule sets in the database: import, simulate against stored items, activate, roll back."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import func, select

from eingang.cli import main
from eingang.commands.route import active_router, routing_config
from routing import Router, RoutingInput, default_rules_text, route
from store.db import session_scope
from store.models import Event, Item, RuleSet, utcnow
from store.settings import get_settings

LASTEN_RULE = {
    "name": "lastenzuschuss_pruefen",
    "description": "Lastenzuschuss (Eigentum) erst in die Clearing-Stelle",
    "when": {"classifier_queue": "wohngeld", "words": ["lastenzuschuss"]},
    "then": {"queue": "clearing", "follow_up": "clearing", "stop": True},
}


@pytest.fixture()
def db(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    return tmp_path


def seed_items(days_ago_texts: list[tuple[int, str, str]]) -> list[int]:
    """Store routed items as the worker would have: decision by the default rules."""
    config = routing_config(get_settings())
    ids = []
    with session_scope(get_settings()) as session:
        for days, queue, text in days_ago_texts:
            c = {"queue": queue, "confidence": 0.9, "intent": "antrag", "urgent": False, "facts": {}}
            inp = RoutingInput("email", "Antrag", text, c)
            d = route(inp, config)
            item = Item(
                channel="email", received_at=utcnow() - timedelta(days=days), subject="Antrag", text=text,
                classification=c, queue=d.queue, action=d.action, decision=d.to_dict(), status="routed",
            )
            session.add(item)
            session.flush()
            ids.append(item.id)
    return ids


def draft_file(tmp_path: Path) -> Path:
    doc = yaml.safe_load(default_rules_text())
    doc["rules"].insert(2, LASTEN_RULE)
    path = tmp_path / "entwurf.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def snapshot() -> list[tuple]:
    with session_scope(get_settings()) as session:
        return [tuple(r) for r in session.execute(select(Item.id, Item.queue, Item.action, Item.updated_at))]


def lasten_input() -> RoutingInput:
    c = {"queue": "wohngeld", "confidence": 0.9, "intent": "antrag", "urgent": False, "facts": {}}
    return RoutingInput("email", "Antrag", "Lastenzuschuss für unser Haus", c)


def test_draft_simulation_reports_exactly_the_affected_items_and_changes_nothing(db: Path) -> None:
    # Given the default rules active as v1 and past items, two recent Lastenzuschuss mails among them
    default = db / "standard.yaml"
    default.write_text(default_rules_text(), encoding="utf-8")
    run("rules", "import", str(default), "-m", "Standard", "--by", "admin")
    run("rules", "activate", "1", "--by", "admin")
    affected = seed_items([(3, "wohngeld", "Antrag auf Lastenzuschuss"), (10, "wohngeld", "lastenzuschuss, Eigentum")])
    seed_items([
        (5, "wohngeld", "Antrag auf Mietzuschuss"),
        (6, "jobcenter", "Lastenzuschuss? Nein, Bürgergeld"),
        (60, "wohngeld", "Lastenzuschuss, aber lange her"),
    ])
    before = snapshot()

    # When a draft that moves Lastenzuschuss mails to the Clearing-Stelle is imported and simulated
    out = run("rules", "import", str(draft_file(db)), "-m", "Lastenzuschuss prüfen", "--by", "admin")
    assert "Entwurf v2" in out
    report = json.loads(run("rules", "simulate", "2", "--since", "30d", "--json"))

    # Then exactly the two recent Lastenzuschuss items are reported, with per-queue counts
    assert sorted(c["key"] for c in report["changed"]) == affected
    assert all(c["before_queue"] == "wohngeld" and c["after_queue"] == "clearing" for c in report["changed"])
    assert report["total"] == 4
    assert report["before"] == {"wohngeld": 3, "jobcenter": 1}
    assert report["after"] == {"wohngeld": 1, "clearing": 2, "jobcenter": 1}
    text = run("rules", "simulate", "2", "--since", "30d")
    assert "4 Vorgänge geprüft, 2 würden sich ändern." in text
    # … and nothing changed: items untouched, v1 still active, the live router unchanged
    assert snapshot() == before
    assert active_router(get_settings(), routing_config(get_settings())).version == 1
    assert active_router(get_settings(), routing_config(get_settings())).route(lasten_input()).queue == "wohngeld"

    # When the draft is activated, routing changes and the activation is audited
    run("rules", "activate", "2", "--by", "admin", "-m", "geprüft")
    assert active_router(get_settings(), routing_config(get_settings())).route(lasten_input()).queue == "clearing"
    # Then a rollback in one step restores the previous routing
    assert "v1 ist wieder aktiv" in run("rules", "rollback", "--by", "admin")
    router = active_router(get_settings(), routing_config(get_settings()))
    assert router.version == 1 and router.route(lasten_input()).queue == "wohngeld"
    with session_scope(get_settings()) as session:
        states = dict(session.execute(select(RuleSet.version, RuleSet.state)).all())
        events = session.execute(select(Event.kind, Event.actor, Event.details).order_by(Event.id)).all()
    assert states == {1: "active", 2: "retired"}
    activations = [(e.details["version"], e.details["previous"]) for e in events if e.kind == "rules_activated"]
    assert activations == [(1, None), (2, 1), (1, 2)]
    assert all(e.actor == "admin" for e in events)
    listing = run("rules", "list")
    assert "v1" in listing and "active" in listing and "retired" in listing


def test_simulation_from_a_file_of_requests(db: Path, tmp_path: Path) -> None:
    requests = tmp_path / "anfragen.jsonl"
    requests.write_text(
        "\n".join(
            json.dumps({"id": i, "channel": "email", "subject": s, "text": t}, ensure_ascii=False)
            for i, s, t in [
                ("a", "Wohngeld", "Ich beantrage Wohngeld als Lastenzuschuss für mein Haus."),
                ("b", "Wohngeld", "Ich beantrage Wohngeld als Mietzuschuss."),
            ]
        ),
        encoding="utf-8",
    )
    run("rules", "import", str(draft_file(tmp_path)))
    report = json.loads(run("rules", "simulate", "1", "--file", str(requests), "--json"))
    assert [c["key"] for c in report["changed"]] == ["a"]
    with session_scope(get_settings()) as session:
        assert session.scalar(select(func.count()).select_from(RuleSet).where(RuleSet.state == "active")) == 0


def test_invalid_draft_is_refused_and_not_stored(db: Path, tmp_path: Path) -> None:
    bad = tmp_path / "kaputt.yaml"
    bad.write_text("rules:\n  - {name: a1, then: {queue: rathaus}}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["rules", "import", str(bad)])
    assert result.exit_code != 0 and "Unbekannte Warteschlange „rathaus“" in result.output
    with session_scope(get_settings()) as session:
        assert session.scalar(select(func.count()).select_from(RuleSet)) == 0


def test_import_names_values_the_catalogue_does_not_know(db: Path, tmp_path: Path) -> None:
    typo = tmp_path / "tippfehler.yaml"
    typo.write_text("rules:\n  - {name: a1, when: {intent: weiterbewiligung}, then: {queue: jobcenter}}\n",
                    encoding="utf-8")
    result = CliRunner().invoke(main, ["rules", "import", str(typo)])
    assert result.exit_code == 0, result.output
    assert "Entwurf v1 gespeichert" in result.output
    assert "Hinweis: Regel „a1“: Anliegen „weiterbewiligung“ (Bedingung „intent“) gibt es im Katalog nicht" in result.output


def test_rollback_without_history_is_refused(db: Path) -> None:
    result = CliRunner().invoke(main, ["rules", "rollback"])
    assert result.exit_code != 0 and "keine frühere aktive Version" in result.output


def test_export_round_trips(db: Path, tmp_path: Path) -> None:
    path = draft_file(tmp_path)
    run("rules", "import", str(path))
    exported = run("rules", "export", "1")
    assert exported == path.read_text(encoding="utf-8")
    assert Router.from_yaml(exported, routing_config(get_settings())).rule_set.rule_names[2] == "lastenzuschuss_pruefen"
    assert run("rules", "export", "active") == default_rules_text()


def test_route_command_writes_one_decision_per_request(db: Path) -> None:
    lines = "\n".join(json.dumps(r, ensure_ascii=False) for r in [
        {"id": "a", "channel": "email", "subject": "Kindergeld", "text": "Ich möchte Kindergeld für meine Tochter beantragen."},
        {"id": "b", "channel": "letter", "subject": "", "text": "Ich beantrage Wohngeld. 26160 Bad Zwischenahn"},
    ])
    result = CliRunner().invoke(main, ["route", "--trace"], input=lines + "\n\nkein json\n")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [r["id"] for r in rows] == ["a", "b"]
    for r in rows:
        assert {"id", "queue", "intent", "urgent", "action", "referral_to", "matched_rules", "explanation", "trace"} <= set(r)
        assert r["explanation"][0].startswith("Klassifikator")
    assert (rows[1]["queue"], rows[1]["action"], rows[1]["referral_to"]) == ("extern", "refer", "andere Kommune")
    assert rows[0]["queue"] == "extern" and rows[0]["referral_to"]
    assert "Zeile 4: kein gültiges JSON" in result.stderr
