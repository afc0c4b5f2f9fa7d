"""``eingang evaluate FILE``: accuracy, macro-F1, confusion matrix, urgent recall, abstention."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--model", "model_path", type=click.Path(path_type=Path), default=None,
              help="Modelldatei statt der aktiven Version.")
@click.option("--json", "as_json", is_flag=True, help="Kennzahlen als JSON ausgeben.")
@click.option("--fehler", "show_errors", is_flag=True, help="Fehlklassifikationen auflisten.")
def evaluate(path: Path, model_path: Path | None, as_json: bool, show_errors: bool) -> None:
    """Klassifikator an gelabelten Anfragen (JSON-Zeilen mit queue/alt/intent/urgent) messen."""
    from classifier import load_classifier
    from classifier.evaluation import evaluate as run
    from classifier.evaluation import format_report, read_jsonl
    from store.catalogue import current_catalogue
    from store.settings import get_settings

    clf = load_classifier(model_path=model_path, data_dir=get_settings().data_dir,
                          catalogue=current_catalogue())
    try:
        rows = read_jsonl(path)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    report = run(clf, rows)
    if as_json:
        click.echo(json.dumps({"model_version": clf.model_version, **report.figures,
                               "errors": report.errors if show_errors else []}, ensure_ascii=False))
        return
    click.echo(f"Modell: {clf.model_version}")
    click.echo(format_report(report))
    if show_errors:
        click.echo("\nFehler:")
        for err in report.errors:
            click.echo(json.dumps(err, ensure_ascii=False))
