"""Legal deadlines computed from dates in a request.

- Widerspruch: one month after Bekanntgabe (§ 84 Abs. 1 SGG). A Bescheid sent by post counts as
  bekanntgegeben on the fourth day after posting (§ 37 Abs. 2 SGB X as amended for 2025).
  The month is counted as in § 64 Abs. 2 SGG (same day number in the next month, or that
  month's last day), and a deadline ending on a Saturday, Sunday or public holiday ends on the
  next working day (§ 64 Abs. 3 SGG): the public holidays are those of the Kommune's region
  (``holiday_region`` of the catalogue's Kommune, e.g. "DE-NI"; "DE": nationwide ones only).
- Eingliederungshilfe: the Reha-Träger decides on its responsibility within two weeks of receipt
  (§ 14 Abs. 1 SGB IX).
"""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from domain import public_holidays

POSTAL_DELIVERY_DAYS = 4  # Bekanntgabefiktion since 2025 (was three days before)
NATIONWIDE = "DE"  # where no Kommune is named: the holidays every Land has


def is_working_day(day: date, region: str = NATIONWIDE) -> bool:
    """Mon–Fri and no public holiday of ``region`` ("DE-NI": nationwide and the Land's)."""
    return day.weekday() < 5 and day not in public_holidays(region, day.year)


def next_working_day(day: date, region: str = NATIONWIDE) -> date:
    while not is_working_day(day, region):
        day += timedelta(days=1)
    return day


def bekanntgabe(posted: date) -> date:
    """Day a posted Bescheid counts as delivered (the fiction is not moved off weekends)."""
    return posted + timedelta(days=POSTAL_DELIVERY_DAYS)


def widerspruch_deadline(bescheid_date: date, posted: bool = True, region: str = NATIONWIDE) -> date:
    """Last day to lodge a Widerspruch against a Bescheid dated ``bescheid_date``.

    ``posted``: the Bescheid went by post (its date is taken as the posting date); otherwise
    ``bescheid_date`` is the day it was handed over, i.e. the Bekanntgabe itself.
    """
    known = bekanntgabe(bescheid_date) if posted else bescheid_date
    return next_working_day(known + relativedelta(months=1), region)


def sgb_ix_decision_deadline(received: date) -> date:
    """§ 14 Abs. 1 SGB IX: two weeks from receipt to decide on responsibility."""
    return received + timedelta(weeks=2)
