"""Remembered: a value read once per ``seconds`` per process, failing open when the database
cannot be read; the flags' revalidation; the fallbacks the test suite starts from."""

from __future__ import annotations

import logging

import pytest
from django.db import DatabaseError

from midas.core.remembered import Remembered


class Source:
    def __init__(self) -> None:
        self.value, self.reads, self.down = "first", 0, False

    def read(self) -> str:
        self.reads += 1
        if self.down:
            raise DatabaseError("connection refused")
        return self.value


@pytest.fixture
def moment(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(Remembered, "clock", lambda: now[0])
    return now


@pytest.fixture
def made():
    before = list(Remembered.everything)
    yield
    Remembered.everything[:] = before


def test_read_once_per_period_then_again(moment, made):
    source = Source()
    memo = Remembered("thing", read=source.read, fallback=lambda: "fallback", seconds=5)
    assert memo.get() == "first" and memo.get() == "first"
    assert source.reads == 1
    source.value = "second"
    moment[0] += 4.9
    assert memo.get() == "first"
    moment[0] += 0.2
    assert memo.get() == "second" and source.reads == 2
    assert memo.get(fresh=True) == "second" and source.reads == 3


def test_a_database_error_fails_open_to_the_fallback_and_says_so(moment, made, caplog):
    source = Source()
    memo = Remembered("maintenance", read=source.read, fallback=lambda: "open", seconds=5)
    assert memo.get() == "first"
    source.down = True
    moment[0] += 6
    with caplog.at_level(logging.WARNING, logger="midas.core.remembered"):
        assert memo.get() == "open"
    assert "maintenance unreadable (DatabaseError)" in caplog.text
    source.down = False
    assert memo.get() == "first"  # the fallback was not remembered: the next call reads


def test_keep_last_on_error_serves_the_last_value_read(moment, made):
    source = Source()
    memo = Remembered(
        "flags", read=source.read, fallback=lambda: "defaults", seconds=5, keep_last_on_error=True
    )
    assert memo.get() == "first"
    source.down = True
    moment[0] += 6
    assert memo.get() == "first"
    moment[0] += 3
    assert memo.get() == "first" and source.reads == 2  # kept for another period, not re-read


def test_revalidate_extends_an_expired_memo_without_a_read(moment, made):
    source = Source()
    current = [True]
    memo = Remembered(
        "flags", read=source.read, fallback=str, seconds=5, revalidate=lambda _: current[0]
    )
    memo.get()
    moment[0] += 6
    assert memo.get() == "first" and source.reads == 1
    current[0] = False
    moment[0] += 6
    memo.get()
    assert source.reads == 2


def test_remember_fallbacks_sets_every_value_for_an_hour(moment, made):
    source = Source()
    memo = Remembered("thing", read=source.read, fallback=lambda: "fallback", seconds=5)
    Remembered.remember_fallbacks()
    moment[0] += 3599
    assert memo.get() == "fallback" and source.reads == 0
    assert memo.peek() == "fallback"
    memo.forget()
    assert memo.peek() is None and memo.get() == "first"
