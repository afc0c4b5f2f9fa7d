"""Scan folders in the admin console: only below the scan root, picked up by the running
watcher without a restart, per-folder batch mode and queue hint, deactivation, audit."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import func, select

from connectors.scanfolder import PROCESSING, ScanFolders
from store.db import session_scope
from store.models import AuditEvent, Batch, Item, ScanFolderConfig
from store.settings import get_settings
from tests import letters
from tests.test_scanfolder import Clock
from tests.web import client_for, create_users, post_form

PAGE = "/admin/kanaele/scanordner"


@pytest.fixture
def web(settings):  # type: ignore[no-untyped-def]
    create_users()
    return settings


def add(client, **values):  # type: ignore[no-untyped-def]
    return post_form(client, PAGE, PAGE, {"name": "Scanner", "active": "1", "batch": "",
                                          "queue_hint": ""} | values)


def error_of(resp) -> str:  # type: ignore[no-untyped-def]
    assert resp.status_code == 400, resp.status_code
    assert 'id="path-error"' in resp.text and 'aria-invalid="true"' in resp.text
    return resp.text.split('id="path-error" class="field-error">', 1)[1].split("</p>", 1)[0]


def test_paths_outside_the_scan_root_are_refused(web, tmp_path):
    admin = client_for("chef")
    root = web.scan_path
    ScanFolders(web).workplaces()  # the environment's "poststelle" exists
    outside = tmp_path / "draussen"
    outside.mkdir()
    os.symlink(outside, root / "verweis")
    assert "nicht erlaubt" in error_of(add(admin, path="../etc"))
    assert "nicht erlaubt" in error_of(add(admin, path="rathaus/../../etc"))
    assert "unterhalb von" in error_of(add(admin, path="/etc"))
    assert "unterhalb von" in error_of(add(admin, path=str(tmp_path)))
    assert "Verweis" in error_of(add(admin, path="verweis/post"))
    assert "Arbeitsordner" in error_of(add(admin, path="rathaus/done"))
    assert "EINGANG_SCAN_WORKPLACES" in error_of(add(admin, path="poststelle"))
    assert "läge im Scanordner" in error_of(add(admin, path="poststelle/unter"))
    assert "Backslashes" in error_of(add(admin, path="rathaus\\post"))
    assert "Pfad des Scanordners angeben" in error_of(add(admin, path=""))
    with session_scope(get_settings()) as session:
        assert session.scalar(select(func.count()).select_from(ScanFolderConfig)) == 0
    assert not (outside / "post").exists()
    # An absolute path inside the root is fine: stored relative to it
    assert add(admin, path=str(root / "rathaus" / "scanner1")).status_code == 303
    with session_scope(get_settings()) as session:
        assert session.scalars(select(ScanFolderConfig.path)).all() == ["rathaus/scanner1"]
    assert "gibt es schon" in error_of(add(admin, path="rathaus/scanner1"))
    assert "Im Ordner" in error_of(add(admin, path="rathaus"))


def test_console_scan_folder_is_watched_without_restart(web):
    from store.channel_config import queue_hint_for

    # Given a running watcher (one pass after another, with a clock we move)
    clock = Clock()
    watcher = ScanFolders(web, clock=clock)
    watcher.poll()
    admin = client_for("chef")
    # When an admin adds a nested folder: one letter per file, probably Wohngeld
    resp = add(admin, path="rathaus/scanner1", name="Rathaus Scanner 1", batch="nein", queue_hint="wohngeld")
    assert resp.status_code == 303 and "wird überwacht" in admin.get(resp.headers["location"]).text
    place = web.scan_path / "rathaus" / "scanner1"
    assert place.is_dir()  # created at once, for the scanner to write into
    scan = place / "brief.pdf"
    scan.write_bytes(letters.image_pdf([letters.render_page(letters.WOHNGELD)]))
    for _ in range(2):
        watcher.poll()
        clock.now += web.scan_settle_seconds
    # Then the next passes take the file as a single letter from that folder
    assert not scan.exists() and len(list((place / PROCESSING).iterdir())) == 1
    with session_scope(get_settings()) as session:
        item = session.scalars(select(Item)).one()
        assert item.mailbox == "scan:rathaus/scanner1" and item.channel == "letter"
        assert session.scalar(select(func.count()).select_from(Batch)) == 0
        assert queue_hint_for(session, web, item.mailbox) == "wohngeld"
    # The parent folder is not watched itself (its subfolder would be taken as a batch)
    assert (web.scan_path / "rathaus" / "scanner1").is_dir()
    assert not (web.scan_path / "rathaus" / PROCESSING).exists()

    # When the admin deactivates it, new files stay where they are
    resp = post_form(admin, f"{PAGE}?pfad=rathaus/scanner1", PAGE,
                     {"original": "rathaus/scanner1", "name": "Rathaus Scanner 1", "batch": "nein",
                      "queue_hint": "wohngeld", "active": ""})
    assert "nimmt keine neuen Dateien" in admin.get(resp.headers["location"]).text
    later = place / "spaeter.pdf"
    later.write_bytes(letters.image_pdf([letters.render_page(letters.UMZUG)]))
    for _ in range(3):
        watcher.poll()
        clock.now += web.scan_settle_seconds
    assert later.exists()
    with session_scope(get_settings()) as session:
        assert session.scalar(select(func.count()).select_from(Item)) == 1
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("config.scan%")).order_by(AuditEvent.seq)).all()
    assert actions == ["config.scan_folder_created", "config.scan_folder_changed"]


def test_batch_mode_per_folder_and_found_folders_are_listed(web):
    clock = Clock()
    watcher = ScanFolders(web, clock=clock)
    (web.scan_path / "keller").mkdir(parents=True)
    admin = client_for("chef")
    page = admin.get("/admin/kanaele").text
    assert "gefunden" in page and "?vorschlag=keller" in page and "aus der Konfiguration" in page
    # Taking over a found folder: it becomes a console folder with its own settings
    form = admin.get(f"{PAGE}?vorschlag=keller").text
    assert 'value="keller"' in form
    assert add(admin, path="keller", name="Keller", batch="ja").status_code == 303
    scan = web.scan_path / "keller" / "stapel.pdf"
    scan.write_bytes(letters.image_pdf([letters.render_page(letters.WOHNGELD)]))
    for _ in range(2):
        watcher.poll()
        clock.now += web.scan_settle_seconds
    with session_scope(get_settings()) as session:
        assert session.scalar(select(Batch.source)) == "scan:keller"
    assert "?pfad=keller" in admin.get("/admin/kanaele").text


def test_scan_folder_pages_are_for_admins_only(web):
    staff = client_for("post")
    assert staff.get(PAGE).status_code == 403
    assert staff.post(PAGE, data={"path": "x", "name": "x"}).status_code == 403


def test_a_folder_on_a_retired_channel_delivers_as_post_with_a_note(web):
    from store.catalogue import change_channel, forget

    # Given a fax server's folder on the channel "Fax"
    with session_scope(get_settings()) as session:
        change_channel(session, "fax", {"label": "Fax", "symbol": "📠", "trusted": False, "active": True},
                       "web:chef", settings=get_settings())
    admin = client_for("chef")
    assert add(admin, path="faxserver", name="Faxserver", batch="nein", channel="fax").status_code == 303
    # When the office retires the channel (the fax line is gone) but the folder stays configured
    with session_scope(get_settings()) as session:
        change_channel(session, "fax", {"active": False}, "web:chef", settings=get_settings())
    forget()
    # Then the console says where that folder's scans now go
    page = admin.get("/admin/kanaele").text
    assert "Fax (stillgelegt): kommt als Post an" in page
    # And a scan that still arrives there is taken as Post, received as ever, with the reason
    clock = Clock()
    watcher = ScanFolders(web, clock=clock)
    watcher.poll()
    (web.scan_path / "faxserver" / "fax.pdf").write_bytes(letters.image_pdf([letters.render_page(letters.WOHNGELD)]))
    for _ in range(2):
        watcher.poll()
        clock.now += web.scan_settle_seconds
    with session_scope(get_settings()) as session:
        item = session.scalars(select(Item)).one()
        assert (item.channel, item.mailbox) == ("letter", "scan:faxserver")
        assert item.problems == ["Scanordner „Faxserver“ ist dem Kanal „Fax“ zugeordnet, der stillgelegt "
                                 "ist: als Post übernommen. Bitte den Kanal des Scanordners ändern "
                                 "(Verwaltung → Kanäle)."]
