"""The Steuerung dashboard's figures (/steuerung), for a period and the offices a user sees.

History (inflow, routing, re-routes, closings, first actions) comes from ``steering_daily``,
which triggers keep per local day of the Kommune (Europe/Berlin, migrations 0018 and 0022)
and whose past days the sweeper folds into one row per key (store.steering_fold), on
PostgreSQL also into one row per month (``steering_monthly``). The database sums those rows
per bucket (day, ISO week, month or year) in one GROUP BY, so a request gets back a few
hundred sums whatever the number of items or days.
What is open now comes from ``item_counts`` (backlog), ``assigned_counts`` (open items per
person, migration 0019) and partial indexes over open items (oldest open item, deadlines),
so closed items are never read. Appointment slots are few; they are counted directly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import (
    Date,
    DateTime,
    Integer,
    Select,
    bindparam,
    case,
    cast,
    func,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from store import counts
from store.catalogue import current_catalogue
from store.enums import Status
from store.localdays import LOCAL_ZONE, local_date
from store.models import (
    Appointment,
    AppointmentSlot,
    AssignedCount,
    Item,
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
    ``parts`` (of PARTS) which of them are computed (the others stay empty)."""
    now = now or datetime.now(UTC)
    catalogue = current_catalogue(session, settings)
    offices = [o for o in catalogue.active_offices if queues is None or o.key in queues]
    channels = [(c.key, c.label) for c in catalogue.channels] or [(k, k) for k in ("email", "letter", "webform", "phone")]
    board = Dashboard(period, now, channels, [])
    default = settings.default_response_target_hours
    rows = {o.key: OfficeRow(o.key, o.label, target_hours=catalogue.response_target_hours(o.key, default))
            for o in offices}
    if "history" in parts:
        _history(session, board, rows, queues)
    if "open" in parts:
        _open_now(session, board, rows, queues, now)
    board.offices = list(rows.values())
    if "staff" in parts:
        board.staff = _staff(session, queues)
    if "appointments" in parts:
        board.appointments = _appointments(session, period, queues, {o.key: o.label for o in offices}, now)
    return board


def bucket_column(dialect: str, unit: str) -> ColumnElement[date]:
    """``steering_daily.day`` truncated to the start of its bucket, in SQL (weeks start on Monday)."""
    day = SteeringDaily.day
    if unit == "tag":
        return day
    if dialect == "postgresql":
        field_ = {"woche": "week", "monat": "month", "jahr": "year"}[unit]
        # date_trunc of a plain timestamp: a date would be cast to timestamptz, a zone lookup per row.
        return cast(func.date_trunc(field_, cast(day, DateTime(timezone=False))), Date)
    # SQLite keeps dates as 'YYYY-MM-DD' text; %w counts Sunday as 0.
    if unit == "woche":
        shift = func.printf("-%d days", (cast(func.strftime("%w", day), Integer) + 6) % 7)
        return type_coerce(func.date(day, shift), Date)
    return type_coerce(func.date(day, "start of month" if unit == "monat" else "start of year"), Date)


def _history(session: Session, board: Dashboard, rows: dict[str, OfficeRow],
             queues: Collection[str] | None) -> None:
    period = board.period
    # Everyone sees intake by channel as received; an office-bound user the items routed to
    # their offices (an item has no office before it is routed).
    inflow_metric = "inflow" if queues is None else "routed"
    per_bucket: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for start, metric, queue, channel, n, total in session.execute(_history_sums(session, period, queues)):
        n = int(n or 0)
        if metric == inflow_metric:
            per_bucket[start][channel] += n
            board.inflow_total += n
            board.digital += n if channel not in ANALOGUE else 0
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
            rows[queue].first_action_seconds += float(total or 0)
    board.inflow = [(label, dict(per_bucket.get(start, {}))) for start, label in period.buckets()]


def _history_sums(session: Session, period: Period, queues: Collection[str] | None) -> Select:
    """(bucket, metric, office, channel, n, total) for the period, summed in SQL.

    On PostgreSQL, a period by month or year takes its whole months from ``steering_monthly``
    (the folded figures, migration 0029) plus their daily rows not folded yet (slots 1–8, a
    partial index), and only the days of months it covers in part from ``steering_daily``:
    a year is a few hundred rows, not ~25,000."""
    dialect = session.get_bind().dialect.name
    daily_bucket = bucket_column(dialect, period.unit)
    parts = []
    first_full = period.start if period.start.day == 1 else _step("monat", period.start.replace(day=1), 1)
    after_full = (period.end + timedelta(days=1)).replace(day=1)  # the day after the last whole month
    whole_months = dialect == "postgresql" and period.unit in ("monat", "jahr") and first_full < after_full
    # The days as literals in the SQL, not parameters: a prepared statement (psycopg prepares
    # from the 5th run) would get PostgreSQL's generic plan for unknown days, which reads
    # steering_daily whole (20-57 ms instead of 4 ms for 12 months).
    start, end, first_full_, after_full_ = (
        bindparam(None, d, type_=Date, literal_execute=True)
        for d in (period.start, period.end, first_full, after_full))

    def daily(*conditions: ColumnElement[bool]) -> Select:
        return select(daily_bucket.label("bucket"), SteeringDaily.metric, SteeringDaily.queue,
                      SteeringDaily.channel, SteeringDaily.n, SteeringDaily.total).where(*conditions)

    if whole_months:
        month = SteeringMonthly.month
        month_bucket = month if period.unit == "monat" else \
            cast(func.date_trunc("year", cast(month, DateTime(timezone=False))), Date)
        parts.append(select(month_bucket.label("bucket"), SteeringMonthly.metric, SteeringMonthly.queue,
                            SteeringMonthly.channel, SteeringMonthly.n, SteeringMonthly.total)
                     .where(month >= first_full_, month < after_full_))
        parts.append(daily(SteeringDaily.slot != 0, SteeringDaily.day >= first_full_,
                           SteeringDaily.day < after_full_))
        if period.start < first_full:  # the days of a month the period begins inside
            parts.append(daily(SteeringDaily.day >= start, SteeringDaily.day < first_full_))
        if after_full <= period.end:  # and of the month it ends inside
            parts.append(daily(SteeringDaily.day >= after_full_, SteeringDaily.day <= end))
    else:
        parts.append(daily(SteeringDaily.day >= start, SteeringDaily.day <= end))
    if queues is not None:
        offices = sorted(queues)
        parts = [part.where(part.selected_columns.queue.in_(offices)) for part in parts]
    rows = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    return (select(rows.c.bucket, rows.c.metric, rows.c.queue, rows.c.channel,
                   func.sum(rows.c.n), func.sum(rows.c.total))
            .group_by(rows.c.bucket, rows.c.metric, rows.c.queue, rows.c.channel))


def _open_now(session: Session, board: Dashboard, rows: dict[str, OfficeRow],
              queues: Collection[str] | None, now: datetime) -> None:
    for (status, queue, _urgent), n in counts.totals(session, queues).items():
        if status != Status.DONE.value and queue in rows:
            rows[queue].backlog += n
    open_ = Item.status != Status.DONE.value  # the partial indexes' predicate, verbatim
    # One round trip for every office: a LIMIT 1 per office on the partial index, side by side.
    keys = list(rows)
    if keys:
        oldest = session.execute(select(*[
            select(Item.received_at).where(Item.queue == key, open_)
            .order_by(Item.queue, Item.received_at).limit(1).scalar_subquery().label(f"o{i}")
            for i, key in enumerate(keys)])).one()
        for key, at in zip(keys, oldest, strict=True):
            rows[key].oldest_open = at
    today = local_today(now)
    week_end = local_midnight(today + timedelta(days=7 - today.weekday()))  # next Monday, 0:00 local
    stmt = (select(Item.queue,
                   func.sum(case((Item.deadline < now, 1), else_=0)),
                   func.sum(case((Item.deadline >= now, 1), else_=0)))
            .where(open_, Item.deadline.is_not(None), Item.deadline < week_end)
            .group_by(Item.queue))
    if queues is not None:
        stmt = stmt.where(Item.queue.in_(sorted(queues)))
    for queue, overdue, due in session.execute(stmt):
        if queue in rows:
            rows[queue].overdue, rows[queue].due_this_week = int(overdue or 0), int(due or 0)


def _staff(session: Session, queues: Collection[str] | None) -> list[tuple[str, int]]:
    stmt = select(AssignedCount.assigned_to, func.sum(AssignedCount.n)).group_by(AssignedCount.assigned_to)
    if queues is not None:
        stmt = stmt.where(AssignedCount.queue.in_(sorted(queues)))
    found = {person: n for person, n in session.execute(stmt).all() if n}
    names = dict(session.execute(select(User.username, User.display_name)
                                 .where(User.username.in_(sorted(found)))).all()) if found else {}
    return sorted(((names.get(u) or u, int(n)) for u, n in found.items()), key=lambda r: (-r[1], r[0]))


def _appointments(session: Session, period: Period, queues: Collection[str] | None,
                  labels: dict[str, str], now: datetime) -> list[tuple[str, int, int, int]]:
    start, end = local_midnight(period.start), local_midnight(period.end + timedelta(days=1))
    booked = (select(Appointment.slot_id, func.count().label("n"))
              .where(Appointment.status == "booked").group_by(Appointment.slot_id).subquery())
    stmt = (select(AppointmentSlot.queue, func.sum(AppointmentSlot.capacity),
                   func.sum(func.coalesce(booked.c.n, 0)),
                   func.sum(case((AppointmentSlot.ends_at < now, func.coalesce(booked.c.n, 0)), else_=0)))
            .outerjoin(booked, booked.c.slot_id == AppointmentSlot.id)
            .where(AppointmentSlot.starts_at >= start, AppointmentSlot.starts_at < end)
            .group_by(AppointmentSlot.queue).order_by(AppointmentSlot.queue))
    if queues is not None:
        stmt = stmt.where(AppointmentSlot.queue.in_(sorted(queues)))
    return [(labels.get(q, q), int(o or 0), int(b or 0), int(u or 0)) for q, o, b, u in session.execute(stmt)]
