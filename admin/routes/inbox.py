"""The unified inbox: list with filters and search, keyset pages, live counts, bulk actions."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from admin.actions import ActionError, assign, queue_names, reroute
from admin.inbox import InboxFilter, clock_for, counts, inbox_page
from admin.security import actor_of, csrf_protect, require, visible_items
from admin.state import web_settings
from admin.templating import render
from store import audit
from store.db import session_scope
from store.models import Item, User

router = APIRouter(dependencies=[Depends(csrf_protect)])


def _page(request: Request, user: User, template: str, **extra):  # type: ignore[no-untyped-def]
    f = InboxFilter.from_query(request.query_params)
    after = request.query_params.get("nach") or None
    with session_scope(web_settings(request)) as session:
        clock = clock_for(session, web_settings(request))
        rows, next_cursor = inbox_page(session, user, f, after, clock=clock)
        if f.q and template == "inbox.html":  # a full-text search reads content: audited
            # (not the term itself, which may be a name; the htmx refreshes are not repeated)
            audit.append(session, "item.search", actor=actor_of(user), results=len(rows),
                         term_length=len(f.q), items=[r.id for r in rows][:100])
        live = counts(session, user)
        queues = queue_names(session)
    return render(request, template, rows=rows, next_cursor=next_cursor, f=f, after=after,
                  counts=live, queues=queues, clock=clock, **extra)


@router.get("/inbox")
def inbox(request: Request, user: User = Depends(require("inbox"))):
    return _page(request, user, "inbox.html", message=request.query_params.get("meldung"))


@router.get("/inbox/rows")
def inbox_rows(request: Request, user: User = Depends(require("inbox"))):
    """The first page's rows (htmx polls it: new items appear without a reload)."""
    return _page(request, user, "_inbox_rows.html")


@router.get("/inbox/counts")
def inbox_counts(request: Request, user: User = Depends(require("inbox"))):
    with session_scope(web_settings(request)) as session:
        live = counts(session, user)
        queues = queue_names(session)
    return render(request, "_counts.html", counts=live, queues=queues)


@router.post("/inbox/bulk")
def bulk(request: Request, ids: list[int] = Form(default_factory=list), operation: str = Form(""),
         queue: str = Form(""), reason: str = Form(""), assignee: str = Form(""),
         user: User = Depends(require("bulk"))):
    done, errors = 0, []
    with session_scope(web_settings(request)) as session:
        items = session.scalars(visible_items(select(Item), user).where(Item.id.in_(ids[:500]))).all()
        for item in items:
            try:
                if operation == "reroute":
                    reroute(session, item, user, queue, reason)
                elif operation == "assign":
                    assign(session, item, user, assignee)
                else:
                    raise ActionError("Unbekannte Sammelaktion.")
                done += 1
            except ActionError as exc:
                errors.append(f"{item.reference}: {exc}")
        if errors and done == 0:
            session.rollback()
    message = f"{done} Vorgänge geändert." + (f" Nicht geändert: {'; '.join(errors[:5])}" if errors else "")
    from urllib.parse import urlencode

    return RedirectResponse("/inbox?" + urlencode({"meldung": message}), status_code=303)
