"""The fail-soft Redis cache (midas.core.cache) against a real redis-server of the test's own:
stopped, killed, hung and started again. Every operation answers from process memory while
Redis is away, the breaker leaves Redis alone between trials, one log line per change."""

from __future__ import annotations

import logging
import pickle
import time

import pytest
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

from midas.accounts.ratelimit import Limit
from midas.core import cache as fail_soft
from midas.core.cache import FailSoftRedisCache, serving_locally
from midas.errors import AppError
from tests.redis_server import RETRY, CacheOnRedis, redis_cache, redis_server

__all__ = ["redis_cache", "redis_server"]

LOGGER = "midas.core.cache"


@pytest.fixture
def attempts(monkeypatch) -> list[str]:
    """The Redis operations the backend sent (or tried to send), by name."""
    sent: list[str] = []
    for name in ("add", "get", "set", "incr", "delete", "get_many", "set_many", "has_key"):
        real = getattr(RedisCache, name)

        def spy(self, *args, _real=real, _name=name, **kwargs):
            sent.append(_name)
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(RedisCache, name, spy)
    return sent


def lines(caplog, level: int) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == LOGGER and r.levelno == level]


def test_values_go_to_redis_while_it_answers(redis_cache: CacheOnRedis):
    assert isinstance(caches["default"], FailSoftRedisCache)
    cache.set("k", {"a": 1}, 30)
    assert cache.get("k") == {"a": 1}
    assert redis_cache.server.client().exists("midas-test:1:k")
    assert not serving_locally(cache)


def test_every_operation_answers_from_process_memory_when_redis_is_stopped(
    redis_cache: CacheOnRedis, caplog
):
    cache.set("before", 1, 30)
    redis_cache.server.stop()
    caplog.set_level(logging.INFO)

    assert cache.get("before") is None  # Redis had it; this process never did
    assert cache.get("before", "default") == "default"
    cache.set("k", "v", 30)
    assert cache.get("k") == "v"
    assert cache.add("k", "other") is False
    assert cache.add("n", 0, 30) is True
    assert cache.incr("n") == 1
    assert cache.incr("n", 5) == 6
    assert cache.decr("n") == 5
    with pytest.raises(ValueError):
        cache.incr("missing")  # as Redis and Django's API say: no silent 1
    assert cache.has_key("k") and "k" in cache
    assert cache.touch("k", 60) is True
    assert cache.set_many({"a": 1, "b": 2}, 30) == []
    assert cache.get_many(["a", "b", "zz"]) == {"a": 1, "b": 2}
    cache.delete_many(["a"])
    assert cache.get_many(["a", "b"]) == {"b": 2}
    assert cache.delete("k") is True
    assert cache.get_or_set("g", lambda: "made", 30) == "made"
    cache.clear()
    assert cache.get("b") is None

    assert serving_locally(cache)
    [warning] = lines(caplog, logging.WARNING)
    assert "cache unavailable, serving from process memory" in warning.getMessage()
    assert "ConnectionError" in warning.getMessage()
    assert not any(r.exc_info for r in caplog.records)


def test_the_rate_limiter_counts_per_process_while_redis_is_away(redis_cache: CacheOnRedis, clock):
    redis_cache.server.stop()
    limit = Limit("outage-test", limit=3, window=60)
    for _ in range(3):
        limit.hit("ip:203.0.113.7")
    with pytest.raises(AppError) as raised:
        limit.hit("ip:203.0.113.7")
    assert raised.value.retry_after
    assert limit.count("ip:203.0.113.7") == 4
    limit.hit("ip:198.51.100.1")  # another address is counted apart


def test_the_breaker_leaves_redis_alone_between_trials(redis_cache: CacheOnRedis, attempts, caplog):
    caplog.set_level(logging.INFO)
    redis_cache.server.stop()
    cache.get("k")
    assert attempts == ["get"]
    breaker = redis_cache.breaker()
    assert breaker.is_open and breaker.outages == 1

    for n in range(50):  # within the interval: not one connection attempt
        cache.set(f"k{n}", n)
        assert cache.get(f"k{n}") == n
    assert attempts == ["get"]

    redis_cache.clock.advance(RETRY)  # one trial, still refused: open for another interval
    cache.get("k")
    cache.get("k")
    assert attempts == ["get", "get"]
    assert breaker.is_open and breaker.outages == 1
    assert len(lines(caplog, logging.WARNING)) == 1  # one line per change, not per trial
    assert lines(caplog, logging.INFO) == []


def test_back_again_the_breaker_closes_and_values_go_to_redis(redis_cache: CacheOnRedis, caplog):
    caplog.set_level(logging.INFO)
    server = redis_cache.server
    server.stop()
    cache.set("written-while-away", 1, 30)
    assert serving_locally(cache)

    server.start()  # the same port, empty
    assert serving_locally(cache)  # not before the interval is over
    redis_cache.clock.advance(RETRY)
    assert cache.get("written-while-away") is None  # the trial reached Redis
    assert not serving_locally(cache)
    [back] = lines(caplog, logging.INFO)
    assert "cache available again" in back.getMessage()

    cache.set("k", "v", 30)
    assert server.client().exists("midas-test:1:k")
    # the process's store was emptied: a later outage does not bring back old values
    server.stop()
    assert cache.get("written-while-away") is None
    assert len(lines(caplog, logging.WARNING)) == 2


def test_a_killed_redis_with_pooled_connections(redis_cache: CacheOnRedis):
    cache.set("k", "v", 30)  # a connection in the pool
    redis_cache.server.kill()
    cache.set("k", "local", 30)
    assert cache.get("k") == "local"
    assert serving_locally(cache)


def test_a_hung_redis_costs_one_socket_timeout_then_nothing(redis_cache: CacheOnRedis, attempts):
    cache.set("k", "v", 30)
    server = redis_cache.server
    server.pause()  # SIGSTOP: connected, never answered
    try:
        started = time.monotonic()
        assert cache.get("k", "fallback") == "fallback"
        assert time.monotonic() - started < 5  # generous: without a socket timeout, forever
        assert serving_locally(cache)
        assert redis_cache.breaker().reason.startswith("TimeoutError")
        sent = len(attempts)
        cache.set("k", "local", 30)
        assert cache.get("k") == "local"
        assert len(attempts) == sent  # open: Redis is not asked again
    finally:
        server.resume()
    redis_cache.clock.advance(RETRY)
    assert cache.get("k") == "v"  # Redis answers again, with what it had
    assert not serving_locally(cache)


def test_other_errors_are_raised_not_hidden(redis_cache: CacheOnRedis):
    redis_cache.server.client().rpush("midas-test:1:a-list", "x")
    with pytest.raises(Exception, match="WRONGTYPE"):
        cache.get("a-list")  # Redis answered: an error of ours, not an outage
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        cache.set("unpicklable", lambda: None)
    assert not serving_locally(cache)


def test_the_trial_is_given_back_after_an_error_that_is_not_an_outage(
    redis_cache: CacheOnRedis,
):
    server = redis_cache.server
    server.stop()
    cache.get("k")
    server.start()
    redis_cache.clock.advance(RETRY)
    with pytest.raises(ValueError):
        cache.incr("missing")  # the trial: Redis answered "no such key"
    assert not redis_cache.breaker().trying
    cache.get("k")  # the next operation tries again, and closes it
    assert not serving_locally(cache)


def test_the_options_of_its_own_do_not_reach_redis_py(redis_server, monkeypatch):
    monkeypatch.setattr(fail_soft, "_breakers", {})
    store = FailSoftRedisCache(
        redis_server.url,
        {"OPTIONS": {"socket_timeout": 0.5, "RETRY_SECONDS": 2, "MAX_ENTRIES": 10}},
    )
    store.set("k", 1)
    assert store.get("k") == 1
    assert store.breaker.retry_seconds == 2
    assert store.local._max_entries == 10
    assert "RETRY_SECONDS" not in store._options and store._options["socket_timeout"] == 0.5
    assert store.breaker.name == redis_server.url  # no prefix to name
    store.clear()


def test_no_credentials_in_the_name_it_logs():
    assert fail_soft._public_name("redis://:s3cret@cache.internal:6380/2?ssl=1") == (
        "redis://cache.internal:6380/2"
    )
    assert fail_soft._public_name("rediss://user:pw@cache.internal/0") == (
        "rediss://cache.internal/0"
    )
    assert fail_soft._public_name("unix:///run/redis.sock?db=1") == "/run/redis.sock"
