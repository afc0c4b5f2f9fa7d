"""``eingang classify``: JSON lines in, one classification per line out."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import click

from classifier.facts import masked_facts
from classifier.types import ClassifyRequest


def classification_line(row_id: Any, result: Any, show_iban: bool = False) -> dict[str, Any]:
    data = result.to_dict()
    return {
        "id": row_id,
        "queue": data["queue"],
        "intent": data["intent"],
        "urgent": data["urgent"],
        "urgent_guessed": data["urgent_guessed"],
        "confidence": data["confidence"],
        "referral_to": data["referral_to"],
        "facts": data["facts"] if show_iban else masked_facts(data["facts"]),
        "reasons": data["reasons"],
        "urgent_reasons": data["urgent_reasons"],
        "abstained": data["abstained"],
        "queue_scores": data["queue_scores"],
        "intent_confidence": data["intent_confidence"],
        "model_version": data["model_version"],
        "language": data["language"],
        "language_name": data["language_name"],
    }


BATCH = 256  # lines classified together: the model's heads run once per batch


def classify_stream(clf: Any, lines: Iterable[str], show_iban: bool) -> Iterator[dict[str, Any]]:
    """One output dict per non-empty input line, in order; unreadable lines as error dicts."""
    batch: list[tuple[int, Any, Any]] = []  # (line number, row id, request or error text)

    def flush() -> Iterator[dict[str, Any]]:
        requests = [req for _, _, req in batch if isinstance(req, ClassifyRequest)]
        results = iter(clf.classify_many(requests))
        for n, row_id, req in batch:
            if isinstance(req, ClassifyRequest):
                yield classification_line(row_id, next(results), show_iban)
            else:
                yield {"id": None, "line": n, "error": f"Zeile {n}: {req}"}
        batch.clear()

    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ValueError("erwartet ein JSON-Objekt")
            batch.append((n, row.get("id"), ClassifyRequest(
                text=str(row.get("text") or ""), subject=str(row.get("subject") or ""),
                channel=str(row.get("channel") or "email"))))
        except ValueError as exc:
            batch.append((n, None, str(exc)))
        if len(batch) >= BATCH:
            yield from flush()
    yield from flush()


@click.command()
@click.argument("source", type=click.File("r", encoding="utf-8"), default="-")
@click.option("--model", "model_path", type=click.Path(path_type=Path), default=None,
              help="Modelldatei statt der aktiven Version.")
@click.option("--iban-zeigen", "show_iban", is_flag=True,
              help="IBAN ungekürzt ausgeben (sonst maskiert).")
def classify(source: Any, model_path: Path | None, show_iban: bool) -> None:
    """Anfragen klassifizieren: JSON-Zeilen {"id","channel","subject","text"} von SOURCE
    (Datei oder - für stdin), eine Ergebnis-Zeile je Anfrage auf stdout."""
    from classifier import load_classifier
    from store.catalogue import current_catalogue
    from store.settings import get_settings

    clf = load_classifier(model_path=model_path, data_dir=get_settings().data_dir,
                          catalogue=current_catalogue())
    failures = 0
    for out in classify_stream(clf, source, show_iban):
        failures += "error" in out
        click.echo(json.dumps(out, ensure_ascii=False))
    if failures:
        click.echo(f"{failures} Zeile(n) nicht lesbar.", err=True)
        sys.exit(1)
