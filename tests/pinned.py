"""``django.utils.timezone.now`` pinned, for tests of what changes with the time of day
(maintenance windows start and end): every caller of ``timezone.now()`` reads the pinned
moment, which moves only when the test says so."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone


class PinnedNow:
    def __init__(self, moment: dt.datetime) -> None:
        self.moment = moment

    def __call__(self) -> dt.datetime:
        return self.moment

    def advance(self, **delta: float) -> dt.datetime:
        self.moment += dt.timedelta(**delta)
        return self.moment

    def set(self, moment: dt.datetime) -> dt.datetime:
        self.moment = moment
        return moment


def pin_now(monkeypatch: pytest.MonkeyPatch, moment: dt.datetime) -> PinnedNow:
    pinned = PinnedNow(moment)
    monkeypatch.setattr(timezone, "now", pinned)
    return pinned
