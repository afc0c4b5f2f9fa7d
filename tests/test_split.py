"""Splitting a mailroom batch into letters: separator sheets, blank pages, every N pages, by hand."""

from __future__ import annotations

import pytest

from extraction import extract
from extraction.split import SplitRules, letters_from_starts, move_boundary, split_pages
from extraction.types import PageText
from tests import letters


def page(number, text="Sehr geehrte Damen und Herren", *, blank=False, codes=(), confidence=90.0):
    return PageText(
        number=number,
        text="" if blank else text,
        method="none" if blank else "ocr",
        confidence=None if blank else confidence,
        blank=blank,
        barcodes=list(codes),
    )


def test_separator_sheets_with_a_code_cut_the_batch():
    pages = [page(1), page(2), page(3, codes=["TRENNBLATT"]), page(4), page(5, codes=["trennblatt-2"]), page(6)]
    result = split_pages(pages)
    assert [x.pages for x in result] == [[1, 2], [4], [6]]
    assert result[0].reason == "Anfang des Stapels"
    assert "Seite 3" in result[1].reason and "Code" in result[1].reason


def test_other_barcodes_do_not_cut_unless_configured():
    pages = [page(1), page(2, codes=["4711-AKTENZEICHEN"]), page(3)]
    assert [x.pages for x in split_pages(pages)] == [[1, 2, 3]]
    assert [x.pages for x in split_pages(pages, SplitRules(any_code_separates=True))] == [[1], [3]]


def test_the_separator_word_cuts_only_on_a_nearly_empty_page():
    pages = [page(1), page(2, "T R E N N B L A T T"), page(3), page(4, "Bitte legen Sie ein TRENNBLATT " + "x " * 50)]
    assert [x.pages for x in split_pages(pages)] == [[1], [3, 4]]


def test_blank_pages_cut_and_runs_of_blanks_count_once():
    pages = [page(1), page(2, blank=True), page(3, blank=True), page(4), page(5), page(6, blank=True)]
    assert [x.pages for x in split_pages(pages)] == [[1], [4, 5]]


def test_duplex_mode_drops_blank_backs_without_cutting():
    pages = [page(1), page(2, blank=True), page(3), page(4, blank=True)]
    assert [x.pages for x in split_pages(pages, SplitRules(blank_separates=False))] == [[1, 3]]


def test_every_n_pages():
    pages = [page(n) for n in range(1, 8)]
    result = split_pages(pages, SplitRules(every_n_pages=3, separator_text=None))
    assert [x.pages for x in result] == [[1, 2, 3], [4, 5, 6], [7]]
    assert result[1].reason == "alle 3 Seiten"


def test_letter_confidence_is_its_weakest_page():
    pages = [page(1, confidence=91), page(2, confidence=42), page(3, blank=True), page(4, confidence=88)]
    first, second = split_pages(pages)
    assert first.confidence == 42 and first.low_confidence_pages == [2]
    assert second.confidence == 88 and second.low_confidence_pages == []


def test_moving_a_boundary_by_hand_recreates_the_letters():
    # Given a batch split after a separator on page 3, where the first letter really ends on page 1
    pages = [page(1), page(2), page(3, codes=["TRENNBLATT"]), page(4), page(5), page(6, blank=True), page(7)]
    found = split_pages(pages)
    assert [x.pages for x in found] == [[1, 2], [4, 5], [7]]
    # When staff move the start of the second letter to page 2
    moved = move_boundary(pages, found, 1, 2)
    # Then page 2 belongs to the second letter; separator and blank page stay out
    assert [x.pages for x in moved] == [[1], [2, 4, 5], [7]]
    assert all(x.reason == "von Hand getrennt" for x in moved)
    # And moving it back past page 4 cuts the other way
    assert [x.pages for x in move_boundary(pages, found, 1, 5)] == [[1, 2, 4], [5], [7]]


def test_impossible_moves_are_refused():
    pages = [page(n) for n in range(1, 5)]
    found = letters_from_starts(pages, [1, 3])
    with pytest.raises(ValueError):
        move_boundary(pages, found, 1, 1)  # would empty the first letter
    with pytest.raises(ValueError):
        move_boundary(pages, found, 0, 2)  # the first letter has no boundary before it


@pytest.mark.slow
@pytest.mark.parametrize("between", ["separator", "blank"])
def test_three_letter_batch_scan_splits_into_three_letters(between):
    # Given one image-only PDF with three letters (the second two pages long) and sheets between them
    sheet = letters.separator_page() if between == "separator" else letters.blank_page()
    wohngeld, widerspruch, umzug = (
        letters.render_page(letters.WOHNGELD),
        letters.render_page(letters.WIDERSPRUCH),
        letters.render_page(letters.UMZUG),
    )
    batch = letters.image_pdf([wohngeld, sheet, widerspruch, letters.render_page(["Seite 2", "Anlage"]), sheet, umzug])
    # When it is read and split
    extraction = extract(batch, "application/pdf")
    found = split_pages(extraction.pages)
    # Then there are three letters with the right pages and words
    assert [x.pages for x in found] == [[1], [3, 4], [6]]
    texts = [" ".join(extraction.pages[n - 1].text for n in x.pages) for x in found]
    assert "Wohngeld" in texts[0] and "Widerspruch" in texts[1] and "Özdemir" in texts[2]
    if between == "separator":
        assert extraction.pages[1].barcodes == ["TRENNBLATT"]
