"""Who sees a queue, edited on the queue's own admin page: the change grants and revokes
access to the queue's items in the inbox, on the item page and in the API, as the per-user
queue lists of admin.security decide; role-wide access is shown, not editable there."""

from __future__ import annotations

from sqlalchemy import select

from store.db import session_scope
from store.models import AuditEvent, User
from store.settings import get_settings
from tests.web import add_item, client_for, create_users, post_form

PAGE = "/admin/zustaendigkeiten/sozialamt"


def sees(username: str, item: int) -> bool:
    client = client_for(username)
    page = client.get(f"/items/{item}").status_code == 200
    listed = "Grundsicherung im Alter" in client.get("/inbox").text
    api = client.get(f"/api/v1/items/{item}").status_code == 200
    assert page == listed == api, (username, page, listed, api)
    return page


def test_queue_page_grants_and_revokes_access_to_its_items(settings):
    create_users()
    item = add_item("Grundsicherung im Alter", "Meine Rente reicht nicht.", "sozialamt")
    assert sees("sozial", item) and not sees("jc", item)
    admin = client_for("chef")
    page = admin.get(PAGE).text
    # Role-wide access is shown (and not editable here); the queue's own users are ticked
    assert "Test es (es) – Rolle Eingangsservice: alle Zuständigkeiten" in page
    assert 'name="users" value="sozial" checked' in page
    assert 'name="users" value="jc" >' in page or 'name="users" value="jc">' in page

    # When the admin gives the Jobcenter user access to the Sozialamt queue
    resp = post_form(admin, PAGE, f"{PAGE}/zugriff", {"users": ["sozial", "jc"]})
    assert "neu: jc" in admin.get(resp.headers["location"]).text
    # Then that user sees the item at once, and keeps their own queue
    assert sees("jc", item)
    with session_scope(get_settings()) as session:
        jc = session.scalars(select(User).where(User.username == "jc")).one()
        assert jc.queues == ["jobcenter", "sozialamt"]

    # When the admin takes the Sozialamt user off the queue, the item is gone for them
    resp = post_form(admin, PAGE, f"{PAGE}/zugriff", {"users": ["jc"]})
    assert "entzogen: sozial" in admin.get(resp.headers["location"]).text
    assert not sees("sozial", item) and sees("jc", item) and sees("es", item)

    with session_scope(get_settings()) as session:
        entries = session.scalars(select(AuditEvent).where(AuditEvent.action.in_(
            ["config.queue_access_changed", "config.user_changed"])).order_by(AuditEvent.seq)).all()
    assert [(e.action, e.details.get("granted"), e.details.get("revoked")) for e in entries] == [
        ("config.user_changed", None, None), ("config.queue_access_changed", "jc", None),
        ("config.user_changed", None, None), ("config.queue_access_changed", None, "sozial")]
    # The list page shows the new picture
    listing = admin.get("/admin/zustaendigkeiten").text
    assert 'href="/admin/zustaendigkeiten/sozialamt"' in listing


def test_queue_access_needs_an_admin_a_token_and_a_known_queue(settings):
    create_users()
    admin = client_for("chef")
    assert admin.post(f"{PAGE}/zugriff", data={"users": ["jc"]}).status_code == 403  # no CSRF token
    assert post_form(client_for("es"), "/inbox", f"{PAGE}/zugriff", {"users": ["jc"]}).status_code == 403
    assert admin.get("/admin/zustaendigkeiten/gibtsnicht").status_code == 404
    with session_scope(get_settings()) as session:
        jc = session.scalars(select(User).where(User.username == "jc")).one()
        assert jc.queues == ["jobcenter"]
