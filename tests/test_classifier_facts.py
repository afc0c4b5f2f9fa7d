"""Facts: every identifier format of the demo Kommune, people, contact data, IBAN masking."""

from __future__ import annotations

import pytest

from classifier.facts import (
    FactsConfig,
    extract_facts,
    iban_is_valid,
    mask_iban,
    mask_ibans_in_text,
    masked_facts,
    parse_date,
)


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("BG-Nummer 26102BG0041877 bitte", "bg_nummer", "26102BG0041877"),
        ("meine nummer 26102 BG 0041877.", "bg_nummer", "26102BG0041877"),
        ("bg-nr 26102bg0041877", "bg_nummer", "26102BG0041877"),
        ("Kundennummer 123D456789", "kundennummer", "123D456789"),
        ("Kd-Nr.: 987A000001,", "kundennummer", "987A000001"),
        ("Wohngeldnummer 62-WG-114523", "wohngeldnummer", "62-WG-114523"),
        ("Az 62-wg-000042", "wohngeldnummer", "62-WG-000042"),
        ("Aktenzeichen EGH-2026-0318", "aktenzeichen_egh", "EGH-2026-0318"),
        ("Az.: egh-2025-1234", "aktenzeichen_egh", "EGH-2025-1234"),
        ("Unser Zeichen 50.2-GS-1187", "aktenzeichen_sozialamt", "50.2-GS-1187"),
        ("Az HzP-2026-0442", "aktenzeichen_sozialamt", "HzP-2026-0442"),
    ],
)
def test_identifier_formats_are_found_and_normalised(text: str, key: str, value: str) -> None:
    assert extract_facts(text)[key] == [value]


@pytest.mark.parametrize(
    "text",
    [
        "26102BG004187",  # one digit short
        "12D456789",  # Kundennummer needs three digits before the letter
        "62-WG-11452",  # five digits
        "EGH-26-0318",  # two-digit year
        "50-GS-1187",  # no sub-office digit
    ],
)
def test_near_miss_identifiers_are_not_facts(text: str) -> None:
    facts = extract_facts(text)
    assert not {"bg_nummer", "kundennummer", "wohngeldnummer", "aktenzeichen_egh",
                "aktenzeichen_sozialamt"} & facts.keys()


def test_identifier_formats_come_from_configuration(tmp_path) -> None:
    # Given a Kommune whose Wohngeldnummer looks different
    cfg = tmp_path / "facts.yaml"
    cfg.write_text(
        "identifiers:\n  wohngeldnummer:\n    label: Wohngeldnummer\n"
        "    pattern: '\\bWG/\\d{4}/\\d{2}\\b'\n", encoding="utf-8")
    config = FactsConfig.load(cfg)
    # Then its format is found and the demo format is not
    assert extract_facts("Az WG/1234/26", config)["wohngeldnummer"] == ["WG/1234/26"]
    assert "wohngeldnummer" not in extract_facts("62-WG-114523", config)


LETTER = """Anna Müller
Alexanderstraße 12
26122 Oldenburg

Stadt Oldenburg
Postfach 2427
26105 Oldenburg

Betreff: Widerspruch, Bescheid vom 12.03.2026
ich bin 67 Jahre alt, geb. 01.02.1959. Die Miete beträgt 612,50 € und die Rückforderung 1.234 Euro.
Meine IBAN: DE89 3704 0044 0532 0130 00. Tel. 0441 1234567, mobil +49 151 23456789
E-Mail anna.mueller@example.org

Mit freundlichen Grüßen
Anna Müller
"""


def test_letter_facts() -> None:
    facts = extract_facts(LETTER)
    assert facts["name"] == ["Anna Müller"]
    assert facts["address"] == ["Alexanderstraße 12, 26122 Oldenburg"]
    assert facts["postcode"] == ["26122"]  # the authority's own Postfach postcode is not a fact
    assert facts["birth_date"] == ["1959-02-01"]
    assert facts["age"] == [67]
    assert facts["amount"] == [612.5, 1234.0]
    assert facts["iban"] == ["DE89370400440532013000"]  # stored in full
    assert facts["phone"] == ["0441 1234567", "+49 151 23456789"]
    assert facts["email"] == ["anna.mueller@example.org"]
    assert facts["bescheid_date"] == ["2026-03-12"]
    assert facts["widerspruch_deadline"][0]["frist_bis"] == "2026-04-16"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Name: Yilmaz, Mehmet\nNachricht: Hallo", "Mehmet Yilmaz"),
        ("Mein Name ist Olga Petrova und ich", "Olga Petrova"),
        ("Fr. Heike Gerdes rief an", "Heike Gerdes"),
        ("My name is John Smith.", "John Smith"),
    ],
)
def test_names(text: str, name: str) -> None:
    assert name in extract_facts(text)["name"]


def test_addressee_of_the_greeting_is_not_the_sender() -> None:
    assert "name" not in extract_facts("Sehr geehrte Frau Gerdes, ich habe eine Frage.")


@pytest.mark.parametrize(
    ("text", "age"),
    [("Ich bin 71 und allein", 71), ("meine 84-jährige Mutter", 84), ("I am 70 years old", 70),
     ("Mutter (82 J.) ruft an", 82)],
)
def test_stated_age(text: str, age: int) -> None:
    assert extract_facts(text)["age"] == [age]


def test_no_age_from_money_or_hours() -> None:
    assert "age" not in extract_facts("Die Miete ist 450 Euro, ich arbeite 20 Stunden.")


@pytest.mark.parametrize(
    ("text", "iso"),
    [("12.03.2026", "2026-03-12"), ("1.4.26", "2026-04-01"), ("3. März 2026", "2026-03-03"),
     ("2026-05-01", "2026-05-01"), ("31.02.2026", None)],
)
def test_parse_date(text: str, iso: str | None) -> None:
    parsed = parse_date(text)
    assert (parsed.isoformat() if parsed else None) == iso


def test_mask_iban_keeps_country_check_digits_and_last_four() -> None:
    assert mask_iban("DE89370400440532013000") == "DE89 **** **** **** **30 00"
    assert mask_iban("DE89 3704 0044 0532 0130 00") == "DE89 **** **** **** **30 00"
    assert mask_iban("NL91ABNA0417164300") == "NL91 **** **** **43 00"


def test_masking_in_text_and_facts() -> None:
    text = "Bitte auf DE89 3704 0044 0532 0130 00 überweisen."
    masked = mask_ibans_in_text(text)
    assert "0532" not in masked and "DE89 **** **** **** **30 00" in masked
    facts = extract_facts(text)
    shown = masked_facts(facts)
    assert shown["iban"] == ["DE89 **** **** **** **30 00"]
    assert facts["iban"] == ["DE89370400440532013000"]  # the stored facts are unchanged


def test_iban_check_digits() -> None:
    assert iban_is_valid("DE89 3704 0044 0532 0130 00")
    assert not iban_is_valid("DE88370400440532013000")
    # Foreign IBANs must pass the check digits to count as facts.
    assert "iban" not in extract_facts("Konto NL00ABNA0417164300")
    assert extract_facts("Konto NL91ABNA0417164300")["iban"] == ["NL91ABNA0417164300"]


def test_iban_digits_are_not_phone_numbers() -> None:
    assert "phone" not in extract_facts("IBAN DE89 3704 0044 0532 0130 00")
