"""The scan folder: files are taken only when completely written, stored once, and end in
done/ or failed/ (with the reason) once their item is final; restarts lose and repeat nothing."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import func, select

from connectors.scanfolder import DONE, FAILED, PROCESSING, REASON_SUFFIX, ScanFolders
from store.db import session_scope
from store.models import Batch, Item
from store.settings import get_settings
from tests import letters
from tests.test_bad_scans import _png_header_only


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def folders(settings):
    clock = Clock()
    watcher = ScanFolders(settings, clock=clock)
    watcher.workplaces()
    return watcher, clock, settings.scan_path / "poststelle"


def _items() -> int:
    with session_scope(get_settings()) as session:
        return session.scalar(select(func.count()).select_from(Item))


def _names(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_file_is_taken_only_after_it_stopped_changing(settings, folders):
    watcher, clock, place = folders
    scan = place / "scan0001.pdf"
    content = letters.image_pdf([letters.render_page(letters.WOHNGELD)])
    scan.write_bytes(content[:1000])  # the scanner is still writing
    watcher.poll()
    clock.now += settings.scan_settle_seconds - 1
    scan.write_bytes(content[:5000])
    watcher.poll()
    assert scan.exists() and _items() == 0
    clock.now += settings.scan_settle_seconds - 1  # not settled long enough since the last change
    watcher.poll()
    assert scan.exists()
    scan.write_bytes(content)
    watcher.poll()
    clock.now += settings.scan_settle_seconds
    watcher.poll()
    assert not scan.exists()
    [taken] = _names(place / PROCESSING)
    assert taken.endswith("-scan0001.pdf")
    assert (place / PROCESSING / taken).read_bytes() == content  # the original, unchanged
    assert _items() == 1


def test_partial_and_hidden_names_are_left_alone(folders):
    watcher, clock, place = folders
    (place / "scan0002.pdf.part").write_bytes(b"%PDF-1.7")
    (place / ".scan0003.pdf").write_bytes(b"%PDF-1.7")
    for _ in range(3):
        watcher.poll()
        clock.now += 100
    assert _names(place / PROCESSING) == [] and _items() == 0


def test_finished_items_move_to_done_and_bad_files_to_failed_with_the_reason(folders, pipeline):
    watcher, clock, place = folders
    (place / "brief.png").write_bytes(letters.encoded(letters.render_page(letters.WOHNGELD), "PNG"))
    (place / "riesig.png").write_bytes(_png_header_only(35000, 35000))
    (place / "foto.jpg").write_bytes(b"%PDF-1.7\nkein Bild und kaputt")  # not what its name says
    watcher.poll()
    clock.now += 10
    watcher.poll()
    pipeline.drain()
    watcher.poll()
    assert [n.split("-", 1)[1] for n in _names(place / DONE)] == ["brief.png"]
    failed = _names(place / FAILED)
    assert sorted(n.split("-", 1)[1] for n in failed if not n.endswith(REASON_SUFFIX)) == ["foto.jpg", "riesig.png"]
    reasons = {n.split("-", 1)[1]: (place / FAILED / n).read_text(encoding="utf-8")
               for n in failed if n.endswith(REASON_SUFFIX)}
    assert "zu groß" in reasons["riesig.png" + REASON_SUFFIX]
    assert "beschädigt" in reasons["foto.jpg" + REASON_SUFFIX]
    assert _names(place / PROCESSING) == []
    with session_scope(get_settings()) as session:
        statuses = sorted(session.scalars(select(Item.status).where(Item.mailbox == "scan:poststelle")))
        assert statuses.count("needs_attention") == 2
        assert session.scalar(select(func.count()).select_from(Batch)) == 3  # scan files are batches


def test_a_file_taken_but_not_stored_before_a_crash_is_stored_once_after_restart(settings, folders):
    _, _, place = folders
    # Given a file moved to processing/ by a process that died before storing it
    orphan = place / PROCESSING / "20261121T050000000000-scan0009.pdf"
    orphan.write_bytes(letters.image_pdf([letters.render_page(["Wohngeld"])]))
    # When a new watcher starts and passes twice
    restarted = ScanFolders(settings)
    restarted.poll()
    restarted.poll()
    # Then the file was stored exactly once and waits in processing/ for its item
    assert _items() == 1
    assert orphan.exists()


def test_a_folder_of_page_images_is_one_batch(settings, folders):
    watcher, clock, place = folders
    stack = place / "stapel-0815"
    stack.mkdir()
    for n, page in enumerate([letters.render_page(["Seite eins"]), letters.blank_page()]):
        (stack / f"{n:03d}.tif").write_bytes(letters.tiff([page]))
    os.sync()
    watcher.poll()
    clock.now += 10
    watcher.poll()
    [taken] = _names(place / PROCESSING)
    assert taken.endswith("-stapel-0815")
    with session_scope(get_settings()) as session:
        assert session.scalar(select(func.count()).select_from(Batch)) == 1


@pytest.mark.parametrize("backend_env", ["sqlite"], indirect=True)
def test_cli_scan_folder_once_takes_settled_files_and_finishes_them(eingang, backend_env, tmp_path):
    from pathlib import Path

    place = Path(backend_env["EINGANG_DATA_DIR"]) / "scan" / "poststelle"
    place.mkdir(parents=True)
    scan = place / "scan0042.pdf"
    scan.write_bytes(letters.image_pdf([letters.render_page(letters.WOHNGELD)]))
    old = scan.stat().st_mtime - 60
    os.utime(scan, (old, old))  # written a minute ago: complete
    eingang.run("scan-folder", "--once", timeout=300)
    assert not scan.exists()
    items = eingang.items()
    assert {i["status"] for i in items} == {"done", "routed"}  # the batch and its one letter
    assert [p.name.split("-", 1)[1] for p in (place / DONE).iterdir()] == ["scan0042.pdf"]


def test_symbolic_links_out_of_the_scan_root_are_not_followed(settings, folders, tmp_path):
    # Given a folder outside the scan root with a letter in it, linked into the root as a
    # workplace, and a file linked into a real workplace
    watcher, clock, place = folders
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    secret = outside / "brief.txt"
    secret.write_text("Sozialdaten, die nicht hierher gehören")
    (settings.scan_path / "verlinkt").symlink_to(outside, target_is_directory=True)
    (place / "link.txt").symlink_to(secret)
    old = os.stat(secret).st_mtime - 3600
    os.utime(secret, (old, old))
    # When the watcher polls (long enough for anything to settle)
    for _ in range(3):
        watcher.poll()
        clock.now += settings.scan_settle_seconds + 1
    # Then nothing outside the root was moved, created or ingested
    assert sorted(p.name for p in outside.iterdir()) == ["brief.txt"]
    assert (place / "link.txt").is_symlink()
    assert _items() == 0
    assert "verlinkt" not in [p.name for p in watcher.workplaces()]
