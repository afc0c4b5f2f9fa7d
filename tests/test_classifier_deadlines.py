"""§ 84 SGG Widerspruch deadline (Bekanntgabe on the 4th day after posting, § 64 SGG shifts)
and the § 14 SGB IX two-week deadline."""

from __future__ import annotations

from datetime import date

import pytest

from classifier import deadlines
from classifier.facts import extract_facts


def test_posted_bescheid_counts_as_delivered_on_the_fourth_day() -> None:
    assert deadlines.bekanntgabe(date(2026, 3, 12)) == date(2026, 3, 16)


@pytest.mark.parametrize(
    ("posted", "deadline", "why"),
    [
        (date(2026, 3, 12), date(2026, 4, 16), "Bekanntgabe 16.3. → 16.4. (Thursday)"),
        (date(2026, 4, 12), date(2026, 5, 18), "16.5. is a Saturday → Monday"),
        (date(2026, 2, 27), date(2026, 4, 7), "3.4. Good Friday, 6.4. Easter Monday → Tuesday"),
        (date(2026, 8, 27), date(2026, 9, 30), "Bekanntgabe 31.8.: September has no 31st"),
        (date(2026, 11, 21), date(2026, 12, 28), "25./26.12. holidays, 27.12. Sunday"),
        (date(2026, 12, 28), date(2027, 2, 1), "1.1. Bekanntgabe → 1.2. across the year"),
    ],
)
def test_widerspruch_deadline(posted: date, deadline: date, why: str) -> None:
    assert deadlines.widerspruch_deadline(posted) == deadline, why


def test_deadline_for_a_bescheid_handed_over_in_person() -> None:
    assert deadlines.widerspruch_deadline(date(2026, 3, 16), posted=False) == date(2026, 4, 16)


def test_regional_holiday_only_where_configured() -> None:
    reformationstag = date(2025, 10, 31)  # a Friday; a holiday in Niedersachsen, not in Bayern
    assert not deadlines.is_working_day(reformationstag, "DE-NI")
    assert deadlines.is_working_day(reformationstag, "DE-BY")
    assert deadlines.is_working_day(reformationstag, "DE")  # nationwide holidays only


def test_nationwide_holidays() -> None:
    for day in (date(2026, 1, 1), date(2026, 5, 1), date(2026, 5, 14), date(2026, 5, 25),
                date(2026, 10, 3)):
        assert not deadlines.is_working_day(day, "DE")


def test_deadline_from_a_bescheid_named_in_the_text() -> None:
    facts = extract_facts("Widerspruch gegen Ihren Bescheid vom 21. November 2026")
    assert facts["widerspruch_deadline"] == [
        {"bescheid_datum": "2026-11-21", "bekanntgabe": "2026-11-25", "frist_bis": "2026-12-28"}
    ]


def test_sgb_ix_two_weeks_from_receipt() -> None:
    assert deadlines.sgb_ix_decision_deadline(date(2026, 11, 21)) == date(2026, 12, 5)
