"""When Aurora's customers act: opening hours, seasons, holidays and the calendar of a run."""

from __future__ import annotations

import math
from bisect import bisect_left
from calendar import monthrange
from collections.abc import Sequence
from datetime import date, timedelta
from itertools import accumulate

from cxhub.demo import texts
from cxhub.demo.catalogue import Campaign

# --- time ----------------------------------------------------------------------------------------

# Relative activity per hour of the (local) day, by kind of touchpoint.
_HOURS: dict[str, tuple[float, ...]] = {
    "store": (0,) * 9 + (0.5, 0.9, 1.2, 1.1, 0.8, 0.7, 0.9, 1.1, 1.4, 1.5, 1.1) + (0,) * 4,
    "contact": (0,) * 8 + (0.6, 1.3, 1.5, 1.4, 1.0, 0.7, 1.1, 1.3, 1.2, 1.0, 0.8, 0.6, 0.4) + (0,) * 3,
    "chat": (0,) * 8 + (0.6, 1.2, 1.2, 1.2, 1.1, 0.9, 1.1, 1.1, 1.1, 1.1, 1.0, 0.9, 0.8, 0.6) + (0,) * 2,
    "web": (0.35, 0.15, 0.08, 0.05, 0.05, 0.08, 0.2, 0.45, 0.7, 0.9, 1.0, 1.0)
    + (1.0, 1.1, 0.95, 0.9, 0.9, 1.0, 1.1, 1.2, 1.45, 1.6, 1.35, 0.8),
    "app": (0.3, 0.1, 0.05, 0.05, 0.05, 0.1, 0.3, 1.0, 1.3, 0.9, 0.8, 0.8)
    + (1.2, 1.3, 0.9, 0.8, 0.8, 1.0, 1.3, 1.3, 1.4, 1.5, 1.2, 0.7),
    "inbox": (0.2, 0.05, 0.03, 0.03, 0.03, 0.05, 0.2, 0.4, 0.8, 1.1, 1.1, 1.0)
    + (0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 1.0, 1.0, 1.1, 1.1, 0.8, 0.4),
}
_TABLE_BITS = 11
_STORE_CLOSES = 20 * 60 - 1  # the last minute a till can ring


def _minute_table(hours: Sequence[float]) -> tuple[int, ...]:
    """2048 minutes of the day spread like ``hours``: sampling is one table lookup."""
    size = 1 << _TABLE_BITS
    cum = list(accumulate(weight / 60 for weight in hours for _ in range(60)))
    return tuple(min(bisect_left(cum, (q + 0.5) / size * cum[-1]), 1439) for q in range(size))


_MINUTES = {name: _minute_table(hours) for name, hours in _HOURS.items()}
_HHMM = tuple(f"T{m // 60:02d}:{m % 60:02d}:" for m in range(1440))
_SS = tuple(f"{i * 60 // 64:02d}" for i in range(64))

_MONTH_SHOP = (0.95, 0.85, 0.95, 0.95, 1.0, 1.0, 0.95, 0.6, 1.3, 1.05, 1.05, 1.45)
_MONTH_SERVICE = (1.15, 1.0, 1.0, 1.0, 1.0, 0.95, 0.95, 0.75, 1.1, 1.05, 1.05, 1.0)
_WEEK_STORE = (0.85, 0.9, 0.95, 1.0, 1.15, 1.6, 0.55)
_WEEK_ONLINE = (1.05, 1.0, 1.0, 1.0, 0.95, 0.95, 1.1)
_WEEK_SERVICE = (1.3, 1.15, 1.05, 1.0, 0.95, 0.6, 0.35)
_CLOSED = {(1, 1), (12, 25), (12, 26), (8, 15), (5, 1)}


def _months_back(day: date, months: int) -> date:
    year, month0 = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month0 + 1, min(day.day, monthrange(year, month0 + 1)[1]))


def _black_friday(year: int) -> date:
    first = date(year, 11, 1)
    first_thursday = first + timedelta(days=(3 - first.weekday()) % 7)
    return first_thursday + timedelta(days=22)


def _last_sunday(year: int, month: int) -> date:
    last = date(year, month, 31)
    return last - timedelta(days=(last.weekday() + 1) % 7)


def _shop_factor(day: date) -> float:
    factor = _MONTH_SHOP[day.month - 1]
    black_friday = _black_friday(day.year)
    gap = (day - black_friday).days
    if gap == 0:
        factor *= 3.5
    elif -7 <= gap <= 3:
        factor *= 1.9
    elif day.month == 12 and 14 <= day.day <= 23:
        factor *= 1.4
    elif day.month == 9 and 15 <= day.day <= 26:
        factor *= 1.4  # the new iPhone
    elif day.month == 8 and 8 <= day.day <= 22:
        factor *= 0.6
    elif day.month == 1 and 2 <= day.day <= 10:
        factor *= 1.2  # winter sales
    return factor


class _Calendar:
    """Per-day tables for one window: date and offset strings, seasonal weights, campaigns."""

    def __init__(self, as_of: date, months: int) -> None:
        start = _months_back(as_of, months) + timedelta(days=1)
        self.days = (as_of - start).days + 1
        self.last = self.days - 1
        dates = [start + timedelta(days=i) for i in range(self.days)]
        self.dates = dates
        self.prefix = [d.isoformat() for d in dates]
        summer = {year: (_last_sunday(year, 3), _last_sunday(year, 10)) for year in {d.year for d in dates}}
        self.offset = ["+02:00" if summer[d.year][0] <= d < summer[d.year][1] else "+01:00" for d in dates]
        # Nothing after 18:00 UTC on as_of: the cap in local minutes on the last day.
        self.cap = 18 * 60 + (120 if self.offset[-1] == "+02:00" else 60)
        store, online, service, browse = [], [], [], []
        for d in dates:
            shop = _shop_factor(d)
            closed = (d.month, d.day) in _CLOSED
            store.append(0.05 if closed else shop * _WEEK_STORE[d.weekday()])
            online.append(shop * _WEEK_ONLINE[d.weekday()] * (0.5 if closed else 1.0))
            service.append(_MONTH_SERVICE[d.month - 1] * _WEEK_SERVICE[d.weekday()] * (0.3 if closed else 1.0))
            browse.append(math.sqrt(shop) * _WEEK_ONLINE[d.weekday()])
        self.store = list(accumulate(store))
        self.online = list(accumulate(online))
        self.service = list(accumulate(service))
        self.browse = list(accumulate(browse))
        incident = _months_back(as_of.replace(day=1), 4)
        first, last = (incident.replace(day=4) - start).days, (incident.replace(day=24) - start).days
        self.incident = (max(first, 0), min(last, self.last)) if months >= 5 else (1, 0)
        self.incident_month = texts.MESI[incident.month - 1]
        self.campaigns = self._campaigns(start, as_of)
        self.campaign_days = [c.day for c in self.campaigns]

    def _campaigns(self, start: date, as_of: date) -> list[Campaign]:
        found: list[Campaign] = []
        skus = ("FIBRA-1G", "MOB-200GB-5G", "GALAXY-A56", "TV-BOX", "AURICOLARI-BT", "MESH-DUO", "MOB-UNLIMITED")
        month = start.replace(day=1)
        while month <= as_of:
            y, m = month.year, month.month
            plan = [(date(y, m, 12), 600, f"newsletter_{y}_{m:02d}", skus[(y * 12 + m) % len(skus)], 10)]
            specials = {
                1: [(7, "saldi_invernali", "GALAXY-A56", 20)],
                2: [(9, "san_valentino", "AURICOLARI-BT", 25)],
                3: [(16, "fibra_primavera", "FIBRA-1G", 30)],
                4: [(14, "giga_illimitati", "MOB-UNLIMITED", 20)],
                6: [(11, "estate_roaming", "MOB-200GB-5G", 15)],
                8: [(18, "tv_sport", "TV-PACK-SPORT", 30)],
                9: [(1, "back_to_school", "MOB-JUNIOR", 25), (20, "lancio_iphone", "IPHONE-16", 5)],
                10: [(8, "fibra_2_5_giga", "FIBRA-2.5G", 20)],
                12: [(3, "natale", "IPHONE-16-PRO", 10), (10, "natale_tv", "TV-BOX", 20)],
            }
            for day, name, sku, discount in specials.get(m, []):
                plan.append((date(y, m, day), 1110, f"{name}_{y}", sku, discount))
            if m == 11:
                black_friday = _black_friday(y)
                plan.append((black_friday - timedelta(days=4), 480, f"black_friday_{y}", "GALAXY-S25", 25))
                plan.append((black_friday + timedelta(days=3), 510, f"cyber_monday_{y}", "PIXEL-9", 20))
            for when, minute, name, sku, discount in plan:
                if start <= when <= as_of and (when < as_of or minute + 60 < self.cap):
                    found.append(Campaign((when - start).days, minute, name, sku, discount))
            month = _months_back(month, -1)
        found.sort()
        return found


# --- people --------------------------------------------------------------------------------------
