"""A period of UTC days and the plan's targets (``Period``, ``Target``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Period:
    """UTC days ``[start, end)``, optionally one city (location slug) and one category."""

    start: dt.date
    end: dt.date
    city: str = ""
    category: str = ""

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def previous(self) -> Period:
        length = self.end - self.start
        return Period(self.start - length, self.start, self.city, self.category)

    @property
    def start_at(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(), tzinfo=dt.UTC)

    @property
    def end_at(self) -> dt.datetime:
        return dt.datetime.combine(self.end, dt.time(), tzinfo=dt.UTC)

    def label(self) -> str:
        last = self.end - DAY
        return f"{self.start:%d %b %Y}" + ("" if last == self.start else f" – {last:%d %b %Y}")


@dataclass(frozen=True)
class Target:
    """The launch plan's target: ``value`` with ``above`` (more is better) or below."""

    value: float
    above: bool
    said: str

    def met(self, value: float | None) -> bool | None:
        if value is None:
            return None
        return value > self.value if self.above else value < self.value
