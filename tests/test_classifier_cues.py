"""Cue features (classifier/cues.py): need, question, who-is-responsible and age, and how a
model carries them as a block of its own."""

from __future__ import annotations

import numpy as np
import pytest

from classifier.cues import INPUT_NAMES, NAMES, CueFeatures, cue_names, network_inputs
from classifier.model import Model, TrainingRow
from classifier.normalize import normalize
from tests.fastscoring import assert_fast_features_match


def cues(text: str) -> set[str]:
    return set(cue_names(normalize(text)))


def test_a_present_need_asked_as_a_question_is_told_from_a_general_question() -> None:
    need = cues("Mein Kühlschrank ist kaputt, kann ich ein Darlehen kriegen?")
    assert {"need", "question", "need_question", "how_to_get"} <= need
    general = cues("Muss ich das zurückzahlen, wenn ich Arbeit finde?")
    assert {"question", "hypothetical", "hypothetical_question", "question_no_need"} <= general
    assert "need" not in general and "need_question" not in general


def test_who_is_responsible_in_german_and_other_languages() -> None:
    for text in ("Wer ist dafür zuständig?", "Wohngeld oder Bürgergeld?",
                 "An wen wende ich mich?", "Which office is responsible for this?",
                 "Куда обращаться с этим вопросом?", "Hangi daire sorumlu?"):
        assert "who_responsible" in cues(text), text


def test_applying_outright_in_several_languages() -> None:
    for text in ("Hiermit beantrage ich Grundsicherung.", "I would like to apply for housing benefit.",
                 "Хочу подать заявление на пособие.", "Başvurmak istiyorum.",
                 "أريد تقديم طلب"):
        assert "applies" in cues(text), text
    assert "applies" not in cues("Ich habe im Mai Wohngeld beantragt, wie ist der Stand?")
    assert "pending" in cues("Ich habe im Mai Wohngeld beantragt, wie ist der Stand?")


def test_stated_age_falls_into_its_band_and_other_numbers_do_not() -> None:
    assert "age_66_plus" in cues("Ich bin 68 und bekomme eine kleine Rente.")
    assert "age_66_plus" in cues("Meine Mutter, 81 Jahre alt, lebt im Heim.")
    assert "age_18_59" in cues("I am 34 years old and unemployed.")
    assert not {"age_66_plus", "age_60_65", "age_18_59"} & cues("Ich bin 70 Euro im Minus.")
    assert not {"age_66_plus", "age_60_65", "age_18_59"} & cues("Die Miete ist 450 Euro.")


def test_block_has_one_column_per_cue() -> None:
    block = CueFeatures(value=0.5)
    x = block.transform([normalize("Ich brauche Hilfe?"), ""])
    assert x.shape == (2, len(NAMES)) and x[1].nnz == 0
    assert set(x[0].data) == {0.5}
    assert {NAMES[i] for i in x[0].indices} == set(cue_names(normalize("Ich brauche Hilfe?")))


ROWS = [
    ("ich brauche einen neuen kuehlschrank, kann ich ein darlehen bekommen?", "jobcenter", "antrag"),
    ("hiermit beantrage ich buergergeld fuer mich", "jobcenter", "antrag"),
    ("muss ich etwas zurueckzahlen, wenn ich arbeit finde?", "jobcenter", "auskunft"),
    ("wer ist zustaendig fuer die heimkosten meiner mutter?", "sozialamt", "auskunft"),
    ("ich bin 68 und die rente reicht nicht, ich beantrage grundsicherung", "sozialamt", "antrag"),
    ("wie hoch ist das wohngeld, wenn wir umziehen?", "wohngeld", "auskunft"),
    ("ich beantrage wohngeld fuer unsere familie", "wohngeld", "antrag"),
    ("welches amt zahlt die bestattung?", "sozialamt", "auskunft"),
]


@pytest.fixture(scope="module")
def small() -> Model:
    rows = [TrainingRow(t, q, i, False) for t, q, i in ROWS] + \
        [TrainingRow("die sperre droht morgen, ich habe kein geld", "jobcenter", "antrag", True)]
    return Model.train(rows, lemmas=False, cue_heads=("intent",))


def test_only_the_heads_named_see_the_cue_block(small: Model) -> None:
    assert small.cues is not None and small.meta["cue_heads"] == ["intent"]
    start = small.columns - small.cues.columns
    assert np.any(small.intent_head.coef_[:, start:])
    assert not np.any(small.queue_head.coef_[:, start:])
    assert not np.any(small.urgent_head.coef_[:, start:])


@pytest.mark.parametrize("text", ["ich bin 70 und brauche hilfe, wer ist zustaendig?", "", "ok"])
def test_fast_scoring_with_cues_equals_sklearn(small: Model, text: str) -> None:
    fast, reference = assert_fast_features_match(small, text)
    expected = small.intent_head.predict_proba(reference)[0]
    got = small.fine_probabilities(small.intent_head, fast)
    assert np.allclose([got[c] for c in small.intent_head.classes_], expected, atol=1e-6)


def test_cue_block_survives_save_and_load(small: Model, tmp_path) -> None:
    path = small.save(tmp_path / "m.joblib")
    loaded = Model.load(path)
    assert loaded.cues is not None and loaded.cues.names == small.cues.names
    text = "ich bin 70 und brauche hilfe?"
    assert np.array_equal(loaded.vectorize(text).idx, small.vectorize(text).idx)


def test_without_cue_heads_the_model_has_no_cue_block() -> None:
    rows = [TrainingRow(t, q, i) for t, q, i in ROWS]
    assert Model.train(rows, lemmas=False, cue_heads=()).cues is None


@pytest.mark.parametrize("text", [
    "Meine Miete ist seit Oktober offen, der Vermieter droht mit Kündigung.",
    "My rent has not been paid since October and the landlord wants to evict me.",
    "Ekim ayından beri kiramı ödeyemiyorum, ev sahibi tahliye istiyor.",
    "С октября не могу платить аренду, хозяин грозит выселением.",
    "З жовтня не можу платити оренду, власник погрожує виселенням.",
    "لم أدفع الإيجار منذ أكتوبر والمالك يريد إخلاء الشقة.",
])
def test_the_networks_topics_read_every_language_alike(text: str) -> None:
    # A topic is one input for all six languages, so that what the German requests teach the
    # office network about rent arrears holds for the other languages too
    found = network_inputs(normalize(text, []))
    assert found.get("topic:rent") == 1.0 and found.get("topic:eviction") == 1.0


def test_the_networks_topics_match_stems_at_word_starts_only() -> None:
    # "rent" is no topic inside "parent" or "current", nor „schuld“ inside „unschuldig“; a
    # stated age is a cue, not a topic
    found = network_inputs(normalize("My parent's current address; er ist unschuldig; ich bin 70", []))
    assert "topic:rent" not in found and "topic:debt" not in found
    assert found.get("cue:age_66_plus") == 1.0
    assert set(found) <= set(INPUT_NAMES)
