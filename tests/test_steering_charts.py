"""The dashboard's charts are drawn once per exact set of numbers (admin.steering_view._render)."""

from __future__ import annotations

from admin import steering_view


def test_a_chart_is_drawn_again_only_when_a_number_changes() -> None:
    # Given the offices chart drawn once
    steering_view._render.cache_clear()
    labels = ("Jobcenter", "Sozialamt")
    first = steering_view._render("aemter", False, labels, (("Offen", (120, 45)), ("Umgeleitet", (3, 1))))
    # When the same numbers are asked for again, the drawing is reused
    again = steering_view._render("aemter", False, labels, (("Offen", (120, 45)), ("Umgeleitet", (3, 1))))
    assert again == first and steering_view._render.cache_info().hits == 1
    # When one number moves, it is drawn anew and shows the new number
    moved = steering_view._render("aemter", False, labels, (("Offen", (121, 45)), ("Umgeleitet", (3, 1))))
    assert moved != first and ">121<" in moved and ">121<" not in first
    assert "<script" not in moved and "Offene Vorgänge und Umleitungsquote je Amt" in moved
