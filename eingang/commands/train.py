"""``eingang train``: retrain from corpus + staff corrections, compare, activate, roll back."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from store.settings import get_settings

BUNDLED = "mitgeliefert"
DEFAULT_EVAL = Path("../shared/eval/requests.jsonl")  # beside every checkout; measuring only


def staff_examples() -> list[dict[str, Any]]:
    """Every re-route, re-label and Clearing decision staff confirmed (training_examples)."""
    from sqlalchemy import select

    from store.db import session_scope
    from store.models import TrainingExample

    with session_scope(get_settings()) as session:
        return [
            {"channel": ex.channel, "subject": ex.subject or "", "text": ex.text,
             "queue": ex.queue, "intent": ex.intent, "urgent": ex.urgent}
            for ex in session.scalars(select(TrainingExample).order_by(TrainingExample.id))
        ]


def _figures_line(label: str, figures: dict[str, float]) -> str:
    return (f"{label}: Zuständigkeit {figures['queue_accuracy']:.1%}, "
            f"Anliegen {figures['intent_accuracy']:.1%}, "
            f"Dringend-Recall {figures['urgent_recall']:.1%}, "
            f"Clearing {figures['abstention_rate']:.1%}, "
            f"sicher falsch {figures['confidently_wrong_rate']:.1%}")


def _list(data_dir: Path) -> None:
    from classifier import versions

    active = versions.active_version(data_dir)
    click.echo(f"{'*' if active is None else ' '} {BUNDLED} (im Paket)")
    for v in versions.list_versions(data_dir):
        mark = "*" if v["version"] == active else " "
        metrics = v.get("metrics") or {}
        extra = f", Zuständigkeit {metrics['queue_accuracy']:.1%}" if "queue_accuracy" in metrics else ""
        click.echo(f"{mark} {v['version']} ({v.get('created_at', '?')}, "
                   f"{v.get('examples', '?')} Beispiele, davon {v.get('staff_examples', 0)} "
                   f"vom Personal{extra})")


def _use(data_dir: Path, version: str) -> None:
    from classifier import versions

    try:
        versions.set_active(None if version == BUNDLED else version, data_dir)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Aktive Modellversion: {version}")


def _rollback(data_dir: Path) -> None:
    from classifier import versions

    active = versions.active_version(data_dir)
    if active is None:
        raise click.ClickException("Es ist bereits das mitgelieferte Modell aktiv.")
    names = [v["version"] for v in versions.list_versions(data_dir)]
    before = names[: names.index(active)] if active in names else []
    _use(data_dir, before[-1] if before else BUNDLED)


@click.command()
@click.option("--eval", "eval_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Bewertungsdatei (JSON-Zeilen) für den Vorher/Nachher-Vergleich; "
              f"ohne Angabe {DEFAULT_EVAL}, falls vorhanden.")
@click.option("--ohne-korrekturen", "no_db", is_flag=True,
              help="Nur den Korpus verwenden, keine Korrekturen aus der Datenbank.")
@click.option("--nicht-aktivieren", "no_activate", is_flag=True,
              help="Neue Version speichern, aber nicht aktivieren.")
@click.option("--ohne-kalibrierung", "no_calibration", is_flag=True,
              help="Sicherheit und Schwellen nicht neu kalibrieren (spart fünf Trainingsläufe; "
                   "dann gilt die Clearing-Schwelle 0,5 oder die aus signals.yaml).")
@click.option("--rollback", is_flag=True, help="Zur vorherigen Modellversion zurückkehren.")
@click.option("--use", "use_version", default=None,
              help=f"Diese Version aktivieren ('{BUNDLED}' = Modell aus dem Paket).")
@click.option("--list", "list_versions", is_flag=True, help="Modellversionen auflisten.")
def train(eval_path: Path | None, no_db: bool, no_activate: bool, no_calibration: bool,
          rollback: bool, use_version: str | None, list_versions: bool) -> None:
    """Klassifikator neu trainieren (Korpus + bestätigte Korrekturen) und Versionen verwalten."""
    from store.settings import get_settings

    data_dir = get_settings().data_dir
    if list_versions:
        return _list(data_dir)
    if rollback:
        return _rollback(data_dir)
    if use_version:
        return _use(data_dir, use_version)
    if eval_path is None and DEFAULT_EVAL.is_file():
        eval_path = DEFAULT_EVAL
    _train(data_dir, eval_path, no_db, no_activate, not no_calibration)


def _train(data_dir: Path, eval_path: Path | None, no_db: bool, no_activate: bool,
           calibrate: bool) -> None:
    from classifier import Classifier, load_classifier, versions
    from classifier.evaluation import evaluate, read_jsonl
    from classifier.facts import FactsConfig
    from classifier.signals import Signals
    from classifier.training import train as fit
    from store.catalogue import current_catalogue

    extra: list[dict[str, Any]] = []
    if not no_db:
        try:
            extra = staff_examples()
        except Exception as exc:  # no database yet: still a useful run on the corpus
            click.echo(f"Warnung: Korrekturen nicht lesbar ({exc.__class__.__name__}: {exc}); "
                       "nur Korpus.", err=True)
    click.echo(f"Korrekturen vom Personal: {len(extra)}")
    version = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    signals = Signals.load()
    catalogue = current_catalogue()
    if calibrate:
        click.echo("Training mit Kalibrierung (sechs Trainingsläufe, einige Minuten) …")
    model = fit(extra, version=version, signals=signals, catalogue=catalogue, calibrate=calibrate)
    before = load_classifier(data_dir=data_dir, catalogue=catalogue)
    after = Classifier(signals, model, FactsConfig.load(), catalogue=catalogue)
    if eval_path:
        rows = read_jsonl(eval_path)
        old, new = evaluate(before, rows).figures, evaluate(after, rows).figures
        model.meta["metrics"] = new
        model.meta["eval_file"] = str(eval_path)
        click.echo(f"Bewertet an {eval_path} ({len(rows)} Anfragen):")
        click.echo(_figures_line(f"Vorher ({before.model_version})", old))
        click.echo(_figures_line(f"Nachher ({version})", new))
    path = model.save(versions.version_path(version, data_dir))
    click.echo(f"Neue Modellversion {version} gespeichert: {path}")
    if no_activate:
        click.echo(f"Nicht aktiviert. Aktivieren mit: eingang train --use {version}")
    else:
        versions.set_active(version, data_dir)
        click.echo("Aktiviert. Zurück mit: eingang train --rollback")
