"""The unified inbox as queries: filters, full-text search, keyset pages, live counts.

Order is urgent first, then latest activity (the receipt of the newest incoming message: a
citizen's reply brings its item back to the top), then id (a total order), so a page is "the
next 50 after this (urgent, activity_at, id)" — as fast on page 20,000 as on page 1 with the
``ix_items_*inbox`` indexes. Sorted by "Zielzeit" the order is the moment the first action is
due (``items.due_at``, kept by the database: admin.response_clock), then id, read from
``ix_items_due`` the same way. Replies that joined their item (status ``joined``) are messages
of that item, never rows of their own. Full text uses PostgreSQL's German text search over a stored,
GIN-indexed tsvector column (migrations 0005/0007); embedded SQLite an FTS5 index of trigrams that
proposes candidates and a LIKE over their folded text that decides (store.sqlite_search, 0033).
"""

from __future__ import annotations

import base64
import functools
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    DateTime,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.orm import Session

from admin.response_clock import Clock
from admin.security import has_permission, visible_items, visible_queues
from store import counts as item_counts
from store import sqlite_search
from store.enums import NOT_IN_INBOX, Status
from store.models import Item, User
from store.settings import Settings

PAGE_SIZE = 50
OPEN = "offen"  # pseudo status: everything not done


# PostgreSQL keeps the German tsvector of every item in the stored generated column
# ``items.search`` (migration 0007, GIN-indexed), so a search never re-parses texts.
SEARCH_COLUMN = "items.search"


@dataclass
class InboxFilter:
    queue: str = ""
    channel: str = ""
    intent: str = ""
    status: str = OPEN
    urgent: str = ""  # "" | "1" | "0" | "sicher" | "vielleicht" (URGENCY)
    date_from: str = ""  # YYYY-MM-DD
    date_to: str = ""
    mine: str = ""  # "1" = assigned to me
    q: str = ""
    zielzeit: str = ""  # "" | "ueberschritten" | "24" (due within 24 hours)
    # Wiedervorlage: "" hides items set aside until later | "faellig" | "geplant" | "alle"
    wv: str = ""
    sort: str = ""  # "" (urgent, latest activity) | "zielzeit" (due first)

    @classmethod
    def from_query(cls, params: Any) -> InboxFilter:
        values = {f.name: str(params.get(f.name, "") or "").strip()[:200] for f in fields(cls)}
        if "status" not in params:
            values["status"] = OPEN
        return cls(**values)

    def as_query(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}


# The urgency filter's values → (urgent, urgent_guessed); None = either. "1" takes every urgent
# item, certain or guessed by the model ("vielleicht dringend").
URGENCY: dict[str, tuple[bool | None, bool | None]] = {
    "1": (True, None), "sicher": (True, False), "vielleicht": (True, True), "0": (False, None)}


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def apply_filter(stmt: Select, f: InboxFilter, user: User, dialect: str, clock: Clock) -> Select:
    stmt = visible_items(stmt, user).where(Item.status.notin_(NOT_IN_INBOX))
    if f.queue:
        stmt = stmt.where(Item.queue == f.queue)
    if f.channel:
        stmt = stmt.where(Item.channel == f.channel)
    if f.intent:
        stmt = stmt.where(Item.intent == f.intent)
    if f.status == OPEN:
        stmt = stmt.where(Item.status != Status.DONE.value)
    elif f.status:
        stmt = stmt.where(Item.status == f.status)
    urgent, guessed = URGENCY.get(f.urgent, (None, None))
    if guessed is not None:
        stmt = stmt.where(Item.urgent_guessed.is_(guessed))
    # A search on PostgreSQL states the urgency in its word condition (indexed_words): a second
    # clause for it would make the planner count the urgent items' share twice.
    if urgent is not None and not (f.q and dialect == "postgresql"):
        stmt = stmt.where(Item.urgent.is_(urgent))
    start, end = _day(f.date_from), _day(f.date_to)
    if start:
        stmt = stmt.where(Item.received_at >= datetime.combine(start, time(), UTC))
    if end:
        stmt = stmt.where(Item.received_at < datetime.combine(end + timedelta(days=1), time(), UTC))
    if f.mine == "1":
        stmt = stmt.where(Item.assigned_to == user.username)
    if f.q:
        stmt = stmt.where(search_condition(f.q, dialect, f.status, urgent))
    if f.zielzeit in ("ueberschritten", "24"):
        ahead = timedelta(0) if f.zielzeit == "ueberschritten" else timedelta(hours=24)
        stmt = stmt.where(clock.due_before(clock.now + ahead))
    return resubmission_filter(stmt, f.wv, clock.now)


def resubmission_filter(stmt: Select, wv: str, now: datetime) -> Select:
    """Items set aside (Wiedervorlage) stay out of the inbox until their day, unless a new
    message came in meanwhile."""
    if wv == "faellig":
        return stmt.where(Item.resubmit_at <= now)
    if wv == "geplant":
        return stmt.where(Item.resubmit_at > now)
    if wv == "alle":
        return stmt
    return stmt.where(or_(Item.resubmit_at.is_(None), Item.resubmit_at <= now,
                          Item.unread_since.is_not(None)))


def search_condition(q: str, dialect: str, status: str = "", urgent: bool | None = None):  # type: ignore[no-untyped-def]
    """Items matching every word of ``q`` (among those of the filter's ``status`` and, if not
    None, ``urgent``); on SQLite from the FTS5 index (store.sqlite_search)."""
    if dialect == "postgresql":
        query = func.websearch_to_tsquery(literal_column("'german'::regconfig"), q)
        return indexed_words(literal_column(SEARCH_COLUMN).op("@@")(query), status, urgent)
    keys = sqlite_search.search_keys(q)
    query = sqlite_search.trigram_query(keys)
    check = sqlite_search.row_condition(keys)
    return and_(Item.id.in_(sqlite_search.candidates(query)), check) if query else check


def indexed_words(hit, status: str, urgent: bool | None = None):  # type: ignore[no-untyped-def]
    """The word condition ``hit`` in a form PostgreSQL can answer from its word indexes: the
    open items' in two parts, urgent and not (migration 0037), the closed items' in one (0034).
    Each part is named by its own predicate, verbatim: a filter on open items or on one status
    other than done asks both open parts, on closed ones the closed part, over every status all
    three (a BitmapOr). ``urgent``: only the urgent items' part (True) or the others' (False)."""
    def urgency(flag: bool):  # type: ignore[no-untyped-def]  # as the open parts' predicates write it
        return Item.urgent if flag else not_(Item.urgent)

    if status == Status.DONE.value:
        return hit if urgent is None else and_(urgency(urgent), hit)
    open_ = Item.status != Status.DONE.value
    parts = [and_(open_, urgency(flag), hit) for flag in ((True, False) if urgent is None else (urgent,))]
    if not status:
        closed = Item.status == Status.DONE.value
        parts.append(and_(closed, hit) if urgent is None else and_(closed, urgency(urgent), hit))
    return or_(*parts) if len(parts) > 1 else parts[0]


# --- keyset pages -----------------------------------------------------------------------


def encode_cursor(item: Any, sort: str = "") -> str:
    if sort == "zielzeit":  # items without a running clock come last, by id
        raw = f"z|{item.due_at.isoformat() if item.due_at else ''}|{item.id}"
    else:
        raw = f"{int(item.urgent)}|{item.activity_at.isoformat()}|{item.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_due_cursor(value: str) -> tuple[datetime | None, int] | None:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        mark, due, item_id = raw.split("|")
        at = datetime.fromisoformat(due) if due else None
        if mark != "z" or (at is not None and at.tzinfo is None):
            return None
        return at, int(item_id)
    except (ValueError, UnicodeDecodeError):
        return None


def decode_cursor(value: str) -> tuple[bool, datetime, int] | None:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        urgent, at, item_id = raw.split("|")
        received = datetime.fromisoformat(at)
        if received.tzinfo is None:
            return None
        return urgent == "1", received, int(item_id)
    except (ValueError, UnicodeDecodeError):
        return None


LIST_COLUMNS = (
    Item.id, Item.reference, Item.channel, Item.received_at, Item.sender, Item.sender_name,
    Item.subject, Item.queue, Item.intent, Item.status, Item.urgent, Item.urgent_guessed, Item.deadline,
    Item.confidence, Item.assigned_to, Item.urgent_reasons, Item.activity_at, Item.unread_since,
    Item.first_action_at, Item.resubmit_at, Item.resubmit_note, Item.due_at,
    # The request's language (classifier), for the tag "Übersetzung nötig: …"; read from the
    # classification JSON of the page's rows only, so no column or migration is needed.
    Item.classification["language"].as_string().label("language"),
    Item.classification["language_name"].as_string().label("language_name"),
)


def clock_for(session: Session, settings: Settings, now: datetime | None = None) -> Clock:
    """The response clock of the catalogue in force (targets per office, the house default)."""
    from store.catalogue import current_catalogue
    from store.response_due import sync_once

    clock = Clock.of(current_catalogue(session, settings), settings.default_response_target_hours,
                     now or datetime.now(UTC))
    # The stored due moments follow these targets (once per process and set of targets: a
    # database migrated or configured while this process was not looking is put right here).
    sync_once(session, settings.sqlalchemy_url, clock.targets, clock.default_hours)
    return clock


def inbox_page(
    session: Session, user: User, f: InboxFilter, after: str | None = None,
    limit: int = PAGE_SIZE, *, clock: Clock,
) -> tuple[list[Any], str | None]:
    """One page of rows (urgent first, latest activity first; or the most pressing response
    first) and the cursor of the next page."""
    dialect = session.get_bind().dialect.name
    if f.sort == "zielzeit":
        rows = _by_due(session, user, f, clock, dialect, decode_due_cursor(after) if after else None, limit)
        more = len(rows) > limit
        rows = rows[:limit]
        return rows, (encode_cursor(rows[-1], f.sort) if more and rows else None)
    cursor = decode_cursor(after) if after else None
    if f.q.strip():
        searched = _searched if dialect == "postgresql" else _searched_sqlite
        rows = searched(session, user, f, clock, cursor, limit)
    else:
        stmt = apply_filter(select(*LIST_COLUMNS), f, user, dialect, clock)
        if cursor is not None:
            stmt = stmt.where(_before(cursor))
        # The few items with a Wiedervorlage from their partial indexes (migration 0033):
        # SQLite's planner knows nothing of how few they are and would read the inbox order.
        stmt = _ordered(stmt) if dialect == "sqlite" and f.wv in ("faellig", "geplant") else stmt.order_by(*INBOX_ORDER)
        rows = list(session.execute(stmt.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (encode_cursor(rows[-1]) if more and rows else None)


INBOX_ORDER = (Item.urgent.desc(), Item.activity_at.desc(), Item.id.desc())
# Searching on PostgreSQL (see _searched): the items read in inbox order to judge how common the
# words are, and the matches among them from which reading on in that order is the cheaper way.
# Among the urgent items (first in inbox order; 1 in 20 at 1,000,000 items, each on a heap page
# of its own) reading on costs a page per item, as a match from the word index costs a page:
# 300 instead of 1,000 there read a name's 383 pages instead of 1,089, three common words with
# 2.5 matches per 1,000 open items 2,932 from the index instead of 13,481 in order. After them
# items read in order share their pages (~7 a page), and the window was 1,000 while the index
# decoded every posting of a common word; asked month by month (RECENT_MONTHS) it is cheaper
# than reading on for words up to ~10 matches per 1,000 too (at 1,000,000 items, EXPLAIN
# ANALYZE, „nicht dringend“: four such words 56 -> 4.9 ms, three 34 -> 8.8 and 21 -> 3.5, a
# name 8.6 -> 3.5, none slower), so the window is 300 everywhere.
SEARCH_WINDOW = 300
DENSE_MATCHES = 3
# Reading on in order where the probe found matches dense reads at most this many items; where
# they do not fill the page by then, the index branch gives it. Three matches near the top
# said nothing about the rest: „Heimkosten Vermieter Minijob Oldenburg“ „nicht dringend“ found
# its three within 181 items, then read 45,000 in order for its 50 matches (1.8 per 1,000 open
# items; 29 ms, from the month-led index 3.7; EXPLAIN ANALYZE at 1,000,000 items). 3,000 items
# read cost ~2 ms and hold a page of words with 17 matches per 1,000 or more („Wohngeld Miete“:
# 50 within 2,900), where reading in order costs what the index does or less.
READ_ON = 3000
# After the urgent items, the open items' matches from the word index are taken by the month
# of their last activity (ACTIVITY_MONTH, the first column of ix_items_search_not_urgent_months,
# migration 0038), newest first, in parts of MONTH_SLICES months: the anchor's month (this
# month, or the cursor's), the two before it, the three before those, then all older ones,
# each part asked only where the newer ones do not fill the page. Asked for the words alone, GIN decodes every posting of each word (four common
# words: ~4 x 170,000 at 1,000,000 items, 74 ms); asked for a month by its value as well, it
# steps through the words' postings by the month's and skips the rest. By value: a range of
# months is read whole, entry by entry, before the words are looked at (nine weeks as a range
# of days: 4 ms for a name found in 20 items, 75 ms where the range had two ends). Months, not
# weeks: every part is planned and its index scans opened even where it never runs (eight
# weeks asked one by one cost every search 1-3 ms). At 1,000,000 items (~25,000 such items a
# month) three months hold a page of words with ~1 match per 1,000 items, six one of ~0.4 (a
# part of three more months: 14.8 -> 8.1 ms for such words, a name found in 20 items +1.3 ms).
MONTH_SLICES = (1, 2, 3)
RECENT_MONTHS = sum(MONTH_SLICES) - 1
# The UTC month (its first day, 0:00) of the last activity, as the index writes it (PostgreSQL
# matches it by form: the unit and the zone written into the SQL, not bound).
ACTIVITY_MONTH = func.date_trunc(literal_column("'month'"), func.timezone(literal_column("'UTC'"), Item.activity_at))
# On SQLite (see _searched_sqlite) a row read is checked with LIKE (~5–10 µs), its index is
# asked word by word and cheaply, and words it cannot narrow down are read on in order anyway:
# a shorter window pays there.
SQLITE_SEARCH_WINDOW = 200


def _before(key: tuple[bool, datetime, int]):  # type: ignore[no-untyped-def]
    """Rows after ``key`` (urgent, activity_at, id) in inbox order."""
    return tuple_(Item.urgent, Item.activity_at, Item.id) < tuple_(
        literal(key[0]), literal(key[1], Item.activity_at.type), literal(key[2]))


def _searched(session: Session, user: User, f: InboxFilter, clock: Clock,
              cursor: tuple[bool, datetime, int] | None, limit: int) -> list[Any]:
    """The first ``limit + 1`` matches of a full-text search in inbox order, in one statement
    (``_search_statement``), at a cost that does not depend on how common the words are."""
    stmt = _search_statement(tuple((field.name, getattr(f, field.name)) for field in fields(f) if field.name != "q"),
                             (user.username, tuple(user.roles or ()), tuple(user.queues or ())),
                             cursor is not None, limit, SEARCH_WINDOW, DENSE_MATCHES, _urgencies(f, cursor), READ_ON)
    values: dict[str, Any] = {"now": clock.now, "words": f.q.replace("\x00", ""),
                              **_month_bounds(cursor[1] if cursor is not None and not cursor[0] else clock.now)}
    if cursor is not None:
        values.update(after_urgent=cursor[0], after_activity=cursor[1], after_id=cursor[2])
    # Only one branch yields rows, in inbox order; the index branch's two parts (urgent
    # matches, then the others) are ordered each, so the order of the whole is made sure here
    # (an ORDER BY around them would make PostgreSQL read both parts).
    rows = list(session.execute(stmt, values))
    return sorted(rows, key=lambda row: (row.urgent, row.activity_at, row.id), reverse=True)


def _month_bounds(anchor: datetime) -> dict[str, Any]:
    """The values of ``_recent_months``: ``anchor`` is where the search stands in the inbox order
    (now, or the cursor past the urgent items); its month and the RECENT_MONTHS before it
    (``month_0`` … ``month_5``, naive UTC as the index has them), and where the oldest of them
    begins (``months_from``)."""
    day = anchor.astimezone(UTC).date()
    months = {}
    for n in range(RECENT_MONTHS + 1):
        index = day.year * 12 + day.month - 1 - n
        months[f"month_{n}"] = datetime(index // 12, index % 12 + 1, 1)
    return {**months, "months_from": months[f"month_{RECENT_MONTHS}"].replace(tzinfo=UTC)}


def _urgencies(f: InboxFilter, cursor: tuple[bool, datetime, int] | None) -> tuple[bool, ...]:
    """Which of the open items' word indexes, urgent and not (``indexed_words``), a search may
    still need: only the part a filter on urgency names; after a cursor past the urgent items
    only the others'."""
    urgent = URGENCY.get(f.urgent, (None, None))[0]
    if urgent is not None:
        return (urgent,)
    return (False,) if cursor is not None and not cursor[0] else (True, False)


@functools.lru_cache(maxsize=256)
def _search_statement(f: tuple[tuple[str, str], ...], user: tuple[str, tuple[str, ...], tuple[str, ...]],
                      after: bool, limit: int, window_size: int, dense: int,
                      urgencies: tuple[bool, ...] = (True, False), read_on: int = READ_ON):  # type: ignore[no-untyped-def]
    """The search for the filter ``f`` (InboxFilter's fields but the words, as pairs) of ``user``
    (username, roles, queues), built once and kept (building it took half the CPU of a search);
    its parameters are the words, the current time and, with ``after``, the cursor.

    Read in inbox order, a common word ("Miete") gives a page within a few thousand items, but a
    rare one (a name, a reference, a BG-Nummer) made PostgreSQL read every item (2–3 s at
    1,000,000 items), and its estimate of how common a word is cannot tell the two apart. So
    the statement first checks the next ``window_size`` items in inbox order, stopping at the
    ``dense``-th match (the probe); by what it found, exactly one of two branches runs (the
    other is cut off by a one-time filter before it reads anything): reading on in inbox order
    where matches are dense, else every match from the word index (GIN), which for a rare word
    hands over its few items at once, sorted. Reading on stops after ``read_on`` items; where
    their matches do not fill the page, the index branch runs after all and its rows are the
    page (a probe fooled by a few matches near the top costs those items, not the whole inbox).
    Both give exactly the rows of one query ordered and cut by the inbox order. Searching open
    items, the index branch asks the urgent items' index first and the others' (``urgencies``:
    those the page may still need) only where the urgent matches do not fill the page: a first
    page of urgent items decodes and reads only theirs (at 1,000,000 items 106 heap pages
    instead of 1,262 for four words of middling density).

    The words, the cursor and the limits are written into the SQL when it runs, not bound:
    psycopg prepares a statement from its 5th run, and PostgreSQL's generic plan for unknown
    values estimated a third of the inbox after the cursor and read it whole through a bitmap
    of the inbox index (100–150 ms for a name). With the values in the text, every plan is made
    for them; only the current time stays a parameter."""
    username, roles, queues = user
    who = User(username=username, roles=list(roles), queues=list(queues))
    now = bindparam("now", type_=Item.resubmit_at.type)
    clock = Clock({}, 0.0, now)  # type: ignore[arg-type]  # apply_filter reads only its time
    words = bindparam("words", type_=String, literal_execute=True)
    hit = literal_column(SEARCH_COLUMN).op("@@")(
        func.websearch_to_tsquery(literal_column("'german'::regconfig"), words))
    # The urgency the filter asks for is stated once: in the word condition of the index branch
    # (indexed_words), in a clause of its own where items are read in inbox order.
    urgent, guessed = URGENCY.get(dict(f)["urgent"], (None, None))
    visible = apply_filter(select(*LIST_COLUMNS), InboxFilter(**{**dict(f), "urgent": ""}), who, "postgresql", clock)
    if guessed is not None:
        visible = visible.where(Item.urgent_guessed.is_(guessed))

    def after_cursor(urgent, activity_at, item_id):  # type: ignore[no-untyped-def]
        return tuple_(urgent, activity_at, item_id) < tuple_(
            bindparam("after_urgent", type_=Item.urgent.type, literal_execute=True),
            bindparam("after_activity", type_=Item.activity_at.type, literal_execute=True),
            bindparam("after_id", type_=Integer, literal_execute=True))

    rows = visible.where(Item.urgent.is_(urgent)) if urgent is not None else visible
    rows = rows.where(after_cursor(Item.urgent, Item.activity_at, Item.id)) if after else rows
    window = rows.with_only_columns(hit.label("hit")).order_by(*INBOX_ORDER).limit(_inline(window_size)).subquery()
    probe = (select(func.count().label("n"))
             .select_from(select(window.c.hit).where(window.c.hit).limit(_inline(dense)).subquery())
             .cte("probe"))
    found = select(probe.c.n).scalar_subquery()
    # Reading on: the first limit + 1 matches among the next read_on items (their ids; the
    # page's columns are read for those alone), used only where they fill the page.
    read = (rows.with_only_columns(Item.id, Item.urgent, Item.activity_at, hit.label("hit"))
            .where(found >= dense).order_by(*INBOX_ORDER).limit(_inline(read_on)).subquery())
    ordered = (select(read.c.id).where(read.c.hit)
               .order_by(read.c.urgent.desc(), read.c.activity_at.desc(), read.c.id.desc())
               .limit(_inline(limit + 1)).cte("read_on"))
    filled = select(func.count()).select_from(ordered).scalar_subquery() > _inline(limit)
    in_order = select(*LIST_COLUMNS).join(ordered, Item.id == ordered.c.id).where(filled)
    # The index branch: where the probe found the words rare or reading on did not fill the
    # page (asked only then: CASE keeps the order, so a rare word's search never reads on).
    from_words = case((found < dense, true()), else_=not_(filled))
    # MATERIALIZED: the index's matches are read as such, with nothing of the inbox order
    # (the cursor) pushed into that read; the cursor applies to what it found.
    status = dict(f)["status"]
    if status == Status.DONE.value or not status:  # the closed items' index (with the open ones': every status)
        parts = [visible.where(indexed_words(hit, status, urgent), from_words)]
    else:  # the open items' two indexes, urgent ones first (inbox order), the others by the
        # months of their last activity, newest first (MONTH_SLICES): a part is read only where
        # those before it do not fill the page (the outer LIMIT ends the Append before it)
        parts = []
        for flag in urgencies:
            part = visible.where(indexed_words(hit, status, flag), from_words)
            parts += [part] if flag else [part.where(months) for months in _recent_months()]
    from_index = []
    for n, part in enumerate(parts):
        matches = part.cte(f"matches_{n}").prefix_with("MATERIALIZED")
        taken = select(matches)
        if after:
            taken = taken.where(after_cursor(matches.c.urgent, matches.c.activity_at, matches.c.id))
        from_index.append(taken.order_by(matches.c.urgent.desc(), matches.c.activity_at.desc(), matches.c.id.desc())
                          .limit(_inline(limit + 1)))
    if len(from_index) > 1:
        from_index = [select(union_all(*from_index).subquery()).limit(_inline(limit + 1))]
    return union_all(in_order, *from_index)


def _recent_months() -> list[Any]:
    """The conditions of the slices, newest first (values: ``_month_bounds``, written into the
    SQL so that every plan knows the months): the months of each of MONTH_SLICES (an OR, each
    month by its value: PostgreSQL asks the index once per month), and every older
    item, asked by the moment itself, which the index cannot ask: reading the entries of every
    older month would cost a word found in a few items about what decoding a common one costs."""
    month = functools.partial(bindparam, type_=DateTime, literal_execute=True)
    active = ACTIVITY_MONTH
    parts, first = [], 0
    for size in MONTH_SLICES:
        parts.append(or_(*(active == month(f"month_{n}") for n in range(first, first + size))))
        first += size
    older = bindparam("months_from", type_=Item.activity_at.type, literal_execute=True)
    return [*parts, or_(Item.activity_at < older, Item.activity_at.is_(None))]


def _searched_sqlite(session: Session, user: User, f: InboxFilter, clock: Clock,
                     cursor: tuple[bool, datetime, int] | None, limit: int) -> list[Any]:
    """The first ``limit + 1`` matches of a full-text search in inbox order on embedded SQLite,
    as ``_searched`` on PostgreSQL: the first ``SQLITE_SEARCH_WINDOW`` items in inbox order are
    checked (stopping as soon as a page is full); with too few matches among them the search
    goes on after the last of them, in inbox order where matches were dense, else from the
    index: its candidates for the words it finds in few items
    (store.sqlite_search.candidate_ids), checked and sorted; where every word is too common
    for that, in inbox order. Every way gives exactly the rows of one query ordered and cut by
    the inbox order (``search_condition``)."""
    plain = apply_filter(select(*LIST_COLUMNS), replace(f, q=""), user, "sqlite", clock)
    if cursor is not None:
        plain = plain.where(_before(cursor))
    keys = sqlite_search.search_keys(f.q)
    hit = sqlite_search.row_condition(keys)
    size = SQLITE_SEARCH_WINDOW
    window = (plain.add_columns(hit.label("hit"), func.row_number().over(order_by=INBOX_ORDER).label("n"))
              .order_by(*INBOX_ORDER).limit(size).subquery())
    # The matches and the window's last row; the outer limit ends the reading early.
    found = sorted(session.execute(select(window).where(or_(window.c.hit, window.c.n == size))
                                   .limit(limit + 2)), key=lambda r: r.n)
    hits = [r for r in found if r.hit][: limit + 1]
    last = next((r for r in found if r.n == size), None)
    if len(hits) > limit or last is None:  # a full page, or every item was in the window
        return hits
    rest = plain.where(_before((last.urgent, last.activity_at, last.id)), hit)
    if len(hits) >= DENSE_MATCHES or (ids := sqlite_search.candidate_ids(session, keys)) is None:
        more = rest.order_by(*INBOX_ORDER)
    else:  # the candidates by id; the filters as one expression, which SQLite uses no index for
        # (without statistics, as in a running installation, its planner would read an office's
        # items to find them otherwise: 65 ms instead of 1 at 1,000,000 items)
        more = _ordered(select(*LIST_COLUMNS).where(Item.id.in_(ids), func.coalesce(rest.whereclause, False)))
    return hits + list(session.execute(more.limit(limit + 1 - len(hits))))


def _sqlite_matches(session: Session, q: str):  # type: ignore[no-untyped-def]
    """``search_condition`` on SQLite with the index asked first, word by word: its candidates
    where it narrows the search down, else the LIKE alone on the rows read (the index's whole
    answer for a common word is hundreds of thousands of ids: 0.5–1.2 s at 1,000,000 items)."""
    keys = sqlite_search.search_keys(q)
    check = sqlite_search.row_condition(keys)
    ids = sqlite_search.candidate_ids(session, keys)
    return check if ids is None else and_(Item.id.in_(ids), check)


def _ordered(stmt: Select) -> Select:
    """All rows of ``stmt`` first (MATERIALIZED keeps SQLite's planner from reading the inbox
    order instead), then in inbox order: for the few items an index hands over."""
    rows = stmt.cte("matches").prefix_with("MATERIALIZED")
    return select(rows).order_by(rows.c.urgent.desc(), rows.c.activity_at.desc(), rows.c.id.desc())


def _inline(n: int):  # type: ignore[no-untyped-def]
    """A LIMIT written into the SQL: a bound LIMIT is planned as a tenth of all rows."""
    return bindparam(None, n, type_=Integer, literal_execute=True)


def _by_due(session: Session, user: User, f: InboxFilter, clock: Clock, dialect: str,
            cursor: tuple[datetime | None, int] | None, limit: int) -> list[Any]:
    """Rows by the moment their first action is due, then id; those without a running clock
    last, by id. Both parts are one index read: ``ix_items_due`` (due_at, id) over the running
    clocks, the primary key for the rest."""
    if dialect == "sqlite" and f.q.strip():  # SQLite's index only for words it finds in few items
        base = apply_filter(select(*LIST_COLUMNS), replace(f, q=""), user, dialect, clock).where(
            _sqlite_matches(session, f.q))
    else:
        base = apply_filter(select(*LIST_COLUMNS), f, user, dialect, clock)
    rows: list[Any] = []
    if cursor is None or cursor[0] is not None:
        stmt = base.where(Item.due_at.is_not(None))
        if cursor is not None:
            stmt = stmt.where(tuple_(Item.due_at, Item.id) > tuple_(
                literal(cursor[0], Item.due_at.type), literal(cursor[1])))
        rows += session.execute(stmt.order_by(Item.due_at, Item.id).limit(limit + 1))
    if len(rows) <= limit:
        tail = base.where(Item.due_at.is_(None))
        if cursor is not None and cursor[0] is None:
            tail = tail.where(Item.id > cursor[1])
        rows += session.execute(tail.order_by(Item.id).limit(limit + 1 - len(rows)))
    return rows


def counts(session: Session, user: User) -> dict[str, Any]:
    """Open items per queue and per status, urgent open items: only what the user may see.

    Read from the counts the database keeps by trigger (``store.counts``): exact at every
    poll and independent of the number of items."""
    if not has_permission(user, "inbox"):
        rows: dict[tuple[str, str, bool], int] = {}
    else:
        queues = visible_queues(user)
        rows = item_counts.totals(session, queues, exclude_status=(Status.DONE.value, *NOT_IN_INBOX)) if queues != frozenset() else {}
    by_queue: dict[str, int] = {}
    by_status: dict[str, int] = {}
    urgent = 0
    for (status, queue, is_urgent), n in rows.items():
        by_queue[queue] = by_queue.get(queue, 0) + n
        by_status[status] = by_status.get(status, 0) + n
        urgent += n if is_urgent else 0
    due = 0
    if has_permission(user, "inbox"):
        # Items whose Wiedervorlage has come (few: read through ix_items_resubmit).
        due = session.scalar(visible_items(select(func.count()).select_from(Item), user).where(
            Item.resubmit_at <= datetime.now(UTC), Item.status != Status.DONE.value)) or 0
    return {
        "resubmission_due": due,
        "queues": sorted(by_queue.items(), key=lambda x: (-x[1], x[0])),
        "statuses": sorted(by_status.items()),
        "urgent": urgent,
        "open": sum(by_queue.values()),
    }
