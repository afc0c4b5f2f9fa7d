"""The Steuerung dashboard's figures (/steuerung), for a period and the offices a user sees.

History (inflow, routing, re-routes, closings, first actions) comes from ``steering_daily``,
which triggers keep per local day of the Kommune (Europe/Berlin, migrations 0018 and 0022)
and whose past days the sweeper folds into one row per key (store.steering_fold), on
PostgreSQL also into one row per month (``steering_monthly``; on SQLite, one writer, triggers
keep that table: store.sqlite_steering). The database sums those rows
per bucket (day, ISO week, month or year) in one GROUP BY, so a request gets back a few
hundred sums whatever the number of items or days.
What is open now comes from ``item_counts`` (backlog), ``assigned_counts`` (open items per
person, migration 0019) and partial indexes over open items (oldest open item, deadlines),
so closed items are never read. Appointment slots are few; they are counted directly.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    CompoundSelect,
    Date,
    DateTime,
    Float,
    Select,
    String,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    null,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter, ColumnElement

from store.catalogue import current_catalogue
from store.enums import Status
from store.localdays import LOCAL_ZONE, local_date
from store.models import (
    Appointment,
    AppointmentSlot,
    AssignedCount,
    Item,
    ItemCount,
    SteeringDaily,
    SteeringMonthly,
    User,
)
from store.settings import Settings

UNITS = {"tag": "Tag", "woche": "Woche", "monat": "Monat", "jahr": "Jahr"}
DEFAULT_SPAN = {"tag": 14, "woche": 12, "monat": 12, "jahr": 3}

ANALOGUE = frozenset({"letter", "phone"})  # everything else arrives digitally


class PeriodError(ValueError):
    """A period a person typed that cannot be shown (German message)."""


@dataclass(frozen=True)
class Period:
    unit: str
    start: date
    end: date  # inclusive

    @classmethod
    def parse(cls, unit: str | None, von: str | None, bis: str | None, today: date) -> Period:
        unit = unit if unit in UNITS else "tag"
        try:
            end = date.fromisoformat(bis) if bis else today
            start = date.fromisoformat(von) if von else None
        except ValueError as exc:
            raise PeriodError("Bitte ein Datum im Format JJJJ-MM-TT angeben.") from exc
        if start is None:
            start = _bucket_start(unit, _step(unit, end, -(DEFAULT_SPAN[unit] - 1)))
        if start > end:
            raise PeriodError("Der Beginn des Zeitraums liegt nach seinem Ende.")
        if (end - start).days > 3 * 366:
            raise PeriodError("Bitte höchstens drei Jahre auf einmal auswählen.")
        return cls(unit, start, end)

    def buckets(self) -> list[tuple[date, str]]:
        out, current = [], _bucket_start(self.unit, self.start)
        while current <= self.end:
            out.append((current, _label(self.unit, current)))
            current = _step(self.unit, current, 1)
        return out

    def bucket_of(self, day: date) -> date:
        return _bucket_start(self.unit, day)

    @property
    def label(self) -> str:
        return f"{self.start:%d.%m.%Y} – {self.end:%d.%m.%Y}"


def local_today(now: datetime) -> date:
    """The Kommune's calendar day at ``now`` (the triggers count in the same days)."""
    return local_date(now)


def local_midnight(day: date) -> datetime:
    """The start of the Kommune's ``day`` as a UTC time (23:00 or 22:00 UTC the day before)."""
    return datetime.combine(day, time(), LOCAL_ZONE).astimezone(UTC)


def _bucket_start(unit: str, day: date) -> date:
    if unit == "jahr":
        return day.replace(month=1, day=1)
    if unit == "woche":
        return day - timedelta(days=day.weekday())
    if unit == "monat":
        return day.replace(day=1)
    return day


def _step(unit: str, day: date, n: int) -> date:
    if unit == "jahr":
        return date(day.year + n, 1, 1)
    if unit == "woche":
        return day + timedelta(weeks=n)
    if unit == "monat":
        months = day.year * 12 + day.month - 1 + n
        return date(months // 12, months % 12 + 1, 1)
    return day + timedelta(days=n)


def _label(unit: str, start: date) -> str:
    if unit == "jahr":
        return f"{start:%Y}"
    if unit == "woche":
        year, week, _ = start.isocalendar()
        return f"KW {week}/{year}"
    if unit == "monat":
        return f"{start:%m/%Y}"
    return f"{start:%d.%m.}"


@dataclass
class OfficeRow:
    key: str
    label: str
    routed: int = 0
    reroutes: int = 0
    backlog: int = 0
    oldest_open: datetime | None = None
    first_actions: int = 0
    first_action_seconds: float = 0.0
    target_hours: float = 0.0
    overdue: int = 0
    due_this_week: int = 0

    @property
    def reroute_rate(self) -> float | None:
        return self.reroutes / self.routed if self.routed else None

    @property
    def first_action_hours(self) -> float | None:
        return self.first_action_seconds / self.first_actions / 3600 if self.first_actions else None

    def oldest_age_days(self, now: datetime) -> int | None:
        return (now - self.oldest_open).days if self.oldest_open else None


@dataclass
class Dashboard:
    period: Period
    now: datetime
    channels: list[tuple[str, str]]  # key, label
    inflow: list[tuple[str, dict[str, int]]]  # bucket label -> channel -> items
    inflow_total: int = 0
    digital: int = 0
    routed: int = 0
    clearing: int = 0
    done_auto: int = 0
    done_person: int = 0
    offices: list[OfficeRow] = field(default_factory=list)
    staff: list[tuple[str, int]] = field(default_factory=list)
    appointments: list[tuple[str, int, int, int]] = field(default_factory=list)  # office, offered, booked, used

    @property
    def digital_share(self) -> float | None:
        return self.digital / self.inflow_total if self.inflow_total else None

    @property
    def automation_rate(self) -> float | None:
        done = self.done_auto + self.done_person
        return self.done_auto / done if done else None

    @property
    def clearing_share(self) -> float | None:
        return self.clearing / self.routed if self.routed else None


# The parts of the figures; a chart or a CSV asks only for the ones it shows.
PARTS = frozenset({"history", "open", "staff", "appointments"})


def dashboard(session: Session, settings: Settings, period: Period, queues: Collection[str] | None,
              now: datetime | None = None, parts: Collection[str] = PARTS) -> Dashboard:
    """The figures for ``period``; ``queues`` limits them to those offices (None: all);
    ``parts`` (of PARTS) which of them are computed (the others stay empty).

    All of them come from one statement (``_figures``): a round trip to the database costs
    more than most of the figures' queries themselves, and on a busy machine each one waits
    for a core."""
    now = now or datetime.now(UTC)
    catalogue = current_catalogue(session, settings)
    offices = [o for o in catalogue.active_offices if queues is None or o.key in queues]
    channels = [(c.key, c.label) for c in catalogue.channels] or [(k, k) for k in ("email", "letter", "webform", "phone")]
    board = Dashboard(period, now, channels, [])
    default = settings.default_response_target_hours
    rows = {o.key: OfficeRow(o.key, o.label, target_hours=catalogue.response_target_hours(o.key, default))
            for o in offices}
    scope = tuple(sorted(queues)) if queues is not None else None
    wanted = frozenset(parts) & PARTS
    stmt = _figures(session.get_bind().dialect.name, _shape(period), scope, tuple(rows), wanted)
    today = local_today(now)
    values = {**_bounds(period), "now": now,
              # next Monday, 0:00 local: the end of "this week" for deadlines
              "week_end": local_midnight(today + timedelta(days=7 - today.weekday())),
              "slots_from": local_midnight(period.start),
              "slots_to": local_midnight(period.end + timedelta(days=1))}
    inflow, totals, staff, slots = [], [], [], {}
    for row in session.execute(stmt, values) if stmt is not None else ():
        part, office = row.part, rows.get(row.queue)
        if part == "inflow":
            inflow.append(row)
        elif part == "totals":
            totals.append(row)
        elif part == "staff" and row.n:
            staff.append((row.name or row.person, int(row.n)))
        elif part == "slots":
            slots[row.queue] = (int(row.n or 0), int(row.n2 or 0), int(row.n3 or 0))
        elif office is None:
            continue  # open items of an office the catalogue no longer lists
        elif part == "backlog":
            office.backlog, office.oldest_open = int(row.n or 0), row.at
        elif part == "deadlines":
            office.overdue, office.due_this_week = int(row.n or 0), int(row.n2 or 0)
    if "history" in wanted:
        _add_history(board, rows, inflow, totals)
    board.offices = list(rows.values())
    board.staff = sorted(staff, key=lambda r: (-r[1], r[0]))
    labels = {o.key: o.label for o in offices}
    board.appointments = [(labels.get(q, q), *slots[q]) for q in sorted(slots)]
    return board


# Every part's rows share these columns (each part fills its own, the others are NULL),
# tagged by ``part``, so that one UNION ALL returns them all. Their types are stated once, by a
# first SELECT that returns no row (``_header``); the parts' NULLs take them from it.
_COLUMNS = {"bucket": Date(), "metric": String(), "queue": String(), "channel": String(),
            "person": String(), "name": String(), "n": BigInteger(), "n2": BigInteger(), "n3": BigInteger(),
            "total": Float(), "at": Item.received_at.type}


def _const(value: str | int) -> ColumnElement[Any]:
    """A constant of this module written into the SQL, not bound: the statement's fixed values
    were 54 of its 58 parameters, and psycopg keeps its conversion of a statement (placeholders
    to $n) only for statements of at most 50 parameters and 4 KB, so it converted the 10 KB
    anew at every run; each bound value also costs its own handling on every run."""
    return literal_column(str(value) if isinstance(value, int) else "'" + value.replace("'", "''") + "'",
                          BigInteger() if isinstance(value, int) else String())


def _tagged(part: str, *, where_from: Any = None, **values: Any) -> Select:
    """One part's SELECT with every column of ``_COLUMNS`` (NULL where the part has none)."""
    columns = [_const(part).label("part")]
    for name in _COLUMNS:
        value = values.pop(name, None)
        columns.append((null() if value is None else value).label(name))
    assert not values, f"unknown columns {sorted(values)}"
    stmt = select(*columns)
    return stmt.select_from(where_from) if where_from is not None else stmt


def _header() -> Select:
    """The first SELECT of the statement: no row, every column typed. PostgreSQL gives each
    column of a UNION the type of its first typed branch (the others' NULLs are untyped), and
    SQLAlchemy reads the result by the first SELECT's types; a typed NULL in every part made
    the statement half again as long."""
    return select(literal_column("NULL", String()).label("part"),
                  *(cast(null(), type_).label(name) for name, type_ in _COLUMNS.items())).where(_const(1) == _const(0))


# The period's values, named: the statement is built once per shape (_figures) and run with them.
def _day(name: str) -> BindParameter[date]:
    # Written into the SQL, not bound: a prepared statement (psycopg prepares from the 5th
    # run) gets PostgreSQL's generic plan for unknown days, which read steering_daily whole
    # (20-57 ms instead of 4 ms for 12 months).
    return bindparam(name, type_=Date, literal_execute=True)


def _moment(name: str) -> BindParameter[datetime]:
    return bindparam(name, type_=Item.deadline.type)  # UTC on every backend (store.models.UTCDateTime)


def _first_full(period: Period) -> date:
    """The first day of the first whole month in ``period``."""
    return period.start if period.start.day == 1 else _step("monat", period.start.replace(day=1), 1)


def _after_full(period: Period) -> date:
    """The day after the last whole month in ``period``."""
    return (period.end + timedelta(days=1)).replace(day=1)


def _bounds(period: Period) -> dict[str, date]:
    return {"start": period.start, "end": period.end, "first_full": _first_full(period),
            "after_full": _after_full(period)}


@dataclass(frozen=True)
class _Shape:
    """What decides the history statement's form (not its values)."""
    unit: str
    whole_months: bool  # whole months inside the period (read from steering_monthly)
    begins_inside: bool  # the period begins inside a month
    ends_inside: bool  # and ends inside one


def _shape(period: Period) -> _Shape:
    first_full, after_full = _first_full(period), _after_full(period)
    return _Shape(period.unit, first_full < after_full, period.start < first_full, after_full <= period.end)


@functools.lru_cache(maxsize=256)
def _figures(dialect: str, shape: _Shape, queues: tuple[str, ...] | None, offices: tuple[str, ...],
             parts: frozenset[str]) -> Select | CompoundSelect | None:
    """The one statement of a dashboard: the rows of every part asked for, tagged (None: no
    part). Built once per form and kept (building it and computing its cache key took longer
    than running it); the period's days, the current time, the end of the week and the
    appointments' range are its parameters."""
    tagged: list[Select] = []
    if "history" in parts:
        tagged += _history(dialect, shape, queues)
    if "open" in parts and offices:
        tagged += _open_now(queues)
    if "staff" in parts:
        tagged.append(_staff(queues))
    if "appointments" in parts:
        tagged.append(_appointments(queues))
    if not tagged:
        return None
    return union_all(_header(), *tagged)


def bucket_column(dialect: str, unit: str) -> ColumnElement[date]:
    """``steering_daily.day`` truncated to the start of its bucket, in SQL (weeks start on Monday)."""
    day = SteeringDaily.day
    if unit == "tag":
        return day
    if dialect == "postgresql":
        field_ = _const({"woche": "week", "monat": "month", "jahr": "year"}[unit])
        # date_trunc of a plain timestamp: a date would be cast to timestamptz, a zone lookup per row.
        return cast(func.date_trunc(field_, cast(day, DateTime(timezone=False))), Date)
    # SQLite keeps dates as 'YYYY-MM-DD' text. A week's Monday: six days back, then on to the
    # next Monday (the day itself if it is one); one date() call per row, where strftime('%w'),
    # a cast and printf took two and a half times as long (12 weeks read ~6,000 rows).
    if unit == "woche":
        return type_coerce(func.date(day, "-6 days", "weekday 1"), Date)
    return type_coerce(func.date(day, "start of month" if unit == "monat" else "start of year"), Date)


def _history(dialect: str, shape: _Shape, queues: tuple[str, ...] | None) -> list[Select]:
    """The period's history in two sums: the inflow per bucket and channel (the chart), and
    every metric per office over the whole period (no office's figure is shown per bucket),
    which reads the monthly rows for every whole month of any period (12 weeks hold two). A few dozen rows, where one sum per bucket, metric, office and channel gave
    ~1,000 for 14 days and ~70,000 for three years by day."""
    # Everyone sees intake by channel as received; an office-bound user the items routed to
    # their offices (an item has no office before it is routed).
    inflow_metric = _const("inflow" if queues is None else "routed")
    rows = _period_rows(dialect, shape, queues).subquery()  # the metric is pushed into each part
    inflow = (_tagged("inflow", bucket=rows.c.bucket, channel=rows.c.channel, n=func.sum(rows.c.n))
              .where(rows.c.metric == inflow_metric).group_by(rows.c.bucket, rows.c.channel))
    rows = _period_rows(dialect, shape, queues, by_bucket=False).subquery()
    totals = (_tagged("totals", metric=rows.c.metric, queue=rows.c.queue, n=func.sum(rows.c.n),
                      total=func.sum(rows.c.total))
              .group_by(rows.c.metric, rows.c.queue))
    return [inflow, totals]


def _add_history(board: Dashboard, rows: dict[str, OfficeRow], inflow: list[Any], totals: list[Any]) -> None:
    """The history's two sums (``_history``) into the board."""
    per_bucket: dict[date, dict[str, int]] = defaultdict(dict)
    for row in inflow:
        n = int(row.n or 0)
        per_bucket[row.bucket][row.channel] = n
        board.inflow_total += n
        board.digital += n if row.channel not in ANALOGUE else 0
    for row in totals:
        metric, queue, n = row.metric, row.queue, int(row.n or 0)
        if metric == "routed":
            board.routed += n
            board.clearing += n if queue == "clearing" else 0
            if queue in rows:
                rows[queue].routed += n
        elif metric == "reroute" and queue in rows:
            rows[queue].reroutes += n
        elif metric == "done_auto":
            board.done_auto += n
        elif metric == "done_person":
            board.done_person += n
        elif metric == "first_action" and queue in rows:
            rows[queue].first_actions += n
            rows[queue].first_action_seconds += float(row.total or 0)
    board.inflow = [(label, per_bucket.get(start, {})) for start, label in board.period.buckets()]


def _history_sums(session: Session, period: Period, queues: Collection[str] | None,
                  by_bucket: bool = True) -> Select:
    """(bucket, metric, office, channel, n, total) for ``period``, summed in SQL from the rows
    the dashboard sums (``_period_rows``), with the period's values bound; without
    ``by_bucket`` the bucket is the day or month the row stands for."""
    scope = tuple(sorted(queues)) if queues is not None else None
    rows = _period_rows(session.get_bind().dialect.name, _shape(period), scope, by_bucket).subquery()
    return (select(rows.c.bucket, rows.c.metric, rows.c.queue, rows.c.channel,
                   func.sum(rows.c.n), func.sum(rows.c.total))
            .group_by(rows.c.bucket, rows.c.metric, rows.c.queue, rows.c.channel)).params(**_bounds(period))


def _period_rows(dialect: str, shape: _Shape, queues: tuple[str, ...] | None,
                 by_bucket: bool = True) -> Select | CompoundSelect:
    """(bucket, metric, office, channel, n, total) rows of the period of the parameters
    ``start``, ``end``, ``first_full`` and ``after_full`` (``_bounds``), to be summed;
    ``by_bucket``: the bucket is the start of the row's bucket of the period's unit, else the
    row's own day or month (for sums over the whole period).

    A period by month or year, and any period summed whole, takes its whole months from
    ``steering_monthly``, and only the days of months it covers in part from ``steering_daily``:
    a year is a few hundred rows, not ~25,000. On PostgreSQL a month's row holds its folded
    figures (migration 0029), to which its daily rows not folded yet are added (slots 1–8, a
    partial index); on SQLite it holds every daily row of the month (triggers, migration 0036)."""
    daily_bucket = bucket_column(dialect, shape.unit if by_bucket else "tag")
    start, end, first_full, after_full = (_day(n) for n in ("start", "end", "first_full", "after_full"))

    def daily(*conditions: ColumnElement[bool]) -> Select:
        return select(daily_bucket.label("bucket"), SteeringDaily.metric, SteeringDaily.queue,
                      SteeringDaily.channel, SteeringDaily.n, SteeringDaily.total).where(*conditions)

    parts = []
    by_month = shape.unit in ("monat", "jahr") or not by_bucket
    if by_month and shape.whole_months:
        month = SteeringMonthly.month
        parts.append(select(_month_bucket(dialect, by_bucket and shape.unit == "jahr").label("bucket"),
                            SteeringMonthly.metric, SteeringMonthly.queue,
                            SteeringMonthly.channel, SteeringMonthly.n, SteeringMonthly.total)
                     .where(month >= first_full, month < after_full))
        if dialect == "postgresql":  # SQLite's monthly rows hold every daily row (store.sqlite_steering)
            parts.append(daily(SteeringDaily.slot != _const(0), SteeringDaily.day >= first_full,
                               SteeringDaily.day < after_full))
        if shape.begins_inside:  # the days of a month the period begins inside
            parts.append(daily(SteeringDaily.day >= start, SteeringDaily.day < first_full))
        if shape.ends_inside:  # and of the month it ends inside
            parts.append(daily(SteeringDaily.day >= after_full, SteeringDaily.day <= end))
    else:
        parts.append(daily(SteeringDaily.day >= start, SteeringDaily.day <= end))
    if queues is not None:
        parts = [part.where(part.selected_columns.queue.in_(queues)) for part in parts]
    return union_all(*parts) if len(parts) > 1 else parts[0]


def _month_bucket(dialect: str, by_year: bool) -> ColumnElement[date]:
    """``steering_monthly.month``, or the start of its year."""
    month = SteeringMonthly.month
    if not by_year:
        return month
    if dialect == "postgresql":
        return cast(func.date_trunc(_const("year"), cast(month, DateTime(timezone=False))), Date)
    return type_coerce(func.date(month, "start of year"), Date)


# 'done' written into the SQL, not bound: SQLite plans a statement before its values are bound
# and takes a partial index (status <> 'done') only where the SQL itself says so (its EXPLAIN,
# run with the values, shows the index all the same): counting the deadlines read the 650,000
# open items instead of the 7,143 in the index at 1,000,000 items (321 ms instead of 0.7 ms).
_DONE = literal_column(f"'{Status.DONE.value}'", String())


def _open_now(queues: tuple[str, ...] | None) -> list[Select]:
    """What is open now: per office with open items (``item_counts``) their number and the
    oldest of them (a LIMIT 1 on the partial index over open items, per office: one row each,
    where a SELECT per office made the statement twice as long), and the deadlines overdue and
    due this week (parameters ``now`` and ``week_end``)."""
    open_ = Item.status != _DONE  # the partial indexes' predicate, verbatim
    oldest = (select(Item.received_at).where(Item.queue == ItemCount.queue, open_)
              .order_by(Item.queue, Item.received_at).limit(1).correlate(ItemCount).scalar_subquery())
    backlog = _tagged("backlog", queue=ItemCount.queue, n=func.sum(ItemCount.n), at=oldest).where(
        ItemCount.status != _DONE).group_by(ItemCount.queue)
    now, week_end = _moment("now"), _moment("week_end")
    deadlines = (_tagged("deadlines", queue=Item.queue,
                         n=func.count().filter(Item.deadline < now), n2=func.count().filter(Item.deadline >= now))
                 .where(open_, Item.deadline.is_not(None), Item.deadline < week_end)
                 .group_by(Item.queue))
    if queues is not None:
        backlog = backlog.where(ItemCount.queue.in_(queues))
        deadlines = deadlines.where(Item.queue.in_(queues))
    return [backlog, deadlines]


def _staff(queues: tuple[str, ...] | None) -> Select:
    """Open items per person (``assigned_counts``) with the person's name."""
    stmt = (_tagged("staff", person=AssignedCount.assigned_to, name=func.max(User.display_name),
                    n=func.sum(AssignedCount.n))
            .select_from(AssignedCount).outerjoin(User, User.username == AssignedCount.assigned_to)
            .group_by(AssignedCount.assigned_to))
    return stmt.where(AssignedCount.queue.in_(queues)) if queues is not None else stmt


def _appointments(queues: tuple[str, ...] | None) -> Select:
    """Slots offered, booked and held (booked, time passed) per office in the period
    (parameters ``slots_from``, ``slots_to`` and ``now``)."""
    booked = (select(Appointment.slot_id, func.count().label("n"))
              .where(Appointment.status == _const("booked")).group_by(Appointment.slot_id).subquery())
    now = _moment("now")
    stmt = (_tagged("slots", queue=AppointmentSlot.queue, n=func.sum(AppointmentSlot.capacity),
                    n2=func.sum(func.coalesce(booked.c.n, _const(0))),
                    n3=func.sum(case((AppointmentSlot.ends_at < now, func.coalesce(booked.c.n, _const(0))), else_=_const(0))))
            .select_from(AppointmentSlot).outerjoin(booked, booked.c.slot_id == AppointmentSlot.id)
            .where(AppointmentSlot.starts_at >= bindparam("slots_from", type_=AppointmentSlot.starts_at.type),
                   AppointmentSlot.starts_at < bindparam("slots_to", type_=AppointmentSlot.starts_at.type))
            .group_by(AppointmentSlot.queue))
    return stmt.where(AppointmentSlot.queue.in_(queues)) if queues is not None else stmt
