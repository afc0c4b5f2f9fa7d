"""A full disk (issue #17, item 13): login and the public form answer in German that it is
temporarily not possible, reads keep working, /health reports the free space; once space is
free again everything works as before."""

from __future__ import annotations

import pytest

from tests.fullfs import fill, small_filesystem
from tests.web import PASSWORD, add_item, client_for, create_users, csrf_of


@pytest.fixture
def full_disk_settings(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    import os

    from store.db import upgrade_schema
    from store.settings import get_settings

    with small_filesystem(tmp_path / "klein") as data:
        for key in list(os.environ):
            if key.startswith("EINGANG_"):
                monkeypatch.delenv(key)
        monkeypatch.setenv("EINGANG_DATA_DIR", str(data))
        monkeypatch.setenv("EINGANG_MONITORING_TOKEN", "pruef-token")
        get_settings.cache_clear()
        settings = get_settings()
        upgrade_schema(settings)
        yield settings
        from store.db import get_engine

        get_engine(settings).dispose()
        get_settings.cache_clear()


def _form(client, **data):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get("/anliegen/weiter?topic=wohnen&postcode=26123").text)
    return client.post("/anliegen", data={"csrf_token": token, "topic": "wohnen",
                                          "text": "Ich brauche Hilfe bei der Miete.", **data},
                       headers={"accept": "text/html"})


def test_a_full_disk_gives_german_answers_and_reads_go_on(full_disk_settings):
    create_users()
    item_id = add_item("Wohngeld", "Antrag auf Wohngeld", "wohngeld")
    reader = client_for("es")  # logged in before the disk fills up
    public = client_for()
    login_page = client_for()
    token = csrf_of(login_page.get("/login").text)
    ballast = fill(full_disk_settings.data_dir)
    try:
        # Login and the form: 503 in German, not a bare 500
        resp = login_page.post("/login", data={"username": "jc", "password": PASSWORD, "csrf_token": token},
                               headers={"accept": "text/html"})
        assert resp.status_code == 503 and "vorübergehend nicht möglich" in resp.text
        resp = _form(public)
        assert resp.status_code == 503 and "vorübergehend nicht möglich" in resp.text
        # Reads go on
        assert reader.get("/inbox").status_code in (200, 503)
        health = public.get("/health", headers={"authorization": "Bearer pruef-token"})
        blobs = next(c for c in health.json()["components"] if c["component"] == "blobs")
        assert health.status_code == 503 and blobs["status"] == "fail", health.json()
    finally:
        ballast.unlink()
    # Space again: everything works
    assert _form(public).status_code == 201
    assert reader.get(f"/items/{item_id}").status_code == 200
