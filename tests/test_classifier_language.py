"""The language of a request, detected with lingua's shipped models, on the Classification."""

from __future__ import annotations

import pytest

from classifier import Classifier, ClassifyRequest, language, versions


@pytest.fixture(scope="module")
def clf() -> Classifier:
    return Classifier.load(model_path=versions.BUNDLED_MODEL)


@pytest.mark.parametrize(("text", "code", "name"), [
    ("Guten Tag, ich möchte einen Antrag auf Wohngeld stellen, die Miete ist gestiegen.",
     "de", "Deutsch"),
    ("Hello, I would like to ask whether I can get help with my rent.", "en", "Englisch"),
    ("Merhaba, kira yardımı için nasıl başvurabilirim?", "tr", "Türkisch"),
    ("Добрий день, як подати заяву на житлову допомогу?", "uk", "Ukrainisch"),
    ("Здравствуйте, как подать заявление на жилищное пособие?", "ru", "Russisch"),
    ("مرحبا، كيف يمكنني التقدم بطلب للحصول على مساعدة السكن؟", "ar", "Arabisch"),
    ("Dzień dobry, chciałabym złożyć wniosek o dodatek mieszkaniowy.", "pl", "Polnisch"),
])
def test_language_is_detected_and_named_in_german(clf: Classifier, text: str, code: str,
                                                  name: str) -> None:
    result = clf.classify(ClassifyRequest(text=text))
    assert (result.language, result.language_name) == (code, name)
    translation = [r for r in result.reasons if "Übersetzung nötig" in r]
    assert bool(translation) == (code != "de")


@pytest.mark.parametrize("text", ["", "ok", "26102BG0041877", "Tel. 0441 123456, 26121"])
def test_too_little_text_has_no_language(text: str) -> None:
    assert language.detect(text) is None


def test_german_staff_note_with_identifiers_is_german() -> None:
    assert language.detect("Fr. Yilmaz rief an, WBA liegt vor, Kd-Nr 123D456789, bittet um "
                           "Rückruf wegen der Nebenkosten") == "de"
