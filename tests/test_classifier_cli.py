"""``eingang classify``, ``evaluate`` and ``train`` (with staff corrections, versions, rollback)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from eingang.cli import main
from store.settings import get_settings

REQUESTS = [
    {"id": "a", "channel": "email", "subject": "Wohngeld",
     "text": "Ich möchte Wohngeld beantragen. IBAN DE89 3704 0044 0532 0130 00"},
    {"id": "b", "channel": "phone", "subject": "",
     "text": "Fr. Kaya rief an, Stromsperre angekündigt, bekommt Bürgergeld, Kd-Nr 123D456789"},
    {"id": "c", "channel": "webform", "subject": "", "text": "blorp fnord quux"},
]


def _jsonl(rows: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def test_classify_reads_json_lines_and_writes_one_line_each(settings, tmp_path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(_jsonl(REQUESTS), encoding="utf-8")
    result = CliRunner().invoke(main, ["classify", str(source)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["id"] for line in lines] == ["a", "b", "c"]
    for line in lines:
        assert {"id", "queue", "intent", "urgent", "urgent_guessed", "confidence", "referral_to", "facts",
                "reasons"} <= line.keys()
    a, b, c = lines
    assert a["queue"] == "wohngeld"
    assert a["facts"]["iban"] == ["DE89 **** **** **** **30 00"]  # masked in the output
    assert b["queue"] == "jobcenter" and b["urgent"] and b["facts"]["kundennummer"]
    assert c["queue"] == "clearing"


def test_classify_from_stdin_reports_bad_lines_and_goes_on(settings) -> None:
    stdin = "kein json\n" + _jsonl(REQUESTS[:1])
    result = CliRunner().invoke(main, ["classify"], input=stdin)
    assert result.exit_code == 1
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert "Zeile 1" in out[0]["error"]
    assert out[1]["id"] == "a"


def _labelled(tmp_path):  # type: ignore[no-untyped-def]
    rows = [
        {**REQUESTS[0], "queue": "wohngeld", "alt": [], "intent": "antrag", "urgent": False},
        {**REQUESTS[1], "queue": "jobcenter", "alt": [], "intent": "auskunft", "urgent": True},
        {**REQUESTS[2], "queue": "sozialamt", "alt": ["clearing"], "intent": "auskunft",
         "urgent": False},
    ]
    path = tmp_path / "labelled.jsonl"
    path.write_text(_jsonl(rows), encoding="utf-8")
    return path


def test_evaluate_prints_the_figures(settings, tmp_path) -> None:
    result = CliRunner().invoke(main, ["evaluate", str(_labelled(tmp_path)), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["n"] == 3
    assert figures["queue_accuracy"] == 1.0  # "clearing" is an accepted alternative for c
    assert figures["urgent_recall"] == 1.0
    assert figures["confidently_wrong_rate"] == 0.0
    text = CliRunner().invoke(main, ["evaluate", str(_labelled(tmp_path))]).output
    assert "Konfusionsmatrix" in text and "Makro-F1" in text and "Enthaltungsquote" in text


def test_evaluate_on_the_held_out_corpus_slice_breaks_down_and_draws_the_curve(settings) -> None:
    from classifier.holdout import is_held_out
    from classifier.training import corpus_rows

    # Given the real-situation corpus, of which the held-out sources were never trained on
    held_out = [r for r in corpus_rows() if is_held_out(r)]
    assert held_out and all(r["source"] for r in held_out)
    trained_sources = {r.get("source") for r in corpus_rows() if not is_held_out(r)}
    assert not trained_sources & {r["source"] for r in held_out}
    # When staff evaluate without naming a file
    result = CliRunner().invoke(main, ["evaluate", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    # Then the held-out slice is measured, with every breakdown and the threshold curve
    assert figures["n"] == len(held_out)
    assert set(figures["by"]) == {"queue", "intent", "channel", "style", "language"}
    assert sum(g["n"] for g in figures["by"]["channel"]) == len(held_out)
    coverage = [p["coverage"] for p in figures["curve"]]
    assert coverage == sorted(coverage, reverse=True)  # a higher threshold routes less
    text = CliRunner().invoke(main, ["evaluate", "--korpus-test"]).output
    for heading in ("Konfusionsmatrix Zuständigkeit", "Nach Kanal:", "Nach Schreibweise:",
                    "Nach Anliegen:", "Abdeckung und Genauigkeit", "◀ eingestellt"):
        assert heading in text


def test_train_uses_staff_corrections_writes_versions_and_rolls_back(settings, tmp_path, monkeypatch,
                                                                    sampled_corpus) -> None:
    import classifier.training
    from store.db import session_scope
    from store.models import TrainingExample

    monkeypatch.setattr(classifier.training, "CORPUS_DIR", sampled_corpus)

    # Given a confirmed staff correction in the database
    with session_scope(get_settings()) as session:
        session.add(TrainingExample(channel="email", subject="", source="reroute",
                                    text="Frage zum Blindengeld für meinen Vater",
                                    queue="sozialamt", intent="auskunft"))
    runner = CliRunner()
    # When an admin retrains with an evaluation file
    first = runner.invoke(main, ["train", "--eval", str(_labelled(tmp_path)), "--ohne-kalibrierung"])
    assert first.exit_code == 0, first.output
    assert "Korrekturen vom Personal: 1" in first.output
    assert "Vorher" in first.output and "Nachher" in first.output
    from classifier import versions

    saved = versions.list_versions(settings.data_dir)
    assert len(saved) == 1 and saved[0]["staff_examples"] == 1
    assert versions.active_version(settings.data_dir) == saved[0]["version"]
    # Then classify uses that version
    out = runner.invoke(main, ["classify"], input=_jsonl(REQUESTS[:1])).output
    assert json.loads(out)["model_version"] == saved[0]["version"]
    # And the admin can roll back to the bundled model, and select a version again
    assert runner.invoke(main, ["train", "--rollback"]).exit_code == 0
    assert versions.active_version(settings.data_dir) is None
    assert runner.invoke(main, ["train", "--use", saved[0]["version"]]).exit_code == 0
    assert versions.active_version(settings.data_dir) == saved[0]["version"]
    listing = runner.invoke(main, ["train", "--list"]).output
    assert saved[0]["version"] in listing and "mitgeliefert" in listing
    assert runner.invoke(main, ["train", "--use", "gibt-es-nicht"]).exit_code != 0


def test_the_cli_starts_without_the_model_libraries() -> None:
    # ``eingang --help`` and commands that never classify must not pay for scikit-learn
    import subprocess
    import sys

    code = ("import sys, eingang.cli, classifier, classifier.facts, classifier.types; "
            "print(sorted(m for m in ('sklearn', 'scipy', 'joblib', 'lingua') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_evaluate_measures_the_thresholds_per_office_when_they_are_set(settings, tmp_path) -> None:
    from classifier.signals import DEFAULT_SIGNALS

    # Given an admin's signals.yaml that routes by the thresholds training chose per office
    admin = settings.data_dir / "classifier" / "signals.yaml"
    admin.parent.mkdir(parents=True, exist_ok=True)
    admin.write_text(DEFAULT_SIGNALS.read_text(encoding="utf-8").replace(
        "abstain_below: 0.5", "abstain_below: auto_per_office"), encoding="utf-8")
    # When staff evaluate
    figures = json.loads(CliRunner().invoke(main, ["evaluate", str(_labelled(tmp_path)), "--json"]).output)
    text = CliRunner().invoke(main, ["evaluate", str(_labelled(tmp_path))]).output
    # Then the output says which thresholds decided, and the curve marks their point as set
    assert figures["thresholds_per_office"] and "wohngeld" in figures["thresholds_per_office"]
    assert "Clearing-Schwellen je Fachamt, aus den Kosten gewählt" in text
    assert "◀ eingestellt: aus den Kosten je Fachamt" in text
