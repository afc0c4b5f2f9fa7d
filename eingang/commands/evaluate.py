"""``eingang evaluate``: accuracy overall and per queue, intent, channel, writing style and
language, confusion matrices, urgent recall, and the coverage/accuracy curve of the Clearing
threshold — on the held-out slice of the real-situation corpus and/or labelled files."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--korpus-test", "held_out", is_flag=True,
              help="Den zurückgehaltenen Teil des Korpus realer Situationen messen (nach Quelle "
                   "getrennt, nie trainiert); Vorgabe, wenn keine Datei angegeben ist.")
@click.option("--model", "model_path", type=click.Path(path_type=Path), default=None,
              help="Modelldatei statt der aktiven Version.")
@click.option("--json", "as_json", is_flag=True, help="Kennzahlen als JSON ausgeben.")
@click.option("--fehler", "show_errors", is_flag=True, help="Fehlklassifikationen auflisten.")
def evaluate(paths: tuple[Path, ...], held_out: bool, model_path: Path | None, as_json: bool,
             show_errors: bool) -> None:
    """Klassifikator an gelabelten Anfragen messen (JSON-Zeilen mit queue/alt/intent/urgent,
    wahlweise channel/style/language): PATHS und/oder --korpus-test."""
    from classifier import load_classifier
    from classifier.evaluation import (
        breakdown,
        coverage_curve,
        format_report,
        per_office_point,
        read_jsonl,
    )
    from classifier.evaluation import evaluate as run
    from classifier.training import held_out_rows
    from store.catalogue import current_catalogue
    from store.settings import get_settings

    clf = load_classifier(model_path=model_path, data_dir=get_settings().data_dir,
                          catalogue=current_catalogue())
    sets: list[tuple[str, list]] = []
    if held_out or not paths:
        sets.append(("Korpus realer Situationen, zurückgehaltener Teil (nach Quelle)",
                     held_out_rows()))
    for path in paths:
        try:
            sets.append((str(path), read_jsonl(path)))
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
    costs = clf.signals.cost_clearing, clf.signals.cost_wrong_office
    by_cost = clf.model.meta.get("abstain_below") if clf.cost_threshold else None
    # The per-office thresholds training chose from the costs: a point of the curve, and the
    # thresholds in use where signals.yaml says ``abstain_below: auto_per_office``.
    meta = clf.model.meta if clf.model else {}
    by_office = (meta["abstain_below_by_queue"], meta["abstain_below"]) \
        if meta.get("abstain_below_by_queue") else None
    per_office = clf.thresholds_per_office
    out = []
    for title, rows in sets:
        report = run(clf, rows)
        if as_json:
            out.append({"set": title, "model_version": clf.model_version,
                        "threshold": clf.threshold, "threshold_by_cost": by_cost,
                        "thresholds_per_office": per_office,
                        **report.figures,
                        "by": {key: breakdown(report, key)
                               for key in ("queue", "intent", "channel", "style", "language")},
                        "curve": coverage_curve(report, cost_clearing=costs[0], cost_wrong=costs[1]),
                        "per_office": ({"thresholds": by_office[0], **per_office_point(
                            report, *by_office, *costs)} if by_office and report.calibrated
                            else None),
                        "errors": report.errors if show_errors else []})
            continue
        click.echo(f"== {title}")
        chosen = f" (aus den Kosten gewählt: {by_cost:.2f})" if by_cost is not None else ""
        setting = ("Clearing-Schwellen je Fachamt, aus den Kosten gewählt (sonst "
                   f"{clf.threshold:.2f})" if per_office else f"Clearing-Schwelle {clf.threshold:.2f}{chosen}")
        click.echo(f"Modell: {clf.model_version}, {setting}")
        click.echo(format_report(report, clf.threshold, *costs, by_cost=by_cost,
                                 by_office=by_office, per_office_set=per_office is not None))
        if show_errors:
            click.echo("\nFehler:")
            for err in report.errors:
                click.echo(json.dumps(err, ensure_ascii=False))
        click.echo("")
    if as_json:
        click.echo(json.dumps(out[0] if len(out) == 1 else out, ensure_ascii=False))
